import Foundation
import Testing
@testable import Wasim
@testable import WasimBatch
@testable import WasimEvaluation
#if canImport(Glibc)
import Glibc
#endif

// Issue #12's reproducers for rule files (crashes, hostile sizes, regexes, `rules check`), each
// with the exact result or error it must give now.

/// The message of the error a rule file gives, or "no error".
private func ruleFileError(_ source: String) -> String {
    do {
        _ = try RuleSet.parse(source, file: "x.rules", gazetteer: try ruleTestGazetteer())
    } catch {
        return "\(error)"
    }
    return "no error"
}

@Suite struct RuleFileLimitTests {
    @Test func aBadFirstRuleNameIsAnErrorNotATrap() {
        #expect(ruleFileError("rule my club rule\n  type: ORG\n  pattern: [\"نادي\" word]\n")
            == "x.rules:1:6: a rule needs a name of letters, digits, '-', '_' or '.'\n    rule my club rule\n         ^")
        #expect(ruleFileError("rule\n  type: ORG\n  pattern: word\n")
            == "x.rules:1:6: a rule needs a name of letters, digits, '-', '_' or '.'\n    rule\n         ^")
        #expect(ruleFileError("rule a\u{01}b\n  type: ORG\n  pattern: word\n") == "x.rules:1:7: a control character (U+0001) in a rule file\n    rule a\u{01}b\n          ^")
    }

    @Test func crlfAndCrOnlyLineEnds() throws {
        for end in ["\r\n", "\r"] {
            let source = ["rule r", "  type: LOC", "  pattern: @LOC", ""].joined(separator: end)
            #expect(try runRules(source, on: "في العراق") == ["LOC العراق"])
            let rules = try RuleSet.parse(source, file: "c.rules", gazetteer: try ruleTestGazetteer())
            #expect(rules.map(\.name) == ["r"])
            #expect(rules.map(\.line) == [1])
        }
        // An error on the third line of a CRLF file names line 3.
        #expect(ruleFileError("rule r\r\n  type: LOC\r\n  pattern: @NOPE\r\n").hasPrefix("x.rules:3:12: unknown list '@NOPE'"))
    }

    @Test func deepNestingIsRefusedWithItsPlace() {
        for (open, close) in [("(", ")"), ("[", "]")] {
            let pattern = String(repeating: open, count: 12_000) + "word" + String(repeating: close, count: 12_000)
            let error = ruleFileError("rule r\n  type: LOC\n  pattern: \(pattern)\n")
            #expect(error.hasPrefix("x.rules:3:44: groups nest more than 32 levels deep here\n"))
        }
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: word\(String(repeating: "?", count: 12_000))\n")
            .hasPrefix("x.rules:3:48: repetitions nest more than 32 levels deep here\n"))
        // Definitions that each nest a little add up once spliced in.
        var source = "define d0: word\n"
        for k in 1...40 { source += "define d\(k): ($d\(k - 1))+\n" }
        source += "rule r\n  type: LOC\n  pattern: $d40\n"
        #expect(ruleFileError(source).hasPrefix("x.rules:34:13: this pattern nests 33 levels deep (groups, captures and repetitions, definitions included); the limit is 32\n"))
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: \(String(repeating: "(", count: 32))word\(String(repeating: ")", count: 32))\n") == "no error")
    }

    @Test func nestedBoundedRepetitionsAreRefusedBeforeTheyAreBuilt() {
        // Depth 6 compiled to 1.5 GB before; now the size is estimated on the syntax tree.
        var pattern = "word"
        for _ in 0..<6 { pattern = "(\(pattern)){1,12}" }
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: \(pattern)\n")
            == "x.rules:3:12: rule 'r' compiles to 5971972 instructions; the limit is 2000 per rule (a bounded repetition {m,n} is copied n times, so nesting multiplies; a /regex/ counts 100)\n      pattern: \(pattern)\n               ^")
        var deeper = "word"
        for _ in 0..<30 { deeper = "(\(deeper)){12}" }
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: \(deeper)\n")
            .hasPrefix("x.rules:3:12: rule 'r' compiles to more than 9223372036854775807 instructions; the limit is 2000"))
    }

    @Test func longChainsAndManyAlternativesAreRefused() {
        let chain = Array(repeating: "any?", count: 1_000).joined(separator: " ") + " word"
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: \(chain)\n").hasPrefix("x.rules:3:12: rule 'r' compiles to 2006 instructions; the limit is 2000 per rule"))
        let alternatives = (1...3_000).map { "word&length:\($0)" }.joined(separator: " | ")
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: \(alternatives)\n").hasPrefix("x.rules:3:12: rule 'r' compiles to 9003 instructions; the limit is 2000 per rule"))
        // Plain texts become one set: thousands of them cost one instruction.
        let words = (1...3_000).map { "\"كلمة\($0)\"" }.joined(separator: " | ")
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: \(words)\n") == "no error")
    }

    @Test func aRuleSetHasACompiledSizeLimit() throws {
        let g = try ruleTestGazetteer()
        let source = (1...5_000).map { "rule r\($0)\n  type: LOC\n  pattern: \"كلمة\($0)\"\n" }.joined()
        let rules = try RuleSet.parse(source, file: "many.rules", gazetteer: g)
        #expect(rules.map(\.size).reduce(0, +) == 145_000)
        #expect(RuleSet.problems(rules).map(\.description) == [
            "many.rules:1033:1: the rules compile to 145000 instructions, counting 25 for each of the 5000 rules; the limit is 10000 for all rules together beside the data directory's own (Models/rules), and rule 'r345' crosses it",
        ])
        let file = try temporaryFile(named: "many.rules", source)
        #expect(throws: WasimError.self) { try RuleSet.load(files: [file], gazetteer: g) }
        // The data directory's own rules are not counted: the same file as the shipped rules
        // loads, and a user's small file beside it too; beside a user's file of 10,000, one more
        // rule is refused.
        let shipped = try RuleSet.load(files: [], shipped: [file], gazetteer: g)
        #expect(shipped.rules.count == 5_000)
        let mine = try temporaryFile(named: "mine.rules", "rule mine\n  type: LOC\n  pattern: \"كلمة\"\n")
        #expect(try RuleSet.load(files: [mine], shipped: [file], gazetteer: g).rules.count == 5_001)
        #expect(RuleSet.problems(rules, shipped: { $0 < 4_700 }).isEmpty)
        #expect(RuleSet.problems(rules, shipped: { $0 < 4_600 }).map(\.description) == [
            "many.rules:14833:1: the rules compile to 11600 instructions, counting 25 for each of the 400 rules; the limit is 10000 for all rules together beside the data directory's own (Models/rules), and rule 'r4945' crosses it",
        ])
    }

    @Test func manyRulesFindingTheSameSpansKeepOneCandidateEach() throws {
        let g = try ruleTestGazetteer()
        let source = (1...500).map { "rule r\($0)\n  type: LOC\n  priority: \($0 == 7 ? 60 : 50)\n  pattern: word\n" }.joined()
        let rules = try RuleSet(rules: RuleSet.parse(source, file: "same.rules", gazetteer: g))
        let d = try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g), RuleMatching(rules, gazetteer: g)])
            .tag("زار أحمد بغداد")
        #expect(d.candidates.filter { $0.source.hasPrefix("rule:") }.map { "\($0.source) \(d.text(of: $0))" }
            == ["rule:r7 زار", "rule:r7 أحمد", "rule:r7 بغداد"])
    }

    @Test func ambiguousAlternationUnderRepetitionIsRefusedInRegexes() {
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: /(\\w|a)*!/\n")
            == "x.rules:3:12: regular expression rejected: alternatives inside a repeated group (as in (a|b)*) can backtrack exponentially; use a character class ([ab]*) or split the condition\n      pattern: /(\\w|a)*!/\n               ^")
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: /(a|aa)*c/\n").hasPrefix("x.rules:3:12: regular expression rejected: alternatives inside a repeated group"))
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: /((a|b)c)+/\n").hasPrefix("x.rules:3:12: regular expression rejected: alternatives inside a repeated group"))
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: /(a+)+b/\n").hasPrefix("x.rules:3:12: regular expression rejected: a quantified group that contains a quantifier"))
        // Still allowed: alternation that is not repeated, groups with flags, classes.
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: /^(?:ab)*$/\n") == "no error")
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: /^(ab|cd)?[a-z]+$/\n") == "no error")
    }

    @Test func controlCharactersAreRefused() throws {
        // Found by the rules fuzzer: a /regex/ holding NUL bytes made Foundation's regex
        // constructor leak.
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: /[a\u{0}b]]+$/\n")
            == "x.rules:3:15: a control character (U+0000) in a rule file\n      pattern: /[a\u{0}b]]+$/\n                  ^")
        #expect(ruleFileError("rule r\u{1B}x\n  type: LOC\n  pattern: word\n").hasPrefix("x.rules:1:7: a control character (U+001B) in a rule file"))
        let bytes = try #require(FileManager.default.contents(atPath: repositoryRoot.path + "/Tests/Fuzz/rules/leak-nul-in-regex.rules"))
        let found = String(decoding: bytes, as: UTF8.self)
        #expect(ruleFileError(found).hasPrefix("x.rules:6:"))
        #expect(ruleFileError(found).contains("a control character (U+0000) in a rule file"))
    }

    @Test func aLongRegexIsRefused() throws {
        let long = String(repeating: "a", count: 129)
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: /\(long)/\n").hasPrefix("x.rules:3:12: a regular expression is at most 128 characters; this one has 129\n"))
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: /\(long.dropLast())/\n") == "no error")
        // Found by the rules fuzzer: a long invalid regex made Foundation's regex constructor leak.
        let bytes = try #require(FileManager.default.contents(atPath: repositoryRoot.path + "/Tests/Fuzz/rules/leak-long-invalid-regex.rules"))
        #expect(ruleFileError(String(decoding: bytes, as: UTF8.self)).contains("a regular expression is at most 128 characters"))
    }

    @Test func aRegexIsNotRunOnAVeryLongToken() throws {
        let rules = "rule r\n  type: LOC\n  pattern: [/^a+b$/]\n"
        #expect(try runRules(rules, on: "x aaab y") == ["LOC aaab"])
        let long = String(repeating: "a", count: MatchContext.maximumRegexLength) + "b"
        #expect(try runRules(rules, on: "x \(long) y") == [])
        #expect(try runRules("rule r\n  type: LOC\n  pattern: [word&!/^q/]\n", on: long) == ["LOC \(long)"])
    }
}

@Suite struct RulesCheckCommandTests {
    @Test func filesAreCheckedTogetherAndWithTheBuiltInRules() throws {
        let t = TempDir()
        let rule = "rule r1\n  type: LOC\n  pattern: @LOC\n  fires: ذهب إلى بغداد => بغداد\n"
        t.write("a.rules", rule)
        t.write("b.rules", rule)
        let both = try runCLI(["rules", "check", "a.rules", "b.rules"], cwd: t.path)
        #expect(both.status == 1)
        #expect(both.stderr.contains("b.rules:1:6: rule 'r1' is already defined at a.rules:1\n"))
        #expect(both.stdout.hasSuffix("FAILED\n"))
        let one = try runCLI(["rules", "check", "a.rules"], cwd: t.path)
        #expect(one.status == 0)
        #expect(one.stdout.hasSuffix("all passed\n"))

        t.write("builtin.rules", rule.replacingOccurrences(of: "rule r1", with: "rule event-quoted-name"))
        let redefined = try runCLI(["rules", "check", "builtin.rules"], cwd: t.path)
        #expect(redefined.status == 1)
        #expect(redefined.stderr.contains("builtin.rules:1:6: rule 'event-quoted-name' is already defined at "))
        // The built-in files themselves are not loaded twice.
        let builtIn = try runCLI(["rules", "check", repositoryRoot.path + "/Models/rules"], cwd: t.path)
        #expect(builtIn.status == 0)
    }

    @Test func aPatternThatReadsFarPastItsMatchesStopsWaitingForLongerOnes() throws {
        // Each كلمة is a match, and the optional group then reads on to the end of the run of
        // words looking for نهاية: with no bound, every match would cost the rest of the
        // sentence. Short, the sentence gets leftmost-longest matches; long, the rule's budget
        // (`PikeVM.budget`) runs out and the last match is taken as soon as it is found.
        let rules = "rule r\n  type: LOC\n  pattern: \"كلمة\" ((\"كلمة\" | \"ثم\")* \"نهاية\")?\n"
        let short = try runRules(rules, on: String(repeating: "كلمة ", count: 3) + "قف كلمة ثم نهاية")
        #expect(short == ["LOC كلمة", "LOC كلمة", "LOC كلمة", "LOC كلمة ثم نهاية"])
        let long = try runRules(rules, on: String(repeating: "كلمة ", count: 2_000) + "قف كلمة ثم نهاية")
        #expect(long.count == 2_001)
        #expect(long.allSatisfy { $0 == "LOC كلمة" })
        #expect(PikeVM.budget(2_004) == 8_080)
    }

    @Test func rulesAddAtMostFourCandidatesPerToken() throws {
        // 48 rules marking spans of 1 to 12 tokens with four types find 108 spans in 10 tokens
        // (4 × (10 + 5 + 3 + 2 + 2 + 1 + 1 + 1 + 1 + 1)); the limit is 4 × 10 + 64.
        #expect(RuleMatching.candidateLimit(tokens: 10) == 104)
        let source = (1...12).flatMap { k in
            ["PER", "ORG", "LOC", "NONE"].map { "rule r\(k)\($0)\n  type: \($0)\n  pattern: [\(Array(repeating: "any", count: k).joined(separator: " "))]\n" }
        }.joined()
        let text = Array(repeating: "كلمة", count: 10).joined(separator: " ")
        #expect(try runRules(source, on: text).count == 104)
        #expect(try runRules(source, on: Array(repeating: "كلمة", count: 4).joined(separator: " ")).count == 4 * (4 + 2 + 1 + 1))
    }

    @Test func aRegexThatBacktracksGivesUpAsNoMatch() throws {
        // Several quantifiers in a row pass `backtrackingRisk` but cost a power of the token's
        // length: on 250 letters without a z this took minutes. ICU's step limit stops it.
        let rules = "rule r\n  type: LOC\n  pattern: [/\\w*\\w*\\w*\\w*z/]\n"
        #expect(try runRules(rules, on: "x aaz y") == ["LOC aaz"])
        #expect(try runRules(rules, on: "x " + String(repeating: "a", count: 250) + " aaz") == ["LOC aaz"])
        #expect(try runRules("rule r\n  type: LOC\n  pattern: [word&!/\\w*\\w*\\w*\\w*z/]\n", on: String(repeating: "a", count: 250) + " aaz")
            == ["LOC " + String(repeating: "a", count: 250)])
        // Each test is charged what it could cost (here the most, 10,000 steps), against a
        // budget of 1,000 steps per token of the document and a million: of 150 such tokens,
        // the first 115 are tested.
        #expect(MatchContext.regexBudget(tokens: 150) == 1_150_000)
        let words = Array(repeating: String(repeating: "a", count: 19) + "z", count: 150)
        #expect(try runRules(rules, on: words.joined(separator: " ")).count == 115)
        // ICU's syntax errors are still errors at the condition.
        #expect(ruleFileError("rule r\n  type: LOC\n  pattern: /a(b/\n") == "x.rules:3:12: invalid regular expression /a(b/\n      pattern: /a(b/\n               ^")
    }
}
