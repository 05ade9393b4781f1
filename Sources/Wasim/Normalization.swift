// Stage 2: normalized forms for matching, their hashes, and proclitic analyses. The original
// text and every offset stay as they are: normalized forms live in a side buffer.

/// Folds Arabic spelling variation that news writes inconsistently, for matching only.
public struct Normalizer: Sendable, Hashable {
    /// Also fold ة → ه (news and ANERcorp confuse them at word end).
    public var foldTaMarbuta: Bool

    public init(foldTaMarbuta: Bool = true) { self.foldTaMarbuta = foldTaMarbuta }

    /// The normalized form of one code unit, or nil to drop it.
    @inline(__always) func fold(_ u: UInt16) -> UInt16? {
        switch u {
        case 0x064B...0x065F, 0x0670, 0x0640: nil                    // harakat, superscript alef, tatweel
        case 0x0622, 0x0623, 0x0625, 0x0671, 0x0672, 0x0673: 0x0627    // آ أ إ ٱ → ا
        case 0x0649, 0x06CC: 0x064A                                    // ى, Persian yeh → ي
        case 0x06A9: 0x0643                                            // Persian keheh → ك
        case 0x0629: foldTaMarbuta ? 0x0647 : 0x0629                   // ة → ه
        case 0x0660...0x0669: u - 0x0660 + 0x30                        // Arabic-Indic digits → 0-9
        case 0x06F0...0x06F9: u - 0x06F0 + 0x30                        // Eastern digits → 0-9
        case 0x066B: 0x2E                                              // ٫ → .
        case 0x066C: 0x2C                                              // ٬ → ,
        case 0x066A: 0x25                                              // ٪ → %
        case _ where Normalizer.isFormat(u): nil                       // format characters (Cf)
        default: u
        }
    }

    /// Whether a code unit is a format character (Unicode category Cf) of the BMP: bidi
    /// controls, joiners, the word joiner, the BOM… Invisible, so matching ignores them and no
    /// span starts or ends with one.
    @inline(__always) package static func isFormat(_ u: UInt16) -> Bool {
        guard u >= 0xAD else { return false }
        switch u {
        case 0x00AD, 0x0600...0x0605, 0x061C, 0x06DD, 0x070F, 0x0890...0x0891, 0x08E2, 0x180E, 0x200B...0x200F,
             0x202A...0x202E, 0x2060...0x2064, 0x2066...0x206F, 0xFEFF, 0xFFF9...0xFFFB:
            return true
        default:
            return false
        }
    }

    /// Whether a surrogate pair is a format character (tags, musical and shorthand controls).
    @inline(__always) static func isFormat(high: UInt16, low: UInt16) -> Bool {
        guard UTF16.isLeadSurrogate(high), UTF16.isTrailSurrogate(low) else { return false }
        let v = 0x10000 + (UInt32(high - 0xD800) << 10) + UInt32(low - 0xDC00)
        return Unicode.Scalar(v)?.properties.generalCategory == .format
    }

    /// Harakat, superscript alef and tatweel: dropped from normalized forms.
    @inline(__always) static func isDiacritic(_ u: UInt16) -> Bool { (0x064B...0x065F).contains(u) || u == 0x0670 || u == 0x0640 }

    /// Compatibility characters (presentation forms) go through ICU's NFKC first.
    @inline(__always) static func needsNFKC(_ u: UInt16) -> Bool { u >= 0xFB50 && (u <= 0xFDFF || u >= 0xFE70) }

    /// Appends the normalized form of `units` to `out`; returns for the first three normalized
    /// characters the index in `units` where each one came from (for proclitic offsets).
    @discardableResult
    func normalize(_ units: UnsafeBufferPointer<UInt16>, into out: inout ContiguousArray<UInt16>) -> (Int32, Int32, Int32) {
        var origins: (Int32, Int32, Int32) = (0, 0, 0)
        var produced = 0
        var i = 0
        while i < units.count {
            let u = units[i]
            if Normalizer.needsNFKC(u) {
                // Rare: fold the rest of the token after NFKC, without proclitic offsets.
                let rest = UnsafeBufferPointer(rebasing: units[i...])
                for v in ICU.nfkc(rest) ?? Array(rest) { if let f = fold(v) { out.append(f) } }
                return origins
            }
            if UTF16.isLeadSurrogate(u), i + 1 < units.count, Normalizer.isFormat(high: u, low: units[i + 1]) {
                i += 2
                continue
            }
            if let f = fold(u) {
                switch produced {
                case 0: origins.0 = Int32(i)
                case 1: origins.1 = Int32(i)
                case 2: origins.2 = Int32(i)
                default: break
                }
                produced += 1
                out.append(f)
            }
            i += 1
        }
        return origins
    }

    /// `fold` over U+0000–U+06FF as a table, one per setting of `foldTaMarbuta`: `droppedUnit`
    /// for a unit that is dropped (no unit below U+0700 folds to U+FFFF). One comparison sends a
    /// unit of ASCII or of the Arabic block to its table entry. The table of the fast path of
    /// documents, list entries and clusters alike, so that all three fold the same way.
    static let lowTables: [[UInt16]] = [false, true].map { ta in
        let n = Normalizer(foldTaMarbuta: ta)
        return (0..<0x0700).map { n.fold(UInt16($0)) ?? droppedUnit }
    }
    static let droppedUnit: UInt16 = 0xFFFF

    /// What `normalizeHashing` does with one unit: its normalized form, `droppedUnit`, or nil
    /// for a unit that needs the general path (NFKC, format characters beyond the BMP).
    @inline(__always) static func foldFast(_ u: UInt16, lowTable: UnsafePointer<UInt16>) -> UInt16? {
        if u < 0x0700 { return lowTable[Int(u)] }
        if Normalizer.needsNFKC(u) || UTF16.isLeadSurrogate(u) { return nil }
        return Normalizer.isFormat(u) ? droppedUnit : u
    }

    /// `normalizeHashing(_:to:table:)` through `lowTables`, for the normalization stage: the
    /// first three units written (whose origins it keeps) one step each, the rest in a loop
    /// that keeps none, so that most units cost a table read, a store and the hash step (24
    /// instructions a unit → about 12 in callgrind).
    @inline(__always)
    func normalizeHashing(_ units: UnsafeBufferPointer<UInt16>, to dst: UnsafeMutablePointer<UInt16>,
                          lowTable: UnsafePointer<UInt16>) -> (Int, (Int32, Int32, Int32), UInt64)? {
        var origins: (Int32, Int32, Int32) = (0, 0, 0)
        var produced = 0
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        guard let src = units.baseAddress else { return (0, origins, h) }
        let n = units.count
        var i = 0
        /// Writes the next unit kept; returns where it came from, `n` at the end, -1 for a unit
        /// that needs the general path.
        @inline(__always) func writeNext() -> Int {
            while i < n {
                guard let f = Normalizer.foldFast(src[i], lowTable: lowTable) else { return -1 }
                i &+= 1
                if f != Normalizer.droppedUnit {
                    dst[produced] = f
                    produced &+= 1
                    h = (h ^ UInt64(f)) &* 0x100_0000_01b3
                    return i &- 1
                }
            }
            return n
        }
        let first = writeNext()
        if first < 0 { return nil }
        if first < n {
            origins.0 = Int32(truncatingIfNeeded: first)
            let second = writeNext()
            if second < 0 { return nil }
            if second < n {
                origins.1 = Int32(truncatingIfNeeded: second)
                let third = writeNext()
                if third < 0 { return nil }
                if third < n { origins.2 = Int32(truncatingIfNeeded: third) }
            }
        }
        while i < n {
            guard let f = Normalizer.foldFast(src[i], lowTable: lowTable) else { return nil }
            if f != Normalizer.droppedUnit {
                dst[produced] = f
                produced &+= 1
                h = (h ^ UInt64(f)) &* 0x100_0000_01b3
            }
            i &+= 1
        }
        return (produced, origins, h)
    }

    /// Normalizes one token into `dst` (room for `units.count` units), as `normalize(_:into:)`
    /// does: returns the number of units written and the origins, or nil when the token needs
    /// NFKC (which may lengthen it), for `normalize(_:into:)` to handle.
    @inline(__always)
    func normalize(_ units: UnsafeBufferPointer<UInt16>, to dst: UnsafeMutablePointer<UInt16>,
                   lowTable: UnsafePointer<UInt16>) -> (Int, (Int32, Int32, Int32))? {
        // Inlined, the hash nobody reads is not computed.
        normalizeHashing(units, to: dst, lowTable: lowTable).map { ($0.0, $0.1) }
    }

    /// The normalized form of a string.
    public func normalize(_ string: String) -> String {
        var out = ContiguousArray<UInt16>()
        let units = Array(string.utf16)
        units.withUnsafeBufferPointer { _ = normalize($0, into: &out) }
        return String(decoding: out, as: UTF16.self)
    }

    /// The matching key of a single token's text: the hash of its normalized form.
    public func key(_ token: String) -> UInt64 {
        var out = ContiguousArray<UInt16>()
        let units = Array(token.utf16)
        units.withUnsafeBufferPointer { _ = normalize($0, into: &out) }
        return out.withUnsafeBufferPointer { Normalizer.hash($0) }
    }

    /// FNV-1a over UTF-16 units: the token's identity for every matcher.
    @inline(__always) package static func hash(_ units: UnsafeBufferPointer<UInt16>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for u in units { h = (h ^ UInt64(u)) &* 0x100_0000_01b3 }
        return h
    }

    @inline(__always) static func hash(prefix: UInt16, _ units: UnsafeBufferPointer<UInt16>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        h = (h ^ UInt64(prefix)) &* 0x100_0000_01b3
        for u in units { h = (h ^ UInt64(u)) &* 0x100_0000_01b3 }
        return h
    }
}

public struct Normalization: Stage {
    public let name = "normalization"
    public let requires: Set<Capability> = [.tokens]
    public let provides: Set<Capability> = [.normalizedForms]
    package let normalizer: Normalizer

    public init(_ normalizer: Normalizer = Normalizer()) { self.normalizer = normalizer }

    public func process(_ document: Document) throws {
        let normalizer = self.normalizer
        let (buffer, used, analyses) = Normalizer.lowTables[normalizer.foldTaMarbuta ? 1 : 0].withUnsafeBufferPointer { table in
            document.utf16.withUnsafeBufferPointer { text in
                document.tokens.withUnsafeMutableBufferPointer { tokens in
                    Normalization.normalize(tokens, text: text, normalizer: normalizer, table: table.baseAddress!)
                }
            }
        }
        defer { buffer.deallocate() }
        document.normalized = ContiguousArray(UnsafeBufferPointer(start: buffer, count: used))
        document.analyses = analyses
    }

    /// Every token's form, hash and readings: the forms back to back in a buffer (returned with
    /// the units used, for the caller to free), the readings in an array. A function of its own
    /// with its state in locals: in the closures above, the buffer, its room and the readings
    /// were variables captured by reference, read and written through memory for every token.
    private static func normalize(_ tokens: UnsafeMutableBufferPointer<Token>, text: UnsafeBufferPointer<UInt16>,
                                  normalizer: Normalizer, table: UnsafePointer<UInt16>)
        -> (UnsafeMutablePointer<UInt16>, Int, ContiguousArray<ProcliticAnalysis>) {
        // One buffer for every normalized form, written through a pointer: folding drops
        // characters and never adds any, so the text's length is room enough, except after
        // NFKC (rare), which grows the buffer.
        var capacity = max(16, text.count)
        var buffer = UnsafeMutablePointer<UInt16>.allocate(capacity: capacity)
        var used = 0
        var analyses = ContiguousArray<ProcliticAnalysis>()
        analyses.reserveCapacity(tokens.count / 2)
        guard let textBase = text.baseAddress else { return (buffer, 0, analyses) }
        for i in tokens.indices {
            let t = tokens[i]
            let units = UnsafeBufferPointer(start: textBase + Int(t.start), count: Int(t.end) - Int(t.start))
            if used + units.count > capacity { grow(&buffer, &capacity, used: used, needed: units.count) }
            let count: Int, origins: (Int32, Int32, Int32), hash: UInt64
            if let done = normalizer.normalizeHashing(units, to: buffer + used, lowTable: table) {
                (count, origins, hash) = done
            } else {
                var slow = ContiguousArray<UInt16>()
                origins = normalizer.normalize(units, into: &slow)
                count = slow.count
                if used + count > capacity { grow(&buffer, &capacity, used: used, needed: count) }
                for k in 0..<count { buffer[used + k] = slow[k] }
                hash = Normalizer.hash(UnsafeBufferPointer(start: buffer + used, count: count))
            }
            tokens[i].normStart = Int32(used)
            tokens[i].normEnd = Int32(used + count)
            // At most four readings a token: their count fits as the tokens' does.
            let first = analyses.count
            tokens[i].firstAnalysis = Int32(truncatingIfNeeded: first)
            tokens[i].hash = hash
            if t.kind == .word, count >= 3, Normalization.startsWithProclitic(buffer[used]) {
                Normalization.analyse(UnsafeBufferPointer(start: buffer + used, count: count), origins: origins, into: &analyses)
            }
            tokens[i].analysisCount = Int32(truncatingIfNeeded: analyses.count &- first)
            used &+= count
        }
        return (buffer, used, analyses)
    }

    /// Room for `needed` more units after the `used` ones: the buffer at least doubled, its
    /// forms moved. Out of line: it runs a few times a document at most.
    @inline(never)
    private static func grow(_ buffer: inout UnsafeMutablePointer<UInt16>, _ capacity: inout Int, used: Int, needed: Int) {
        capacity = max(capacity * 2, used + needed)
        let grown = UnsafeMutablePointer<UInt16>.allocate(capacity: capacity)
        grown.update(from: buffer, count: used)
        buffer.deallocate()
        buffer = grown
    }

    /// Whether a form's first letter is a proclitic (و ف ب ل ك), the only forms `analyse` finds
    /// readings in: a bit test here instead of a call for the two thirds of words that begin
    /// with another letter (50 instructions a word went to `analyse`).
    @inline(__always) static func startsWithProclitic(_ u: UInt16) -> Bool {
        let letters: UInt64 = 1 << (0x0628 - 0x0628) | 1 << (0x0641 - 0x0628) | 1 << (0x0643 - 0x0628) | 1 << (0x0644 - 0x0628)
            | 1 << (0x0648 - 0x0628)
        let d = UInt32(u) &- 0x0628
        return d < 64 && (letters >> UInt64(d)) & 1 != 0
    }

    static let waw: UInt16 = 0x0648, fa: UInt16 = 0x0641, ba: UInt16 = 0x0628, lam: UInt16 = 0x0644
    static let kaf: UInt16 = 0x0643, alef: UInt16 = 0x0627, nun: UInt16 = 0x0646

    /// The ways to read leading letters of `n` as proclitics: و ف ب ل ك; و/ف + ب ل ك; and ل
    /// before the article, written لل with the article's alef gone (`للأمم` = ل + `الأمم`).
    /// A stem keeps at least three letters (`بين` is not ب + `ين`), two after و or in بن. Shortest prefix first.
    package static func analyse(_ n: UnsafeBufferPointer<UInt16>, origins: (Int32, Int32, Int32),
                        into out: inout ContiguousArray<ProcliticAnalysis>) {
        let count = n.count
        // و may stand before a two-letter stem that begins a name (وبن عروس، وأم درمان), and so may
        // ب and ف before بن, which begins many places and names (ببن عروس، فبن علي). Not ل: لبن
        // is milk.
        let beforeBen = count == 3 && n[1] == ba && n[2] == nun && (n[0] == ba || n[0] == fa)
        guard count >= (n[0] == waw ? 3 : 4) || beforeBen, let first = Proclitics(letter: n[0]) else { return }
        if n[0] == lam && n[1] == lam {
            // Also ل before a word that itself begins with ل (للبنان، لليبيا، للندن): a name of four
            // letters or more. Before the article's reading, which stays last: the labeller's stem is
            // the last reading, and ل + ال is by far the commoner.
            if count >= 5 {
                out.append(ProcliticAnalysis(prefixLength: origins.1, proclitics: .li,
                                             hash: Normalizer.hash(UnsafeBufferPointer(rebasing: n[1...]))))
            }
            if count >= 4 {
                out.append(ProcliticAnalysis(prefixLength: origins.1, proclitics: .li,
                                             hash: Normalizer.hash(prefix: alef, UnsafeBufferPointer(rebasing: n[1...]))))
            }
        } else if n[0] != kaf || (n[1] == alef && n[2] == lam) {
            // ك ("like") comes before a name only with the article (كالعراق): كنيس is a
            // synagogue, not ك + نيس, and كديما is Kadima, not ك + ديما.
            out.append(ProcliticAnalysis(prefixLength: origins.1, proclitics: first,
                                         hash: Normalizer.hash(UnsafeBufferPointer(rebasing: n[1...]))))
        }
        guard n[0] == waw || n[0] == fa, let second = Proclitics(letter: n[1]),
              n[1] == ba || n[1] == lam || n[1] == kaf, count >= 5 else { return }
        if n[1] == lam && n[2] == lam {
            if count >= 6 {
                out.append(ProcliticAnalysis(prefixLength: origins.2, proclitics: first.union(.li),
                                             hash: Normalizer.hash(UnsafeBufferPointer(rebasing: n[2...]))))
            }
            if count >= 5 {
                out.append(ProcliticAnalysis(prefixLength: origins.2, proclitics: first.union(.li),
                                             hash: Normalizer.hash(prefix: alef, UnsafeBufferPointer(rebasing: n[2...]))))
            }
        } else {
            out.append(ProcliticAnalysis(prefixLength: origins.2, proclitics: first.union(second),
                                         hash: Normalizer.hash(UnsafeBufferPointer(rebasing: n[2...]))))
        }
    }
}
