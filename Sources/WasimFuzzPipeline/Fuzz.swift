// libFuzzer harness: the default pipeline over arbitrary bytes, through the file decoder (as
// `wasim tag` reads a file) and through the string API. Every entity must lie in the text,
// split no surrogate pair, and its JSON offsets (code points) must slice the text to exactly
// its "text". Build and run: `.ci/fuzz pipeline` (README, "Fuzzing").
import Foundation
import Wasim
import WasimFuzzSupport

private let pipeline: Pipeline = {
    try! DefaultPipeline.make(PipelineOptions(dataDirectory: fuzzDataDirectory()))
}()

private func check(_ d: Document) {
    let units = d.utf16
    let scalars = Array(String(decoding: units, as: UTF16.self).unicodeScalars)
    for e in d.entities + d.candidates {
        precondition(e.start >= 0 && e.start < e.end && Int(e.end) <= units.count, "entity out of bounds: \(e)")
        precondition(!UTF16.isTrailSurrogate(units[Int(e.start)]), "entity starts inside a surrogate pair: \(e)")
        precondition(Int(e.end) == units.count || !UTF16.isTrailSurrogate(units[Int(e.end)]), "entity ends inside a surrogate pair: \(e)")
    }
    for e in d.entities {
        let record = WasimJSON.entity(e, in: d)
        // JSONDecoder, not JSONSerialization: on Linux the latter drops a U+FEFF inside a string,
        // and a text holding one (a byte-order mark pasted mid-article) failed here with right
        // offsets.
        let object = try! JSONDecoder().decode(Record.self, from: Data(record.utf8))
        var slice = String.UnicodeScalarView()
        slice.append(contentsOf: scalars[object.start..<object.end])
        precondition(String(slice) == object.text, "offsets \(object.start)..<\(object.end) do not slice to the text of \(record)")
    }
}

/// What the check reads of an entity's JSON record.
private struct Record: Decodable {
    let start: Int
    let end: Int
    let text: String
}

@main enum Harness {
    static func main() { runFuzzer(fuzz) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let doc = try? DocumentDecoder.document(from: bytes, lossy: true) {
        _ = try! pipeline.run(doc)
        check(doc)
    }
    let text = String(decoding: bytes, as: UTF8.self)
    if let doc = try? pipeline.tag(text) {
        check(doc)
    }
    return 0
}
