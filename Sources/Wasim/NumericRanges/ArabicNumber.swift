// The number reader: an Arabic number written in digits, in words, or both (`2.5 مليون`,
// `ثلاثة آلاف وخمسمئة`), read from a token of a normalized document. ICU's spell-out rules do not
// know مئة, مئتي or ملايين, so the lexicon is ours; it is grammar (a closed class), kept in code.

/// A number read from a document's tokens.
package struct ArabicNumber: Sendable, Equatable {
    /// Its value; always finite (a reading that would overflow is no reading).
    package var value: Double
    /// The tokens read. The first may carry a proclitic (`وخمسين`) that lies outside `start`.
    package var tokens: Range<Int>
    /// UTF-16 range of the number in the document's text.
    package var start: Int32
    package var end: Int32
    /// How many و-joins the reading used (`مئة وخمسين` has one); a range finder that needs a
    /// shorter first bound reads again with fewer.
    package var joins: Int
    /// The largest scale word applied and the count it multiplied (`1.5 مليون` → 1e6 and 1.5;
    /// `ألف` alone → 1000 and 1), or nil for a number without one: a bare bound before a scaled
    /// one shares its scale (`بين 1.2 و1.5 مليون`).
    package var scale: Double?
    package var scaleCount: Double
    /// The number is one token of digits only, without separators (years look like this).
    package var isPlainInteger: Bool
    /// The first token is a digits token.
    package var startsWithDigits: Bool
    /// Decimal places of a first bound written with a fraction (`1.25` → 2), for exact scaling.
    package var decimals: Int = 0
    /// A lone `3,650` read with its comma as a thousands separator: its value with the comma as
    /// a decimal point instead (3.65). A range whose other bound shows a comma decimal
    /// (`بين 2,800 و3,650 ملايين`) takes it.
    package var commaDecimalAlternative: Double? = nil
    /// The reading took a comma before three digits as a decimal point (`3,650 ملايين`).
    package var usesCommaDecimal = false

    /// `value × scale` without binary-fraction noise: 3.65 × 10⁶ is 3650000, not 3650000.0000000005.
    package static func scaled(_ value: Double, decimals: Int, by scale: Double) -> Double {
        guard decimals > 0, decimals <= 15 else { return value * scale }
        var p = 1.0
        for _ in 0..<decimals { p *= 10 }
        return (value * p).rounded() * scale / p
    }
}

extension ArabicNumber {
    /// The value of a whole string that is one number, or nil (`"ثلاثة ملايين"` → 3000000).
    package static func parse(_ text: String) -> Double? {
        guard let tokenizer = NumberLexicon.tokenizer, let document = try? tokenizer.tag(text),
              !document.tokens.isEmpty,
              let number = read(document, at: 0) else { return nil }
        return number.tokens.upperBound == document.tokens.count ? number.value : nil
    }

    /// Reads the number that starts at token `index` (after `skip` normalized letters of it, as
    /// an attached و), without passing token `limit` (the end of the sentence when nil).
    /// `maxJoins` caps the و-joins used; nil when no number starts there.
    package static func read(_ document: Document, at index: Int, skip: Int = 0, limit: Int? = nil,
                            maxJoins: Int = .max) -> ArabicNumber? {
        guard index >= 0, index < document.tokens.count else { return nil }
        let end = limit ?? Int(document.sentences.isEmpty ? Int32(document.tokens.count)
                                : document.sentences[Int(document.tokens[index].sentence)].tokens.upperBound)
        return document.normalized.withUnsafeBufferPointer { normalized in
            document.tokens.withUnsafeBufferPointer { tokens in
                var reader = NumberReader(tokens: tokens, normalized: normalized, lexicon: NumberLexicon.shared,
                                          limit: min(end, tokens.count))
                guard var number = reader.read(at: index, skip: skip, maxJoins: maxJoins) else { return nil }
                number.start = tokens[index].start
                    + (skip > 0 ? NumberReader.originalPrefix(document, tokens[index], letters: skip) : 0)
                return number
            }
        }
    }
}

/// What a word of the lexicon is.
enum NumberWord: Sendable, Equatable {
    /// 1–10. `teenOnly` words (أحد، إحدى، اثنا، اثنتا) are numbers only before عشر.
    case unit(Int, teenOnly: Bool)
    /// عشر/عشرة: 10 alone, the second word of a teen after a unit.
    case ten
    /// 20–90.
    case tens(Int)
    /// 100–900 in one word (مئة، مئتين، ثلاثمائة), or مئة after a unit (`ثلاث مئة`).
    case hundred(Int)
    /// ألف، مليون…: `form` says how it counts.
    case scale(Double, ScaleForm)
    /// نصف، ربع after a scale: `مليون ونصف`.
    case fraction(Double)
}

enum ScaleForm: Sendable, Equatable {
    /// ألف، مليون: alone it is one of it; after a count, that many.
    case singular
    /// ألفا، مليونا: after a count (≥ 11) it multiplies; alone it is the dual's construct (2000).
    case accusative
    /// ألفان، ألفين، مليوني: two of it, never after a count.
    case dual
    /// آلاف، ملايين: only after a count.
    case plural
}

/// The number words, keyed by the hash of their normalized form (under both ة foldings, since a
/// pipeline may keep ة), plus a bitset that rejects most other tokens with one load.
struct NumberLexicon: Sendable {
    static let shared = NumberLexicon()
    static let tokenizer: Pipeline? = try? Pipeline.tokenizer()

    let words: [UInt64: NumberWord]
    let bits: [UInt64]
    /// Hashes of و, of the article-bearing scale words after نصف (`مليون ونصف المليون`).
    let waw: UInt64
    let definiteScales: Set<UInt64>

    static let bitCount = 4096

    @inline(__always) func mayContain(_ hash: UInt64) -> Bool {
        let b = Int(truncatingIfNeeded: hash) & (NumberLexicon.bitCount - 1)
        return bits[b >> 6] & (1 << UInt64(b & 63)) != 0
    }

    @inline(__always) func word(_ hash: UInt64) -> NumberWord? {
        mayContain(hash) ? words[hash] : nil
    }

    /// The table. Forms are written as news writes them; normalization folds أ/إ/آ, ى and ة.
    static let table: [(String, NumberWord)] = {
        var t: [(String, NumberWord)] = []
        let units: [(Int, [String])] = [
            (1, ["واحد", "واحدة", "واحدا", "واحدًا"]),
            (2, ["اثنان", "اثنين", "اثنتان", "اثنتين", "إثنان", "إثنين", "ثنتان", "ثنتين"]),
            (3, ["ثلاث", "ثلاثة"]), (4, ["أربع", "أربعة"]), (5, ["خمس", "خمسة"]), (6, ["ست", "ستة"]),
            (7, ["سبع", "سبعة"]), (8, ["ثمان", "ثماني", "ثمانية", "ثمانى"]), (9, ["تسع", "تسعة"]),
        ]
        for (v, forms) in units { for f in forms { t.append((f, .unit(v, teenOnly: false))) } }
        for f in ["أحد", "إحدى", "احدى"] { t.append((f, .unit(1, teenOnly: true))) }
        for f in ["اثنا", "اثني", "اثنتا", "اثنتي", "إثنا", "إثني"] { t.append((f, .unit(2, teenOnly: true))) }
        for f in ["عشر", "عشرة"] { t.append((f, .ten)) }
        let tens: [(Int, String)] = [(20, "عشر"), (30, "ثلاث"), (40, "أربع"), (50, "خمس"), (60, "ست"),
                                     (70, "سبع"), (80, "ثمان"), (90, "تسع")]
        for (v, stem) in tens {
            t.append((stem + "ون", .tens(v)))
            t.append((stem + "ين", .tens(v)))
        }
        for f in ["مئة", "مائة", "مئه", "مائه", "مية", "مئةً"] { t.append((f, .hundred(100))) }
        for f in ["مئتان", "مئتين", "مئتي", "مئتا", "مائتان", "مائتين", "مائتي", "مائتا"] { t.append((f, .hundred(200))) }
        let hundredStems: [(Int, [String])] = [
            (300, ["ثلاث", "ثلث"]), (400, ["أربع"]), (500, ["خمس"]), (600, ["ست"]),
            (700, ["سبع"]), (800, ["ثمان", "ثماني"]), (900, ["تسع"]),
        ]
        for (v, stems) in hundredStems {
            for s in stems { for h in ["مئة", "مائة"] { t.append((s + h, .hundred(v))) } }
        }
        let scales: [(Double, [String], [String], [String], [String])] = [
            (1e3, ["ألف"], ["ألفا", "ألفًا"], ["ألفان", "ألفين", "ألفي"], ["آلاف", "ألاف"]),
            (1e6, ["مليون"], ["مليونا", "مليونًا"], ["مليونان", "مليونين", "مليوني"], ["ملايين"]),
            (1e9, ["مليار", "بليون"], ["مليارا", "بليونا", "مليارًا"], ["ملياران", "مليارين", "ملياري", "بليونان", "بليونين"],
             ["مليارات", "بلايين"]),
            (1e12, ["تريليون", "ترليون"], ["تريليونا", "ترليونا"], ["تريليونان", "تريليونين", "ترليونين"],
             ["تريليونات", "ترليونات"]),
        ]
        for (v, singular, accusative, dual, plural) in scales {
            for f in singular { t.append((f, .scale(v, .singular))) }
            for f in accusative { t.append((f, .scale(v, .accusative))) }
            for f in dual { t.append((f, .scale(v, .dual))) }
            for f in plural { t.append((f, .scale(v, .plural))) }
        }
        t.append(("نصف", .fraction(0.5)))
        t.append(("ربع", .fraction(0.25)))
        return t
    }()

    init() {
        var words: [UInt64: NumberWord] = [:]
        var bits = [UInt64](repeating: 0, count: NumberLexicon.bitCount / 64)
        func add(_ hash: UInt64, _ word: NumberWord) {
            words[hash] = word
            let b = Int(truncatingIfNeeded: hash) & (NumberLexicon.bitCount - 1)
            bits[b >> 6] |= 1 << UInt64(b & 63)
        }
        for normalizer in [Normalizer(foldTaMarbuta: true), Normalizer(foldTaMarbuta: false)] {
            for (form, word) in NumberLexicon.table { add(normalizer.key(form), word) }
        }
        self.words = words
        self.bits = bits
        self.waw = Normalizer().key("و")
        var definite = Set<UInt64>()
        for normalizer in [Normalizer(foldTaMarbuta: true), Normalizer(foldTaMarbuta: false)] {
            for f in ["الألف", "المليون", "المليار", "ألف", "مليون", "مليار"] { definite.insert(normalizer.key(f)) }
        }
        self.definiteScales = definite
    }
}

/// The reader proper: a small state machine over tokens (see `read`).
struct NumberReader {
    let tokens: UnsafeBufferPointer<Token>
    let normalized: UnsafeBufferPointer<UInt16>
    let lexicon: NumberLexicon
    let limit: Int

    static let waw: UInt16 = 0x0648

    /// A value beyond which a reading is refused (no count in news comes near it, and Double
    /// stays exact for integers up to 2^53).
    static let maxValue = 1e15

    /// How a lone comma before three digits was read, if there was one.
    enum CommaReading { case none, thousands, decimal }

    enum Lexeme {
        case word(NumberWord)
        case digits(Double, plain: Bool, decimals: Int, comma: CommaReading)
    }

    /// The hash of a token's normalized form without its first `skip` letters.
    @inline(__always) func hash(_ i: Int, skip: Int) -> UInt64 {
        let t = tokens[i]
        if skip == 0 { return t.hash }
        let from = Int(t.normStart) + skip, to = Int(t.normEnd)
        guard from < to else { return 0 }
        return Normalizer.hash(UnsafeBufferPointer(rebasing: normalized[from..<to]))
    }

    func lexeme(_ i: Int, skip: Int) -> Lexeme? {
        let t = tokens[i]
        if t.kind == .number && skip == 0 {
            guard let (v, plain, decimals, comma) = digits(i) else { return nil }
            return .digits(v, plain: plain, decimals: decimals, comma: comma)
        }
        guard t.kind == .word, let w = lexicon.word(hash(i, skip: skip)) else { return nil }
        return .word(w)
    }

    /// The word the token is, if any (no digits).
    @inline(__always) func word(_ i: Int, skip: Int = 0) -> NumberWord? {
        guard i < limit, tokens[i].kind == .word else { return nil }
        return lexicon.word(hash(i, skip: skip))
    }

    /// Reads a digits token: `1500`, `1,500`, `2.5`, `3,65`, `1.234,5`. A single comma before
    /// exactly three digits is a thousands separator unless a plural scale word follows
    /// (`3,650 ملايين` is 3.65 million: ملايين counts three to ten, so the comma is a decimal
    /// one, as Maghrebi news writes it). Nil when malformed or beyond `maxValue`; the second
    /// value says the token is digits only.
    func digits(_ i: Int) -> (Double, Bool, Int, CommaReading)? {
        let t = tokens[i]
        let s = Int(t.normStart), e = Int(t.normEnd)
        guard e > s else { return nil }
        var commas = 0, dots = 0, lastSep = -1
        for k in s..<e {
            let u = normalized[k]
            if u == 0x2C { commas += 1; lastSep = k }
            else if u == 0x2E { dots += 1; lastSep = k }
            else if u < 0x30 || u > 0x39 { return nil }
        }
        if commas + dots == 0 {
            var v = 0.0, significant = 0
            for k in s..<e {
                let d = Double(normalized[k] - 0x30)
                if significant > 0 || d != 0 { significant += 1 }
                if significant > 15 { return nil }
                v = v * 10 + d
            }
            return (v, true, 0, .none)
        }
        guard normalized[s] >= 0x30, normalized[s] <= 0x39, lastSep != e - 1 else { return nil }
        // Where the decimal point is, if there is one.
        var decimalAt = e
        var comma = CommaReading.none
        if commas > 0 && dots > 0 {
            decimalAt = lastSep
        } else if dots == 1 {
            decimalAt = lastSep
        } else if commas == 1 {
            let after = e - lastSep - 1, before = lastSep - s
            if after != 3 || before > 3 {
                decimalAt = lastSep
            } else if i + 1 < limit, case .scale(_, .plural)? = word(i + 1) {
                decimalAt = lastSep
                comma = .decimal
            } else {
                comma = .thousands
            }
        }
        // The integer part: digits with one kind of thousands separator, groups of three after
        // the first.
        var intPart = 0.0, significant = 0, groupLength = 0, separator: UInt16 = 0, groups = 0
        for k in s..<decimalAt {
            let u = normalized[k]
            if u == 0x2C || u == 0x2E {
                if separator == 0 { separator = u } else if separator != u { return nil }
                if groupLength == 0 || groupLength > 3 || (groups > 0 && groupLength != 3) { return nil }
                groups += 1
                groupLength = 0
                continue
            }
            let d = Double(u - 0x30)
            if significant > 0 || d != 0 { significant += 1 }
            if significant > 15 { return nil }
            intPart = intPart * 10 + d
            groupLength += 1
        }
        if groups > 0 && groupLength != 3 { return nil }
        // The fraction as an integer over a power of ten: one rounding, so 3,65 is 3.65.
        var mantissa = intPart, place = 1.0, decimals = 0
        if decimalAt < e {
            for k in (decimalAt + 1)..<e {
                let u = normalized[k]
                if u == 0x2C || u == 0x2E { return nil }
                if significant + decimals < 15 {
                    mantissa = mantissa * 10 + Double(u - 0x30)
                    place *= 10
                    decimals += 1
                }
            }
        }
        let value = mantissa / place
        guard value.isFinite, value <= NumberReader.maxValue else { return nil }
        return (value, false, decimals, comma)
    }

    /// The grammar. A number is groups below a thousand, each optionally times a scale word, in
    /// falling order of scale, joined by و: `ثلاثة ملايين وخمسمئة ألف وعشرون`. Inside a group:
    /// hundreds, then a unit, then tens (`مئة وخمسة وعشرون`), or a teen, or digits. A و that
    /// would start something the grammar does not allow there ends the number: in
    /// `مئة وخمسين ومئتي` a second hundred cannot follow, so the number is 150.
    mutating func read(at start: Int, skip: Int, maxJoins: Int) -> ArabicNumber? {
        var total = 0.0
        var lastScale = Double.infinity
        var topScale: Double? = nil, topCount = 0.0
        // The group below the next scale.
        var group = 0.0
        var hasHundred = false, hasUnit = false, hasTens = false, hasTeen = false, isDigits = false
        var groupEmpty = true
        var lastUnit = 0
        var pendingTeenOnly = false
        var joins = 0
        var done = false
        // The reading before a group that a و opened after a scale word: if that group ends at a
        // scale word it cannot take (`ثلاثة آلاف وخمسة آلاف`), the و was between two numbers.
        var beforeGroup: (total: Double, endToken: Int, joins: Int)? = nil

        var i = start
        var endToken = start  // exclusive end of what has been accepted
        var plainInteger = false
        var startsWithDigits = false
        // Decimal places of the digits group, for exact scaling.
        var groupDecimals = 0
        var firstComma = CommaReading.none

        func resetGroup() {
            group = 0; hasHundred = false; hasUnit = false; hasTens = false; hasTeen = false
            isDigits = false; groupEmpty = true; lastUnit = 0; groupDecimals = 0
        }

        // The first component.
        guard start < limit, let first = lexeme(start, skip: skip) else { return nil }
        switch first {
        case .digits(let v, let plain, let decimals, let comma):
            group = v; isDigits = true; groupEmpty = false; groupDecimals = decimals
            firstComma = comma
            plainInteger = plain; startsWithDigits = true
        case .word(let w):
            switch w {
            case .unit(let v, let teenOnly):
                group = Double(v); hasUnit = true; lastUnit = v; groupEmpty = false; pendingTeenOnly = teenOnly
            case .ten:
                group = 10; hasTeen = true; groupEmpty = false
            case .tens(let v):
                group = Double(v); hasTens = true; groupEmpty = false
            case .hundred(let v):
                group = Double(v); hasHundred = true; groupEmpty = false
            case .scale(let s, let form):
                switch form {
                case .singular: total = s; topScale = s; topCount = 1
                case .accusative, .dual: total = 2 * s; topScale = s; topCount = 2
                case .plural: return nil
                }
                lastScale = s
            case .fraction:
                return nil
            }
        }
        i = start + 1
        endToken = i

        while !done && i < limit {
            // Components that follow directly, without و.
            if let w = word(i) {
                switch w {
                case .ten where hasUnit && !hasTens && !hasTeen && !isDigits && lastUnit < 10:
                    // A teen: أحد عشر، ثلاثة عشر، اثنتا عشرة.
                    group += 10; hasTeen = true; hasUnit = false; pendingTeenOnly = false
                    i += 1; endToken = i
                    continue
                case .hundred(100) where hasUnit && !hasHundred && !hasTens && !hasTeen && !pendingTeenOnly && lastUnit >= 1:
                    // Written apart: ثلاث مئة.
                    group = Double(lastUnit) * 100; hasHundred = true; hasUnit = false; lastUnit = 0
                    i += 1; endToken = i
                    continue
                case .scale(let s, let form) where !groupEmpty && !pendingTeenOnly && s < lastScale:
                    if form == .dual { break }
                    if form == .accusative && !isDigits && group < 3 { break }
                    let v = ArabicNumber.scaled(group, decimals: isDigits ? groupDecimals : 0, by: s)
                    guard v.isFinite, total + v <= NumberReader.maxValue else { return nil }
                    total += v
                    if topScale == nil { topScale = s; topCount = group }
                    lastScale = s
                    resetGroup()
                    beforeGroup = nil
                    i += 1; endToken = i
                    continue
                default:
                    break
                }
            }
            if pendingTeenOnly { return nil }
            // Components after و, attached (`وخمسين`) or apart (`و 50`, `و50`).
            guard joins < maxJoins else { break }
            var next = i, nextSkip = 0
            if tokens[i].kind == .word && tokens[i].hash == lexicon.waw {
                next = i + 1
            } else if tokens[i].kind == .word, tokens[i].normEnd - tokens[i].normStart >= 3,
                      normalized[Int(tokens[i].normStart)] == NumberReader.waw {
                nextSkip = 1
            } else {
                break
            }
            guard next < limit, let lex = lexeme(next, skip: nextSkip) else { break }
            var accepted = false
            if groupEmpty && total > 0 { beforeGroup = (total, endToken, joins) }
            switch lex {
            case .digits(let v, _, let decimals, _):
                // Digits after a scale: ثلاثة آلاف و500.
                if groupEmpty && total > 0 {
                    group = v; isDigits = true; groupEmpty = false; groupDecimals = decimals; accepted = true
                }
            case .word(let w):
                switch w {
                case .unit(let v, let teenOnly):
                    if !hasUnit && !hasTens && !hasTeen && !isDigits {
                        group += Double(v); hasUnit = true; lastUnit = v; groupEmpty = false
                        pendingTeenOnly = teenOnly; accepted = true
                    }
                case .ten:
                    if !hasUnit && !hasTens && !hasTeen && !isDigits && (hasHundred || (groupEmpty && total > 0)) {
                        group += 10; hasTeen = true; groupEmpty = false; accepted = true
                    }
                case .tens(let v):
                    if !hasTens && !hasTeen && !isDigits && (hasHundred || hasUnit || (groupEmpty && total > 0)) {
                        group += Double(v); hasTens = true; groupEmpty = false; accepted = true
                    }
                case .hundred(let v):
                    if groupEmpty && total > 0 && lastScale >= 1000 {
                        group = Double(v); hasHundred = true; groupEmpty = false; accepted = true
                    }
                case .scale(let s, let form):
                    // A whole scale after a larger one: مليون وألف، مليونان وألفان.
                    if groupEmpty && total > 0 && s < lastScale && (form == .singular || form == .dual) {
                        total += form == .dual ? 2 * s : s
                        lastScale = s
                        accepted = true
                    }
                case .fraction(let f):
                    if groupEmpty && total > 0 && lastScale.isFinite {
                        total += f * lastScale
                        accepted = true
                        done = true
                    }
                }
            }
            guard accepted else { break }
            joins += 1
            i = next + 1
            endToken = i
            if done, i < limit, tokens[i].kind == .word, lexicon.definiteScales.contains(tokens[i].hash) {
                // مليون ونصف المليون: the repeated scale word belongs to the number.
                i += 1; endToken = i
            }
        }
        if pendingTeenOnly { return nil }
        if let before = beforeGroup, !groupEmpty, i < limit, case .scale? = word(i) {
            total = before.total; endToken = before.endToken; joins = before.joins
            resetGroup()
        }
        let value = total + group
        guard value.isFinite, value <= NumberReader.maxValue else { return nil }
        if endToken > start + 1 { plainInteger = false }
        return ArabicNumber(value: value, tokens: start..<endToken, start: tokens[start].start,
                            end: tokens[endToken - 1].end, joins: joins, scale: topScale,
                            scaleCount: topCount, isPlainInteger: plainInteger, startsWithDigits: startsWithDigits,
                            decimals: total == 0 && isDigits ? groupDecimals : 0,
                            commaDecimalAlternative: firstComma == .thousands && endToken == start + 1 ? value / 1000 : nil,
                            usesCommaDecimal: firstComma == .decimal)
    }

    /// UTF-16 units of a token's text that hold its first `letters` normalized letters, with
    /// the marks that follow them (`وَ` is two units).
    static func originalPrefix(_ document: Document, _ token: Token, letters: Int) -> Int32 {
        let normalizer = Normalizer()
        var k = Int(token.start), seen = 0
        let end = Int(token.end)
        while k < end && seen < letters {
            if normalizer.fold(document.utf16[k]) != nil { seen += 1 }
            k += 1
        }
        while k < end && normalizer.fold(document.utf16[k]) == nil { k += 1 }
        return Int32(k) - token.start
    }
}
