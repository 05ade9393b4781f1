import Foundation
import Testing
@testable import Wasim
@testable import WasimBatch
@testable import WasimEvaluation

/// One line of Tests/Fixtures/numranges.jsonl.
struct RangeCase: Sendable {
    struct Expected: Sendable, Equatable, CustomStringConvertible {
        var start: Int, end: Int, text: String, low: Double, high: Double, unit: String?
        var description: String { "\(start)-\(end) «\(text)» \(low)..\(high) \(unit ?? "—")" }
    }
    var id: String
    var text: String
    var entities: [Expected]
}

enum RangeFixture {
    static let path = repositoryRoot.appendingPathComponent("Tests/Fixtures/numranges.jsonl").path

    static func load() throws -> [RangeCase] {
        let content = try String(contentsOfFile: path, encoding: .utf8)
        return try content.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let entities = (object["entities"] as! [[String: Any]]).map { e in
                RangeCase.Expected(start: e["start"] as! Int, end: e["end"] as! Int, text: e["text"] as! String,
                                   low: (e["low"] as! NSNumber).doubleValue, high: (e["high"] as! NSNumber).doubleValue,
                                   unit: e["unit"] as? String)
            }
            return RangeCase(id: object["id"] as! String, text: object["text"] as! String, entities: entities)
        }
    }
}

func rangePipeline() throws -> Pipeline {
    try Pipeline([Segmentation(), Normalization(), NumericRanges(), ConflictResolution()])
}

func ranges(_ d: Document) -> [RangeCase.Expected] {
    d.entities.filter { $0.type == .numericRange }.map { e in
        RangeCase.Expected(start: d.codePointOffset(e.start), end: d.codePointOffset(e.end), text: d.text(of: e),
                           low: e.low ?? .nan, high: e.high ?? .nan, unit: e.unit)
    }
}

@Suite struct NumericRangeTests {
    @Test func fixtureSentences() throws {
        let cases = try RangeFixture.load()
        #expect(cases.count == 145)
        #expect(cases.filter { $0.entities.isEmpty }.count == 44, "negatives")
        let pipeline = try rangePipeline()
        for c in cases {
            let d = try pipeline.tag(c.text)
            #expect(ranges(d) == c.entities, "\(c.id): \(c.text)")
            for e in d.entities where e.type == .numericRange {
                #expect(e.source == "numeric-ranges" && e.priority == 100, "\(c.id)")
            }
        }
    }

    @Test func theIssueExamples() throws {
        let pipeline = try rangePipeline()
        let expectations: [(String, Double, Double, String?)] = [
            ("بين مئة ومئتي مقاتل", 100, 200, "مقاتل"),
            ("بين 2500 وأربعة آلاف", 2500, 4000, nil),
            ("بين ٢٠ و٢٥", 20, 25, nil),
            ("بين 1.2 و1.5 مليون", 1_200_000, 1_500_000, nil),
            ("من 2 إلى 3 ملايين", 2_000_000, 3_000_000, nil),
            ("بين مئة وخمسين ومئتي", 150, 200, nil),
            ("1500 إلى 3500", 1500, 3500, nil),
            ("بين ۲۰ و ۳۰ دولارا", 20, 30, "دولارا"),
        ]
        for (text, low, high, unit) in expectations {
            let found = ranges(try pipeline.tag(text))
            #expect(found.count == 1 && found.first?.low == low && found.first?.high == high
                    && found.first?.unit == unit && found.first?.start == 0, "\(text): \(found)")
        }
    }

    /// A rate's unit is written with a slash (كلم/س): the unit is all of it, as written.
    @Test func aRateKeepsItsWholeUnit() throws {
        let pipeline = try rangePipeline()
        let units = try ["وتتراوح سرعة الرياح بين 40 و60 كلم/س", "بسرعة تتراوح بين 30 و50 كم / ساعة",
                         "بلغ السعر بين 5 و7 دنانير / الكيلوغرام"].map { ranges(try pipeline.tag($0)).map(\.unit) }
        #expect(units == [["كلم/س"], ["كم / ساعة"], ["دنانير"]])
    }

    @Test func procliticStaysOutsideTheSpan() throws {
        let pipeline = try rangePipeline()
        let d = try pipeline.tag("لِما بين 5 و7 أيام")
        #expect(ranges(d) == [RangeCase.Expected(start: 2, end: 13, text: "ما بين 5 و7", low: 5, high: 7, unit: "أيام")])
        #expect(d.entities.first?.tokens.lowerBound == 0)
    }

    @Test func noCrashOnOddInput() throws {
        let pipeline = try rangePipeline()
        let huge = String(repeating: "9", count: 400)
        let texts = [
            "", "بين", "بين 5", "بين 5 و", "من 5 إلى", "5 -", "- 5", "ما", "ما بين", "و", "وخمسين",
            "بين \(huge) و\(huge)", "من 1 إلى \(huge)", "\(huge) - \(huge)", "بين 1 و\(huge).\(huge)",
            "بين 5. و7", "من 5! إلى 7", "١٬٢٣٤٬٥٦٧٬٨٩٠٬١٢٣٬٤٥٦ إلى ١", String(repeating: "بين 1 و", count: 200),
            "ألف ألف ألف ألف مليون مليار تريليون", String(repeating: "مئة و", count: 100) + "مئة",
            ",,, ... 1,,2 إلى 3..4", "٫٥ إلى ٬٦", "بين 5 و\u{064E}7", "🙂 بين 5 و7 🙂",
        ]
        for t in texts {
            let d = try pipeline.tag(t)
            for e in d.entities {
                #expect(e.low!.isFinite && e.high!.isFinite && e.low! <= e.high!, "\(t)")
                #expect(e.start >= 0 && e.end <= Int32(d.utf16.count) && e.start < e.end, "\(t)")
            }
        }
        // A range split across sentences is no range; one at the very end of the text is.
        #expect(ranges(try pipeline.tag("بين 5. و7 أشخاص")).isEmpty)
        #expect(ranges(try pipeline.tag("بلغ العدد بين 5 و7")).map(\.text) == ["بين 5 و7"])
        // The code-point offsets account for characters outside the BMP before the range.
        #expect(ranges(try pipeline.tag("🙂 بين 5 و7 🙂")).map(\.start) == [2])
    }

    @Test func worksWhenTaMarbutaIsKept() throws {
        let pipeline = try Pipeline([Segmentation(), Normalization(Normalizer(foldTaMarbuta: false)), NumericRanges(),
                                     ConflictResolution()])
        #expect(ranges(try pipeline.tag("بين مئة وثلاثة عشر ومئتي وحدة")) == [
            RangeCase.Expected(start: 0, end: 24, text: "بين مئة وثلاثة عشر ومئتي", low: 113, high: 200, unit: "وحدة"),
        ])
    }

    @Test func defaultPipelineIncludesTheStage() throws {
        var options = PipelineOptions()
        options.defaultGazetteers = false
        options.defaultRules = false
        let pipeline = try DefaultPipeline.make(options)
        #expect(pipeline.stages.map(\.name) == ["segmentation", "normalization", "gazetteer-matching", "rule-matching",
                                                 "numeric-ranges", "labeller", "conflict-resolution", "name-propagation"])
    }

    @Test func repeatedRangeConstructions() throws {
        let pipeline = try rangePipeline()
        let d = try pipeline.tag(String(repeating: "بين 1 و2 ", count: 50))
        #expect(ranges(d).count == 50)
        #expect(ranges(d).allSatisfy { $0.low == 1 && $0.high == 2 && $0.unit == nil })
    }
}
