import Foundation
import Testing
@testable import Wasim
@testable import WasimBatch
@testable import WasimEvaluation

private func span(_ type: EntityType, _ start: Int, _ end: Int, low: Double? = nil, high: Double? = nil) -> GoldSpan {
    GoldSpan(type: type, start: start, end: end, low: low, high: high)
}

private func unit(_ gold: [GoldSpan], _ predicted: [GoldSpan]) -> ScoringUnit {
    ScoringUnit(gold: gold, predicted: predicted, context: .text(String(repeating: "س", count: 60)), location: "t:1")
}

private func conllUnit(_ gold: [String], _ predicted: [String], _ rules: ChunkRules = .conlleval) -> ScoringUnit {
    ScoringUnit(gold: Chunker.chunks(gold, rules: rules), predicted: Chunker.chunks(predicted, rules: rules),
                context: .tokens(gold.map { _ in "ك" }), location: "t:1")
}

private let perLocOrg: Set<EntityType> = [.person, .location, .organization]

/// A file in a fresh temporary folder.
func temporaryFile(_ name: String, _ contents: String, in folder: URL? = nil) throws -> URL {
    let dir = folder ?? FileManager.default.temporaryDirectory.appendingPathComponent("wasim-eval-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try contents.write(to: url, atomically: true, encoding: .utf8)
    return url
}

func expectDataError(_ expected: String, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("expected an error containing '\(expected)'", sourceLocation: sourceLocation)
    } catch {
        #expect("\(error)".contains(expected), "got: \(error)", sourceLocation: sourceLocation)
    }
}

/// Tags every occurrence of fixed strings with a type, as a gazetteer would: lets the CoNLL
/// mapping be tested without depending on the real gazetteers.
struct FixedStrings: Stage {
    let name = "fixed-strings"
    let requires: Set<Capability> = [.tokens]
    let provides: Set<Capability> = [.gazetteerCandidates]
    let names: [(String, EntityType)]

    func process(_ document: Document) throws {
        let text = Array(document.utf16)
        for (name, type) in names {
            let needle = Array(name.utf16)
            var i = 0
            while i + needle.count <= text.count {
                if Array(text[i..<i + needle.count]) == needle {
                    let start = Int32(i), end = Int32(i + needle.count)
                    let first = document.tokenIndex(atOrAfter: start), last = document.tokenIndex(atOrAfter: end - 1)
                    document.candidates.append(Entity(type: type, start: start, end: end,
                                                      tokens: Int32(first)..<Int32(last + 1), source: "test"))
                    i += needle.count
                } else {
                    i += 1
                }
            }
        }
    }
}

func fixedPipeline(_ names: [(String, EntityType)]) throws -> Pipeline {
    try Pipeline([Segmentation(), Normalization(), FixedStrings(names: names), ConflictResolution()])
}

@Suite struct ChunkerTests {
    @Test func iAfterOStartsAChunkInConllevalButIsInvalidInStrictIOB2() {
        let tags = ["O", "I-PER", "I-PER", "O", "B-LOC"]
        #expect(Chunker.chunks(tags, rules: .conlleval) == [span(.person, 1, 3), span(.location, 4, 5)])
        #expect(Chunker.chunks(tags, rules: .strictIOB2) == [span(.location, 4, 5)])
    }

    @Test func typeChangeInsideARun() {
        let tags = ["B-PER", "I-PER", "I-LOC", "I-LOC", "O"]
        #expect(Chunker.chunks(tags, rules: .conlleval) == [span(.person, 0, 2), span(.location, 2, 4)])
        #expect(Chunker.chunks(tags, rules: .strictIOB2) == [span(.person, 0, 2)])
    }

    @Test func bAfterBAndRunToTheEnd() {
        let tags = ["B-ORG", "B-ORG", "I-ORG"]
        #expect(Chunker.chunks(tags) == [span(.organization, 0, 1), span(.organization, 1, 3)])
        #expect(Chunker.chunks(tags, rules: .strictIOB2) == [span(.organization, 0, 1), span(.organization, 1, 3)])
    }

    @Test func scoresOfTheTwoReadings() {
        // Gold is clean IOB2; the prediction opens its name with I-.
        let gold = ["O", "B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O"]
        let pred = ["O", "I-PER", "I-PER", "O", "B-LOC", "I-ORG", "O"]
        let lenient = Scorer.score([conllUnit(gold, pred, .conlleval)], types: perLocOrg)
        // conlleval: PER 1..3 correct; LOC 4..5 and ORG 5..6 wrong: 1 of 3 predicted, 1 of 2 gold.
        #expect(lenient.micro == ScoreCounts(gold: 2, predicted: 3, correct: 1, partial: 2))
        #expect(abs(lenient.micro.precision - 1.0 / 3) < 1e-12)
        #expect(lenient.micro.recall == 0.5)
        #expect(abs(lenient.micro.f1 - 0.4) < 1e-12)
        let strict = Scorer.score([conllUnit(gold, pred, .strictIOB2)], types: perLocOrg)
        // seqeval strict: only LOC 4..5 is a valid predicted chunk, and it is wrong.
        #expect(strict.micro == ScoreCounts(gold: 2, predicted: 1, correct: 0, partial: 1))
        #expect(strict.micro.f1 == 0)
    }
}

@Suite struct ScorerTests {
    @Test func emptyPrediction() {
        let r = Scorer.score([unit([span(.person, 0, 4), span(.location, 6, 9)], [])], types: perLocOrg)
        #expect(r.micro == ScoreCounts(gold: 2, predicted: 0, correct: 0, partial: 0))
        #expect(r.micro.precision == 0 && r.micro.recall == 0 && r.micro.f1 == 0)
        #expect(r.errors.map(\.kind) == [.falseNegative, .falseNegative])
        #expect(r.macroF1 == 0)
    }

    @Test func goldWithNoEntities() {
        let r = Scorer.score([unit([], [span(.location, 3, 7)]), unit([], [])], types: perLocOrg)
        #expect(r.counts(.location) == ScoreCounts(gold: 0, predicted: 1, correct: 0, partial: 0))
        #expect(r.micro.precision == 0 && r.micro.recall == 0)
        // Macro averages over the types present on either side: LOC only.
        #expect(r.macroPrecision == 0)
        #expect(r.errors.count == 1 && r.errors[0].kind == .falsePositive && r.errors[0].counterpart == nil)
    }

    @Test func duplicatePredictionsCountOnce() {
        let gold = [span(.location, 0, 5), span(.person, 10, 12)]
        let pred = [span(.location, 0, 5), span(.location, 0, 5), span(.person, 7, 9)]
        let r = Scorer.score([unit(gold, pred)], types: perLocOrg)
        #expect(r.counts(.location) == ScoreCounts(gold: 1, predicted: 1, correct: 1, partial: 1))
        #expect(r.counts(.person) == ScoreCounts(gold: 1, predicted: 1, correct: 0, partial: 0))
        #expect(r.micro.precision == 0.5 && r.micro.recall == 0.5 && r.micro.f1 == 0.5)
        // Macro: LOC F1 1, PER F1 0, ORG absent on both sides and left out.
        #expect(r.macroF1 == 0.5)
    }

    @Test func partialMatchesAreOneToOne() {
        let gold = [span(.person, 0, 10), span(.location, 12, 20), span(.organization, 30, 40)]
        let pred = [span(.person, 0, 4), span(.person, 5, 10), span(.location, 12, 20),
                    span(.organization, 25, 29), span(.location, 31, 35)]
        let r = Scorer.score([unit(gold, pred)], types: perLocOrg)
        #expect(r.counts(.person) == ScoreCounts(gold: 1, predicted: 2, correct: 0, partial: 1))
        #expect(r.counts(.location) == ScoreCounts(gold: 1, predicted: 2, correct: 1, partial: 1))
        #expect(r.counts(.organization) == ScoreCounts(gold: 1, predicted: 1, correct: 0, partial: 0))
        // Exact: 1 of 5 predicted, 1 of 3 gold: F1 = 2·0.2·(1/3)/(0.2+1/3) = 0.25.
        #expect(abs(r.micro.f1 - 0.25) < 1e-12)
        // Partial: 2 matched of 5 predicted and 3 gold: P 0.4, R 2/3, F1 0.5.
        #expect(abs(r.micro.partialPrecision - 0.4) < 1e-12)
        #expect(abs(r.micro.partialRecall - 2.0 / 3) < 1e-12)
        #expect(abs(r.micro.partialF1 - 0.5) < 1e-12)
        // Macro F1: (0 + 2/3 + 0) / 3.
        #expect(abs(r.macroF1 - 2.0 / 9) < 1e-12)
        // The FN ORG 30..40 overlaps the predicted LOC 31..35: the listing names it.
        let fn = r.errors.first { $0.kind == .falseNegative && $0.span.type == .organization }
        #expect(fn?.counterpart == span(.location, 31, 35))
    }

    @Test func numrangeValues() {
        let gold = [span(.numericRange, 0, 10, low: 100, high: 200), span(.numericRange, 20, 30, low: 5, high: 7),
                    span(.numericRange, 40, 50), span(.numericRange, 52, 58, low: 1, high: 2)]
        let pred = [span(.numericRange, 0, 10, low: 100, high: 200), span(.numericRange, 20, 30, low: 5, high: 8),
                    span(.numericRange, 40, 50, low: 1, high: 2), span(.numericRange, 53, 58, low: 1, high: 2)]
        let r = Scorer.score([unit(gold, pred)], types: [.numericRange])
        #expect(r.counts(.numericRange) == ScoreCounts(gold: 4, predicted: 4, correct: 3, partial: 4))
        // Checked: the exact matches whose gold has values (0..10 and 20..30), not 40..50
        // (no gold values) nor 53..58 (not exact).
        #expect(r.numrangeChecked == 2 && r.numrangeRight == 1)
        #expect(r.numrangeValueAccuracy == 0.5)
    }

    @Test func typesOutsideTheSelectionAreDroppedOnBothSides() {
        let r = Scorer.score([unit([span("MISC", 0, 3), span(.person, 4, 6)], [span("MISC", 0, 3), span(.numericRange, 8, 9)])],
                             types: perLocOrg)
        #expect(r.micro == ScoreCounts(gold: 1, predicted: 0, correct: 0, partial: 0))
    }
}

@Suite struct CoNLLMappingTests {
    @Test func procliticInsideAGoldTokenIsNotAnError() throws {
        // The tagger finds العراق inside the token والعراق; the gold tags the whole token.
        let conll = "زار\tO\nالوزير\tO\nوالعراق\tB-LOC\nوبغداد\tB-LOC\nأمس\tO\n"
        let sentences = try GoldReader.parseCoNLL(conll, file: "t.conll")
        let pipeline = try fixedPipeline([("العراق", .location), ("بغداد", .location), ("الوزير", .person)])
        let tags = try Evaluation.predictedTags(sentences, pipeline: pipeline, documentTokens: 400)
        #expect(tags == [["O", "B-PER", "B-LOC", "B-LOC", "O"]])
        let r = try Evaluation.run(.conll(sentences), pipeline: pipeline)
        #expect(r.counts(.location) == ScoreCounts(gold: 2, predicted: 2, correct: 2, partial: 2))
        // The gold tags no PER: by default a CoNLL corpus is scored on its own types only.
        #expect(r.types.map(\.type) == [.location])
    }

    @Test func anEntityOverSeveralTokensAndSentences() throws {
        let conll = "في\tO\nالأمم\tB-ORG\nالمتحدة\tI-ORG\n\nقال\tO\nالأمم\tB-ORG\n\nالمتحدة\tB-LOC\n"
        let sentences = try GoldReader.parseCoNLL(conll, file: "t.conll")
        // The second mention spans the newline that joins the sentences of a document: conlleval
        // closes every chunk at a sentence boundary, so it is two chunks.
        let pipeline = try fixedPipeline([("الأمم المتحدة", .organization), ("الأمم\nالمتحدة", .organization)])
        let tags = try Evaluation.predictedTags(sentences, pipeline: pipeline, documentTokens: 400)
        #expect(tags == [["O", "B-ORG", "I-ORG"], ["O", "B-ORG"], ["B-ORG"]])
        let r = try Evaluation.run(.conll(sentences), pipeline: pipeline)
        #expect(r.counts(.organization) == ScoreCounts(gold: 2, predicted: 3, correct: 2, partial: 2))
        #expect(r.counts(.location) == ScoreCounts(gold: 1, predicted: 0, correct: 0, partial: 0))
    }

    @Test func documentGrouping() throws {
        func sentence(_ n: Int, docStart: Bool = false) -> CoNLLSentence {
            CoNLLSentence(tokens: Array(repeating: "ك", count: n), tags: Array(repeating: "O", count: n),
                          location: "t:1", startsDocument: docStart)
        }
        let s = [sentence(3, docStart: true), sentence(4), sentence(5), sentence(2), sentence(9), sentence(1, docStart: true), sentence(1)]
        #expect(Evaluation.documents(s, documentTokens: 7) == [0..<2, 2..<4, 4..<5, 5..<7])
        #expect(Evaluation.documents(s, documentTokens: 0) == (0..<7).map { $0..<($0 + 1) })
        #expect(Evaluation.documents(s, documentTokens: 1000) == [0..<5, 5..<7])
    }

    @Test func conllPredictionFile() throws {
        let gold = try temporaryFile("g.conll", "محمد B-PERS\nعلي I-PERS\nفي O\nتونس B-LOC\n")
        let pred = try temporaryFile("p.conll", "محمد B-PER\nعلي O\nفي O\nتونس B-LOC\n", in: gold.deletingLastPathComponent())
        let r = try Evaluation.score(try GoldReader.read(path: gold.path), predictionsAt: pred.path)
        #expect(r.counts(.person) == ScoreCounts(gold: 1, predicted: 1, correct: 0, partial: 1))
        #expect(r.counts(.location) == ScoreCounts(gold: 1, predicted: 1, correct: 1, partial: 1))
        let other = try temporaryFile("q.conll", "محمد B-PER\nعلي O\n\nفي O\nتونس B-LOC\n", in: gold.deletingLastPathComponent())
        expectDataError("q.conll: 2 sentences, but the gold has 1") {
            _ = try Evaluation.score(try GoldReader.read(path: gold.path), predictionsAt: other.path)
        }
        let renamed = try temporaryFile("r.conll", "محمد B-PER\nعلى O\nفي O\nتونس B-LOC\n", in: gold.deletingLastPathComponent())
        expectDataError("r.conll:1: this sentence differs from the gold's (\(gold.path):1) at token 2") {
            _ = try Evaluation.score(try GoldReader.read(path: gold.path), predictionsAt: renamed.path)
        }
    }
}

@Suite struct GoldReaderTests {
    @Test func conllSeparatorsDocstartAndTagNames() throws {
        let text = "-DOCSTART- O\n\nجورج\tB-PERS\r\nبوش  I-PERS\nفي O\nروما B-LOC\n\n\nالأمم B-ORG\nمعرض B-MISC\n-DOCSTART- -X- O\nتونس B-LOC"
        let s = try GoldReader.parseCoNLL(text, file: "a.txt")
        #expect(s.count == 3)
        #expect(s[0].tokens == ["جورج", "بوش", "في", "روما"])
        #expect(s[0].tags == ["B-PER", "I-PER", "O", "B-LOC"])
        #expect(s[0].location == "a.txt:3" && s[0].startsDocument)
        #expect(s[1].location == "a.txt:9" && !s[1].startsDocument)
        #expect(s[2].tokens == ["تونس"] && s[2].startsDocument)
        let corpus = GoldCorpus.conll(s)
        #expect(Evaluation.types(corpus, EvaluationOptions()) == [.person, .location, .organization])
        var misc = EvaluationOptions()
        misc.misc = true
        #expect(Evaluation.types(corpus, misc) == [.person, .location, .organization, "MISC"])
    }

    @Test func malformedConllNamesFileAndLine() {
        expectDataError("b.conll:3: expected a token and a tag") {
            _ = try GoldReader.parseCoNLL("أ O\n\nوحيد\n", file: "b.conll")
        }
        expectDataError("b.conll:2: 'X-PER' is not a tag") {
            _ = try GoldReader.parseCoNLL("أ O\nب X-PER\n", file: "b.conll")
        }
        expectDataError("b.conll:1: 'PER' is not a tag") {
            _ = try GoldReader.parseCoNLL("أ PER\n", file: "b.conll")
        }
    }

    @Test func jsonLinesWithCodePointOffsets() throws {
        // The emoji is one code point but two UTF-16 units: offsets count code points.
        let text = """
            {"id": "a", "text": "😀 زار العراق", "entities": [{"type": "LOC", "start": 6, "end": 12, "text": "العراق"}]}

            {"text": "بين 20 و30 مقاتلا", "entities": [{"type": "NUMRANGE", "start": 0, "end": 10, "low": 20, "high": 30, "unit": "مقاتلا"}]}
            """
        let r = try GoldReader.parseJSONLines(text, file: "g.jsonl")
        #expect(r.count == 2)
        #expect(r[0].id == "a" && r[0].entities == [span(.location, 6, 12)] && r[0].location == "g.jsonl:1")
        #expect(r[1].id == nil && r[1].location == "g.jsonl:3")
        #expect(r[1].entities == [GoldSpan(type: .numericRange, start: 0, end: 10, low: 20, high: 30, unit: "مقاتلا")])
    }

    @Test func malformedJsonLinesNamesFileAndLine() {
        let ok = #"{"text": "زار العراق", "entities": []}"#
        expectDataError("g.jsonl:2: not valid JSON") {
            _ = try GoldReader.parseJSONLines(ok + "\n{\"text\": ", file: "g.jsonl")
        }
        expectDataError("g.jsonl:2: a gold record needs \"text\"") {
            _ = try GoldReader.parseJSONLines(ok + "\n{\"entities\": []}", file: "g.jsonl")
        }
        expectDataError("g.jsonl:1: the record needs \"entities\"") {
            _ = try GoldReader.parseJSONLines(#"{"text": "زار"}"#, file: "g.jsonl")
        }
        expectDataError("g.jsonl:1: entity 1 (LOC) ends at 12, past the text's 10 code points") {
            _ = try GoldReader.parseJSONLines(#"{"text": "زار العراق", "entities": [{"type": "LOC", "start": 4, "end": 12}]}"#, file: "g.jsonl")
        }
        expectDataError("g.jsonl:1: entity 1 (LOC 4..<9): \"text\" is 'العراق' but the slice is 'العرا'") {
            _ = try GoldReader.parseJSONLines(#"{"text": "زار العراق", "entities": [{"type": "LOC", "start": 4, "end": 9, "text": "العراق"}]}"#, file: "g.jsonl")
        }
        expectDataError("g.jsonl:1: entity 1 needs integer \"start\" and \"end\"") {
            _ = try GoldReader.parseJSONLines(#"{"text": "زار العراق", "entities": [{"type": "LOC", "start": true, "end": 9}]}"#, file: "g.jsonl")
        }
        expectDataError("g.jsonl:1: entity 1: \"low\" must be a number") {
            _ = try GoldReader.parseJSONLines(#"{"text": "زار العراق", "entities": [{"type": "NUMRANGE", "start": 0, "end": 3, "low": "20"}]}"#, file: "g.jsonl")
        }
    }

    @Test func folderOfFilesAndMixedFormats() throws {
        let a = try temporaryFile("a.conll", "تونس B-LOC\n")
        let dir = a.deletingLastPathComponent()
        _ = try temporaryFile("b.txt", "روما B-LOC\nقال O\n", in: dir)
        _ = try temporaryFile("notes.md", "not gold", in: dir)
        guard case .conll(let s) = try GoldReader.read(path: dir.path) else {
            Issue.record("expected CoNLL")
            return
        }
        #expect(s.map(\.tokens) == [["تونس"], ["روما", "قال"]])
        #expect(s.map(\.startsDocument) == [true, true])
        _ = try temporaryFile("c.jsonl", #"{"text": "س", "entities": []}"#, in: dir)
        expectDataError("mixes JSON Lines") { _ = try GoldReader.read(path: dir.path) }
    }

    @Test func predictionsMatchByIdPathOrOrder() throws {
        let gold = try temporaryFile("g.jsonl", """
            {"id": "n1", "text": "زار العراق", "entities": [{"type": "LOC", "start": 4, "end": 10}]}
            {"id": "n2", "text": "زار تونس", "entities": [{"type": "LOC", "start": 4, "end": 8}]}
            {"id": "n3", "text": "زار روما", "entities": [{"type": "LOC", "start": 4, "end": 8}]}
            """)
        let dir = gold.deletingLastPathComponent()
        let corpus = try GoldReader.read(path: gold.path)
        // n2 by its id, n1 by the path's file name; n3 has no prediction: all missed.
        let pred = try temporaryFile("p.jsonl", """
            {"id": "n2", "entities": [{"type": "LOC", "start": 4, "end": 8}]}
            {"path": "docs/n1.txt", "entities": [{"type": "LOC", "start": 4, "end": 10, "source": "x"}]}
            """, in: dir)
        let r = try Evaluation.score(corpus, predictionsAt: pred.path)
        #expect(r.micro == ScoreCounts(gold: 3, predicted: 2, correct: 2, partial: 2))
        // By order: the first record goes to n1 and the second to n2.
        let ordered = try temporaryFile("o.jsonl", """
            {"entities": [{"type": "LOC", "start": 4, "end": 10}]}
            {"entities": [{"type": "LOC", "start": 4, "end": 7}]}
            """, in: dir)
        #expect(try Evaluation.score(corpus, predictionsAt: ordered.path).micro == ScoreCounts(gold: 3, predicted: 2, correct: 1, partial: 2))
        let stray = try temporaryFile("s.jsonl", #"{"id": "n9", "entities": []}"#, in: dir)
        expectDataError("s.jsonl:1: no gold record has id 'n9'") { _ = try Evaluation.score(corpus, predictionsAt: stray.path) }
        let twice = try temporaryFile("t.jsonl", "{\"id\": \"n1\", \"entities\": []}\n{\"path\": \"n1.txt\", \"entities\": []}", in: dir)
        expectDataError("t.jsonl:2: gold record \(gold.path):1 was already matched by \(twice.path):1") {
            _ = try Evaluation.score(corpus, predictionsAt: twice.path)
        }
        let dup = try temporaryFile("d.jsonl", "{\"id\": \"n1\", \"text\": \"س\", \"entities\": []}\n{\"id\": \"n1\", \"text\": \"ص\", \"entities\": []}", in: dir)
        expectDataError("d.jsonl:2: id 'n1' is also the id of \(dup.path):1") {
            _ = try Evaluation.score(try GoldReader.read(path: dup.path), predictionsAt: pred.path)
        }
        let error = try temporaryFile("e.jsonl", #"{"path": "n1.txt", "error": "invalid UTF-8 at byte 3"}"#, in: dir)
        expectDataError("e.jsonl:1: the prediction record is an error record") { _ = try Evaluation.score(corpus, predictionsAt: error.path) }
    }

    @Test func jsonLinesGoldWithThePipeline() throws {
        let records = try GoldReader.parseJSONLines(
            #"{"id": "x", "text": "وصل إلى والعراق ثم بغداد", "entities": [{"type": "LOC", "start": 9, "end": 15}, {"type": "LOC", "start": 19, "end": 24}]}"#,
            file: "g.jsonl")
        let r = try Evaluation.run(.records(records), pipeline: try fixedPipeline([("العراق", .location)]))
        #expect(r.counts(.location) == ScoreCounts(gold: 2, predicted: 1, correct: 1, partial: 1))
        #expect(r.errors.count == 1 && r.errors[0].kind == .falseNegative)
        #expect(EvaluationReport.context(r.errors[0].span, r.units[0].context) == "وصل إلى والعراق ثم ⟦بغداد⟧")
    }
}
