// The rough edges a new user hit (issue 15), each run through the real `wasim` binary.
import Foundation
import Testing
import WasimTestSupport

@Suite struct PapercutTests {
    @Test func rulesCheckReportsErrorsOnStandardError() throws {
        let dir = try CLI.temporaryDirectory("rules")
        let file = dir + "/my.rules"
        try "rule bad-list\n  type: PER\n  pattern: @TITLES [word]\n  fires: قال الرئيس زيد => زيد\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["rules", "check", file])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("\(file):3:12: unknown list '@TITLES'"))
        #expect(r.stderr.contains("\n      pattern: @TITLES [word]\n               ^\n"))
        #expect(r.stdout.hasPrefix("0 rules, 0 examples, ") && r.stdout.hasSuffix(": FAILED\n"))
        #expect(r.stdout.split(separator: "\n").count == 1)
    }

    @Test func folderWithoutTextFilesSaysSoAndFails() throws {
        let dir = try CLI.temporaryDirectory("notes")
        for name in ["a.md", "b.md", "c.json"] {
            try "زار الوفد القاهرة".write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
        }
        let r = try CLI.run(["tag", "--quiet", dir])
        #expect(r.status == 1)
        let message = "no file matches --glob '*.txt' below this folder (it holds 2 *.md, 1 *.json); tag them with --glob '*.md'"
        #expect(r.stdout == "{\"path\": \"\(dir)\", \"error\": \"\(message)\"}\n")
        #expect(r.stderr.contains(message))

        let empty = try CLI.temporaryDirectory("empty")
        let e = try CLI.run(["tag", "--quiet", empty])
        #expect(e.status == 1)
        #expect(e.stdout.contains("no file matches --glob '*.txt' below this folder (it holds no files)"))
    }

    @Test func globIgnoresCase() throws {
        let dir = try CLI.temporaryDirectory("upper")
        try "زار الوفد القاهرة".write(toFile: dir + "/A.TXT", atomically: true, encoding: .utf8)
        let r = try CLI.run(["tag", "--quiet", dir])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("{\"path\": \"\(dir)/A.TXT\", \"entities\": [{\"type\": \"LOC\", \"start\": 10, \"end\": 17, \"text\": \"القاهرة\""))
    }

    @Test func negativeJobsIsNamed() throws {
        let r = try CLI.run(["tag", "--jobs", "-3", "-"], stdin: "زار الوفد القاهرة")
        #expect(r.status == 2)
        #expect(r.stderr.contains("--jobs must be 1 or more (got -3)"))
        #expect(!r.stderr.contains("Missing value"))
    }

    @Test func trainRejectsNoFeatures() throws {
        let r = try CLI.run(["train", "--gold", "Tests/Fixtures/news.jsonl", "--max-features", "0", "--out", "/dev/null"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--max-features must be 1 or more (got 0)"))
    }

    @Test func tagHelpStatesEachDefaultOnce() throws {
        let r = try CLI.run(["tag", "--help"])
        #expect(r.status == 0)
        let jobs = r.stdout.components(separatedBy: "\n").drop { !$0.contains("-j, --jobs <n>") }.prefix(2).joined()
        #expect(jobs.components(separatedBy: "default").count - 1 == 1)
        for line in r.stdout.components(separatedBy: "\n") {
            #expect(line.components(separatedBy: "(default").count <= 2, "\(line)")
        }
    }

    /// Models/README.md's error example is what `wasim rules check` prints for it: the line
    /// shown (indented by four), the column and the caret agree.
    @Test func rulesReadmeErrorExampleIsReal() throws {
        let readme = try String(contentsOfFile: CLI.checkout + "/Models/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "```\nmy.rules:"), "no my.rules error example in Models/README.md")
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let lines = readme[readme.index(start.lowerBound, offsetBy: 4)..<end.lowerBound].components(separatedBy: "\n")
        #expect(lines[0].hasPrefix("my.rules:7:12: "))
        let dir = try CLI.temporaryDirectory("readme")
        // Line 7 of my.rules is the line the example shows.
        let rules = "# my rules\n\nrule person-after-titles\n  type: PER\n  priority: 60\n  note: the README's example\n"
            + lines[1].dropFirst(4) + "\n  fires: قال الرئيس زيد => زيد\n"
        try rules.write(toFile: dir + "/my.rules", atomically: true, encoding: .utf8)
        let r = try CLI.run(["rules", "check", "my.rules"], in: dir)
        #expect(r.status == 1)
        let printed = r.stderr.components(separatedBy: "\n")
        #expect(printed.count >= 3)
        #expect(printed[0].hasPrefix(lines[0].replacingOccurrences(of: " …)", with: " ")))
        #expect(printed[1] == lines[1])
        #expect(printed[2] == lines[2])
    }

    /// `wasim rules check` notes the rules the matcher cannot skip: with the shipped rules loaded
    /// first, a user's file of 200 rules, each with its own required word, goes past the 256th
    /// rule and the 256th required set; the rules before stay silent.
    @Test func rulesCheckNotesRulesPastTheGates() throws {
        let dir = try CLI.temporaryDirectory("gates")
        let rules = (0..<200).map { r in
            "rule many\(r)\n  type: LOC\n  pattern: @LOC_DESIGNATOR \"\(ruleWord(r))\" [word]\n  fires: في منطقة \(ruleWord(r)) كاندالا => كاندالا\n"
        }.joined(separator: "\n")
        try rules.write(toFile: dir + "/many.rules", atomically: true, encoding: .utf8)
        let r = try CLI.run(["rules", "check", "many.rules"], in: dir)
        #expect(r.status == 0)
        let notes = r.stderr.components(separatedBy: "\n").filter { $0.contains(": note: ") }
        let past = notes.filter { $0.contains("past the first 256 that get start lists") }
        let sets = notes.filter { $0.contains("past the first 256 distinct ones") }
        // The shipped rules, as `rules check` counts them.
        let shippedCheck = try CLI.run(["rules", "check", CLI.checkout + "/Models/rules"])
        let shipped = try #require(Int(shippedCheck.stdout.prefix { $0.isNumber }), "\(shippedCheck.stdout)")
        #expect(past.count == shipped + 200 - 256)
        #expect(past.first?.hasPrefix("many.rules:\(1 + 5 * (256 - shipped)): note: rule 'many\(256 - shipped)' is rule 257 of those loaded") == true)
        // With the shipped rules' own required sets, the file's last rules' sets are past the 256th.
        #expect(sets.last?.hasPrefix("many.rules:996: note: rule 'many199' needs a set of texts") == true)
        #expect(sets.allSatisfy { $0.hasPrefix("many.rules:") })
    }

    /// An unanchored rule gets a note; one whose matches all need a text says it is tried only
    /// where that text is.
    @Test func rulesCheckNotesUnanchoredRules() throws {
        let dir = try CLI.temporaryDirectory("unanchored")
        let rules = "rule any-then-text\n  type: LOC\n  pattern: word [\"كاندالا\"]\n  fires: في كاندالا => كاندالا\n\n"
            + "rule any-word\n  type: LOC\n  pattern: \"في\"? [word&ends:الا]\n  fires: في كاندالا => كاندالا\n"
        try rules.write(toFile: dir + "/loose.rules", atomically: true, encoding: .utf8)
        let r = try CLI.run(["rules", "check", "loose.rules"], in: dir)
        #expect(r.status == 0)
        #expect(r.stderr.components(separatedBy: "\n").filter { $0.contains(": note: ") } == [
            "loose.rules:1: note: rule 'any-then-text' can start at any token of the sentences that hold the text it needs, which slows tagging; start it with a list (@LIST) or a text (\"…\")",
            "loose.rules:6: note: rule 'any-word' can start at any token, which slows tagging; start it with a list (@LIST) or a text (\"…\")",
        ])
    }

    /// `wasim explain --json` prints what the server's /v1/explain answers.
    @Test func explainJSON() throws {
        let r = try CLI.run(["explain", "--json", "--no-model", "زار الوفد القاهرة"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("{\"tokens\": [{\"i\": 0, \"start\": 0, \"end\": 3, \"text\": \"زار\", \"kind\": \"word\""))
        #expect(r.stdout.contains("\"entities\": [{\"type\": \"LOC\", \"start\": 10, \"end\": 17, \"text\": \"القاهرة\""))
        #expect(r.stdout.hasSuffix("\"beat\": []}]}\n"))
    }
}
