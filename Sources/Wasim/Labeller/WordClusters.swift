// Word clusters learned from unlabeled news (`Models/clusters.tsv`, made by `wasim clusters`):
// a hierarchical code per normalized word, so that a feature can name a word's cluster at
// several granularities (its first 4, 8, 12… bits) and rare names share weight with frequent
// ones of the same kind.
import Foundation

/// Word → hierarchical cluster code, looked up by the pipeline's token hash.
///
/// A code is a bit path in the cluster tree stored under a leading 1 (the path `0110` is
/// `0b1_0110`), so 0 is "unknown", a code knows its own length, and a prefix is a shift.
/// Lookup is an open-addressing table over flat arrays: no allocation per token.
public struct WordClusters: Sendable {
    /// Table slots: the word's hash (`Token.hash`, `ProcliticAnalysis.hash`), 0 for empty.
    private let keys: ContiguousArray<UInt64>
    private let codes: ContiguousArray<UInt32>
    private let mask: Int
    /// A word whose hash happens to be 0 cannot sit in the table (0 marks empty).
    private let zeroHashCode: UInt32
    /// Words loaded.
    public let count: Int
    /// The longest bit path.
    public let maxDepth: Int
    /// The header's comment lines, without `# ` (source, licence, method, command).
    public let header: [String]

    /// The longest path a code can hold: 31 bits under the leading 1.
    public static let maximumPathLength = 31

    /// Reads `word<TAB>bits[<TAB>frequency]` lines; `#` starts a comment. Words are hashed the
    /// way `Normalization` hashes tokens, after normalizing them with `normalizer`.
    public init(contentsOf path: String, normalizer: Normalizer = Normalizer()) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WasimError.data("\(path): cannot read the word-cluster file")
        }
        let cache = data.count >= Compiled.threshold ? Compiled(file: path, data: data, normalizer: normalizer) : nil
        if let cache, let compiled = cache.read() {
            self = compiled
            return
        }
        // Decoded as UTF-16 once, not through String: the shipped file has 30,000 lines.
        let decoded = data.withUnsafeBytes { ICU.utf16(fromUTF8: $0.bindMemory(to: UInt8.self), lossy: false) }
        guard case .success(let units) = decoded else { throw WasimError.data("\(path): not valid UTF-8") }
        try self.init(units: units, file: path, normalizer: normalizer, byteOrderMarks: 2)
        cache?.write(self)
    }

    private init(keys: ContiguousArray<UInt64>, codes: ContiguousArray<UInt32>, zeroHashCode: UInt32, count: Int, maxDepth: Int,
                 header: [String]) {
        self.keys = keys
        self.codes = codes
        mask = keys.count - 1
        self.zeroHashCode = zeroHashCode
        self.count = count
        self.maxDepth = maxDepth
        self.header = header
    }

    public init(text: String, file: String = "<clusters>", normalizer: Normalizer = Normalizer()) throws {
        try self.init(units: ContiguousArray(text.utf16), file: file, normalizer: normalizer, byteOrderMarks: 1)
    }

    /// `byteOrderMarks`: how many leading U+FEFF to drop (reading a file through Foundation
    /// dropped one before the parser dropped its own).
    private init(units: ContiguousArray<UInt16>, file: String, normalizer: Normalizer, byteOrderMarks: Int) throws {
        var entries: [(UInt64, UInt32)] = []
        var header: [String] = []
        var depth = 0
        var i = 0
        for _ in 0..<byteOrderMarks where i < units.count && units[i] == 0xFEFF { i += 1 }
        let start = i
        var lines = 1
        for u in units where u == 0x0A { lines += 1 }
        // Words seen so far, by hash, with their line: a word listed twice is an error.
        var seenSize = 16
        while seenSize < lines * 2 { seenSize <<= 1 }
        var seenKeys = [UInt64](repeating: 0, count: seenSize)
        var seenLines = [Int32](repeating: 0, count: seenSize)
        var zeroLine: Int32 = 0
        try units.withUnsafeBufferPointer { text in
            func string(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: text[r]), as: UTF16.self) }
            var lineNumber = 0
            var norm = [UInt16](repeating: 0, count: 64)
            var slow = ContiguousArray<UInt16>()
            try Normalizer.lowTables[normalizer.foldTaMarbuta ? 1 : 0].withUnsafeBufferPointer { table in
                while i < text.count {
                    // The line's end and its first three tabs in one pass: a second pass over
                    // each line for its fields was a tenth of loading the clusters.
                    var end = i
                    var tabs = 0
                    var tab: (Int, Int, Int) = (-1, -1, -1)
                    while end < text.count {
                        let u = text[end]
                        if u == 0x0A { break }
                        if u == 0x09 {
                            switch tabs {
                            case 0: tab.0 = end
                            case 1: tab.1 = end
                            case 2: tab.2 = end
                            default: break
                            }
                            tabs += 1
                        }
                        end += 1
                    }
                    lineNumber += 1
                    let next = end + 1
                    if end > i, text[end - 1] == 0x0D { end -= 1 }
                    defer { i = next }
                    if end == i { continue }
                    if text[i] == 0x23 {
                        var h = i + 1
                        while h < end, text[h] == 0x20 { h += 1 }
                        header.append(string(h..<end))
                        continue
                    }
                    // A field ends at the next tab, or at the line's end (a CR is never a tab).
                    let fieldCount = tabs + 1
                    let fields: (Range<Int>, Range<Int>, Range<Int>) = (
                        i..<(tab.0 >= 0 ? tab.0 : end),
                        tabs >= 1 ? (tab.0 + 1)..<(tab.1 >= 0 ? tab.1 : end) : i..<i,
                        tabs >= 2 ? (tab.1 + 1)..<(tab.2 >= 0 ? tab.2 : end) : i..<i)
                    // Made only for a message: formatting it for every line cost as much as the rest.
                    var at: String { "\(file):\(lineNumber)" }
                    guard fieldCount == 2 || fieldCount == 3 else {
                        throw WasimError.data("\(at): expected word<TAB>bits[<TAB>frequency], found \(fieldCount) field\(fieldCount == 1 ? "" : "s")")
                    }
                    let word = fields.0
                    guard !word.isEmpty, !text[word].contains(0x20) else {
                        throw WasimError.data("\(at): the word must be one token without spaces, found '\(string(word))'")
                    }
                    let bits = fields.1
                    guard !bits.isEmpty, bits.count <= WordClusters.maximumPathLength, text[bits].allSatisfy({ $0 == 0x30 || $0 == 0x31 }) else {
                        throw WasimError.data("\(at): the cluster must be 1 to \(WordClusters.maximumPathLength) bits (0 and 1), found '\(string(bits))'")
                    }
                    if fieldCount == 3, fields.2.isEmpty || !text[fields.2].allSatisfy({ (0x30...0x39).contains($0) }) || fields.2.count > 19 {
                        throw WasimError.data("\(at): the frequency must be a whole number, found '\(string(fields.2))'")
                    }
                    var code: UInt32 = 1
                    for b in text[bits] { code = code << 1 | UInt32(b - 0x30) }
                    let wordUnits = UnsafeBufferPointer(rebasing: text[word])
                    if norm.count < wordUnits.count { norm = [UInt16](repeating: 0, count: wordUnits.count) }
                    let hash = norm.withUnsafeMutableBufferPointer { out -> UInt64 in
                        // The hash of the form as it is written, not in a second pass over it.
                        if let (_, _, h) = normalizer.normalizeHashing(wordUnits, to: out.baseAddress!, lowTable: table.baseAddress!) {
                            return h
                        }
                        slow.removeAll(keepingCapacity: true)
                        normalizer.normalize(wordUnits, into: &slow)
                        return slow.withUnsafeBufferPointer { Normalizer.hash($0) }
                    }
                    var first: Int32 = 0
                    if hash == 0 {
                        if zeroLine == 0 { zeroLine = Int32(lineNumber) } else { first = zeroLine }
                    } else {
                        var slot = WordClusters.slot(hash, seenSize - 1)
                        while seenKeys[slot] != 0, seenKeys[slot] != hash { slot = (slot + 1) & (seenSize - 1) }
                        if seenKeys[slot] == hash {
                            first = seenLines[slot]
                        } else {
                            seenKeys[slot] = hash
                            seenLines[slot] = Int32(lineNumber)
                        }
                    }
                    if first > 0 {
                        throw WasimError.data("\(at): '\(string(word))' is listed twice (first at line \(first) as '\(WordClusters.word(atLine: Int(first), text, from: start))'; words are compared normalized)")
                    }
                    entries.append((hash, code))
                    depth = max(depth, bits.count)
                }
            }
        }
        var capacity = 16
        while capacity < entries.count * 2 { capacity <<= 1 }
        var keys = ContiguousArray<UInt64>(repeating: 0, count: capacity)
        var codes = ContiguousArray<UInt32>(repeating: 0, count: capacity)
        var zero: UInt32 = 0
        for (hash, code) in entries {
            if hash == 0 { zero = code; continue }
            var slot = WordClusters.slot(hash, capacity - 1)
            while keys[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = hash
            codes[slot] = code
        }
        self.keys = keys
        self.codes = codes
        self.mask = capacity - 1
        self.zeroHashCode = zero
        self.count = entries.count
        self.maxDepth = depth
        self.header = header
    }

    /// The first field of a line (1-based), for the message about a word listed twice.
    private static func word(atLine target: Int, _ text: UnsafeBufferPointer<UInt16>, from start: Int) -> String {
        var line = 1
        var i = start
        while i < text.count, line < target {
            if text[i] == 0x0A { line += 1 }
            i += 1
        }
        var end = i
        while end < text.count, text[end] != 0x09, text[end] != 0x0A { end += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: text[i..<end]), as: UTF16.self)
    }

    /// FNV's low bits are weak for nearby strings: mix before masking.
    @inline(__always) private static func slot(_ hash: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: ((hash ^ (hash >> 29)) &* 0xbf58_476d_1ce4_e5b9) >> 32) & mask
    }

    /// The code of the word with this hash, 0 when it has none.
    @inline(__always) public func code(_ hash: UInt64) -> UInt32 {
        if hash == 0 { return zeroHashCode }
        return keys.withUnsafeBufferPointer { k in
            var slot = WordClusters.slot(hash, mask)
            while true {
                let key = k[slot]
                if key == hash { return codes[slot] }
                if key == 0 { return 0 }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The word's bit path without the leading 1 (most significant first, `length` bits), or
    /// nil for an unknown word: the shape the labeller's `ClusterCodes` asks for.
    @inline(__always) public func code(ofHash hash: UInt64) -> (bits: UInt32, length: UInt8)? {
        let c = code(hash)
        if c == 0 { return nil }
        let n = WordClusters.length(c)
        return (c & ~(1 << UInt32(n)), UInt8(n))
    }

    /// The code of a word as written (normalized first); for tools and tests, not the hot path.
    public func code(word: String, normalizer: Normalizer = Normalizer()) -> UInt32 {
        code(normalizer.key(word))
    }

    /// The number of bits in a code's path (0 for the unknown code).
    @inline(__always) public static func length(_ code: UInt32) -> Int {
        code == 0 ? 0 : 31 - code.leadingZeroBitCount
    }

    /// The code of the path's first `bits` bits (the whole code when it is shorter), still
    /// under its leading 1, so prefixes of different lengths never collide.
    @inline(__always) public static func prefix(_ code: UInt32, bits: Int) -> UInt32 {
        let n = length(code)
        return n <= bits ? code : code >> UInt32(n - bits)
    }

    /// The path as 0s and 1s ("" for unknown), for display.
    public static func path(_ code: UInt32) -> String {
        let n = length(code)
        return String((0..<n).map { code >> UInt32(n - 1 - $0) & 1 == 1 ? "1" : "0" })
    }
}

extension WordClusters {
    /// The clusters file's table, cached beside it (`.NAME.wasim-cache`): reading the shipped
    /// file normalized and hashed 30,000 words on every start, a tenth of the start's instructions.
    /// Only a cache, with the guarantees of the lists' (`CompiledList`): used only when made from
    /// the same bytes (length and hash) by the same normalization, with the same format version;
    /// written under a temporary name and renamed; a checksum over everything after the header,
    /// and every count checked, or the file is parsed as if there were no cache (and the cache
    /// written again); a folder that cannot be written to just means no cache.
    ///
    /// Layout (little-endian): magic "WASIMCLU", version u32, fingerprint u64, content hash u64,
    /// content length u64, payload length u64, payload checksum u64; then the payload: word
    /// count u64, deepest path u64, the zero hash's code u32, the header lines (count u32, then
    /// length u32 + UTF-8 each), the table's keys (count u64, u64 each) and codes (count u64,
    /// u32 each).
    struct Compiled {
        /// A smaller file (a test's) parses in about the time a cache takes to check.
        static let threshold = 1 << 16
        static let magic: [UInt8] = Array("WASIMCLU".utf8)
        /// Bump when the layout, or what parsing makes of a file, changes.
        static let version: UInt32 = 1
        static let headerSize = 8 + 4 + 8 * 5

        let file: CacheFile

        init(file: String, data: Data, normalizer: Normalizer) {
            self.file = CacheFile(path: CompiledList.cachePath(beside: file), magic: Compiled.magic, version: Compiled.version,
                                  key: CompiledList.sourceKey(data, normalizer))
        }

        func read() -> WordClusters? {
            guard let data = file.read() else { return nil }
            return data.withUnsafeBytes { raw -> WordClusters? in
                var r = ByteReader(raw)
                _ = r.bytes(Compiled.headerSize - 8)
                guard let checksum = r.u64(),
                      CompiledList.hash(UnsafeRawBufferPointer(rebasing: raw[r.offset...])) == checksum,
                      let count = r.u64(), let depth = r.u64(), depth <= WordClusters.maximumPathLength, let zero = r.u32(),
                      let header = r.names(), let keys: [UInt64] = r.array(), let codes: [UInt32] = r.array(), r.remaining == 0,
                      keys.count >= 16, keys.count & (keys.count - 1) == 0, codes.count == keys.count
                else { return nil }
                // A lookup stops at an empty slot: a table without one would never return.
                let filled = keys.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
                guard filled < keys.count, count == UInt64(filled + (zero != 0 ? 1 : 0)) else { return nil }
                return WordClusters(keys: ContiguousArray(keys), codes: ContiguousArray(codes), zeroHashCode: zero, count: Int(count),
                                    maxDepth: Int(depth), header: header)
            }
        }

        /// Best effort: a cache that cannot be written is no error.
        func write(_ clusters: WordClusters) {
            var payload: [UInt8] = []
            putLittleEndian(UInt64(clusters.count), &payload)
            putLittleEndian(UInt64(clusters.maxDepth), &payload)
            putLittleEndian(clusters.zeroHashCode, &payload)
            putLittleEndian(UInt32(clusters.header.count), &payload)
            for line in clusters.header {
                putLittleEndian(UInt32(line.utf8.count), &payload)
                payload += line.utf8
            }
            putLittleEndian(UInt64(clusters.keys.count), &payload)
            clusters.keys.withUnsafeBytes { payload += $0 }
            putLittleEndian(UInt64(clusters.codes.count), &payload)
            clusters.codes.withUnsafeBytes { payload += $0 }
            file.write([payload], checksum: payload.withUnsafeBytes { CompiledList.hash($0) })
        }
    }
}
