// A trie over token hashes in one flat open-addressing table: (node, token hash) → child.
// Matching costs one probe per token whatever the number of entries.

struct TokenTrie: Sendable {
    private var parents: [UInt32]
    private var keys: [UInt64]
    private var children: [UInt32]
    private var mask: Int
    private(set) var count = 0
    /// Nodes allocated so far; node 0 is the root.
    private(set) var nodeCount: UInt32 = 1

    static let empty = UInt32.max

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        parents = [UInt32](repeating: TokenTrie.empty, count: size)
        keys = [UInt64](repeating: 0, count: size)
        children = [UInt32](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always) private static func slot(_ node: UInt32, _ key: UInt64, _ mask: Int) -> Int {
        let h = (key ^ (UInt64(node) &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h >> 29) & mask
    }

    /// The child of `node` along a token, or nil.
    @inline(__always) func child(_ node: UInt32, _ key: UInt64) -> UInt32? {
        var i = TokenTrie.slot(node, key, mask)
        while true {
            let p = parents[i]
            if p == TokenTrie.empty { return nil }
            if p == node && keys[i] == key { return children[i] }
            i = (i + 1) & mask
        }
    }

    /// The child of `node` along a token, made if missing.
    mutating func insert(_ node: UInt32, _ key: UInt64) -> UInt32 {
        if let c = child(node, key) { return c }
        if (count + 1) * 2 > parents.count { grow() }
        var i = TokenTrie.slot(node, key, mask)
        while parents[i] != TokenTrie.empty { i = (i + 1) & mask }
        parents[i] = node
        keys[i] = key
        children[i] = nodeCount
        nodeCount += 1
        count += 1
        return children[i]
    }

    private mutating func grow() { rehash(parents.count * 2) }

    fileprivate mutating func rehash(_ size: Int) {
        let old = (parents, keys, children)
        parents = [UInt32](repeating: TokenTrie.empty, count: size)
        keys = [UInt64](repeating: 0, count: size)
        children = [UInt32](repeating: 0, count: size)
        mask = size - 1
        for j in 0..<old.0.count where old.0[j] != TokenTrie.empty {
            var i = TokenTrie.slot(old.0[j], old.1[j], mask)
            while parents[i] != TokenTrie.empty { i = (i + 1) & mask }
            parents[i] = old.0[j]
            keys[i] = old.1[j]
            children[i] = old.2[j]
        }
    }
}

extension TokenTrie {
    /// Makes room for `additional` more children without growing while they are inserted.
    mutating func reserve(_ additional: Int) {
        var size = parents.count
        while (count + additional) * 2 > size { size <<= 1 }
        if size > parents.count { rehash(size) }
    }
}
