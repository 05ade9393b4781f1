// The compiled form of a big list, cached beside it (`.NAME.wasim-cache` in the list's folder):
// its entries as token keys, types and ids, so that loading skips decoding, splitting and
// normalizing a million lines. It is only a cache:
// - it is used only when it was made from the same bytes (a hash of the whole list and its
//   length) by the same normalization (a fingerprint of the normalizer's output on probe text),
//   with the same format version;
// - it is written under a temporary name and renamed into place, so a reader never sees half;
// - a checksum covers everything after the header; any mismatch, truncation or out-of-bounds
//   count makes the loader parse the list as if there were no cache (and write a new one);
// - a folder that cannot be written to just means no cache.
import Foundation

struct CompiledList {
    /// Lists smaller than this load faster than a cache could be checked.
    static let threshold = 1 << 20
    static let magic: [UInt8] = Array("WASIMLST".utf8)
    /// Bump when the layout below changes.
    static let version: UInt32 = 1

    /// How many type names the builder had before this file: the rest were declared by it.
    let typesBefore: Int
    var priority = 0
    var declared: [String] = []
    /// Type names the entries use, by local index.
    var typeNames: [String] = []
    var entryTypes: [UInt16] = []
    var keyCounts: [UInt16] = []
    var keys: [UInt64] = []
    /// UTF-8 length of each entry's id, or UInt32.max for none.
    var idLengths: [UInt32] = []
    var idBytes: [UInt8] = []
    private var localType: [String: UInt16] = [:]

    init(typesBefore: Int) { self.typesBefore = typesBefore }

    mutating func record(keys entryKeys: UnsafeBufferPointer<UInt64>, type: String, id: Int32, ids: CanonicalIDs) {
        let t: UInt16
        if let known = localType[type] {
            t = known
        } else {
            t = UInt16(typeNames.count)
            localType[type] = t
            typeNames.append(type)
        }
        entryTypes.append(t)
        keyCounts.append(UInt16(entryKeys.count))
        keys.append(contentsOf: entryKeys)
        if id >= 0 {
            let before = idBytes.count
            idBytes.append(contentsOf: ids.string(id).utf8)
            idLengths.append(UInt32(idBytes.count - before))
        } else {
            idLengths.append(UInt32.max)
        }
    }

    mutating func finish(priority: Int, declared: [String]) {
        self.priority = priority
        self.declared = declared
    }

    /// Where a list's cache lives and what it must match.
    struct Cache {
        let path: String
        let contentHash: UInt64
        let contentLength: UInt64
        let fingerprint: UInt64

        init(list: String, data: Data, normalizer: Normalizer) {
            let url = URL(fileURLWithPath: list)
            path = url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".wasim-cache").path
            contentHash = data.withUnsafeBytes { CompiledList.hash($0) }
            contentLength = UInt64(data.count)
            fingerprint = CompiledList.fingerprint(normalizer)
        }

        func read() -> CompiledList? {
            // Mapped, not read: the entries are walked once, straight from the file's pages.
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
            return data.withUnsafeBytes { raw in
                var reader = Reader(raw)
                guard reader.bytes(CompiledList.magic.count).map({ Array($0) }) == CompiledList.magic,
                      reader.u32() == CompiledList.version, reader.u64() == fingerprint,
                      reader.u64() == contentHash, reader.u64() == contentLength,
                      let payloadLength = reader.u64(), let checksum = reader.u64(),
                      payloadLength == UInt64(raw.count - reader.offset),
                      CompiledList.hash(UnsafeRawBufferPointer(rebasing: raw[reader.offset...])) == checksum
                else { return nil }
                return CompiledList(reading: &reader)
            }
        }

        /// Best effort: a cache that cannot be written is no error.
        func write(_ list: CompiledList) {
            var payload: [UInt8] = []
            payload.reserveCapacity(list.keys.count * 8 + list.entryTypes.count * 8 + list.idBytes.count
                                    + list.typeNames.count * 32 + list.declared.count * 32 + 64)
            list.serialize(into: &payload)
            var header = CompiledList.magic
            put(CompiledList.version, &header)
            put(fingerprint, &header)
            put(contentHash, &header)
            put(contentLength, &header)
            put(UInt64(payload.count), &header)
            put(payload.withUnsafeBytes { CompiledList.hash($0) }, &header)
            // Header and payload written from where they are: a big list's payload is tens of
            // megabytes, and a joined copy would raise the peak of the first load by as much.
            let temporary = path + ".\(getpid()).tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { return }
            func writeAll(_ bytes: [UInt8]) -> Bool {
                bytes.withUnsafeBytes { raw in
                    var done = 0
                    while done < raw.count {
                        let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                        if n <= 0 { return false }
                        done += n
                    }
                    return true
                }
            }
            let written = writeAll(header) && writeAll(payload)
            close(fd)
            if !written || rename(temporary, path) != 0 { unlink(temporary) }
        }
    }

    private func serialize(into out: inout [UInt8]) {
        put(Int64(priority), &out)
        for names in [declared, typeNames] {
            put(UInt32(names.count), &out)
            for n in names {
                put(UInt32(n.utf8.count), &out)
                out.append(contentsOf: n.utf8)
            }
        }
        put(UInt32(entryTypes.count), &out)
        for t in entryTypes { put(t, &out) }
        for c in keyCounts { put(c, &out) }
        for l in idLengths { put(l, &out) }
        put(UInt64(keys.count), &out)
        for k in keys { put(k, &out) }
        put(UInt64(idBytes.count), &out)
        out.append(contentsOf: idBytes)
    }

    /// Reads what `serialize` wrote; nil on any count that does not fit the data.
    private init?(reading r: inout Reader) {
        typesBefore = 0
        guard let p = r.i64() else { return nil }
        priority = Int(p)
        var lists: [[String]] = []
        for _ in 0..<2 {
            guard let n = r.u32(), Int(n) <= r.remaining else { return nil }
            var names: [String] = []
            for _ in 0..<n {
                guard let length = r.u32(), let bytes = r.bytes(Int(length)) else { return nil }
                names.append(String(decoding: bytes, as: UTF8.self))
            }
            lists.append(names)
        }
        declared = lists[0]
        typeNames = lists[1]
        guard let n = r.u32().map(Int.init), n * 8 <= r.remaining,
              let types = r.array(UInt16.self, n), let counts = r.array(UInt16.self, n), let lengths = r.array(UInt32.self, n),
              let keyCount = r.u64().map(Int.init), keyCount <= r.remaining / 8,
              let keys = r.array(UInt64.self, keyCount), let idCount = r.u64().map(Int.init),
              let idBytes = r.bytes(idCount), r.remaining == 0
        else { return nil }
        guard types.allSatisfy({ Int($0) < typeNames.count }),
              counts.reduce(0, { $0 + Int($1) }) == keyCount, !counts.contains(0),
              lengths.reduce(0, { $0 + ($1 == UInt32.max ? 0 : Int($1)) }) == idCount
        else { return nil }
        entryTypes = types
        keyCounts = counts
        idLengths = lengths
        self.keys = keys
        self.idBytes = Array(idBytes)
    }

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
        var units = ContiguousArray(probe.utf16)
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
    /// Adds a compiled list's entries; false (having added nothing) if its types are unknown.
    mutating func replay(_ list: CompiledList, file: Int) -> Bool {
        for t in list.declared { declare(type: t) }
        var types: [Int] = []
        for name in list.typeNames {
            guard let t = typeIndex[name] else { return false }
            types.append(t)
        }
        files[file].priority = list.priority
        trie.reserve(list.keys.count)
        let n = list.entryTypes.count
        entryType.reserveCapacity(entryType.count + n)
        entryFile.reserveCapacity(entryFile.count + n)
        entryNode.reserveCapacity(entryNode.count + n)
        entryLength.reserveCapacity(entryLength.count + n)
        entryID.reserveCapacity(entryID.count + n)
        var nextID = list.idBytes.withUnsafeBufferPointer { ids.append(bytes: $0, lengths: list.idLengths) }
        var k = 0
        list.keys.withUnsafeBufferPointer { keys in
            for e in 0..<n {
                let count = Int(list.keyCounts[e])
                var id: Int32 = -1
                if list.idLengths[e] != UInt32.max {
                    id = nextID
                    nextID += 1
                }
                addEntry(keys: UnsafeBufferPointer(rebasing: keys[k..<(k + count)]), type: types[Int(list.entryTypes[e])], id: id, file: file)
                k += count
            }
        }
        return true
    }
}

private func put<T: FixedWidthInteger>(_ value: T, _ out: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
}

/// Bounds-checked little-endian reads.
private struct Reader {
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
    mutating func array<T: FixedWidthInteger>(_: T.Type, _ n: Int) -> [T]? {
        let size = MemoryLayout<T>.size
        guard n >= 0, n <= remaining / size else { return nil }
        let source = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + n * size)])
        var out = [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            initialized = n
        }
        offset += n * size
        if T(littleEndian: 1) != 1 { for i in 0..<n { out[i] = T(littleEndian: out[i]) } }
        return out
    }
}
