// A trie over token hashes in one flat open-addressing table: (node, token hash) → child.
// Matching costs one probe per token whatever the number of entries.
import CWasimICU

struct TokenTrie: Sendable {
    /// One probe reads one slot: the parent, the key and the child side by side. Three parallel
    /// arrays cost up to three cache misses a probe, and matching is bound by those misses.
    struct Slot {
        var key: UInt64
        var parent: UInt32
        var child: UInt32
    }

    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0
    /// Nodes allocated so far; node 0 is the root.
    private(set) var nodeCount: UInt32 = 1
    /// A bit per node: whether it has a child. Matching asks it before probing for the next
    /// token: most entries are one word and end at a leaf, and a probe that finds nothing reads
    /// a slot or two more than one that finds its child.
    private var parents: [UInt64] = [0]

    static let empty = UInt32.max
    private static let emptySlot = Slot(key: 0, parent: TokenTrie.empty, child: 0)

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Slot](repeating: TokenTrie.emptySlot, count: size)
        mask = size - 1
    }

    @inline(__always) private static func slot(_ node: UInt32, _ key: UInt64, _ mask: Int) -> Int {
        let h = (key ^ (UInt64(node) &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h >> 29) & mask
    }

    /// The child of `node` along a token, or nil.
    @inline(__always) func child(_ node: UInt32, _ key: UInt64) -> UInt32? {
        slots.withUnsafeBufferPointer { slots in
            var i = TokenTrie.slot(node, key, mask)
            while true {
                let s = slots[i]
                if s.parent == TokenTrie.empty { return nil }
                if s.parent == node && s.key == key { return s.child }
                i = (i + 1) & mask
            }
        }
    }

    /// Starts reading the slot where a lookup of `child(node, key)` begins: matching asks this
    /// some tokens ahead, so that the table's cache misses overlap instead of following one another.
    @inline(__always) func prefetch(_ node: UInt32, _ key: UInt64) {
        slots.withUnsafeBufferPointer { wasim_prefetch($0.baseAddress! + TokenTrie.slot(node, key, mask)) }
    }

    /// The table as a pointer, for matching's walk: its probes without an Optional or a
    /// bounds check, and the slot where a probe starts kept from its prefetch to the probe
    /// (the hash was worked out twice).
    struct Table {
        let slots: UnsafePointer<Slot>
        let mask: Int
        let parents: UnsafePointer<UInt64>

        /// Whether `node` has a child: `child(node, _)` finds nothing when it has none.
        @inline(__always) func hasChildren(_ node: UInt32) -> Bool { parents[Int(node) >> 6] & (1 << UInt64(node & 63)) != 0 }

        @inline(__always) func slot(_ node: UInt32, _ key: UInt64) -> Int { TokenTrie.slot(node, key, mask) }
        @inline(__always) func prefetch(_ slot: Int) { wasim_prefetch(slots + slot) }
        /// The child of `node` along a token, or `TokenTrie.empty`, probing from `slot(node, key)`.
        @inline(__always) func child(_ node: UInt32, _ key: UInt64, from slot: Int) -> UInt32 {
            var i = slot
            while true {
                let s = slots[i]
                if s.parent == node && s.key == key { return s.child }
                if s.parent == TokenTrie.empty { return TokenTrie.empty }
                i = (i &+ 1) & mask
            }
        }
        @inline(__always) func child(_ node: UInt32, _ key: UInt64) -> UInt32 { child(node, key, from: slot(node, key)) }
    }

    @inline(__always) func withTable<R>(_ body: (Table) throws -> R) rethrows -> R {
        try slots.withUnsafeBufferPointer { slots in
            try parents.withUnsafeBufferPointer { try body(Table(slots: slots.baseAddress!, mask: mask, parents: $0.baseAddress!)) }
        }
    }

    /// The child of `node` along a token, made if missing.
    mutating func insert(_ node: UInt32, _ key: UInt64) -> UInt32 {
        if let c = child(node, key) { return c }
        if TokenTrie.full(count + 1, slots.count) { grow() }
        var i = TokenTrie.slot(node, key, mask)
        while slots[i].parent != TokenTrie.empty { i = (i + 1) & mask }
        slots[i] = Slot(key: key, parent: node, child: nodeCount)
        // Read first: most new nodes are a word's own, children of the root, whose bit is set.
        if parents[Int(node) >> 6] & (1 << UInt64(node & 63)) == 0 { parents[Int(node) >> 6] |= 1 << UInt64(node & 63) }
        nodeCount += 1
        if Int(nodeCount) >> 6 == parents.count { parents.append(0) }
        count += 1
        return slots[i].child
    }

    private mutating func grow() { rehash(slots.count * 2) }

    /// Half full for the tables of the shipped lists, which matching probes for every token (a
    /// miss ends sooner in a sparse table); three quarters for a table of millions of nodes, whose
    /// memory is the cost that counts (a 1M-entry list: 128 MB of slots at one half, 64 MB here).
    @inline(__always) static func full(_ count: Int, _ size: Int) -> Bool {
        size >= TokenTrie.denseFrom ? count * 4 > size * 3 : count * 2 > size
    }
    static let denseFrom = 1 << 22

    fileprivate mutating func rehash(_ size: Int) {
        let old = slots
        slots = [Slot](repeating: TokenTrie.emptySlot, count: size)
        mask = size - 1
        for s in old where s.parent != TokenTrie.empty {
            var i = TokenTrie.slot(s.parent, s.key, mask)
            while slots[i].parent != TokenTrie.empty { i = (i + 1) & mask }
            slots[i] = s
        }
    }
}

extension TokenTrie {
    /// Makes room for `additional` more children without growing while they are inserted.
    mutating func reserve(_ additional: Int) {
        var size = slots.count
        while TokenTrie.full(count + additional, size) { size <<= 1 }
        if size > slots.count { rehash(size) }
    }
}

extension TokenTrie {
    /// The table's size and its occupied slots with their places: what a compiled folder of
    /// lists keeps (`CompiledLists`). The places, not a replay of the inserts, so that the
    /// restored table probes exactly as the built one.
    var table: (size: Int, places: [UInt32], slots: [Slot]) {
        var places: [UInt32] = [], occupied: [Slot] = []
        places.reserveCapacity(count)
        occupied.reserveCapacity(count)
        for (i, s) in slots.enumerated() where s.parent != TokenTrie.empty {
            places.append(UInt32(i))
            occupied.append(s)
        }
        return (slots.count, places, occupied)
    }

    /// The table `table` gave, or nil when its parts cannot be one (nodes are numbered in
    /// insertion order: one node per slot, after the root).
    init?(size: Int, places: [UInt32], slots occupied: [Slot]) {
        guard size >= 16, size & (size - 1) == 0, size <= 1 << 31, places.count == occupied.count, occupied.count < size else { return nil }
        let nodeCount = UInt32(occupied.count + 1)
        var table = [Slot](repeating: TokenTrie.emptySlot, count: size)
        var parents = [UInt64](repeating: 0, count: Int(nodeCount) >> 6 + 1)
        for (place, s) in zip(places, occupied) {
            guard place < size, table[Int(place)].parent == TokenTrie.empty, s.parent < nodeCount, s.child > 0, s.child < nodeCount
            else { return nil }
            table[Int(place)] = s
            parents[Int(s.parent) >> 6] |= 1 << UInt64(s.parent & 63)
        }
        slots = table
        mask = size - 1
        count = occupied.count
        self.nodeCount = nodeCount
        self.parents = parents
    }
}
