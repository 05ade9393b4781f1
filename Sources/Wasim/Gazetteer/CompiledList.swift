// The compiled form of a big list, cached beside it (`.NAME.wasim-cache` in the list's folder):
// its entries as token keys, types and ids, so that loading skips decoding, splitting and
// normalizing a million lines. It is only a cache:
// - it is used only when it was made from the same bytes (a hash of the whole list and its
//   length) by the same normalization (a fingerprint of the normalizer's output on probe text),
//   with the same format version;
// - it is written under a temporary name and renamed into place, so a reader never sees half;
// - a checksum covers everything after the header, and every count is checked against the
//   bytes before the first entry is added; any mismatch makes the loader parse the list as if
//   there were no cache (and write a new one);
// - a folder that cannot be written to just means no cache.
//
// Layout (little-endian): magic "WASIMLST", version u32, fingerprint u64, content hash u64,
// content length u64, payload length u64, payload checksum u64; then the payload: priority
// i64, declared type names and entry type names (count u32, then length u32 + UTF-8 each),
// entry count u32, key count u64, id bytes u64, then each entry: type u16 (an index into the
// entry type names), key count u16, id length u32 (u32 max: no id), line u32 (for the audit and
// messages), flags u8 (1: the surface ends in ة), its keys (u64 each), its id.
// Entries are recorded straight into that byte layout while the list is parsed, and replayed
// straight from the mapped file: no per-entry arrays on either side.
import Foundation

struct CompiledList {
    /// Lists smaller than this load faster than a cache could be checked.
    static let threshold = 1 << 20
    static let magic: [UInt8] = Array("WASIMLST".utf8)
    /// Bump when the layout changes.
    static let version: UInt32 = 3

    /// How many type names the builder had before this file: the rest were declared by it.
    let typesBefore: Int
    var priority = 0
    var declared: [String] = []
    /// Type names the entries use, by local index.
    var typeNames: [String] = []
    var entryCount = 0
    var keyCount = 0
    var idByteCount = 0
    /// The entries, in the layout above.
    var entries: [UInt8] = []
    private var localType: [String: UInt16] = [:]

    init(typesBefore: Int, expectedBytes: Int) {
        self.typesBefore = typesBefore
        entries.reserveCapacity(expectedBytes)
    }

    static let fixedEntryBytes = 2 + 2 + 4 + 4 + 1

    mutating func record(keys: UnsafeBufferPointer<UInt64>, type: String, id: Int32, ids: CanonicalIDs, line: Int,
                         endsInTaMarbuta: Bool) {
        let t: UInt16
        if let known = localType[type] {
            t = known
        } else {
            t = UInt16(typeNames.count)
            localType[type] = t
            typeNames.append(type)
        }
        let idBytes = id >= 0 ? Array(ids.string(id).utf8) : []
        putLittleEndian(t, &entries)
        putLittleEndian(UInt16(keys.count), &entries)
        putLittleEndian(id >= 0 ? UInt32(idBytes.count) : UInt32.max, &entries)
        putLittleEndian(UInt32(clamping: line), &entries)
        putLittleEndian(UInt8(endsInTaMarbuta ? 1 : 0), &entries)
        for k in keys { putLittleEndian(k, &entries) }
        entries.append(contentsOf: idBytes)
        entryCount += 1
        keyCount += keys.count
        idByteCount += idBytes.count
    }

    /// Everything before the entries.
    private func meta() -> [UInt8] {
        var out: [UInt8] = []
        putLittleEndian(Int64(priority), &out)
        for names in [declared, typeNames] {
            putLittleEndian(UInt32(names.count), &out)
            for n in names {
                putLittleEndian(UInt32(n.utf8.count), &out)
                out.append(contentsOf: n.utf8)
            }
        }
        putLittleEndian(UInt32(entryCount), &out)
        putLittleEndian(UInt64(keyCount), &out)
        putLittleEndian(UInt64(idByteCount), &out)
        return out
    }

    static func checksum(_ meta: UnsafeRawBufferPointer, _ entries: UnsafeRawBufferPointer) -> UInt64 {
        (hash(meta) &* 0x9E37_79B9_7F4A_7C15) ^ hash(entries)
    }

    /// `.NAME.wasim-cache` in the file's folder: hidden, and matched by `.gitignore`.
    static func cachePath(beside file: String) -> String {
        let url = URL(fileURLWithPath: file)
        return url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".wasim-cache").path
    }

    /// What a cache beside a source file must have been made from: the source's bytes (its hash
    /// and length) and the normalization (`fingerprint`), in that order after the version.
    static func sourceKey(_ data: Data, _ normalizer: Normalizer) -> [UInt64] {
        [fingerprint(normalizer), data.withUnsafeBytes { hash($0) }, UInt64(data.count)]
    }

    /// Where a list's cache lives and what it must match.
    struct Cache {
        let file: CacheFile

        init(list: String, data: Data, normalizer: Normalizer) {
            file = CacheFile(path: CompiledList.cachePath(beside: list), magic: CompiledList.magic, version: CompiledList.version,
                             key: CompiledList.sourceKey(data, normalizer))
        }

        /// The cache's bytes, mapped, if its header says it was made from this list.
        func read() -> Data? { file.read() }

        /// Best effort: a cache that cannot be written is no error.
        func write(_ list: CompiledList) {
            let meta = list.meta()
            file.write([meta, list.entries], checksum: meta.withUnsafeBytes { m in list.entries.withUnsafeBytes { CompiledList.checksum(m, $0) } })
        }
    }

    static let headerSize = 8 + 4 + 8 * 5

    /// A 64-bit hash of bytes, eight at a time.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        let words = bytes.count / 8
        for i in 0..<words {
            let w = bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
        }
        for i in (words * 8)..<bytes.count {
            h = (h ^ UInt64(bytes[i])) &* 0x94D0_49BB_1331_11EB
            h ^= h >> 29
        }
        return h
    }

    /// What the normalizer makes of text that exercises every fold, and of a surface that ICU
    /// splits: a cache made by a different normalization or segmentation is never used.
    static func fingerprint(_ normalizer: Normalizer) -> UInt64 {
        let probe = "أإآٱى ة ک ی ٠١٢٣٤٥٦٧٨٩ ۰۹ ٫٬٪ ـبِسْمِ ﻻ ﷲ \u{200F}و\u{FEFF}ا abc 12,5 -"
        // And every letter of the Arabic block, so that a fold added to the table (ڨ → ق) makes
        // caches built before it stale.
        var units = ContiguousArray(probe.utf16) + (0x0621...0x06FF).map { UInt16($0) }
        var out = ContiguousArray<UInt16>()
        units.withUnsafeMutableBufferPointer { _ = normalizer.normalize(UnsafeBufferPointer($0), into: &out) }
        var h = out.withUnsafeBytes { hash($0) } ^ (normalizer.foldTaMarbuta ? 1 : 0)
        if let tokens = try? Pipeline.tokenizer(normalizer: normalizer).tag("الأمم المتحدة (UN) - مجلس الأمن، 2020") {
            for t in tokens.tokens { h = (h ^ t.hash) &* 0xBF58_476D_1CE4_E5B9 }
        }
        return h
    }
}

extension GazetteerBuilder {
    /// Adds a cached list's entries, checking the checksum and every count first; false, having
    /// added nothing, if anything is off (or a type is unknown).
    mutating func replay(_ data: Data, file: Int) -> Bool {
        data.withUnsafeBytes { raw -> Bool in
            var r = ByteReader(raw)
            _ = r.bytes(CompiledList.headerSize - 8)
            guard let checksum = r.u64() else { return false }
            // The meta part, then the entries: checked whole before anything is added.
            let metaStart = r.offset
            guard let priority = r.i64(), let declared = r.names(), let typeNames = r.names(),
                  let entryCount = r.u32().map(Int.init), let keyCount = r.u64().map(Int.init),
                  let idByteCount = r.u64().map(Int.init)
            else { return false }
            let meta = UnsafeRawBufferPointer(rebasing: raw[metaStart..<r.offset])
            let entries = UnsafeRawBufferPointer(rebasing: raw[r.offset...])
            guard GazetteerBuilder.priorities.contains(Int(priority)), CompiledList.checksum(meta, entries) == checksum,
                  entries.count == entryCount * CompiledList.fixedEntryBytes + keyCount * 8 + idByteCount
            else { return false }
            var check = ByteReader(entries)
            for _ in 0..<entryCount {
                guard let t = check.value(UInt16.self), Int(t) < typeNames.count, let k = check.value(UInt16.self), k > 0,
                      let idLength = check.u32(), check.u32() != nil, let flags = check.value(UInt8.self), flags <= 1,
                      check.bytes(Int(k) * 8) != nil,
                      idLength == UInt32.max || check.bytes(Int(idLength)) != nil
                else { return false }
            }
            guard check.remaining == 0 else { return false }

            for t in declared { declare(type: t) }
            var types: [Int] = []
            for name in typeNames {
                guard let t = typeIndex[name] else { return false }
                types.append(t)
            }
            files[file].priority = Int(priority)
            trie.reserve(keyCount)
            entryType.reserveCapacity(entryType.count + entryCount)
            entryFile.reserveCapacity(entryFile.count + entryCount)
            entryNode.reserveCapacity(entryNode.count + entryCount)
            entryLength.reserveCapacity(entryLength.count + entryCount)
            entryID.reserveCapacity(entryID.count + entryCount)
            var e = ByteReader(entries)
            var keys = [UInt64](repeating: 0, count: 64)
            for _ in 0..<entryCount {
                let t = e.value(UInt16.self)!, k = Int(e.value(UInt16.self)!), idLength = e.u32()!
                let line = Int(e.u32()!), endsInTa = e.value(UInt8.self)! == 1
                if k > keys.count { keys = [UInt64](repeating: 0, count: k) }
                for i in 0..<k { keys[i] = e.u64()! }
                var id: Int32 = -1
                if idLength != UInt32.max { id = ids.appendUnindexed(e.bytes(Int(idLength))!) }
                keys.withUnsafeBufferPointer {
                    addEntry(keys: UnsafeBufferPointer(rebasing: $0[0..<k]), type: types[Int(t)], id: id, file: file, line: line,
                             endsInTaMarbuta: endsInTa)
                }
            }
            return true
        }
    }
}

func putLittleEndian<T: FixedWidthInteger>(_ value: T, _ out: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
}

/// The frame of every cache file (a big list's, the lists' folder's, the word clusters'): magic,
/// version u32, what it was made from (u64s), the payload's length u64 and checksum u64, then
/// the payload. One reader and one writer of it, so that the three caches check their headers
/// alike; how the checksum is computed, and when it is checked, is each cache's own.
struct CacheFile {
    /// The key of a cache made from files: the cache's version, the normalization's fingerprint,
    /// `head` (what else the cache depends on), then each file's name, length and content hash, hashed
    /// into one u64 (the rules' and the lists' folder caches).
    static func key(version: UInt32, normalizer: Normalizer, head: [UInt8] = [],
                    files: [(name: String, count: Int, hash: UInt64)]) -> [UInt64] {
        var material: [UInt8] = []
        putLittleEndian(version, &material)
        putLittleEndian(CompiledList.fingerprint(normalizer), &material)
        material += head
        for f in files {
            material += f.name.utf8
            material.append(0)
            putLittleEndian(UInt64(f.count), &material)
            putLittleEndian(f.hash, &material)
        }
        return [material.withUnsafeBytes { CompiledList.hash($0) }]
    }

    let path: String
    let magic: [UInt8]
    let version: UInt32
    /// What the cache must have been made from: hashes, lengths, fingerprints.
    let key: [UInt64]

    /// Where the payload starts; its checksum is the eight bytes before.
    var headerSize: Int { magic.count + 4 + 8 * (key.count + 2) }

    /// The file's bytes, mapped, if its header says it was made from `key` and holds the whole payload.
    func read() -> Data? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
        let valid = data.withUnsafeBytes { raw -> Bool in
            var r = ByteReader(raw)
            guard r.bytes(magic.count).map({ Array($0) }) == magic, r.u32() == version else { return false }
            for k in key where r.u64() != k { return false }
            return raw.count >= headerSize && r.u64() == UInt64(raw.count - headerSize)
        }
        return valid ? data : nil
    }

    /// Best effort: a cache that cannot be written is no error.
    func write(_ payload: [[UInt8]], checksum: UInt64) {
        var header = magic
        putLittleEndian(version, &header)
        for k in key { putLittleEndian(k, &header) }
        putLittleEndian(UInt64(payload.reduce(0) { $0 + $1.count }), &header)
        putLittleEndian(checksum, &header)
        writeAtomically(path, [header] + payload)
    }
}

/// Bounds-checked little-endian reads.
struct ByteReader {
    let raw: UnsafeRawBufferPointer
    var offset = 0
    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }
    var remaining: Int { raw.count - offset }

    mutating func bytes(_ n: Int) -> UnsafeBufferPointer<UInt8>? {
        guard n >= 0, n <= remaining else { return nil }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + n)]).bindMemory(to: UInt8.self)
    }
    mutating func value<T: FixedWidthInteger>(_: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { return nil }
        defer { offset += size }
        return T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
    mutating func u32() -> UInt32? { value(UInt32.self) }
    mutating func u64() -> UInt64? { value(UInt64.self) }
    mutating func i64() -> Int64? { value(Int64.self) }
    /// A count, then that many length-prefixed UTF-8 strings.
    mutating func names() -> [String]? {
        guard let n = u32(), Int(n) <= remaining / 4 else { return nil }
        var out: [String] = []
        for _ in 0..<n {
            guard let length = u32(), let b = bytes(Int(length)) else { return nil }
            out.append(String(decoding: b, as: UTF8.self))
        }
        return out
    }
}
