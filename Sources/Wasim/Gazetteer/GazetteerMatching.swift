// Gazetteer matching: every list match over tokens becomes a lookup (rules read them), and the
// longest entity-list match at each place becomes a candidate entity.
import CWasimICU

public struct GazetteerMatching: Stage {
    public let name = "gazetteer-matching"
    public let requires: Set<Capability> = [.tokens, .normalizedForms]
    public let provides: Set<Capability> = [.lookups, .gazetteerCandidates]
    package let gazetteer: Gazetteer

    public init(_ gazetteer: Gazetteer) { self.gazetteer = gazetteer }

    public func process(_ document: Document) throws {
        let g = gazetteer
        let entityTypes = Int16(Gazetteer.entityTypes.count)
        let tokens = document.tokens
        let analyses = document.analyses
        let tokenCount = tokens.count
        let empty = TokenTrie.empty
        var candidates: [Entity] = []
        // About one candidate in six tokens: room for them at once, not by doubling.
        candidates.reserveCapacity(tokenCount / 4 + 4)
        var coveredUntil = 0  // candidates do not start inside an earlier candidate
        let roots = UnsafeMutablePointer<UInt32>.allocate(capacity: tokenCount + analyses.count + 1)
        defer { roots.deallocate() }
        // Lookups are written in place into the array the document gets, through a pointer, room
        // made once per trie node for all the entries ending there (an append checked the array's
        // uniqueness and room at each of them).
        var spilled: LookupWriter? = nil
        document.lookups = [Lookup](unsafeUninitializedCapacity: tokenCount * 2 + 16) { out, written in
        var lookups = LookupWriter(base: out.baseAddress!, capacity: tokenCount * 2 + 16)
        tokens.withUnsafeBufferPointer { tk in
        analyses.withUnsafeBufferPointer { an in
        g.terminalStart.withUnsafeBufferPointer { terminalStart in
        g.terminalInfo.withUnsafeBufferPointer { terminals in
        g.ambiguousNodes.withUnsafeBufferPointer { ambiguousNodes in
        document.utf16.withUnsafeBufferPointer { text in
        g.trie.withTable { trie in
            // No tokens, or no entries at all: no lookup and no candidate.
            guard tk.baseAddress != nil, terminalStart.baseAddress != nil, terminals.baseAddress != nil else { return }
            GazetteerMatching.findRoots(roots, tokens: tk, analyses: an, trie: trie, terminalStart: terminalStart.baseAddress!)
            let tk = tk.baseAddress!, terminalStart = terminalStart.baseAddress!, terminals = terminals.baseAddress!
            @inline(__always) func isAmbiguous(_ node: UInt32) -> Bool {
                ambiguousNodes[Int(node) >> 6] & (1 << UInt64(node & 63)) != 0
            }
            // The walk's next misses, a few tokens ahead: the step to the following token (most
            // tokens are in some list, few entries go on) and the entries ending at each node.
            @inline(__always) func prefetch(after t: Int) {
                guard t + 1 < tokenCount else { return }
                let next = tk[t + 1].hash
                @inline(__always) func one(_ node: UInt32) {
                    guard node != empty else { return }
                    if trie.hasChildren(node) { trie.prefetch(trie.slot(node, next)) }
                    wasim_prefetch(terminals + Int(terminalStart[Int(node)]))
                }
                one(roots[t])
                let first = tokenCount + Int(tk[t].firstAnalysis)
                for r in 0..<Int(tk[t].analysisCount) { one(roots[first + r]) }
            }
            /// The token's last letter, diacritics aside, is ه.
            @inline(__always) func endsInHa(_ t: Token) -> Bool {
                var k = Int(t.end) - 1
                while k > Int(t.start), Normalizer.isDiacritic(text[k]) { k -= 1 }
                return text[k] == 0x0647
            }
            let ahead = 8
            for sentence in document.sentences {
                let end = Int(sentence.tokens.upperBound)
                for i in Int(sentence.tokens.lowerBound)..<end {
                    prefetch(after: i + ahead)
                    let token = tk[i]
                    if token.kind == .punctuation { continue }
                    // The unstripped form first, then proclitic readings, shortest prefix first.
                    // No best entry yet while `best.length` is 0. The best entry is kept by its
                    // place in `terminals`: three numbers to set up at each token, not a copy of
                    // a terminal's six fields.
                    var best = Best(length: 0, prefix: 0, terminal: 0)
                    // A user's own entry first, then the longest, then the file's priority.
                    @inline(__always) func better(_ e: Terminal, _ span: Int) -> Bool {
                        if best.length == 0 { return true }
                        let b = terminals[best.terminal]
                        if e.userFirst != b.userFirst { return e.userFirst }
                        if span != best.length { return span > best.length }
                        return e.priority > b.priority
                    }
                    // A token that is itself an ordinary word or an ambiguous entry (بابها "its door")
                    // is not read as a proclitic and a one-word name (ب + أبها); a longer name is
                    // surer (وابن سينا = و + ابن سينا, though وابن is a word).
                    // The whole form's node, looked up once for this test and for its own reading.
                    let wholeNode = roots[i]
                    let wholeIsOrdinary = wholeNode != empty && isAmbiguous(wholeNode)
                    let firstAnalysis = Int(token.firstAnalysis)
                    var reading = -1
                    while reading < Int(token.analysisCount) {
                        let prefix: Int32 = reading < 0 ? 0 : an[firstAnalysis + reading].prefixLength
                        var node = reading < 0 ? wholeNode : roots[tokenCount + firstAnalysis + reading]
                        reading += 1
                        if node == empty { continue }
                        var j = i + 1
                        while true {
                            let span = j - i
                            let from = Int(terminalStart[Int(node)]), to = Int(terminalStart[Int(node) + 1])
                            if from < to {
                                lookups.reserve(to - from)
                                // Whether an entity entry here may be tagged: the same for every
                                // entry of the node.
                                let taggable = !isAmbiguous(node) && (prefix == 0 || !wholeIsOrdinary || span > 1)
                                for k in from..<to {
                                    let e = terminals[k]
                                    let isEntity = e.type < entityTypes
                                    // A name that ends in ة read where the text has ه (جدة "Jeddah" in جده "his
                                    // grandfather") is not that name: no candidate, and no lookup for the rules
                                    // and the labeller to lean on either.
                                    if isEntity, e.endsInTaMarbuta, endsInHa(tk[j - 1]) { continue }
                                    lookups.append(Lookup(list: Int32(e.type), tokens: Int32(truncatingIfNeeded: i)..<Int32(truncatingIfNeeded: j),
                                                          prefixLength: prefix, entry: e.entry, file: e.file))
                                    if isEntity, taggable, better(e, span) {
                                        best = Best(length: span, prefix: prefix, terminal: k)
                                    }
                                }
                            }
                            guard j < end, trie.hasChildren(node) else { break }
                            let next = tk[j]
                            // Punctuation that entries may contain: a period in an abbreviation such as `د.`.
                            if next.kind == .punctuation, !(next.end - next.start == 1 && text[Int(next.start)] == 0x2E) { break }
                            let child = trie.child(node, next.hash)
                            if child == empty { break }
                            node = child
                            j += 1
                        }
                        // A stripped reading is tried only when the whole form matched nothing.
                        if best.length > 0, reading == 0 { break }
                    }
                    // A user's entry may start inside a built-in match: conflict resolution ranks them.
                    if best.length > 0, i >= coveredUntil || terminals[best.terminal].userFirst {
                        let b = best, terminal = terminals[best.terminal]
                        let entry = terminal.entry
                        // Made in the array: an entity made aside, then appended, was copied (four
                        // reference counts) and the aside one freed.
                        candidates.append(Entity(type: EntityType(g.typeName(Int32(terminal.type))), start: token.start + b.prefix,
                                                 end: tk[i + b.length - 1].end, tokens: Int32(i)..<Int32(i + b.length),
                                                 source: g.source(ofEntry: entry), priority: g.priority(ofEntry: entry),
                                                 id: g.canonicalID(ofEntry: entry)))
                        candidates[candidates.count - 1].precedence = g.precedence(ofEntry: entry)
                        coveredUntil = max(coveredUntil, i + b.length)
                    }
                }
            }
        }}}}}}}
        if lookups.inArray { written = lookups.count } else { spilled = lookups }
        }
        // More lookups than the array had room for (rare): they were moved out to a buffer of their own.
        if let more = spilled {
            document.lookups = Array(UnsafeBufferPointer(start: more.base, count: more.count))
            more.base.deinitialize(count: more.count)
            more.base.deallocate()
        }
        // Matching is the first stage to propose: the array itself, not a copy of each entity.
        if document.candidates.isEmpty { document.candidates = candidates } else { document.candidates.append(contentsOf: candidates) }
    }

    /// Every token's first step in the trie, whole form and proclitic readings (`roots`, tokens
    /// then readings, `TokenTrie.empty` for none), before the walk: the table is megabytes, each
    /// probe a cache miss, and asking a few keys ahead lets the misses overlap. Readings the walk
    /// would not try cost a probe each, no more. A function of its own, in three loops by where
    /// the key asked for ahead lies (a select between tokens and readings at each key, and its
    /// registers spilled around the walk's, made it 54 instructions a key).
    private static func findRoots(_ roots: UnsafeMutablePointer<UInt32>, tokens: UnsafeBufferPointer<Token>,
                                  analyses: UnsafeBufferPointer<ProcliticAnalysis>, trie: TokenTrie.Table,
                                  terminalStart: UnsafePointer<Int32>) {
        let tokenCount = tokens.count, n = tokenCount + analyses.count
        guard n > 0 else { return }
        let empty = TokenTrie.empty
        // Far enough ahead for a miss to main memory to be over when its key comes: 8 keys
        // (about three tokens) left most of them waiting (gazetteer matching 61–75 → 57–65 ns a
        // token in `wasim-bench --stages`, 32 against 16, 24, 48 and 64). `roots[k]` holds the
        // slot where key k's probe starts from its prefetch until its probe.
        let ahead = 32
        @inline(__always) func ask(_ k: Int, _ key: UInt64) {
            let slot = trie.slot(0, key)
            trie.prefetch(slot)
            roots[k] = UInt32(truncatingIfNeeded: slot)
        }
        @inline(__always) func probe(_ k: Int, _ key: UInt64) {
            let root = trie.child(0, key, from: Int(roots[k]))
            roots[k] = root
            if root != empty { wasim_prefetch(terminalStart + Int(root)) }
        }
        @inline(__always) func token(_ k: Int) {
            let t = tokens[k]
            if t.kind == .punctuation { roots[k] = empty } else { probe(k, t.hash) }
        }
        for k in 0..<min(ahead, n) { ask(k, k < tokenCount ? tokens[k].hash : analyses[k - tokenCount].hash) }
        let tokensAheadEnd = max(0, tokenCount - ahead)
        for k in 0..<tokensAheadEnd {
            ask(k + ahead, tokens[k + ahead].hash)
            token(k)
        }
        for k in tokensAheadEnd..<tokenCount {
            if k + ahead < n { ask(k + ahead, analyses[k + ahead - tokenCount].hash) }
            token(k)
        }
        for k in tokenCount..<n {
            if k + ahead < n { ask(k + ahead, analyses[k + ahead - tokenCount].hash) }
            probe(k, analyses[k - tokenCount].hash)
        }
    }

    /// Lookups written through a pointer into the array the document gets; moved to a buffer of
    /// their own if there are more than it has room for.
    private struct LookupWriter {
        var base: UnsafeMutablePointer<Lookup>
        var capacity: Int
        var count = 0
        var inArray = true

        init(base: UnsafeMutablePointer<Lookup>, capacity: Int) {
            self.base = base
            self.capacity = capacity
        }

        /// Room for `n` more.
        @inline(__always) mutating func reserve(_ n: Int) { if count &+ n > capacity { grow(n) } }

        @inline(__always) mutating func append(_ lookup: Lookup) {
            (base + count).initialize(to: lookup)
            count &+= 1
        }

        private mutating func grow(_ n: Int) {
            capacity = max(capacity * 2, count + n)
            let grown = UnsafeMutablePointer<Lookup>.allocate(capacity: capacity)
            grown.moveInitialize(from: base, count: count)
            if !inArray { base.deallocate() }
            base = grown
            inArray = false
        }
    }

    /// The best entity entry so far at a token: its length, its reading's prefix and its place
    /// in `Gazetteer.terminalInfo`.
    private struct Best {
        var length: Int
        var prefix: Int32
        var terminal: Int
    }
}
