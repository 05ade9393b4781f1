// The range finder: NUMRANGE candidates for two numbers joined by a range construction
// (بين X و Y، ما بين X و Y، من X إلى Y، X إلى Y، X - Y), with their values and the unit written
// after them. It runs on every token of every document, so a token that cannot start a range
// costs one bitset load; strings are made only for the unit of a range found.

public struct NumericRanges: Stage {
    public let name = "numeric-ranges"
    public let requires: Set<Capability> = [.tokens, .normalizedForms]
    public let provides: Set<Capability> = [.numericRanges]
    package let priority: Int

    public init(priority: Int = 100) { self.priority = priority }

    public func process(_ document: Document) throws {
        let words = RangeWords.shared
        let numbers = NumberLexicon.shared
        var i = 0
        let tokens = document.tokens  // read once: a class property costs a check on every access
        let count = tokens.count
        while i < count {
            let t = tokens[i]
            var found: Entity? = nil
            switch t.kind {
            case .number:
                found = bare(document, at: i)
            case .word:
                if words.mayContain(t.hash), let opener = words.openers[t.hash] {
                    found = opened(document, at: i, opener)
                } else if numbers.mayContain(t.hash), numbers.words[t.hash] != nil {
                    found = bare(document, at: i)
                }
            default:
                break
            }
            if let e = found {
                document.candidates.append(e)
                i = Int(e.tokens.upperBound)
            } else {
                i += 1
            }
        }
    }

    // MARK: constructions

    /// بين X و Y، ما بين X و Y، ما يتراوح بين…، من X إلى Y, from the opener at token `i`.
    func opened(_ d: Document, at i: Int, _ opener: Opener) -> Entity? {
        let words = RangeWords.shared
        let limit = sentenceEnd(d, i)
        var bayn = i
        switch opener.kind {
        case .ma:
            // ما بين، ما يتراوح بين (the span starts at ما either way).
            var k = i + 1
            if k < limit, words.rangeVerbs.contains(d.tokens[k].hash) { k += 1 }
            guard k < limit, let next = words.openers[d.tokens[k].hash], next.kind == .bayn, next.prefix == 0 else { return nil }
            bayn = k
        case .bayn, .min:
            break
        }
        let start = d.tokens[i].start + (opener.prefix > 0 ? NumberReader.originalPrefix(d, d.tokens[i], letters: opener.prefix) : 0)
        let afterDate = datePrecedes(d, i)
        let first = bayn + 1
        if opener.kind == .min {
            return range(d, opening: i, start: start, first: first, limit: limit, connectors: .ila, backtrack: false,
                         afterDate: afterDate)
        }
        // «من بين» is "among": one number after it is a total, not a bound to split.
        let among = opener.kind == .bayn && bayn > 0 && d.tokens[bayn - 1].hash == words.min
            && d.tokens[bayn - 1].sentence == d.tokens[bayn].sentence
        return range(d, opening: i, start: start, first: first, limit: limit, connectors: [.wa, .ila], backtrack: !among,
                     afterDate: afterDate)
    }

    /// X إلى Y and X - Y from a number at token `i` with no opener before it.
    func bare(_ d: Document, at i: Int) -> Entity? {
        let words = RangeWords.shared
        if i > 0 {
            let p = d.tokens[i - 1]
            // Inside a number or a date (`5/2018`), or after an opener whose range failed.
            if p.kind == .number || isDash(d, p) || words.dateJoiners.contains(p.hash) || words.openers[p.hash] != nil {
                return nil
            }
        }
        let limit = sentenceEnd(d, i)
        return range(d, opening: i, start: nil, first: i, limit: limit, connectors: [.ila, .dash], backtrack: false,
                     afterDate: datePrecedes(d, i))
    }

    struct Connectors: OptionSet {
        let rawValue: UInt8
        static let wa = Connectors(rawValue: 1)
        static let ila = Connectors(rawValue: 2)
        static let dash = Connectors(rawValue: 4)
    }

    /// The range whose first bound starts at token `first`: X [percent] connector Y [unit].
    /// `start` is the opener's start (nil: the span starts at X).
    /// `afterDate`: a month name, عام or الساعة right before it (`datePrecedes`).
    func range(_ d: Document, opening: Int, start: Int32?, first: Int, limit: Int, connectors: Connectors,
               backtrack: Bool, afterDate: Bool) -> Entity? {
        guard first < limit, var x = ArabicNumber.read(d, at: first, limit: limit) else { return nil }
        if let result = second(d, opening: opening, start: start, x: x, limit: limit, connectors: connectors, split: false,
                               afterDate: afterDate) {
            return result
        }
        // The و inside X may be the range's: بين مئة وخمسين is 100 to 150.
        guard backtrack, x.joins > 0 else { return nil }
        for joins in stride(from: x.joins - 1, through: 0, by: -1) {
            guard let shorter = ArabicNumber.read(d, at: first, limit: limit, maxJoins: joins) else { continue }
            x = shorter
            if let result = second(d, opening: opening, start: start, x: x, limit: limit, connectors: [.wa], split: true,
                                   afterDate: afterDate) {
                return result
            }
        }
        return nil
    }

    /// After the first bound: an optional percent, the connector, the second bound, the unit.
    func second(_ d: Document, opening: Int, start: Int32?, x: ArabicNumber, limit: Int, connectors: Connectors,
                split: Bool, afterDate: Bool) -> Entity? {
        let words = RangeWords.shared
        var k = x.tokens.upperBound
        // بين 10% و15%، بين 5 في المئة و10 في المئة: the first bound's percent lies inside the span,
        // and so does its unit when the second bound repeats one (بين 3000 دينار و3500 دينار، بين 23 سنة
        // و30 سنة، بين 17 د و21 د): the span still ends at the second number, the unit after it.
        // Only after بين: a unit after من's first bound is mostly a change from one value to another
        // (ليرتفع من 319 دينارا إلى 338 دينارا), which the gold does not tag.
        var firstUnit: UInt64? = nil
        if let p = percent(d, at: k, limit: limit) {
            k = p.end
        } else if start != nil, connectors.contains(.wa), k + 1 < limit, d.tokens[k].kind == .word,
                  words.isUnit(d.tokens[k].hash),
                  d.tokens[k + 1].kind == .word || d.tokens[k + 1].kind == .number {
            firstUnit = d.tokens[k].hash
            k += 1
        }
        guard k < limit else { return nil }
        let c = d.tokens[k]
        var yAt = k + 1, ySkip = 0
        var dash = false
        if c.kind == .word && c.hash == NumberLexicon.shared.waw && connectors.contains(.wa) {
            // و apart, or split from digits by segmentation (`و23`).
        } else if c.kind == .word && connectors.contains(.wa) && c.normEnd - c.normStart >= 3
                    && d.normalized[Int(c.normStart)] == NumberReader.waw {
            yAt = k; ySkip = 1
        } else if c.kind == .word && connectors.contains(.ila) && words.ila.contains(c.hash) {
            // إلى، الى، حتى.
        } else if c.kind != .word && c.kind != .number && connectors.contains(.dash) && isDash(d, c) {
            dash = true
        } else {
            return nil
        }
        guard yAt < limit, let y = ArabicNumber.read(d, at: yAt, skip: ySkip, limit: limit) else { return nil }
        if dash && !(x.startsWithDigits && y.startsWithDigits) { return nil }
        var x = x
        if let alternative = x.commaDecimalAlternative, y.usesCommaDecimal {
            x.value = alternative
            x.decimals = 3
        }
        var low = x.value
        var high = y.value
        // A bare first bound shares the second's scale: بين 1.2 و1.5 مليون، من 2 إلى 3 ملايين. After
        // من a range may fall (من 250 إلى 200 مليون), so a first bound near the count shares it too.
        let falling = connectors == .ila && start != nil
        if x.scale == nil, let s = y.scale, x.value > 0,
           x.value < y.scaleCount || (falling && x.value < y.scaleCount * 10) {
            low = ArabicNumber.scaled(x.value, decimals: x.decimals, by: s)
        }
        let unit = self.unit(d, after: y.tokens.upperBound, limit: limit, count: y.scale == nil ? y.value : nil)
        if unit.isDate { return nil }
        // Bounds in two units are two quantities (بين 6 أشهر و4 سنوات): the second must repeat the first's.
        if let firstUnit, y.tokens.upperBound >= limit || d.tokens[y.tokens.upperBound].hash != firstUnit { return nil }
        // Without an opener, a number after a date word is that date (سنة 2005 إلى 100 مليون).
        if afterDate && start == nil { return nil }
        // After عام, a month or الساعة two bare integers are a period or a time (عام بين 2015 و2017، الساعة بين
        // 10 و12); a counted noun, a percent, a scale word or a fraction makes them a quantity of that year
        // (هذا العام بين 25 و29 بالمئة، منذ مطلع العام بين 20 و25 ألف مهاجر).
        if afterDate && !unit.known && unit.text == nil && x.scale == nil && y.scale == nil
            && x.decimals == 0 && y.decimals == 0 && x.value == x.value.rounded() && y.value == y.value.rounded() {
            return nil
        }
        // A dash joins scores (2-1، 65 - 78), rankings (701-750) and life dates as often as
        // ranges: only a known unit or a scale word makes it a quantity.
        if dash && !unit.known && y.scale == nil { return nil }
        // 08.00 إلى 14.00 are times of day.
        if isClockTime(d, x) && isClockTime(d, y) && !unit.known { return nil }
        // Two years are a period, not a quantity: بين 2014 و2016، 2011-2014.
        if x.isPlainInteger && y.isPlainInteger && isYear(x.value) && isYear(y.value) && !unit.known {
            return nil
        }
        // Older years too (حكم من 1530 إلى 1798، بني بين 1609 و1616) when nothing is counted after them: a
        // quantity in that span of numbers names what it counts (بين 1100 و1300 شخص، بين 1500 و2000 وظيفة).
        if x.isPlainInteger && y.isPlainInteger && unit.text == nil && !unit.known
            && isOldYear(x.value) && isOldYear(y.value) && x.value < y.value {
            return nil
        }
        let bare = start == nil
        if split || bare {
            // Without an opener, order is what tells a range from a ratio or a score (3 إلى 1، 2-1).
            guard low < high else { return nil }
        } else if low == high {
            return nil
        }
        if bare {
            if dash || d.tokens[yAt].kind == .number {
                // A date written with dashes (12-05-2019), or a score of small numbers.
                let after = y.tokens.upperBound
                if after < limit, isDash(d, d.tokens[after]) || d.tokens[after].hash == words.slash { return nil }
                if dash && x.isPlainInteger && y.isPlainInteger && high <= 10 && unit.text == nil { return nil }
                if dash && x.isPlainInteger && y.isPlainInteger && low <= 31 && isYear(high) && unit.text == nil { return nil }
            }
            if opening > 0, words.scoreWords.contains(d.tokens[opening - 1].hash) { return nil }
        }
        if low > high { swap(&low, &high) }
        let entityStart = start ?? x.start
        var e = Entity(type: .numericRange, start: entityStart, end: y.end,
                       tokens: Int32(opening)..<Int32(y.tokens.upperBound), source: "numeric-ranges", priority: priority)
        e.low = low
        e.high = high
        e.unit = unit.text
        return e
    }

    // MARK: context

    /// The end of token `i`'s sentence: a range never crosses one. (All tokens when a custom
    /// tokenizer made no sentences.)
    func sentenceEnd(_ d: Document, _ i: Int) -> Int {
        let s = Int(d.tokens[i].sentence)
        guard s < d.sentences.count else { return d.tokens.count }
        return Int(d.sentences[s].tokens.upperBound)
    }

    func isDash(_ d: Document, _ t: Token) -> Bool {
        guard t.normEnd - t.normStart == 1 else { return false }
        switch d.normalized[Int(t.normStart)] {
        case 0x2D, 0x2013, 0x2212, 0x2012: return true
        default: return false
        }
    }

    func isYear(_ v: Double) -> Bool { v >= 1800 && v <= 2100 && v == v.rounded() }

    /// Four digits a year may be written with: 1000 to 2100.
    func isOldYear(_ v: Double) -> Bool { v >= 1000 && v <= 2100 && v == v.rounded() }

    /// One digits token `HH.MM` (two decimals, hours up to 24).
    func isClockTime(_ d: Document, _ n: ArabicNumber) -> Bool {
        guard n.tokens.count == 1, n.decimals == 2 || n.decimals == 0, n.value < 25 else { return false }
        let t = d.tokens[n.tokens.lowerBound]
        let len = Int(t.normEnd - t.normStart)
        guard t.kind == .number, len >= 4, len <= 5 else { return false }
        let sep = d.normalized[Int(t.normEnd) - 3]
        return (sep == 0x2E || sep == 0x3A) && n.decimals == 2
    }

    /// A month name, عام or الساعة right before the first bound: a date or a time.
    func datePrecedes(_ d: Document, _ i: Int) -> Bool {
        guard i > 0 else { return false }
        let words = RangeWords.shared
        let p = d.tokens[i - 1]
        if p.sentence != d.tokens[i].sentence { return false }
        if words.months.contains(p.hash) || words.dateWords.contains(p.hash) { return true }
        for a in d.analyses(of: p) where words.dateWords.contains(a.hash) || words.months.contains(a.hash) { return true }
        // كانون الثاني 2018، تشرين الأول.
        if i > 1, words.ordinals.contains(p.hash), words.months.contains(d.tokens[i - 2].hash) { return true }
        return false
    }

    /// `%`, `بالمئة` or `في المئة` at token `k`: the token range and its end.
    func percent(_ d: Document, at k: Int, limit: Int) -> (start: Int, end: Int)? {
        guard k < limit else { return nil }
        let words = RangeWords.shared
        let t = d.tokens[k]
        if t.kind != .word && t.normEnd - t.normStart == 1 && d.normalized[Int(t.normStart)] == 0x25 { return (k, k + 1) }
        if words.percentWords.contains(t.hash) { return (k, k + 1) }
        if t.hash == words.fi, k + 1 < limit, words.hundredNouns.contains(d.tokens[k + 1].hash) { return (k, k + 2) }
        return nil
    }

    /// The counted noun or unit after the range, as written; `isDate` when it is a month name.
    /// The counted noun or unit after the range, as written. `known`: a unit of the list (or a
    /// percent), which is what makes two year-like numbers a quantity; `isDate`: a month name.
    /// `count`: the second bound's value when it has no scale word, for agreement (after 11 to
    /// 99 the counted noun is singular, so a plural in ات there begins something else).
    func unit(_ d: Document, after k: Int, limit: Int, count: Double?) -> (text: String?, known: Bool, isDate: Bool) {
        guard k < limit else { return (nil, false, false) }
        if let p = percent(d, at: k, limit: limit) {
            return (d.substring(d.tokens[p.start].start, d.tokens[p.end - 1].end), true, false)
        }
        let words = RangeWords.shared
        let t = d.tokens[k]
        guard t.kind == .word else { return (nil, false, false) }
        if words.months.contains(t.hash) { return (nil, false, true) }
        if words.isUnit(t.hash) {
            // A rate: كلم/س، كم / ساعة (the slash and what the unit is per belong to it).
            if k + 2 < limit, d.tokens[k + 1].hash == words.slash, d.tokens[k + 2].kind == .word,
               words.perUnits.contains(d.tokens[k + 2].hash) {
                return (d.substring(t.start, d.tokens[k + 2].end), true, false)
            }
            return (d.text(of: t), true, false)
        }
        if words.notUnits.contains(t.hash) { return (nil, false, false) }
        // A preposition or و on the word (بقائمة، وبناء): a counted noun does not take one. Nouns
        // that merely begin with such a letter (برميل، وحدة) are in the list above; ف-words are
        // let through, as فرصة and فرد are far more common there than a clause with ف.
        if t.analysisCount > 0 {
            switch d.normalized[Int(t.normStart)] {
            case 0x0628, 0x0644, 0x0643, 0x0648: return (nil, false, false)
            default: break
            }
        }
        return d.normalized.withUnsafeBufferPointer { buffer in
            let form = UnsafeBufferPointer(rebasing: buffer[Int(t.normStart)..<Int(t.normEnd)])
            guard RangeWords.looksLikeCountedNoun(form) else { return (nil, false, false) }
            if let count, count == count.rounded(), case let r = Int(count) % 100, r >= 11,
               form.count >= 4, form[form.count - 1] == 0x062A, form[form.count - 2] == 0x0627 {
                return (nil, false, false)
            }
            return (d.text(of: t), false, false)
        }
    }
}

enum OpenerKind { case bayn, ma, min }

struct Opener: Sendable {
    var kind: OpenerKind
    /// Normalized letters of proclitic before it (outside the span).
    var prefix: Int
}

/// The closed-class words the range finder reads, by hash.
struct RangeWords: Sendable {
    static let shared = RangeWords()

    let openers: [UInt64: Opener]
    let bits: [UInt64]
    let rangeVerbs: TextSet
    let ila: TextSet
    let min: UInt64
    let fi: UInt64
    let slash: UInt64
    let percentWords: TextSet
    let hundredNouns: TextSet
    let months: TextSet
    let ordinals: TextSet
    let dateWords: TextSet
    let dateJoiners: TextSet
    let scoreWords: TextSet
    let units: TextSet
    /// Units written short after a first bound that the second repeats (بين 17 د و21 د): Tunisian dinars.
    let unitAbbreviations: TextSet
    /// What a unit may be per, after a slash: hours, minutes, seconds, days, months, years.
    let perUnits: TextSet
    let notUnits: TextSet

    /// A unit of the list, or one written short.
    @inline(__always) func isUnit(_ hash: UInt64) -> Bool { units.contains(hash) || unitAbbreviations.contains(hash) }

    @inline(__always) func mayContain(_ hash: UInt64) -> Bool {
        let b = Int(truncatingIfNeeded: hash) & 1023
        return bits[b >> 6] & (1 << UInt64(b & 63)) != 0
    }

    init() {
        let normalizers = [Normalizer(foldTaMarbuta: true), Normalizer(foldTaMarbuta: false)]
        // Open addressing over the hashes (`TextSet`), not a `Set`: each test hashed the hash
        // again with SipHash, and the date tests run at every number.
        func keys(_ forms: [String]) -> TextSet {
            var s: [UInt64] = []
            for n in normalizers { for f in forms { s.append(n.key(f)) } }
            return TextSet(s)
        }
        var openers: [UInt64: Opener] = [:]
        let table: [(String, OpenerKind, Int)] = [
            ("بين", .bayn, 0), ("وبين", .bayn, 1), ("فبين", .bayn, 1),
            ("ما", .ma, 0), ("لما", .ma, 1), ("بما", .ma, 1), ("وما", .ma, 1), ("فما", .ma, 1), ("وبما", .ma, 2),
            ("من", .min, 0), ("ومن", .min, 1), ("فمن", .min, 1),
        ]
        var bits = [UInt64](repeating: 0, count: 1024 / 64)
        for (form, kind, prefix) in table {
            let h = Normalizer().key(form)
            openers[h] = Opener(kind: kind, prefix: prefix)
            let b = Int(truncatingIfNeeded: h) & 1023
            bits[b >> 6] |= 1 << UInt64(b & 63)
        }
        self.openers = openers
        self.bits = bits
        rangeVerbs = keys(["يتراوح", "تتراوح", "يراوح", "تراوح", "تراوحت", "يتراوحون", "تتراوحان", "يتراوحان", "تراوحا"])
        ila = keys(["إلى", "الى", "حتى"])
        min = Normalizer().key("من")
        fi = Normalizer().key("في")
        slash = Normalizer().key("/")
        percentWords = keys(["بالمئة", "بالمائة", "بالمية", "بالمئه", "بالمائه"])
        hundredNouns = keys(["المئة", "المائة", "المية"])
        months = keys([
            "يناير", "فبراير", "مارس", "أبريل", "إبريل", "ابريل", "مايو", "يونيو", "يونيه", "يوليو", "يوليه", "أغسطس",
            "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
            "كانون", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين",
            "جانفي", "فيفري", "أفريل", "ماي", "جوان", "جويلية", "أوت",
            "محرم", "صفر", "ربيع", "جمادى", "رجب", "شعبان", "رمضان", "شوال", "القعدة", "الحجة",
        ])
        ordinals = keys(["الأول", "الثاني", "الآخر", "الاخرة", "الأولى"])
        dateWords = keys(["عام", "العام", "عامي", "سنة", "السنة", "سنتي", "الساعة", "ساعة", "العامين", "الأعوام",
                          "الفترة", "موسم", "موسمي", "القرن", "القرنين"])
        dateJoiners = keys(["/", ":"])
        scoreWords = keys(["نتيجة", "بنتيجة", "النتيجة", "بالنتيجة", "فاز", "فوز", "خسر", "تعادل", "هزم", "تغلب",
                           "بفوز", "بهزيمة", "بخسارة", "الرقم", "رقم", "المادة", "القرار", "الفقرة"])
        units = keys(["عضوا", "جنديا", "دولار", "دولارا", "دولارات", "يورو", "درهم", "دينار", "جنيه", "ريال", "ليرة",
                      "كلم", "كيلومتر", "كيلومترا", "متر", "مترا", "أمتار", "طن", "طنا", "أطنان", "برميل", "برميلا",
                      "شخص", "شخصا", "أشخاص", "مقاتل", "مقاتلا", "مقاتلين", "قتيل", "قتيلا", "قتلى", "لاجئ", "لاجئا",
                      "عنصر", "عنصرا", "عناصر", "يوم", "يوما", "أيام", "ساعة", "ساعات", "دقيقة", "دقائق", "شهر", "شهرا",
                      "أشهر", "عاما", "أعوام", "سنوات", "سنة", "أسبوع", "أسبوعا", "أسابيع", "درجة", "درجات", "نقطة",
                      "نقاط", "مرة", "مرات", "ميغاواط", "هكتار", "هكتارا", "كيلوغرام", "كلغ", "غرام",
                      "كم", "سم", "ملم", "مم", "مليم", "كيلوات", "ميلا", "ميل", "لتر", "لترا", "نسمة", "حالة", "حالات",
                      "إصابة", "إصابات", "جريح", "جريحا", "جرحى", "مدني", "مدنيا", "مدنيين", "طفل", "طفلا", "أطفال",
                      "امرأة", "نساء", "منزل", "منزلا", "منازل", "مسكن", "مسكنا", "مساكن", "أسرة", "أسر", "عائلة",
                      "عائلات", "مقعد", "مقعدا", "مقاعد", "صاروخ", "صاروخا", "صواريخ", "غارة", "غارات", "جندي",
                      "جنود", "مسلح", "مسلحا", "مسلحين", "عامل", "عاملا", "عمال", "موظف", "موظفا", "موظفين",
                      "برميلا", "براميل", "بيت", "بيوت", "بلدة", "بلدات", "بندقية", "فرد", "فردا", "أفراد", "كتيبة",
                      "كتائب", "كيلومترات", "ولاية", "ولايات", "وحدة", "وحدات", "وظيفة", "وظائف", "فيلم", "فيلما",
                      "بلدا", "بلدان", "دولة", "دول", "قرية", "قرى", "مدينة", "مدن", "شاحنة", "شاحنات", "سيارة",
                      "سيارات", "طائرة", "طائرات", "دبابة", "دبابات", "سجين", "سجينا", "معتقل", "معتقلا", "نازح",
                      "نازحا", "لاجئين", "زائر", "زائرا", "سائح", "سائحا", "طالب", "طالبا", "طلاب", "تلميذ", "تلميذا",
                      "تلاميذ", "وثيقة", "وثائق", "وجبة", "وجبات", "وسيلة", "ورقة", "وفاة", "وفيات",
                      "وزير", "وزراء", "ورشة", "بطاقة", "بطاقات", "باخرة", "بئر", "بئرا", "بقرة", "لغة", "لغات", "مليمترا", "سنتيمترا", "سنتيمتر", "دولاراً", "عاماً", "يوماً", "شهراً", "دينارا"])
        unitAbbreviations = keys(["د", "دج"])
        perUnits = keys(["س", "سا", "ساعة", "الساعة", "د", "دقيقة", "الدقيقة", "ث", "ثا", "ثانية", "الثانية", "يوم",
                         "اليوم", "شهر", "الشهر", "سنة", "السنة", "عام", "العام"])
        notUnits = keys([
            "في", "من", "إلى", "الى", "على", "عن", "مع", "حتى", "منذ", "بعد", "قبل", "خلال", "عند", "لدى", "نحو", "حول",
            "ضد", "دون", "بين", "أمام", "وراء", "فوق", "تحت", "عبر", "أثناء", "إزاء", "لكن", "بل", "أو", "أم", "ثم",
            "أن", "إن", "أنه", "إنه", "أنها", "إذا", "إذ", "لا", "لم", "لن", "قد", "ما", "لما", "التي", "الذي", "الذين",
            "هذا", "هذه", "ذلك", "تلك", "هو", "هي", "هم", "كما", "كل", "بعض", "غير", "سوى", "فقط", "أيضا", "حيث",
            "وفق", "وفقا", "حسب", "بحسب", "طبقا", "أي", "مما", "ممن", "عما", "فيما", "بينما", "كان", "كانت", "يكون",
            "تكون", "وهو", "وهي", "وفي", "ومن", "وعلى", "وقد", "وذلك", "وكان", "وكانت", "ولا", "ولم", "فقد", "قال",
            "قالت", "أضاف", "أكد", "أعلن", "بلغ", "وصل", "قتل", "سقط", "أصيب", "تم", "جرى", "يوجد", "توجد", "لكل",
            "لدي", "عليه", "فيه", "منه", "منها", "عليها", "فيها", "إليه", "بينهم", "منهم", "تقريبا", "فأكثر", "فما",
            "وأكثر", "أكثر", "أقل", "وما", "حاليا", "سنويا", "يوميا", "شهريا", "أسبوعيا",
            "بشكل", "بصورة", "بنسبة", "بسبب", "لصالح", "بحق", "بفعل", "جراء", "إثر", "وسط", "ضمن", "لدى", "داخل",
            "خارج", "قرب", "بالقرب", "نتيجة", "فيما", "بينهم",
        ])
    }

    /// A word that may be a counted noun: not a definite noun (a counted noun after a number is
    /// indefinite), not a past plural verb (قتلوا) nor an imperfect plural (يقاتلون).
    static func looksLikeCountedNoun(_ n: UnsafeBufferPointer<UInt16>) -> Bool {
        let count = n.count
        guard count >= 2 else { return false }
        let alef: UInt16 = 0x0627, lam: UInt16 = 0x0644, waw: UInt16 = 0x0648, nun: UInt16 = 0x0646
        let ya: UInt16 = 0x064A, ta: UInt16 = 0x062A
        // Arabic letters only.
        for u in n where !(u >= 0x0621 && u <= 0x064A) { return false }
        if n[0] == alef && n[1] == lam { return false }
        // With a preposition or conjunction before the article: بالمدينة، للسكان، والقرى.
        if count >= 4, n[0] == 0x0628 || n[0] == 0x0643 || n[0] == 0x0641 || n[0] == waw || n[0] == lam,
           (n[1] == alef && n[2] == lam) || (n[0] == lam && n[1] == lam) { return false }
        if count >= 4, n[count - 1] == alef, n[count - 2] == waw { return false }
        if count >= 5, n[count - 1] == nun, n[count - 2] == waw, n[0] == ya || n[0] == ta { return false }
        return true
    }
}
