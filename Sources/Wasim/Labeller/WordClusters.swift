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
        guard let text = String(data: data, encoding: .utf8) else {
            throw WasimError.data("\(path): not valid UTF-8")
        }
        try self.init(text: text, file: path, normalizer: normalizer)
    }

    public init(text: String, file: String = "<clusters>", normalizer: Normalizer = Normalizer()) throws {
        // Bytes, not Characters, and nothing allocated per line: this runs at every start with
        // the model, over 30,000 lines.
        var entries: [(hash: UInt64, code: UInt32, line: Int32, word: Range<Int>)] = []
        var header: [String] = []
        var depth = 0
        var lineNumber = 0
        let bytes = Array(text.utf8)
        func string(_ r: Range<Int>) -> String { String(decoding: bytes[r], as: UTF8.self) }
        func at() -> String { "\(file):\(lineNumber)" }
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var units = ContiguousArray<UInt16>()
        var norm = ContiguousArray<UInt16>()
        // The table, sized from the number of lines, filled as lines are read so that a word
        // listed twice is reported where it is met.
        let lines = bytes.withUnsafeBufferPointer { b in b.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) } }
        var capacity = 16
        while capacity < lines * 2 { capacity <<= 1 }
        var keys = ContiguousArray<UInt64>(repeating: 0, count: capacity)
        var codes = ContiguousArray<UInt32>(repeating: 0, count: capacity)
        /// The entry in each slot, to name the first line of a word listed twice.
        var owner = [Int32](repeating: -1, count: capacity)
        var zero: UInt32 = 0, zeroOwner = -1
        while i < bytes.count {
            var end = i
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            let next = end + 1
            if end > i, bytes[end - 1] == 0x0D { end -= 1 }
            defer { i = next }
            if end == i { continue }
            if bytes[i] == 0x23 {
                var h = i + 1
                while h < end, bytes[h] == 0x20 { h += 1 }
                header.append(string(h..<end))
                continue
            }
            // Up to three tab-separated fields.
            var fields = (i..<i, i..<i, i..<i)
            var fieldCount = 0
            var f = i
            for k in i...end where k == end || bytes[k] == 0x09 {
                switch fieldCount {
                case 0: fields.0 = f..<k
                case 1: fields.1 = f..<k
                case 2: fields.2 = f..<k
                default: break
                }
                fieldCount += 1
                f = k + 1
            }
            guard fieldCount == 2 || fieldCount == 3 else {
                throw WasimError.data("\(at()): expected word<TAB>bits[<TAB>frequency], found \(fieldCount) field\(fieldCount == 1 ? "" : "s")")
            }
            let word = fields.0
            guard !word.isEmpty, !bytes[word].contains(0x20) else {
                throw WasimError.data("\(at()): the word must be one token without spaces, found '\(string(word))'")
            }
            let bits = fields.1
            guard !bits.isEmpty, bits.count <= WordClusters.maximumPathLength, bytes[bits].allSatisfy({ $0 == 0x30 || $0 == 0x31 }) else {
                throw WasimError.data("\(at()): the cluster must be 1 to \(WordClusters.maximumPathLength) bits (0 and 1), found '\(string(bits))'")
            }
            if fieldCount == 3, fields.2.isEmpty || !bytes[fields.2].allSatisfy({ (0x30...0x39).contains($0) }) || fields.2.count > 19 {
                throw WasimError.data("\(at()): the frequency must be a whole number, found '\(string(fields.2))'")
            }
            var code: UInt32 = 1
            for b in bytes[bits] { code = code << 1 | UInt32(b - 0x30) }
            units.removeAll(keepingCapacity: true)
            if bytes[word].allSatisfy({ $0 >= 0x80 ? $0 & 0xE0 == 0xC0 || $0 & 0xC0 == 0x80 : true }) {
                // One- and two-byte sequences only (Arabic, Latin): decoded in place.
                var k = word.lowerBound
                while k < word.upperBound {
                    let b = bytes[k]
                    if b < 0x80 { units.append(UInt16(b)); k += 1; continue }
                    guard b & 0xE0 == 0xC0, k + 1 < word.upperBound, bytes[k + 1] & 0xC0 == 0x80 else {
                        units.removeAll(keepingCapacity: true)
                        units.append(contentsOf: string(word).utf16)
                        break
                    }
                    units.append(UInt16(b & 0x1F) << 6 | UInt16(bytes[k + 1] & 0x3F))
                    k += 2
                }
            } else {
                units.append(contentsOf: string(word).utf16)
            }
            norm.removeAll(keepingCapacity: true)
            units.withUnsafeBufferPointer { _ = normalizer.normalize($0, into: &norm) }
            let hash = norm.withUnsafeBufferPointer { Normalizer.hash($0) }
            let e = entries.count
            entries.append((hash, code, Int32(lineNumber), word))
            depth = max(depth, bits.count)
            var first = -1
            if hash == 0 {
                if zeroOwner >= 0 { first = zeroOwner } else { zero = code; zeroOwner = e }
            } else {
                var slot = WordClusters.slot(hash, capacity - 1)
                while keys[slot] != 0, keys[slot] != hash { slot = (slot + 1) & (capacity - 1) }
                if keys[slot] == hash {
                    first = Int(owner[slot])
                } else {
                    keys[slot] = hash
                    codes[slot] = code
                    owner[slot] = Int32(e)
                }
            }
            if first >= 0 {
                let before = entries[first]
                throw WasimError.data("\(at()): '\(string(word))' is listed twice (first at line \(before.line) as '\(string(before.word))'; words are compared normalized)")
            }
        }
        self.keys = keys
        self.codes = codes
        self.mask = capacity - 1
        self.zeroHashCode = zero
        self.count = entries.count
        self.maxDepth = depth
        self.header = header
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
