// libFuzzer harness: the rule-file parser and compiler over arbitrary text; a rule set that
// compiles is run over a few sentences. Errors are fine; a crash, a hang or a leak is not.
// Build and run: `.ci/fuzz rules` (README, "Fuzzing").
import Foundation
import Wasim
import WasimFuzzSupport

private let gazetteer: Gazetteer = {
    var b = GazetteerBuilder()
    for (surface, type) in [("الرئيس", "TITLE"), ("الأمين العام", "TITLE"), ("منطقتي", "LOC_DESIGNATOR"), ("العراق", "LOC"),
                            ("بغداد", "LOC"), ("أحمد", "GIVEN_NAME"), ("في", "COMMON"), ("حزب", "ORG_DESIGNATOR")] {
        try! b.add(surface, type: type)
    }
    return b.build()
}()

/// One segmenter for every input: making ICU's break iterators is most of a small run's cost.
private let segmentation = Segmentation()

private let sentences = [
    "قال الرئيس أحمد الحسن في بغداد إن حزب العدالة فاز.",
    "وفي منطقتي كاندالا وبوصاصو، قُتل ١٢ شخصا بين 3 و5 أيار.",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab العراق! والعراق؟",
]

@main enum Harness {
    static func main() { runFuzzer(fuzz) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let rules = try? RuleSet.parse(text, file: "fuzz.rules", gazetteer: gazetteer) else { return 0 }
    guard RuleSet.problems(rules).isEmpty else { return 0 }
    let pipeline = try! Pipeline([segmentation, Normalization(gazetteer.normalizer), GazetteerMatching(gazetteer),
                                  RuleMatching(RuleSet(rules: rules), gazetteer: gazetteer), ConflictResolution()])
    for s in sentences {
        let d = try! pipeline.tag(s)
        for e in d.candidates { precondition(e.start >= 0 && e.start < e.end && Int(e.end) <= d.utf16.count, "candidate out of bounds: \(e)") }
    }
    return 0
}
