// Stage 1: sentences and tokens from ICU's break iterators (locale "ar"), with the few repairs
// Arabic news needs on top of ICU's rules.

public struct Segmentation: Stage {
    public let name = "segmentation"
    public let requires: Set<Capability> = []
    public let provides: Set<Capability> = [.tokens]

    /// ICU break iterators are stateful: each thread borrows one from this pool.
    private let pool: Pool<ICUSegmenter, any Error>
    package let locale: String

    public init(locale: String = "ar") {
        self.locale = locale
        self.pool = Pool { try ICUSegmenter(locale: locale) }
    }

    public func process(_ document: Document) throws {
        let segmenter = try pool.take()
        defer { pool.give(segmenter) }
        // Tokens go to the segmenter's own buffer, kept from document to document, and are copied
        // out once: an append to the document's array checked its uniqueness and room every time.
        var tokens = segmenter.tokens
        tokens.removeAll()
        defer { segmenter.tokens = tokens }
        var sentenceEnds: [Int32] = []
        try document.utf16.withUnsafeBufferPointer { try segmenter.segment($0, into: &tokens, sentenceEnds: &sentenceEnds) }
        let all = UnsafeMutableBufferPointer(start: tokens.base, count: tokens.count)
        if var split = document.utf16.withUnsafeBufferPointer({ Segmentation.splitAtGluedStops(all, ends: sentenceEnds, text: $0) }) {
            document.sentences = split.withUnsafeMutableBufferPointer {
                Segmentation.sentences(tokens: $0, ends: sentenceEnds, text: document.utf16)
            }
            document.tokens = split
            return
        }
        document.sentences = Segmentation.sentences(tokens: all, ends: sentenceEnds, text: document.utf16)
        document.tokens = ContiguousArray(all)
    }

    /// ICU's sentence iterator ends a sentence at a full stop glued to the next word (`تونس.ويشارك`:
    /// a space lost in scraped news) where its word iterator keeps one token, so a name ran on into
    /// the next sentence (`تونس.ويشارك` tagged LOC). Such a token is cut at the stop, which becomes
    /// a token of its own, when it holds one stop between two words of three Arabic letters or more:
    /// shorter words and more stops are abbreviations (`م.د`، `د.عبد`، `سي.إن.إن`، `كيه.إيه.بي.سي`).
    /// Nil when nothing is cut (nearly always).
    static func splitAtGluedStops(_ tokens: UnsafeMutableBufferPointer<Token>, ends: [Int32],
                                  text: UnsafeBufferPointer<UInt16>) -> ContiguousArray<Token>? {
        var result: ContiguousArray<Token>? = nil
        var copied = 0
        var t = 0
        for end in ends {
            while t < tokens.count, tokens[t].end <= end { t += 1 }
            guard t < tokens.count else { break }
            let token = tokens[t]
            // A sentence end strictly inside a word, right after a stop.
            guard token.kind == .word, token.start < end - 1, isStop(text[Int(end) - 1]),
                  arabicLetters(text, from: token.start, to: end - 1) >= 3,
                  arabicLetters(text, from: end, to: token.end) >= 3 else { continue }
            if result == nil { result = ContiguousArray(); result!.reserveCapacity(tokens.count + 4) }
            result!.append(contentsOf: tokens[copied..<t])
            result!.append(Token(start: token.start, end: end - 1, kind: .word))
            result!.append(Token(start: end - 1, end: end, kind: .punctuation))
            result!.append(Token(start: end, end: token.end, kind: .word))
            copied = t + 1
        }
        guard var result else { return nil }
        result.append(contentsOf: tokens[copied...])
        return result
    }

    @inline(__always) static func isStop(_ u: UInt16) -> Bool { u == 0x2E || u == 0x21 || u == 0x3F || u == 0x061F }

    /// How many Arabic letters `text[from..<to]` holds, or 0 if anything else is among them.
    static func arabicLetters(_ text: UnsafeBufferPointer<UInt16>, from: Int32, to: Int32) -> Int {
        guard from < to else { return 0 }
        for i in Int(from)..<Int(to) where !isArabicLetter(text[i]) { return 0 }
        return Int(to - from)
    }

    /// ICU keeps a proclitic glued to digits (`و23`, `ب2018`, `و١٬٥٠٠`): split it off as its
    /// own word token. It also keeps digits glued to the end of an Arabic word (`المنستيري6`
    /// in a results table): split them off as a number token, or the word matches nothing.
    /// And a run of periods is one ellipsis token, not three.
    /// Format characters (bidi controls, joiners, the BOM…) at either end of a token are left
    /// out of it, so that no span starts or ends with an invisible character; a token of
    /// format characters only is dropped.
    @inline(__always)
    static func append(_ raw: Token, to out: inout Scratch<Token>, text: UnsafeBufferPointer<UInt16>) {
        // Most tokens are Arabic words: an Arabic letter at either end is neither a format
        // character, nor a digit, nor a period, and the token is kept as ICU made it.
        if isPlainWord(raw.start, raw.end, text) {
            out.append(raw)
            return
        }
        appendRepaired(raw, to: &out, text: text)
    }

    /// An Arabic letter at either end: a token `append` keeps as it is.
    @inline(__always) static func isPlainWord(_ start: Int32, _ end: Int32, _ text: UnsafeBufferPointer<UInt16>) -> Bool {
        start < end && isArabicLetter(text[Int(start)]) && isArabicLetter(text[Int(end) - 1])
    }

    /// `append` of a token that is not a plain word. Not inlined: the loop over ICU's tokens
    /// keeps its state in registers around a call, not around all of this.
    @inline(never)
    static func appendRepaired(_ raw: Token, to out: inout Scratch<Token>, text: UnsafeBufferPointer<UInt16>) {
        var token = raw
        while token.start < token.end {
            let u = text[Int(token.start)]
            if Normalizer.isFormat(u) { token.start += 1; continue }
            if token.end - token.start >= 2, Normalizer.isFormat(high: u, low: text[Int(token.start) + 1]) { token.start += 2; continue }
            break
        }
        while token.start < token.end {
            let u = text[Int(token.end) - 1]
            if Normalizer.isFormat(u) { token.end -= 1; continue }
            if token.end - token.start >= 2, Normalizer.isFormat(high: text[Int(token.end) - 2], low: u) { token.end -= 2; continue }
            break
        }
        if token.start == token.end { return }
        if token.kind == .punctuation, text[Int(token.start)] == 0x2E, out.count > 0, case let last = out[out.count - 1],
           last.kind == .punctuation, last.end == token.start, text[Int(last.start)] == 0x2E {
            out[out.count - 1].end = token.end
            return
        }
        if token.kind == .word || token.kind == .number, Digits.isDigit(text[Int(token.end) - 1]),
           let split = procliticBeforeDigits(text, token.start, token.end) {
            out.append(Token(start: token.start, end: split, kind: .word))
            out.append(Token(start: split, end: token.end, kind: .number))
            return
        }
        if token.kind == .word || token.kind == .number, Digits.isDigit(text[Int(token.end) - 1]),
           let split = digitsAfterWord(text, token.start, token.end) {
            out.append(Token(start: token.start, end: split, kind: .word))
            out.append(Token(start: split, end: token.end, kind: .number))
            return
        }
        out.append(token)
    }

    /// Where the digits start, if the token is one or two proclitic letters then a number.
    static func procliticBeforeDigits(_ text: UnsafeBufferPointer<UInt16>, _ start: Int32, _ end: Int32) -> Int32? {
        let s = Int(start), e = Int(end)
        guard e - s >= 2, Proclitics(letter: text[s]) != nil else { return nil }
        var digitsAt = s + 1
        if !Digits.isDigit(text[digitsAt]) {
            // A second proclitic: وب، ول، وك، فب، فل، فك.
            let first = text[s], second = text[digitsAt]
            guard first == 0x0648 || first == 0x0641, second == 0x0628 || second == 0x0644 || second == 0x0643,
                  e - s >= 3, Digits.isDigit(text[s + 2]) else { return nil }
            digitsAt = s + 2
        }
        for i in digitsAt..<e where !Digits.isDigit(text[i]) && !Digits.isSeparator(text[i]) { return nil }
        return Int32(digitsAt)
    }

    /// Where the trailing digits start, if the token is two or more Arabic letters (no digit
    /// among them) then digits: `المنستيري6`. Latin letters and digits (`F16`, `G20`) stay whole.
    static func digitsAfterWord(_ text: UnsafeBufferPointer<UInt16>, _ start: Int32, _ end: Int32) -> Int32? {
        let s = Int(start)
        var d = Int(end)
        while d > s, Digits.isDigit(text[d - 1]) || Digits.isSeparator(text[d - 1]) { d -= 1 }
        // The number starts with a digit, not a separator.
        while d < Int(end), !Digits.isDigit(text[d]) { d += 1 }
        guard d - s >= 2, d < Int(end), isArabicLetter(text[d - 1]) else { return nil }
        for i in s..<d where Digits.isDigit(text[i]) { return nil }
        return Int32(d)
    }

    @inline(__always) static func isArabicLetter(_ u: UInt16) -> Bool { (0x0620...0x064A).contains(u) || (0x0671...0x06D3).contains(u) }

    /// Groups tokens into ICU's sentences, except that a single letter followed by a period
    /// (`د.` before a name, `م.` after a year) is an abbreviation, not the end of a sentence.
    static func sentences(tokens: UnsafeMutableBufferPointer<Token>, ends: [Int32], text: ContiguousArray<UInt16>) -> [Sentence] {
        var result: [Sentence] = []
        var first = 0
        var t = 0
        // A token's sentence is written as the walk passes it, not in a second pass: the sentence
        // being built is always the next one, `result.count`, whether or not an abbreviation
        // then carries it on past this end.
        for end in ends {
            let index = Int32(truncatingIfNeeded: result.count)
            while t < tokens.count, tokens[t].start < end {
                tokens[t].sentence = index
                t += 1
            }
            if t == first { continue }
            if t < tokens.count, t - first >= 2, endsWithAbbreviation(tokens, t, text) { continue }
            // ICU ends the sentence before a closing quote or bracket that follows its stop after a
            // space (`بعنوان " هل … ؟ " أمس`): the mark closes this sentence's quotation, and at the head
            // of the next one it would seem to open one there (and a quoted title would lose its end).
            while t < tokens.count, closesQuotation(tokens, t, from: first, text) {
                tokens[t].sentence = index
                t += 1
            }
            result.append(Sentence(tokens: Int32(first)..<Int32(t), start: tokens[first].start, end: tokens[t - 1].end))
            first = t
        }
        if first < tokens.count {
            let index = Int32(truncatingIfNeeded: result.count)
            for k in t..<tokens.count { tokens[k].sentence = index }
            result.append(Sentence(tokens: Int32(first)..<Int32(tokens.count), start: tokens[first].start,
                                   end: tokens[tokens.count - 1].end))
        }
        return result
    }

    /// A one-character closing mark (» ” ) ]), or a straight double quote after an odd number of them
    /// since `first`: the quotation the sentence opened is still open.
    private static func closesQuotation(_ tokens: UnsafeMutableBufferPointer<Token>, _ t: Int, from first: Int,
                                        _ text: ContiguousArray<UInt16>) -> Bool {
        let mark = tokens[t]
        guard mark.length == 1, mark.kind != .word, mark.kind != .number else { return false }
        switch text[Int(mark.start)] {
        case 0xBB, 0x201D, 0x29, 0x5D: return true
        case 0x22:
            var open = false
            for k in first..<t where tokens[k].length == 1 && text[Int(tokens[k].start)] == 0x22 { open.toggle() }
            return open
        default: return false
        }
    }

    private static func endsWithAbbreviation(_ tokens: UnsafeMutableBufferPointer<Token>, _ t: Int, _ text: ContiguousArray<UInt16>) -> Bool {
        let period = tokens[t - 1], letter = tokens[t - 2]
        return period.length == 1 && text[Int(period.start)] == 0x2E && letter.kind == .word
            && letter.length == 1 && letter.end == period.start
    }
}

/// Decimal digits in the three scripts news uses, and the separators inside numbers.
enum Digits {
    /// The value of a Western (0-9), Arabic-Indic (٠-٩) or Eastern Arabic-Indic (۰-۹) digit.
    @inline(__always) static func value(_ u: UInt16) -> Int? {
        switch u {
        case 0x30...0x39: Int(u - 0x30)
        case 0x660...0x669: Int(u - 0x660)
        case 0x6F0...0x6F9: Int(u - 0x6F0)
        default: nil
        }
    }
    @inline(__always) static func isDigit(_ u: UInt16) -> Bool { value(u) != nil }
    /// `.` `,` `٫` (Arabic decimal separator) `٬` (Arabic thousands separator).
    @inline(__always) static func isSeparator(_ u: UInt16) -> Bool {
        u == 0x2E || u == 0x2C || u == 0x66B || u == 0x66C
    }
}
