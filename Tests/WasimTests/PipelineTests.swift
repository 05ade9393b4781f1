import Foundation
import Testing
@testable import Wasim
@testable import WasimBatch
@testable import WasimEvaluation

/// A stage written the way a developer outside the project would: every token found in a small
/// list becomes an ORG candidate.
struct ListTagger: Stage {
    let name = "list-tagger"
    let requires: Set<Capability> = [.tokens, .normalizedForms]
    let provides: Set<Capability> = [Capability("list-tags")]
    let keys: Set<UInt64>

    init(_ words: [String]) { keys = Set(words.map { Normalizer().key($0) }) }

    func process(_ document: Document) throws {
        for (i, t) in document.tokens.enumerated() where keys.contains(t.hash) {
            document.candidates.append(Entity(type: .organization, start: t.start, end: t.end,
                                              tokens: Int32(i)..<Int32(i + 1), source: "list-tagger"))
        }
    }
}

@Suite struct PipelineTests {
    /// The rules are parsed and the model read on a second thread while the lists load: the
    /// first error is still the one loading them in turn meets (lists, then rules, then model).
    @Test func loadingReportsListsThenRulesThenModel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wasim-order-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = dir.appendingPathComponent("bad.tsv").path, rules = dir.appendingPathComponent("bad.rules").path
        let model = dir.appendingPathComponent("bad.model").path
        try "زيد\n".write(toFile: list, atomically: true, encoding: .utf8)
        try "rule r\n  pattern: @NO_SUCH_LIST\n".write(toFile: rules, atomically: true, encoding: .utf8)
        try "garbage".write(toFile: model, atomically: true, encoding: .utf8)
        func failure(_ lists: [String], _ ruleFiles: [String], _ modelFile: String?) -> String? {
            var options = PipelineOptions(dataDirectory: repositoryRoot.path)
            options.gazetteerFiles = lists
            options.ruleFiles = ruleFiles
            options.modelFile = modelFile
            do { _ = try DefaultPipeline.make(options); return nil } catch { return "\(error)" }
        }
        #expect(failure([list], [rules], model)?.contains(list + ":1:") == true)
        #expect(failure([], [rules], model)?.contains(rules + ":2:") == true)
        #expect(failure([], [], model)?.contains(model + ": not a Wasim labeller model") == true)
        #expect(failure([], [dir.appendingPathComponent("missing.rules").path], model)?.contains("missing.rules: cannot read rule file") == true)
        #expect(failure([], [], nil) == nil)
    }

    @Test func refusesAStageBeforeWhatItRequires() {
        #expect(throws: WasimError.pipeline("stage 'normalization' requires tokens, which stage 'segmentation' provides only after it: put 'segmentation' before 'normalization'")) {
            try Pipeline([Normalization(), Segmentation()])
        }
        #expect(throws: WasimError.pipeline("stage 'list-tagger' requires normalized-forms, which no stage before it provides")) {
            try Pipeline([Segmentation(), ListTagger([])])
        }
    }

    @Test func aCustomStageJoinsTheDefaultPipeline() throws {
        let standard = try DefaultPipeline.make(PipelineOptions(dataDirectory: repositoryRoot.path))
        let pipeline = try standard.inserting(ListTagger(["سونطراك"]), before: "conflict-resolution")
        #expect(pipeline.stages.map(\.name).contains("list-tagger"))
        let d = try pipeline.tag("ارتفعت أرباح سونطراك هذا العام")
        #expect(d.entities.map { d.text(of: $0) } == ["سونطراك"])
        #expect(d.entities.first?.source == "list-tagger")
        #expect(d.entities.first?.type == .organization)
        #expect(throws: WasimError.self) { try standard.inserting(ListTagger([]), after: "no-such-stage") }
    }

    @Test func conflictResolutionPrefersLongerThenPriorityThenSource() throws {
        let d = try tokenize("أ ب ج د")
        func e(_ a: Int32, _ b: Int32, _ p: Int, _ s: String) -> Entity {
            Entity(type: .location, start: d.tokens[Int(a)].start, end: d.tokens[Int(b) - 1].end, tokens: a..<b, source: s, priority: p)
        }
        d.candidates = [e(0, 1, 90, "rule:short"), e(0, 2, 10, "gazetteer:long.tsv"), e(2, 3, 10, "gazetteer:x.tsv"),
                        e(2, 3, 20, "rule:low"), e(3, 4, 5, "gazetteer:g.tsv"), e(3, 4, 5, "rule:same")]
        d.recordsResolutions = true
        try ConflictResolution().process(d)
        #expect(d.entities.map(\.source) == ["gazetteer:long.tsv", "rule:low", "rule:same"])
        #expect(d.resolutions.first { $0.winner.source == "gazetteer:long.tsv" }?.beaten.map(\.source) == ["rule:short"])
    }
}
