// libFuzzer harness: the gold readers of `wasim eval` (CoNLL and JSON Lines) over arbitrary
// text. A record that is accepted must have spans inside its text. Build and run:
// `.ci/fuzz gold` (README, "Fuzzing").
import Foundation
import Wasim
import WasimEvaluation
import WasimFuzzSupport

@main enum Harness {
    static func main() { runFuzzer(fuzz) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let records = try? GoldReader.parseJSONLines(text, file: "fuzz.jsonl") {
        for r in records {
            let length = r.text.unicodeScalars.count
            for s in r.entities { precondition(0 <= s.start && s.start < s.end && s.end <= length, "gold span out of bounds: \(s)") }
        }
    }
    if let sentences = try? GoldReader.parseCoNLL(text, file: "fuzz.conll") {
        for s in sentences { precondition(s.tokens.count == s.tags.count && !s.tokens.isEmpty, "a sentence's tokens and tags differ") }
    }
    return 0
}
