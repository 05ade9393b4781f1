// Running the examples each rule carries, as SwiftLint runs its rules' triggering and
// non-triggering examples: `wasim rules check` and the test suite both use this.

package struct RuleCheckFailure: Sendable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var rule: String
    package var message: String
    package var description: String { "\(file):\(line): rule '\(rule)': \(message)" }
}

package enum RuleCheck {
    /// Runs every example of every rule, each rule alone on top of the gazetteer lookups.
    package static func run(_ rules: [Rule], gazetteer: Gazetteer) throws -> [RuleCheckFailure] {
        let base = [Segmentation(), Normalization(gazetteer.normalizer), GazetteerMatching(gazetteer)] as [any Stage]
        var failures: [RuleCheckFailure] = []
        for rule in rules {
            let pipeline = try Pipeline(base + [RuleMatching(RuleSet(rules: [rule]), gazetteer: gazetteer)])
            func found(_ text: String) throws -> [ExpectedEntity] {
                let d = try pipeline.tag(text)
                return d.candidates.filter { $0.source == rule.source }.sorted { $0.start < $1.start }
                    .map { ExpectedEntity(type: $0.type, text: d.text(of: $0)) }
            }
            func list(_ entities: [ExpectedEntity]) -> String {
                entities.isEmpty ? "nothing" : entities.map(\.description).joined(separator: " ; ")
            }
            for example in rule.fires {
                let got = try found(example.text)
                if got != example.expected {
                    failures.append(RuleCheckFailure(file: rule.file, line: example.line, rule: rule.name,
                        message: "expected \(list(example.expected)) but found \(list(got)) in «\(example.text)»"))
                }
            }
            for example in rule.skips {
                let got = try found(example.text)
                if !got.isEmpty {
                    failures.append(RuleCheckFailure(file: rule.file, line: example.line, rule: rule.name,
                        message: "should find nothing but found \(list(got)) in «\(example.text)»"))
                }
            }
            if rule.fires.isEmpty {
                failures.append(RuleCheckFailure(file: rule.file, line: rule.line, rule: rule.name,
                                                 message: "has no 'fires:' example"))
            }
        }
        return failures
    }
}
