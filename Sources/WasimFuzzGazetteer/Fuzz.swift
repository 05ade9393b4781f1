// libFuzzer harness: the gazetteer file parser over arbitrary bytes; a list that loads is
// matched over a few sentences. Build and run: `.ci/fuzz gazetteer` (README, "Fuzzing").
import Foundation
import Wasim
import WasimFuzzSupport

/// One segmenter for every input, and one tokenizer for every builder: making ICU's break
/// iterators is most of a small run's cost.
private let segmentation = Segmentation()
private let tokenizer = try! Pipeline.tokenizer()

private let sentences = ["قال الرئيس أحمد الحسن في بغداد إن حزب العدالة فاز.", "ـ ـ ، ! 12 و12 \u{200D}"]

@main enum Harness {
    static func main() { runFuzzer(fuzz) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var b = GazetteerBuilder(trieCapacity: 64)
    b.tokenizer = tokenizer
    do {
        try b.load(contents: UnsafeBufferPointer(start: data, count: size), path: "fuzz.tsv", name: "fuzz.tsv")
    } catch {
        return 0
    }
    let g = b.build()
    let pipeline = try! Pipeline([segmentation, Normalization(g.normalizer), GazetteerMatching(g), ConflictResolution()])
    for s in sentences {
        let d = try! pipeline.tag(s)
        for e in d.candidates { precondition(e.start >= 0 && e.start < e.end && Int(e.end) <= d.utf16.count, "candidate out of bounds: \(e)") }
    }
    return 0
}
