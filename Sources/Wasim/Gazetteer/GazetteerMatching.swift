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
        // Lookups are written through a pointer, room made once per trie node for all the entries
        // ending there (an array's append checked its uniqueness and room at each of them), and
        // handed to the document as one array at the end.
        var lookupCapacity = max(16, tokenCount * 2)
        var lookupBuffer = UnsafeMutablePointer<Lookup>.allocate(capacity: lookupCapacity)
        var lookupCount = 0
        defer { lookupBuffer.deallocate() }
        var candidates: [Entity] = []
        var coveredUntil = 0  // candidates do not start inside an earlier candidate
        // Every token's first step in the trie, whole form and proclitic readings, before the
        // walk: the table is megabytes, each probe a cache miss, and asking a few tokens ahead
        // lets the misses overlap. Readings the walk would not try cost a probe each, no more.
        let roots = UnsafeMutablePointer<UInt32>.allocate(capacity: tokenCount + analyses.count + 1)
        defer { roots.deallocate() }
        tokens.withUnsafeBufferPointer { tk in
        analyses.withUnsafeBufferPointer { an in
        g.terminalStart.withUnsafeBufferPointer { terminalStart in
        g.terminalInfo.withUnsafeBufferPointer { terminals in
        g.ambiguousNodes.withUnsafeBufferPointer { ambiguousNodes in
        document.utf16.withUnsafeBufferPointer { text in
        g.trie.withTable { trie in
            let tk = tk.baseAddress!, terminalStart = terminalStart.baseAddress!, terminals = terminals.baseAddress!
            @inline(__always) func isAmbiguous(_ node: UInt32) -> Bool {
                ambiguousNodes[Int(node) >> 6] & (1 << UInt64(node & 63)) != 0
            }
            do {
                let n = tokenCount + an.count
                @inline(__always) func key(_ k: Int) -> UInt64 { k < tokenCount ? tk[k].hash : an[k - tokenCount].hash }
                // Far enough ahead for a miss to main memory to be over when its token comes: 8
                // keys (about three tokens) left most of them waiting (gazetteer matching 61–75 →
                // 57–65 ns a token in `wasim-bench --stages`, 32 against 16, 24, 48 and 64).
                // `roots[k]` holds the slot where k's probe starts from its prefetch to its probe.
                let ahead = 32
                for k in 0..<min(ahead, n) {
                    let slot = trie.slot(0, key(k))
                    trie.prefetch(slot)
                    roots[k] = UInt32(truncatingIfNeeded: slot)
                }
                for k in 0..<n {
                    if k + ahead < n {
                        let slot = trie.slot(0, key(k + ahead))
                        trie.prefetch(slot)
                        roots[k + ahead] = UInt32(truncatingIfNeeded: slot)
                    }
                    let root = k < tokenCount && tk[k].kind == .punctuation ? empty : trie.child(0, key(k), from: Int(roots[k]))
                    roots[k] = root
                    if root != empty { wasim_prefetch(terminalStart + Int(root)) }
                }
            }
            // The walk's next misses, a few tokens ahead: the step to the following token (most
            // tokens are in some list, few entries go on) and the entries ending at each node.
            @inline(__always) func prefetch(after t: Int) {
                guard t + 1 < tokenCount else { return }
                let next = tk[t + 1].hash
                @inline(__always) func one(_ node: UInt32) {
                    guard node != empty else { return }
                    trie.prefetch(trie.slot(node, next))
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
                    // No best entry yet while `best.length` is 0.
                    var best = Best(length: 0, prefix: 0, terminal: Terminal.none)
                    // A user's own entry first, then the longest, then the file's priority.
                    @inline(__always) func better(_ e: Terminal, _ span: Int) -> Bool {
                        if best.length == 0 { return true }
                        if e.userFirst != best.terminal.userFirst { return e.userFirst }
                        if span != best.length { return span > best.length }
                        return e.priority > best.terminal.priority
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
                                if lookupCount + (to - from) > lookupCapacity {
                                    lookupCapacity = max(lookupCapacity * 2, lookupCount + (to - from))
                                    let grown = UnsafeMutablePointer<Lookup>.allocate(capacity: lookupCapacity)
                                    grown.moveInitialize(from: lookupBuffer, count: lookupCount)
                                    lookupBuffer.deallocate()
                                    lookupBuffer = grown
                                }
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
                                    (lookupBuffer + lookupCount).initialize(to: Lookup(
                                        list: Int32(e.type), tokens: Int32(truncatingIfNeeded: i)..<Int32(truncatingIfNeeded: j),
                                        prefixLength: prefix, entry: e.entry, file: e.file))
                                    lookupCount += 1
                                    if isEntity, taggable, better(e, span) {
                                        best = Best(length: span, prefix: prefix, terminal: e)
                                    }
                                }
                            }
                            guard j < end else { break }
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
                    if best.length > 0, i >= coveredUntil || best.terminal.userFirst {
                        let b = best
                        let entry = b.terminal.entry
                        // Made in the array: an entity made aside, then appended, was copied (four
                        // reference counts) and the aside one freed.
                        candidates.append(Entity(type: EntityType(g.typeName(Int32(b.terminal.type))), start: token.start + b.prefix,
                                                 end: tk[i + b.length - 1].end, tokens: Int32(i)..<Int32(i + b.length),
                                                 source: g.source(ofEntry: entry), priority: g.priority(ofEntry: entry),
                                                 id: g.canonicalID(ofEntry: entry)))
                        candidates[candidates.count - 1].precedence = g.precedence(ofEntry: entry)
                        coveredUntil = max(coveredUntil, i + b.length)
                    }
                }
            }
        }}}}}}}
        let count = lookupCount, buffer = lookupBuffer
        document.lookups = [Lookup](unsafeUninitializedCapacity: count) { out, written in
            out.baseAddress!.moveInitialize(from: buffer, count: count)
            written = count
        }
        // Matching is the first stage to propose: the array itself, not a copy of each entity.
        if document.candidates.isEmpty { document.candidates = candidates } else { document.candidates.append(contentsOf: candidates) }
    }

    /// The best entity entry so far at a token.
    private struct Best {
        var length: Int
        var prefix: Int32
        var terminal: Terminal
    }
}
