import ArgumentParser
import Foundation
import Wasim

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Work with rule files.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Parse rule files and run every rule's examples.",
            discussion: """
                Errors are reported on standard error as file:line:column with the line and a
                caret, as `tag` and `eval` do; the summary goes to standard output. Each rule's
                'fires:' examples must produce exactly the entities after '=>' (text and type:
                '=> PER دونالد ترامب ; LOC واشنطن'; an untyped entity has the rule's only type),
                and its 'skips:' examples nothing. Exits 0 only if every file parses and every example passes.

                Examples:
                  wasim rules check Models/rules/*.rules
                  wasim rules check my.rules
                """
        )

        @Argument(help: ArgumentHelp("Rule files or folders of *.rules files.", valueName: "file"))
        var files: [String]

        @OptionGroup var pipelineArguments: PipelineArguments

        func run() throws {
            let options = pipelineArguments.options()
            let gazetteer = try DefaultPipeline.loadGazetteer(options)
            var failed = false
            var checked = 0, examples = 0
            // The files are checked together and with the rules `tag` would load beside them
            // (built-in rules, --rules), as `tag --rules` loads them: a name defined twice or a
            // set past the size limit fails here as it would there.
            func identity(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path }
            var named: [String] = []
            for path in files {
                var isDir: ObjCBool = false
                let list = FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
                    ? try RuleSet.files(in: path) : [path]
                for file in list where !named.map(identity).contains(identity(file)) { named.append(file) }
            }
            var beside: [String] = []
            if options.defaultRules { beside = try RuleSet.files(in: try DefaultPipeline.dataDirectory(options.dataDirectory) + "/Models/rules") }
            // The data directory's own files, checked or beside: not counted against the size limit.
            let shipped = Set(beside.map(identity))
            beside += options.ruleFiles
            beside = beside.filter { b in !named.contains { identity($0) == identity(b) } }
            var all: [Rule] = []
            for file in beside {
                do { all += try RuleSet.read(file: file, gazetteer: gazetteer) } catch {
                    failed = true
                    printError(error)
                }
            }
            var checkedRules = IndexSet()
            for file in named {
                do {
                    let rules = try RuleSet.read(file: file, gazetteer: gazetteer)
                    checkedRules.insert(integersIn: all.count..<all.count + rules.count)
                    all += rules
                    checked += rules.count
                    examples += rules.reduce(0) { $0 + $1.fires.count + $1.skips.count }
                    for rule in rules where !rule.isAnchored {
                        let scope = rule.hasRequiredText ? " of the sentences that hold the text it needs" : ""
                        printError("\(rule.file):\(rule.line): note: rule '\(rule.name)' can start at any token\(scope), which slows tagging; start it with a list (@LIST) or a text (\"…\")")
                    }
                    for failure in try RuleCheck.run(rules, gazetteer: gazetteer) {
                        failed = true
                        printError(failure)
                    }
                } catch {
                    failed = true
                    printError(error)
                }
            }
            let isShipped = all.map { shipped.contains(identity($0.file)) }
            for problem in RuleSet.problems(all, shipped: { isShipped[$0] }) {
                failed = true
                printError(problem)
            }
            // The rules the matcher cannot skip cheaply, in the order `tag` loads them: a rule
            // past the 256th gets no start list, and a required text set past the 256th distinct
            // one gates nothing (`RuleMatching.startRules`, `requiredSets`).
            if !failed {
                let matching = RuleMatching(RuleSet(rules: all), gazetteer: gazetteer)
                for r in matching.pastStartRules where checkedRules.contains(r) {
                    printError("\(all[r].file):\(all[r].line): note: rule '\(all[r].name)' is rule \(r + 1) of those loaded, past the first \(RuleMatching.startRules) that get start lists: it is tried at every token of the sentences that hold what it needs, which slows tagging; merge rules or load fewer")
                }
                for r in matching.ungated where checkedRules.contains(r) {
                    printError("\(all[r].file):\(all[r].line): note: rule '\(all[r].name)' needs a set of texts past the first \(RuleMatching.requiredSets) distinct ones, so sentences without them are not skipped, which slows tagging; share a required text with another rule or load fewer")
                }
            }
            let size = all.indices.filter { !isShipped[$0] }.reduce(0) { $0 + all[$1].size }
            print("\(checked) rules, \(examples) examples, \(size) of \(RuleSet.maximumSize) instructions with the rules loaded beside them (the data directory's own not counted): \(failed ? "FAILED" : "all passed")")
            if failed { throw ExitCode(1) }
        }
    }
}
