// The compiled form of a whole folder of lists (`Gazetteers/`), cached in it as
// `.lists.wasim-cache`: the builder as loading every list left it (its trie's table, its
// entries, ids and files), so that a start copies arrays instead of decoding, splitting and
// normalizing 1.7 MB of small lists (nine tenths of the start's instructions on the lists).
// A list of its own big enough for a `CompiledList` saves less than the folder's lists do
// together, and one file read at once beats thirty-three checked one by one.
// It is only a cache, with `CompiledList`'s guarantees:
// - it is used only when it was made from the same lists (every list's name, length and a hash
//   of its bytes, in loading order), by the same normalization and segmentation (the
//   fingerprint `CompiledList` uses), with the same built-in types and format version;
// - it is written under a temporary name and renamed into place, so a reader never sees half;
// - a checksum covers everything after the header, and every count and index is checked
//   before the builder takes anything from it; any mismatch makes the loader parse the lists
//   as if there were no cache (and write a new one);
// - a folder that cannot be written to just means no cache.
//
// Layout (little-endian): magic "WASIMDIR", version u32, key u64, payload length u64, payload
// checksum u64; then the payload: type names and files (count u32, then length u32 + UTF-8
// each; a file then has its priority i64 and user-first u8), the table's size u64, then arrays
// (count u64, then the elements' bytes): the trie's occupied places (u32) and slots (key u64,
// parent u32, child u32), each entry's type i16, file i16, line i32, final-ة flag u8, id i32,
// node u32 and length u8, the ids' bytes and offsets (i32).
import Foundation

struct CompiledLists {
    static let magic: [UInt8] = Array("WASIMDIR".utf8)
    /// Bump when the layout, or what loading a list puts in the builder, changes.
    static let version: UInt32 = 1
    static let headerSize = 8 + 4 + 8 * 3
    static let fileName = ".lists.wasim-cache"

    let file: CacheFile

    /// `lists`: the folder's lists in loading order, with their bytes.
    init(directory: String, lists: [(name: String, data: Data)], normalizer: Normalizer) {
        var types: [UInt8] = []
        for t in Gazetteer.entityTypes + Gazetteer.helperTypes { types += t.utf8; types.append(0) }
        let key = CacheFile.key(version: CompiledLists.version, normalizer: normalizer, head: types,
                                files: lists.map { ($0.name, $0.data.count, $0.data.withUnsafeBytes { CompiledList.hash($0) }) })
        file = CacheFile(path: directory + "/" + CompiledLists.fileName, magic: CompiledLists.magic, version: CompiledLists.version,
                         key: key)
    }

    /// The cache's bytes, mapped, if its header says it was made from these lists.
    func read() -> Data? { file.read() }

    /// Best effort: a cache that cannot be written is no error.
    func write(_ b: GazetteerBuilder) {
        let table = b.trie.table
        var payload: [UInt8] = []
        // Room for it all at once: growing the buffer while appending copied it a dozen times.
        payload.reserveCapacity(table.places.count * 20 + b.entryType.count * 18 + b.ids.bytes.count + b.ids.offsets.count * 4
                                + b.files.count * 64 + b.typeNames.count * 16 + 256)
        putNames(b.typeNames, &payload)
        putLittleEndian(UInt32(b.files.count), &payload)
        for (f, file) in b.files.enumerated() {
            putNames([file.name], &payload)
            putLittleEndian(Int64(file.priority), &payload)
            payload.append(b.userFirst[f] ? 1 : 0)
        }
        putLittleEndian(UInt64(table.size), &payload)
        putArray(table.places, &payload)
        putArray(table.slots, &payload)
        putArray(b.entryType, &payload)
        putArray(b.entryFile, &payload)
        putArray(b.entryLine, &payload)
        putArray(b.entryEndsInTaMarbuta.map { UInt8($0 ? 1 : 0) }, &payload)
        putArray(b.entryID, &payload)
        putArray(b.entryNode, &payload)
        putArray(b.entryLength, &payload)
        putArray(b.ids.bytes, &payload)
        putArray(b.ids.offsets, &payload)
        file.write([payload], checksum: payload.withUnsafeBytes { CompiledList.hash($0) })
    }

    private func putNames(_ names: [String], _ out: inout [UInt8]) {
        putLittleEndian(UInt32(names.count), &out)
        for n in names {
            putLittleEndian(UInt32(n.utf8.count), &out)
            out += n.utf8
        }
    }

    /// The elements' bytes as they lie in memory: every machine Wasim runs on is little-endian
    /// (the model file assumes it too).
    private func putArray<T>(_ values: [T], _ out: inout [UInt8]) {
        putLittleEndian(UInt64(values.count), &out)
        values.withUnsafeBytes { out += $0 }
    }
}

extension GazetteerBuilder {
    /// Takes a folder's compiled lists, checking the checksum and every count and index first;
    /// false, having changed nothing, if anything is off. Only for a builder nothing was loaded into.
    mutating func restore(_ data: Data) -> Bool {
        guard entryType.isEmpty, files.isEmpty else { return false }
        return data.withUnsafeBytes { raw -> Bool in
            var r = ByteReader(raw)
            _ = r.bytes(CompiledLists.headerSize - 8)
            guard let checksum = r.u64(), CompiledList.hash(UnsafeRawBufferPointer(rebasing: raw[r.offset...])) == checksum,
                  let types = r.names(), types.starts(with: typeNames), let fileCount = r.u32()
            else { return false }
            var files: [(name: String, priority: Int)] = [], userFirst: [Bool] = []
            for _ in 0..<fileCount {
                guard let name = r.names()?.first, let priority = r.i64(), GazetteerBuilder.priorities.contains(Int(priority)),
                      let first = r.value(UInt8.self), first <= 1
                else { return false }
                files.append((name, Int(priority)))
                userFirst.append(first == 1)
            }
            guard let size = r.u64(), size <= UInt64(Int32.max),
                  let places: [UInt32] = r.array(), let slots: [TokenTrie.Slot] = r.array(),
                  let trie = TokenTrie(size: Int(size), places: places, slots: slots),
                  let entryType: [Int16] = r.array(), let entryFile: [Int16] = r.array(), let entryLine: [Int32] = r.array(),
                  let endsInTa: [UInt8] = r.array(), let entryID: [Int32] = r.array(), let entryNode: [UInt32] = r.array(),
                  let entryLength: [UInt8] = r.array(), let idBytes: [UInt8] = r.array(), let offsets: [Int32] = r.array(),
                  let ids = CanonicalIDs(bytes: idBytes, offsets: offsets), r.remaining == 0
            else { return false }
            let n = entryType.count
            guard [entryFile.count, entryLine.count, endsInTa.count, entryID.count, entryNode.count, entryLength.count].allSatisfy({ $0 == n })
            else { return false }
            // Every index the matcher follows, in bounds: a table it trusts must not make it trap.
            for e in 0..<n {
                guard entryType[e] >= 0, Int(entryType[e]) < types.count, entryFile[e] >= 0, Int(entryFile[e]) < files.count,
                      endsInTa[e] <= 1, entryID[e] >= -1, Int(entryID[e]) < ids.count, entryNode[e] < trie.nodeCount
                else { return false }
            }
            typeNames = types
            for (i, t) in types.enumerated() { typeIndex[t] = i }
            self.files = files
            self.userFirst = userFirst
            self.trie = trie
            self.entryType = entryType
            self.entryFile = entryFile
            self.entryLine = entryLine
            entryEndsInTaMarbuta = endsInTa.map { $0 == 1 }
            self.entryID = entryID
            self.entryNode = entryNode
            self.entryLength = entryLength
            self.ids = ids
            return true
        }
    }
}

extension ByteReader {
    /// A count, then that many elements' bytes, copied out (the mapped file may be unaligned).
    mutating func array<T>() -> [T]? {
        let size = MemoryLayout<T>.stride
        guard let count = u64(), count <= UInt64(remaining / size), let bytes = bytes(Int(count) * size) else { return nil }
        return [T](unsafeUninitializedCapacity: Int(count)) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(bytes))
            initialized = Int(count)
        }
    }
}

/// Writes the parts under a temporary name, then renames it into place: a reader sees the old
/// file or the whole new one. Best effort: any failure leaves no file behind.
func writeAtomically(_ path: String, _ parts: [[UInt8]]) {
    // A name of its own (mkstemps): two threads of one process (tests run in parallel) may
    // write the same cache at once, and must not write into one temporary file. It ends in
    // `.wasim-cache`, so that one left by a killed process is ignored by git like the cache.
    let suffix = ".wasim-cache"
    var template = Array((path + "-XXXXXX" + suffix).utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
    guard fd >= 0 else { return }
    let temporary = String(cString: template)
    fchmod(fd, 0o644)
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
    let written = parts.allSatisfy(writeAll)
    close(fd)
    if !written || rename(temporary, path) != 0 { unlink(temporary) }
}
