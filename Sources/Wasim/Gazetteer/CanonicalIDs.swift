// Canonical ids of gazetteer entries, interned into one UTF-8 buffer. A million-entry list has
// a million ids: one String and one dictionary slot each cost more to load than the trie, so
// ids stay bytes until an entity that carries one is written out.

struct CanonicalIDs: Sendable {
    private(set) var bytes: [UInt8] = []
    /// Id k is `bytes[offsets[k] ..< offsets[k + 1]]`.
    private(set) var offsets: [Int32] = [0]
    /// Open addressing over id indices by the hash of their bytes (-1: empty).
    private var slots: [Int32] = [Int32](repeating: -1, count: 16)
    /// Ids appended by `append(bytes:lengths:)` are not in `slots` yet.
    private var unindexed = false

    var count: Int { offsets.count - 1 }

    init() {}

    /// Ids as `bytes` and `offsets` gave them (a compiled folder of lists), or nil when the
    /// offsets do not cut the bytes. Not indexed: the next `intern` indexes them all first.
    init?(bytes: [UInt8], offsets: [Int32]) {
        guard offsets.first == 0, offsets.last.map(Int.init) == bytes.count else { return nil }
        for k in 1..<offsets.count where offsets[k] < offsets[k - 1] { return nil }
        self.bytes = bytes
        self.offsets = offsets
        unindexed = offsets.count > 1
    }

    func string(_ k: Int32) -> String {
        bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[Int(offsets[Int(k)])..<Int(offsets[Int(k) + 1])]), as: UTF8.self)
        }
    }

    /// The index of an id given as UTF-8, added if new.
    mutating func intern(_ id: UnsafeBufferPointer<UInt8>) -> Int32 {
        if unindexed {
            var size = slots.count
            while (count + 1) * 2 > size { size <<= 1 }
            rehash(size)
            unindexed = false
        }
        let h = CanonicalIDs.hash(id)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let k = slots[i]
            if k < 0 { break }
            let start = Int(offsets[Int(k)]), end = Int(offsets[Int(k) + 1])
            if end - start == id.count, bytes.withUnsafeBufferPointer({ id.elementsEqual(UnsafeBufferPointer(rebasing: $0[start..<end])) }) {
                return k
            }
            i = (i + 1) & mask
        }
        let k = Int32(count)
        bytes.append(contentsOf: id)
        offsets.append(Int32(bytes.count))
        if count * 2 > slots.count {
            rehash(slots.count * 2)
        } else {
            slots[i] = k
        }
        return k
    }

    /// Room for `additional` more ids without growing the table while they are interned: each
    /// growth hashed every id again, more than the interning itself cost.
    mutating func reserve(_ additional: Int) {
        var size = slots.count
        while (count + additional) * 2 > size { size <<= 1 }
        if size > slots.count || unindexed {
            rehash(size)
            unindexed = false
        }
    }

    /// Appends an id without looking for it among the ones already there (see below).
    mutating func appendUnindexed(_ id: UnsafeBufferPointer<UInt8>) -> Int32 {
        bytes.append(contentsOf: id)
        offsets.append(Int32(bytes.count))
        unindexed = true
        return Int32(count - 1)
    }

    /// Appends ids without looking for them among the ones already there (a compiled list's
    /// ids, one per entry): a repeated id then costs a few bytes, and loading no hashing.
    /// Returns the index of the first; the next `intern` indexes them all first.
    mutating func append(bytes newBytes: UnsafeBufferPointer<UInt8>, lengths: [UInt32]) -> Int32 {
        let first = Int32(count)
        bytes.append(contentsOf: newBytes)
        offsets.reserveCapacity(offsets.count + lengths.count)
        var end = offsets[offsets.count - 1]
        for l in lengths where l != UInt32.max {
            end += Int32(l)
            offsets.append(end)
        }
        unindexed = true
        return first
    }

    mutating func intern(_ id: String) -> Int32 {
        var id = id
        return id.withUTF8 { intern($0) }
    }

    /// FNV-1a, then a finalizer: ids differ in their last digits, which FNV alone leaves in
    /// the high bits.
    private static func hash(_ id: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in id { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h
    }

    private mutating func rehash(_ size: Int) {
        slots = [Int32](repeating: -1, count: size)
        let mask = size - 1
        for k in 0..<count {
            let h = bytes.withUnsafeBufferPointer { CanonicalIDs.hash(UnsafeBufferPointer(rebasing: $0[Int(offsets[k])..<Int(offsets[k + 1])])) }
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(k)
        }
    }
}
