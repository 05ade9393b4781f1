// One token condition of a pattern, compiled: `word`, `@TITLE`, `"قال"`, `'قال'`, `/^[0-9]+$/`,
// `clitic`, `clitic:و`, `noclitic`, each possibly negated with `!`, joined by `&`.
import Foundation

/// A condition is plain data, copied freely by every thread without reference counting (shared
/// reference-counted fields made the rule stage slower with two threads than with one); the
/// rarely used parts live in `ConditionExtras`, reached without retaining it.
/// Unchecked Sendable because of the two `Unmanaged` fields, which point at a `TextSet` and a
/// `ConditionExtras`: both are immutable after `init` (proved below) and kept alive by the
/// `RuleCode` holding the condition, so any thread may read them for the rule's lifetime.
struct Condition: @unchecked Sendable {
    var kinds: UInt8 = 0          // bit per TokenKind; 0 = any
    var excludedKinds: UInt8 = 0
    /// Lists that must match over the same tokens (-1: none).
    var listA: Int32 = -1
    var listB: Int32 = -1
    /// Lists that must have no lookup at the token (bit per list id).
    var excludedLists: UInt64 = 0
    /// A normalized literal (hash) the token or one of its readings must have.
    var text: UInt64? = nil
    /// Or one of several: an alternation of literals (`"حزب" | "جيش" | …`) compiled into one
    /// condition, so that a token is tested once rather than once per word.
    var textSet: Unmanaged<TextSet>? = nil
    /// Length of the original token in code units (diacritics count).
    var minLength = 0
    var maxLength = Int.max
    /// nil: no requirement; `[]`: some proclitic; a set: exactly those proclitics.
    var clitic: Proclitics? = nil
    var noClitic = false
    var extras: Unmanaged<ConditionExtras>? = nil

    /// Bits of lists that must have a lookup at the first token, for skipping quickly.
    var requiredListMask: UInt64 { listA >= 0 ? 1 << UInt64(listA) : 0 }
}

/// Literal hashes in an open-addressing table at most a quarter full, so that a token not in the
/// set (most are) is answered in one probe, almost always at an empty slot. A sorted array with a
/// 1024-bit filter answered the same, but the start texts of all rules (hundreds of words) fill
/// such a filter, and most tokens went on to a binary search.
/// Unchecked Sendable because of `slots`, a raw pointer (no bounds check or exclusivity check
/// on the hot path): it is written only in `init`, before the object is shared, read only by
/// `contains`, and freed in `deinit`; every other field is a `let` of a Sendable type.
final class TextSet: @unchecked Sendable {
    /// The hashes, sorted, without repeats.
    let hashes: [UInt64]
    private let table: HashSlots<UInt64>

    init(_ hashes: [UInt64]) {
        self.hashes = Array(Set(hashes)).sorted()
        table = HashSlots(self.hashes.map { ($0, 1) }, absent: 0)
    }

    deinit { table.free() }

    @inline(__always) func contains(_ h: UInt64) -> Bool { table.value(h) != 0 }
}

/// A table from hash to masks, zero when absent: the rules that can start at a text (lanes 0–3:
/// four words, `RuleMatching.startRules`), and the required text sets it belongs to (lanes 4–7:
/// `RuleMatching.requiredSets`). One
/// probe a reading gives both: with a table for each, the two probes made the stage's start
/// masks cost 28% more instructions.
/// Unchecked Sendable for the same reason as `TextSet`.
final class TextMasks: @unchecked Sendable {
    private let table: HashSlots<SIMD8<UInt64>>

    init(_ masks: [UInt64: SIMD8<UInt64>]) {
        table = HashSlots(masks.filter { $0.value != .zero }.map { ($0.key, $0.value) }, absent: .zero)
    }

    deinit { table.free() }

    /// The masks of a hash, or zero.
    @inline(__always) func masks(_ h: UInt64) -> SIMD8<UInt64> { table.value(h) }
}

/// Open addressing over 64-bit hashes, key and value side by side (one cache line per probe),
/// linear probing, at most a quarter full. The key 0 marks an empty slot; a real key 0 is kept
/// apart. Owned by one object, which frees it.
struct HashSlots<Value> {
    private let slots: UnsafeMutablePointer<(key: UInt64, value: Value)>
    private let mask: Int
    private let shift: UInt64
    private let zeroValue: Value
    private let absent: Value

    init(_ pairs: [(UInt64, Value)], absent: Value) {
        var size = 16, bits: UInt64 = 4
        while size < 4 * pairs.count {
            size <<= 1
            bits += 1
        }
        mask = size - 1
        shift = 64 - bits
        slots = .allocate(capacity: size)
        slots.initialize(repeating: (0, absent), count: size)
        var zero = absent
        for (k, v) in pairs {
            if k == 0 {
                zero = v
                continue
            }
            var i = HashSlots.slot(k, shift)
            while slots[i].key != 0 && slots[i].key != k { i = (i + 1) & mask }
            slots[i] = (k, v)
        }
        zeroValue = zero
        self.absent = absent
    }

    func free() { slots.deallocate() }

    /// Fibonacci hashing: the top bits of the product, so any bits of the key count.
    @inline(__always) private static func slot(_ k: UInt64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    @inline(__always) func value(_ k: UInt64) -> Value {
        if k == 0 { return zeroValue }
        var i = HashSlots.slot(k, shift)
        while true {
            let s = slots[i]
            if s.key == k { return s.value }
            if s.key == 0 { return absent }
            i = (i + 1) & mask
        }
    }
}

extension Condition {
    var hasText: Bool { text != nil || textSet != nil }

    /// Whether a reading's hash satisfies the text part of the condition.
    @inline(__always) func textAccepts(_ h: UInt64) -> Bool {
        if let t = text { return t == h }
        // Guaranteed, not retained: the rule keeps its sets alive (a retain and a release cost
        // more than the lookup).
        if let set = textSet { return set._withUnsafeGuaranteedRef { $0.contains(h) } }
        return true
    }
}

/// The parts of a condition that need reference-counted storage.
/// What a condition collects while it is compiled; frozen into `ConditionExtras`.
struct ExtrasBuilder {
    var excludedTexts: [UInt64] = []
    var exact: [[UInt16]] = []
    var excludedExact: [[UInt16]] = []
    var starts: [[UInt16]] = []
    var excludedStarts: [[UInt16]] = []
    var ends: [[UInt16]] = []
    var excludedEnds: [[UInt16]] = []
    var regexes: [TokenRegex] = []
    var excludedRegexes: [TokenRegex] = []

    var isEmpty: Bool {
        excludedTexts.isEmpty && exact.isEmpty && excludedExact.isEmpty && starts.isEmpty && excludedStarts.isEmpty
            && ends.isEmpty && excludedEnds.isEmpty && regexes.isEmpty && excludedRegexes.isEmpty
    }
}

/// Texts of UTF-16 units in one raw buffer: each text is its length, then its units. Owned by
/// the `ConditionExtras` that made it.
struct Affixes {
    private let units: UnsafeMutablePointer<UInt16>
    /// How many texts.
    let count: Int
    private let size: Int

    init(_ texts: [[UInt16]]) {
        var flat: [UInt16] = []
        // A text longer than 65,535 units (no token is) is kept apart and tested by the slow path.
        for t in texts where t.count <= Int(UInt16.max) {
            flat.append(UInt16(t.count))
            flat += t
        }
        count = texts.count
        size = flat.count
        var first: UInt64 = 0, last: UInt64 = 0, empty = false
        for t in texts {
            if let f = t.first, let l = t.last {
                first |= 1 << UInt64(f & 63)
                last |= 1 << UInt64(l & 63)
            } else {
                empty = true
            }
        }
        // An empty text matches every token: no unit can rule it out.
        firstUnits = empty ? ~0 : first
        lastUnits = empty ? ~0 : last
        units = .allocate(capacity: max(1, flat.count))
        units.initialize(from: flat, count: flat.count)
        long = texts.filter { $0.count > Int(UInt16.max) }
        hasLong = !long.isEmpty
    }

    private let hasLong: Bool
    /// A bit for each text's first (last) unit, modulo 64; all bits when a text is empty. A token
    /// whose first (last) unit has no bit here starts (ends) with none of the texts: most tokens
    /// are ruled out by one test.
    private let firstUnits: UInt64, lastUnits: UInt64

    /// Texts too long for the buffer's length field (never in practice; kept exact).
    private let long: [[UInt16]]

    func free() { units.deallocate() }

    var isEmpty: Bool { count == 0 }

    /// Whether `u` starts with one of the texts.
    @inline(__always) func anyPrefix(of u: UnsafeBufferPointer<UInt16>) -> Bool {
        let n = u.count
        if n > 0, firstUnits & (1 << UInt64(u[0] & 63)) == 0 { return false }
        var i = 0
        while i < size {
            let length = Int(units[i])
            if length <= n {
                var k = 0
                while k < length, units[i + 1 + k] == u[k] { k += 1 }
                if k == length { return true }
            }
            i += 1 + length
        }
        return hasLong && long.contains { u.starts(with: $0) }
    }

    /// Whether `u` ends with one of the texts.
    @inline(__always) func anySuffix(of u: UnsafeBufferPointer<UInt16>) -> Bool {
        let n = u.count
        if n > 0, lastUnits & (1 << UInt64(u[n - 1] & 63)) == 0 { return false }
        var i = 0
        while i < size {
            let length = Int(units[i])
            if length <= n {
                let from = n - length
                var k = 0
                while k < length, units[i + 1 + k] == u[from + k] { k += 1 }
                if k == length { return true }
            }
            i += 1 + length
        }
        return hasLong && long.contains { MatchContext.has(u, suffix: $0) }
    }

    /// Whether `u` is one of the texts.
    @inline(__always) func anyEqual(_ u: UnsafeBufferPointer<UInt16>) -> Bool {
        var i = 0
        let n = u.count
        while i < size {
            let length = Int(units[i])
            if length == n {
                var k = 0
                while k < length, units[i + 1 + k] == u[k] { k += 1 }
                if k == length { return true }
            }
            i += 1 + length
        }
        return hasLong && long.contains { u.elementsEqual($0) }
    }

    /// Whether `u` equals every text (true when there is none).
    @inline(__always) func allEqual(_ u: UnsafeBufferPointer<UInt16>) -> Bool {
        var i = 0
        let n = u.count
        while i < size {
            let length = Int(units[i])
            if length != n { return false }
            var k = 0
            while k < length, units[i + 1 + k] == u[k] { k += 1 }
            if k != length { return false }
            i += 1 + length
        }
        return !hasLong || long.allSatisfy { u.elementsEqual($0) }
    }
}

/// The parts of a condition that need reference-counted storage. Constants only: reading a
/// class's variable costs an exclusivity check, and these are read for many tokens.
/// Unchecked Sendable only because `TextSet` is: every field is a `let`, and the regular
/// expressions are Sendable (`TokenRegex`).
final class ConditionExtras: @unchecked Sendable {
    let excludedTexts: [UInt64]
    private let excluded: TextSet
    let exact: [[UInt16]]
    let excludedExact: [[UInt16]]
    /// Affixes of the original text: any of `starts` / `ends` must match, none of the excluded.
    let starts: [[UInt16]]
    let excludedStarts: [[UInt16]]
    let ends: [[UInt16]]
    let excludedEnds: [[UInt16]]
    let regexes: [TokenRegex]
    let excludedRegexes: [TokenRegex]
    /// `starts`, `excludedStarts`, `ends`, `excludedEnds`, `exact` and `excludedExact` in one raw
    /// buffer each, tested with plain loops: the generic `contains(where:)` over arrays of arrays
    /// cost the rules stage about 190 instructions a test, more than the rest of a condition.
    let startAffixes: Affixes, excludedStartAffixes: Affixes, endAffixes: Affixes, excludedEndAffixes: Affixes
    let exactAffixes: Affixes, excludedExactAffixes: Affixes
    /// Whether the token's text needs reading at all (any of the six above).
    let readsUnits: Bool

    deinit {
        for a in [startAffixes, excludedStartAffixes, endAffixes, excludedEndAffixes, exactAffixes, excludedExactAffixes] { a.free() }
    }

    init(_ b: ExtrasBuilder) {
        excludedTexts = b.excludedTexts
        excluded = TextSet(b.excludedTexts)
        exact = b.exact
        excludedExact = b.excludedExact
        starts = b.starts
        excludedStarts = b.excludedStarts
        ends = b.ends
        excludedEnds = b.excludedEnds
        regexes = b.regexes
        excludedRegexes = b.excludedRegexes
        startAffixes = Affixes(b.starts)
        excludedStartAffixes = Affixes(b.excludedStarts)
        endAffixes = Affixes(b.ends)
        excludedEndAffixes = Affixes(b.excludedEnds)
        exactAffixes = Affixes(b.exact)
        excludedExactAffixes = Affixes(b.excludedExact)
        readsUnits = !(b.starts.isEmpty && b.excludedStarts.isEmpty && b.ends.isEmpty && b.excludedEnds.isEmpty
                       && b.exact.isEmpty && b.excludedExact.isEmpty)
    }

    @inline(__always) func excludes(_ h: UInt64) -> Bool { excluded.contains(h) }
}

extension Condition {
    /// Compiles a condition; its extras, if any, are appended to `keep`, which must outlive it.
    /// `keys`: the normalized keys of the texts already met (see `ConditionCache.key`).
    static func compile(_ text: String, column: Int, gazetteer: Gazetteer, normalizer: Normalizer,
                        keep: inout [AnyObject], keys: ConditionCache? = nil) throws -> Condition {
        var c = Condition()
        var x = ExtrasBuilder()
        // Character tests, each behind a byte test it implies (a Character that is `@` starts
        // with the byte `@`): most tests fail on the byte, and walking Characters dominated
        // loading the rules. The column is counted only for an error.
        let parts = splitConditions(text)
        for (k, part) in parts.enumerated() {
            var at: Int { column + parts[..<k].reduce(0) { $0 + $1.count + 1 } }
            func fail(_ message: String) -> SyntaxError { SyntaxError(line: 0, column: at, message: message) }
            func addText(_ text: String, negated: Bool) throws {
                // A condition is about one token: a text of two words never matched anything, silently.
                if hasWhitespace(text) {
                    let words = text.split(whereSeparator: \.isWhitespace).map { "\"\($0)\"" }.joined(separator: " ")
                    throw fail("a text matches one token: write words in a row one by one (\(words.isEmpty ? "\"…\" \"…\"" : words))")
                }
                let key = keys?.key(text, normalizer) ?? normalizer.key(text)
                if negated {
                    x.excludedTexts.append(key)
                } else {
                    if c.text != nil { throw fail("a token has one text: use alternatives (\"a\" | \"b\")") }
                    c.text = key
                }
            }
            if let quoted = plainlyQuoted(part) {
                try addText(quoted.text, negated: quoted.negated)
                continue
            }
            let negated = part.utf8.first == UInt8(ascii: "!") && part.first == "!"
            let body = negated ? part.dropFirst() : part[...]
            let bytes = body.utf8
            func has(prefix: String) -> Bool { bytes.first == prefix.utf8.first && body.starts(with: prefix) }
            func enclosed(by c: Character) -> Bool {
                bytes.first == c.utf8.first && bytes.last == c.utf8.first && body.first == c && body.last == c
                    && body.index(body.startIndex, offsetBy: 3, limitedBy: body.endIndex) != nil
            }
            if body.isEmpty { throw fail("empty condition") }
            // Only ASCII words are compared whole, the longest "punctuation": 11 bytes.
            let short = bytes.count <= 11 ? String(body) : nil
            if let short, let kind = kindBit(short) {
                if negated { c.excludedKinds |= kind } else { c.kinds |= kind }
            } else if short == "any" {
                if negated { throw fail("'!any' never matches") }
            } else if has(prefix: "@") {
                let name = String(body.dropFirst())
                guard let id = gazetteer.typeID(name) else {
                    throw fail("unknown list '@\(name)' (lists: \(gazetteer.typeNames.map { "@" + $0 }.joined(separator: " ")))")
                }
                guard id < 64 else { throw fail("list '@\(name)' is beyond the 64 lists a condition can name") }
                if negated {
                    c.excludedLists |= 1 << UInt64(id)
                } else if c.listA < 0 {
                    c.listA = id
                } else if c.listB < 0 {
                    c.listB = id
                } else {
                    throw fail("at most two lists in one condition")
                }
            } else if enclosed(by: "\"") {
                try addText(String(body.dropFirst().dropLast()), negated: negated)
            } else if enclosed(by: "'") {
                let units = Array(body.dropFirst().dropLast().utf16)
                if negated { x.excludedExact.append(units) } else { x.exact.append(units) }
            } else if enclosed(by: "/") {
                let source = String(body.dropFirst().dropLast()).replacingOccurrences(of: "\\/", with: "/")
                // Token regexes are short; long invalid ones made Foundation's regex constructor
                // leak (found by the rules fuzzer).
                if source.utf16.count > maximumRegexLength {
                    throw fail("a regular expression is at most \(maximumRegexLength) characters; this one has \(source.utf16.count)")
                }
                if let problem = backtrackingRisk(source) { throw fail("regular expression rejected: \(problem)") }
                guard let re = TokenRegex(source) else { throw fail("invalid regular expression /\(source)/") }
                if negated { x.excludedRegexes.append(re) } else { x.regexes.append(re) }
            } else if has(prefix: "starts:") || has(prefix: "ends:") {
                let isStart = has(prefix: "starts:")
                let list = body.dropFirst(isStart ? 7 : 5).split(separator: ",").map { Array($0.utf16) }
                if list.isEmpty { throw fail("'\(isStart ? "starts" : "ends"):' needs text, as in ends:ها,هم") }
                switch (isStart, negated) {
                case (true, false): x.starts += list
                case (true, true): x.excludedStarts += list
                case (false, false): x.ends += list
                case (false, true): x.excludedEnds += list
                }
            } else if has(prefix: "length:") {
                let spec = body.dropFirst("length:".count)
                let bounds = spec.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
                guard negated == false, (bounds.count == 1 && bounds[0] != nil) || (bounds.count == 2 && (bounds[0] != nil || bounds[1] != nil)) else {
                    throw fail("length is length:N, length:M-N, length:M- or length:-N")
                }
                c.minLength = bounds[0] ?? 0
                c.maxLength = bounds.count == 1 ? bounds[0]! : (bounds[1] ?? Int.max)
            } else if short == "clitic" || has(prefix: "clitic:") {
                if short == "clitic" {
                    if negated { c.noClitic = true } else { c.clitic = [] }
                } else {
                    if negated { throw fail("write '!clitic' or 'clitic:LETTERS', not '!clitic:LETTERS'") }
                    var set: Proclitics = []
                    for u in body.dropFirst("clitic:".count).utf16 {
                        guard let p = Proclitics(letter: u) else { throw fail("a proclitic is one of و ف ب ل ك") }
                        set.insert(p)
                    }
                    c.clitic = set
                }
            } else if short == "noclitic" {
                if negated { throw fail("write 'clitic' instead of '!noclitic'") }
                c.noClitic = true
            } else {
                throw fail("unknown condition '\(body)' (conditions: word number punct symbol any @LIST \"normalized\" 'exact' starts:X,Y ends:X,Y length:M-N /regex/ clitic clitic:و noclitic, negated with '!', joined with '&')")
            }
        }
        if c.noClitic && c.clitic != nil { throw SyntaxError(line: 0, column: column, message: "a condition cannot require and forbid a proclitic") }
        if !x.isEmpty {
            let extras = ConditionExtras(x)
            keep.append(extras)
            c.extras = Unmanaged.passUnretained(extras)
        }
        return c
    }

    /// The text of a part `"…"` or `!"…"` when its bytes settle what the Character tests of
    /// `compile` would find: the quotes (and the '!') are Characters of their own when the
    /// scalar after the opening quote and the one before the closing quote are ASCII or Arabic
    /// letters (U+0621–U+063A, U+0641–U+064A), none of which joins a neighbour into one
    /// Character (Extend, SpacingMark, ZWJ, Prepend). Nil for any other part, which takes the
    /// Character tests. Most parts are such texts (`!"الذي"&!"التي"&…`), and the Character
    /// tests were a third of compiling the conditions.
    static func plainlyQuoted(_ part: String) -> (negated: Bool, text: String)? {
        var copy = part
        return copy.withUTF8 { u in
            let start = u.first == UInt8(ascii: "!") ? 1 : 0
            let n = u.count
            guard n - start >= 3, u[start] == 0x22, u[n - 1] == 0x22 else { return nil }
            guard u[start + 1] < 0x80 || isArabicLetter(u[start + 1], u[start + 2]),
                  u[n - 2] < 0x80 || isArabicLetter(u[n - 3], u[n - 2]) else { return nil }
            return (start == 1, String(decoding: UnsafeBufferPointer(rebasing: u[(start + 1)..<(n - 1)]), as: UTF8.self))
        }
    }

    /// Whether the UTF-8 bytes `lead`, `next` are an Arabic letter (U+0621–U+063A, U+0641–U+064A):
    /// a scalar that never joins a neighbour into one Character, so the bytes alone settle where
    /// Characters break around it (`plainlyQuoted`, `PatternParser`).
    @inline(__always) static func isArabicLetter(_ lead: UInt8, _ next: UInt8) -> Bool {
        (lead == 0xD8 && (0xA1...0xBA).contains(next)) || (lead == 0xD9 && (0x81...0x8A).contains(next))
    }

    /// Splits on '&' outside quotes and regexes. Bytes, not characters: the delimiters are
    /// ASCII, and walking Characters made this the costliest part of loading the rules. The
    /// parts are made from the bytes too: slicing the String by its UTF-8 indices rounds each
    /// bound to a Character, a grapheme-breaking walk that cost as much as the split.
    static func splitConditions(_ text: String) -> [String] {
        var copy = text
        return copy.withUTF8 { u in
            var parts: [String] = []
            var start = 0
            while let i = ampersand(in: u, from: start) {
                parts.append(String(decoding: UnsafeBufferPointer(rebasing: u[start..<i]), as: UTF8.self))
                start = i + 1
            }
            parts.append(String(decoding: UnsafeBufferPointer(rebasing: u[start...]), as: UTF8.self))
            return parts
        }
    }

    /// The first '&' at or after `from` outside "…", '…' and /…/ (a quote opened before `from`
    /// is not seen: callers start at 0 or just after such an '&').
    @inline(__always) static func ampersand(in u: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var quote: UInt8 = 0
        for i in from..<u.count {
            let b = u[i]
            if quote != 0 {
                if b == quote { quote = 0 }
            } else if b == 0x26 {
                return i
            } else if b == 0x22 || b == 0x27 || b == 0x2F {
                quote = b
            }
        }
        return nil
    }

    /// A condition text whose first part (up to the first '&' outside quotes) is a quoted text
    /// with something between its quotes (`"حزب"&!clitic`): that text, what follows the '&'
    /// (empty when nothing does), the tail from the '&' on as written (to tell `"a"` from
    /// `"a"&`), and whether the first part holds a further '"'. Nil for any other text. One pass
    /// over the bytes: the rule compiler asks this of every option of every alternation, and
    /// asking it with Character operations (`count`, `dropFirst`, Foundation's `contains`) was
    /// most of the cost of compiling the rules.
    /// `tail: false` leaves the tail empty (merging needs the word and the rest alone).
    static func quotedHead(_ text: String, tail: Bool = true) -> (word: String, rest: String, tail: String, innerQuote: Bool)? {
        var copy = text
        return copy.withUTF8 { u in
            guard let end = quotedHeadEnd(u) else { return nil }
            func string(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: u[r]), as: UTF8.self) }
            return (string(1..<end - 1), end < u.count ? string(end + 1..<u.count) : "", tail ? string(end..<u.count) : "",
                    u[1..<end - 1].contains(0x22))
        }
    }

    /// `quotedHead(text)?.tail` alone: sizing an alternation needs no more, and making the
    /// word and the rest as well was most of the cost of sizing.
    static func quotedTail(_ text: String) -> String? {
        var copy = text
        return copy.withUTF8 { u in
            quotedHeadEnd(u).map { String(decoding: UnsafeBufferPointer(rebasing: u[$0...]), as: UTF8.self) }
        }
    }

    /// Where the quoted first part of a condition text ends (its '&', or the end), nil when the
    /// text does not start with one (see `quotedHead`).
    @inline(__always) private static func quotedHeadEnd(_ u: UnsafeBufferPointer<UInt8>) -> Int? {
        guard u.count >= 3, u[0] == 0x22 else { return nil }
        let end = ampersand(in: u, from: 0) ?? u.count
        guard end >= 3, u[end - 1] == 0x22 else { return nil }
        return end
    }

    /// Whether a text holds a whitespace Character, as `contains(where: \.isWhitespace)` says.
    /// Bytes first: every whitespace scalar's UTF-8 holds one of these bytes (09–0D and 20, or
    /// the lead byte of U+0085, U+00A0, U+1680, U+2000–U+205F, U+3000), and a rule's Arabic
    /// words hold none. Walking their Characters was a fifth of compiling the rules.
    static func hasWhitespace(_ text: String) -> Bool {
        guard text.utf8.contains(where: { $0 == 0x20 || (0x09...0x0D).contains($0) || $0 == 0xC2 || (0xE1...0xE3).contains($0) })
        else { return false }
        return text.contains(where: \.isWhitespace)
    }

    static func kindBit(_ s: String) -> UInt8? {
        switch s {
        case "word": 1 << TokenKind.word.rawValue
        case "number": 1 << TokenKind.number.rawValue
        case "punct", "punctuation": 1 << TokenKind.punctuation.rawValue
        case "symbol": 1 << TokenKind.symbol.rawValue
        default: nil
        }
    }

    /// The /regex/ and !/regex/ parts of a condition's text.
    static func regexCount<S: StringProtocol>(_ text: S) -> Int {
        // No slash, no regex: most conditions, and splitting them was most of the cost of
        // sizing a rule before it is compiled.
        guard text.utf8.withContiguousStorageIfAvailable({ $0.contains(0x2F) }) ?? text.utf8.contains(0x2F)
        else { return 0 }
        return splitConditions(String(text)).reduce(0) { n, part in
            let body = part.hasPrefix("!") ? part.dropFirst() : Substring(part)
            return n + (body.count >= 3 && body.hasPrefix("/") && body.hasSuffix("/") ? 1 : 0)
        }
    }

    /// The longest /regex/ source, in UTF-16 code units.
    static let maximumRegexLength = 128

    /// Token regexes run on one token at a time, but ICU's regex engine backtracks: refuse the
    /// constructs that make it exponential (nested quantifiers) or that are not regular at all.
    static func backtrackingRisk(_ source: String) -> String? {
        let chars = Array(source)
        // The markers are ASCII, so their bytes are searched: Foundation's `range(of:)` (which
        // `contains` is on a String) cost most of a million instructions a call, five calls a
        // regex, an eighth of compiling the default rules.
        let bytes = Array(source.utf8)
        func occurs(_ marker: String) -> Bool { bytes.firstRange(of: marker.utf8) != nil }
        let digits = UInt8(ascii: "1")...UInt8(ascii: "9")
        if bytes.indices.contains(where: { i in
            bytes[i] == UInt8(ascii: "\\") && i + 1 < bytes.count
                && (digits.contains(bytes[i + 1]) || bytes[(i + 1)...].starts(with: "k<".utf8))
        }) {
            return "back-references cannot run in linear time"
        }
        if occurs("(?=") || occurs("(?!") || occurs("(?<=") || occurs("(?<!") {
            return "look-around cannot run in linear time"
        }
        // For each open group: does it contain a quantifier, and an alternation?
        var stack: [(quantified: Bool, alternation: Bool)] = []
        var i = 0
        var escaped = false
        var inClass = false
        while i < chars.count {
            let ch = chars[i]
            defer { i += 1 }
            if escaped { escaped = false; continue }
            if ch == "\\" { escaped = true; continue }
            if inClass { if ch == "]" { inClass = false }; continue }
            switch ch {
            case "[": inClass = true
            case "(": stack.append((false, false))
            case "|":
                if !stack.isEmpty { stack[stack.count - 1].alternation = true }
            case ")":
                let inner = stack.popLast() ?? (false, false)
                let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
                if inner.quantified, let n = next, "*+{".contains(n) {
                    return "a quantified group that contains a quantifier (as in (a+)+) can backtrack exponentially"
                }
                // (\w|a)* and (a|aa)*: alternatives that can match the same text, repeated, try
                // every way to split the token between them.
                if inner.alternation, let n = next, "*+{".contains(n) {
                    return "alternatives inside a repeated group (as in (a|b)*) can backtrack exponentially; use a character class ([ab]*) or split the condition"
                }
                if !stack.isEmpty {
                    if inner.quantified { stack[stack.count - 1].quantified = true }
                    if inner.alternation { stack[stack.count - 1].alternation = true }
                }
                if let n = next, "*+?{".contains(n), !stack.isEmpty { stack[stack.count - 1].quantified = true }
            case "?" where i > 0 && chars[i - 1] == "(":
                break  // (?:…), (?i), …: a group's flags, not a quantifier
            case "*", "+", "{", "?":
                if !stack.isEmpty { stack[stack.count - 1].quantified = true }
            default: break
            }
        }
        return nil
    }
}
