// Swift's side of the ICU wrapper (CWasimICU). The rest of the library calls ICU only here.
import CWasimICU

/// ICU's word and sentence break iterators for one thread at a time.
final class ICUSegmenter {
    private let handle: OpaquePointer
    /// Reused from document to document (a segmenter serves one thread at a time).
    private static let capacity: Int32 = 1024
    private let starts = UnsafeMutablePointer<Int32>.allocate(capacity: Int(capacity))
    private let ends = UnsafeMutablePointer<Int32>.allocate(capacity: Int(capacity))
    private let kinds = UnsafeMutablePointer<UInt8>.allocate(capacity: Int(capacity))
    /// `Segmentation`'s buffer of a document's tokens, reused from document to document.
    var tokens = Scratch<Token>(capacity: 1024)

    init(locale: String = "ar") throws {
        var error: Int32 = 0
        guard let h = wasim_segmenter_open(locale, &error) else {
            throw WasimError.icu("cannot open break iterators for locale \(locale) (ICU error \(error))")
        }
        handle = h
    }

    deinit {
        wasim_segmenter_close(handle)
        starts.deallocate()
        ends.deallocate()
        kinds.deallocate()
        tokens.free()
    }

    /// Segments `text` into raw tokens and sentence end offsets. The buffer stays pinned for
    /// the whole call, which ICU needs: it does not copy the text.
    func segment(_ text: UnsafeBufferPointer<UInt16>,
                 token: (Int32, Int32, TokenKind) -> Void,
                 sentenceEnd: (Int32) -> Void) throws {
        guard let base = text.baseAddress, text.count > 0 else { return }
        let status = wasim_segmenter_set_text(handle, base, Int32(text.count))
        if status != 0 { throw WasimError.icu("ubrk_setText failed (ICU error \(status))") }
        let capacity = ICUSegmenter.capacity, starts = self.starts, ends = self.ends, kinds = self.kinds
        while true {
            let n = wasim_segmenter_next_tokens(handle, starts, ends, kinds, capacity)
            if n == 0 { break }
            for i in 0..<Int(n) {
                token(starts[i], ends[i], TokenKind(rawValue: kinds[i]) ?? .symbol)
            }
        }
        while true {
            let n = wasim_segmenter_next_sentences(handle, ends, capacity)
            if n == 0 { break }
            for i in 0..<Int(n) { sentenceEnd(ends[i]) }
        }
    }

    /// `segment` as `Segmentation` uses it: each token through `Segmentation.append` into
    /// `tokens`, and the sentence ends into `sentenceEnds`. No closures: through them the loop
    /// kept its counters and buffers in memory (about 70 instructions a token, 35 now).
    func segment(_ text: UnsafeBufferPointer<UInt16>, into tokens: inout Scratch<Token>, sentenceEnds: inout [Int32]) throws {
        guard let base = text.baseAddress, text.count > 0 else { return }
        let status = wasim_segmenter_set_text(handle, base, Int32(text.count))
        if status != 0 { throw WasimError.icu("ubrk_setText failed (ICU error \(status))") }
        let capacity = ICUSegmenter.capacity, starts = self.starts, ends = self.ends, kinds = self.kinds
        var out = tokens
        defer { tokens = out }
        while true {
            let n = Int(wasim_segmenter_next_tokens(handle, starts, ends, kinds, capacity))
            if n == 0 { break }
            for i in 0..<n {
                let start = starts[i], end = ends[i], kind = kinds[i]
                if kind == TokenKind.word.rawValue, Segmentation.isPlainWord(start, end, text) {
                    out.append(Token(start: start, end: end, kind: .word))
                } else {
                    Segmentation.appendRepaired(Token(start: start, end: end, kind: TokenKind(rawValue: kind) ?? .symbol), to: &out,
                                                text: text)
                }
            }
        }
        while true {
            let n = Int(wasim_segmenter_next_sentences(handle, ends, capacity))
            if n == 0 { break }
            sentenceEnds.append(contentsOf: UnsafeBufferPointer(start: ends, count: n))
        }
    }

    /// The tokens `segment` gives, and the ones ICU's word break iterator alone gives over the
    /// whole text, as (start, end, kind) triples one after another (for tests: they must be the same).
    func wordTokens(_ text: UnsafeBufferPointer<UInt16>) throws -> (segmented: [Int32], icu: [Int32]) {
        var segmented: [Int32] = []
        try segment(text, token: { segmented += [$0, $1, Int32($2.rawValue)] }, sentenceEnd: { _ in })
        guard let base = text.baseAddress, text.count > 0 else { return (segmented, []) }
        let capacity = text.count + 1
        var starts = [Int32](repeating: 0, count: capacity), ends = starts
        var kinds = [UInt8](repeating: 0, count: capacity)
        let n = wasim_segmenter_icu_tokens(handle, base, Int32(text.count), &starts, &ends, &kinds, Int32(capacity))
        if n < 0 { throw WasimError.icu("word break iterator failed") }
        let icu = (0..<Int(n)).flatMap { [starts[$0], ends[$0], Int32(kinds[$0])] }
        return (segmented, icu)
    }

    /// The sentence ends `segment` gives, and the ones ICU's sentence iterator gives over the
    /// whole text, which reads runs of letters shortened (for tests: they must be the same).
    func sentenceEnds(_ text: UnsafeBufferPointer<UInt16>) throws -> (segmented: [Int32], icu: [Int32]) {
        var segmented: [Int32] = []
        try segment(text, token: { _, _, _ in }, sentenceEnd: { segmented.append($0) })
        guard let base = text.baseAddress, text.count > 0 else { return (segmented, []) }
        var icu = [Int32](repeating: 0, count: text.count + 1)
        let n = wasim_segmenter_icu_sentences(handle, base, Int32(text.count), &icu, Int32(icu.count))
        if n < 0 { throw WasimError.icu("sentence break iterator failed") }
        return (segmented, Array(icu.prefix(Int(n))))
    }
}

enum ICU {
    static var version: String { String(cString: wasim_icu_version()) }

    /// NFKC of a short run of text (used on compatibility characters such as Arabic
    /// presentation forms, which NFKC maps to ordinary letters).
    static func nfkc(_ units: UnsafeBufferPointer<UInt16>) -> [UInt16]? {
        guard let base = units.baseAddress else { return [] }
        let capacity = units.count * 4 + 8
        var out = [UInt16](repeating: 0, count: capacity)
        let n = wasim_nfkc(base, Int32(units.count), &out, Int32(capacity))
        guard n >= 0 else { return nil }
        out.removeSubrange(Int(n)...)
        return out
    }

    /// UTF-8 to UTF-16; on ill-formed input returns the byte offset of the first bad sequence.
    static func utf16(fromUTF8 bytes: UnsafeBufferPointer<UInt8>, lossy: Bool)
        -> Result<ContiguousArray<UInt16>, UTF8Failure> {
        decode(bytes, lossy: lossy).map(\.units)
    }

    /// The same, and whether the text holds surrogate pairs (a code point outside the BMP),
    /// found while decoding rather than by a pass over the result.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, lossy: Bool)
        -> Result<(units: ContiguousArray<UInt16>, surrogates: Bool), UTF8Failure> {
        guard let src = bytes.baseAddress, bytes.count > 0 else { return .success(([], false)) }
        var errorOffset: Int32 = 0
        var supplementary: Int32 = 0
        var n: Int32 = 0
        // Written in place, uninitialized until then: no zeroing first, no trimming after.
        let out = ContiguousArray<UInt16>(unsafeUninitializedCapacity: bytes.count) { buffer, count in
            n = wasim_utf8_to_utf16(src, Int32(bytes.count), buffer.baseAddress!, lossy ? 1 : 0, &errorOffset, &supplementary)
            count = max(0, Int(n))
        }
        if n < 0 { return .failure(UTF8Failure(byteOffset: Int(errorOffset))) }
        return .success((out, supplementary != 0))
    }

    struct UTF8Failure: Error { let byteOffset: Int }
}
