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
        let trie = g.trie, terminalStart = g.terminalStart, terminals = g.terminalInfo
        let entityTypes = Int16(Gazetteer.entityTypes.count)
        var lookups: [Lookup] = []
        lookups.reserveCapacity(document.tokens.count * 2)
        var candidates: [Entity] = []
        let tokens = document.tokens
        let analyses = document.analyses
        var coveredUntil = 0  // candidates do not start inside an earlier candidate
        // A user's own entry first, then the longest, then the file's priority.
        func better(_ e: Terminal, _ span: Int, _ best: Best?) -> Bool {
            guard let b = best else { return true }
            if e.userFirst != b.terminal.userFirst { return e.userFirst }
            if span != b.length { return span > b.length }
            return e.priority > b.terminal.priority
        }
        // Every token's first step in the trie, whole form and proclitic readings, before the
        // walk: the table is megabytes, each probe a cache miss, and asking a few tokens ahead
        // lets the misses overlap. Readings the walk would not try cost a probe each, no more.
        let tokenCount = tokens.count
        let roots = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: tokenCount + analyses.count + 1)
        defer { roots.deallocate() }
        tokens.withUnsafeBufferPointer { tk in
            analyses.withUnsafeBufferPointer { an in
                let n = tokenCount + an.count
                @inline(__always) func key(_ k: Int) -> UInt64 { k < tokenCount ? tk[k].hash : an[k - tokenCount].hash }
                // Far enough ahead for a miss to main memory to be over when its token comes: 8
                // keys (about three tokens) left most of them waiting (gazetteer matching 61–75 →
                // 57–65 ns a token in `wasim-bench --stages`, 32 against 16, 24, 48 and 64).
                let ahead = 32
                for k in 0..<min(ahead, n) { trie.prefetch(0, key(k)) }
                for k in 0..<n {
                    if k + ahead < n { trie.prefetch(0, key(k + ahead)) }
                    roots[k] = k < tokenCount && tk[k].kind == .punctuation ? TokenTrie.empty : trie.child(0, key(k)) ?? TokenTrie.empty
                    if roots[k] != TokenTrie.empty { terminalStart.withUnsafeBufferPointer { wasim_prefetch($0.baseAddress! + Int(roots[k])) } }
                }
            }
        }
        @inline(__always) func root(_ k: Int) -> UInt32? { roots[k] == TokenTrie.empty ? nil : roots[k] }
        // The walk's next misses, a few tokens ahead: the step to the following token (most
        // tokens are in some list, few entries go on) and the entries ending at each node.
        @inline(__always) func prefetch(after t: Int) {
            guard t + 1 < tokenCount else { return }
            let next = tokens[t + 1].hash
            @inline(__always) func one(_ node: UInt32) {
                guard node != TokenTrie.empty else { return }
                trie.prefetch(node, next)
                terminals.withUnsafeBufferPointer { wasim_prefetch($0.baseAddress! + Int(terminalStart[Int(node)])) }
            }
            one(roots[t])
            let first = tokenCount + Int(tokens[t].firstAnalysis)
            for r in 0..<Int(tokens[t].analysisCount) { one(roots[first + r]) }
        }
        let ahead = 8
        for sentence in document.sentences {
            let end = Int(sentence.tokens.upperBound)
            for i in Int(sentence.tokens.lowerBound)..<end {
                prefetch(after: i + ahead)
                let token = tokens[i]
                if token.kind == .punctuation { continue }
                // The unstripped form first, then proclitic readings, shortest prefix first.
                var best: Best? = nil
                // A token that is itself an ordinary word or an ambiguous entry (بابها "its door")
                // is not read as a proclitic and a one-word name (ب + أبها); a longer name is
                // surer (وابن سينا = و + ابن سينا, though وابن is a word).
                // The whole form's node, looked up once for this test and for its own reading.
                let wholeNode = root(i)
                let wholeIsOrdinary = wholeNode.map { g.isAmbiguous($0) } ?? false
                var reading = -1
                while reading < Int(token.analysisCount) {
                    let prefix: Int32 = reading < 0 ? 0 : analyses[Int(token.firstAnalysis) + reading].prefixLength
                    let readingNode = reading < 0 ? wholeNode : root(tokenCount + Int(token.firstAnalysis) + reading)
                    reading += 1
                    guard var node = readingNode else { continue }
                    var j = i + 1
                    while true {
                        let span = j - i
                        for k in Int(terminalStart[Int(node)])..<Int(terminalStart[Int(node) + 1]) {
                            let e = terminals[k]
                            let type = e.type
                            // A name that ends in ة read where the text has ه (جدة "Jeddah" in جده "his
                            // grandfather") is not that name: no candidate, and no lookup for the rules
                            // and the labeller to lean on either.
                            if type < entityTypes, e.endsInTaMarbuta, endsInHa(document, tokens[j - 1]) { continue }
                            lookups.append(Lookup(list: Int32(type), tokens: Int32(i)..<Int32(j), prefixLength: prefix, entry: e.entry,
                                                  file: e.file))
                            if type < entityTypes, !g.isAmbiguous(node), prefix == 0 || !wholeIsOrdinary || span > 1, better(e, span, best) {
                                best = Best(length: span, prefix: prefix, terminal: e)
                            }
                        }
                        guard j < end, tokens[j].kind != .punctuation || isJoiner(document, tokens[j]),
                              let next = trie.child(node, tokens[j].hash) else { break }
                        node = next
                        j += 1
                    }
                    // A stripped reading is tried only when the whole form matched nothing.
                    if best != nil, reading == 0 { break }
                }
                // A user's entry may start inside a built-in match: conflict resolution ranks them.
                if let b = best, i >= coveredUntil || b.terminal.userFirst {
                    let entry = b.terminal.entry
                    // Made in the array: an entity made aside, then appended, was copied (four
                    // reference counts) and the aside one freed.
                    candidates.append(Entity(type: EntityType(g.typeName(Int32(b.terminal.type))), start: token.start + b.prefix,
                                             end: tokens[i + b.length - 1].end, tokens: Int32(i)..<Int32(i + b.length),
                                             source: g.source(ofEntry: entry), priority: g.priority(ofEntry: entry),
                                             id: g.canonicalID(ofEntry: entry)))
                    candidates[candidates.count - 1].precedence = g.precedence(ofEntry: entry)
                    coveredUntil = max(coveredUntil, i + b.length)
                }
            }
        }
        document.lookups = lookups
        // Matching is the first stage to propose: the array itself, not a copy of each entity.
        if document.candidates.isEmpty { document.candidates = candidates } else { document.candidates.append(contentsOf: candidates) }
    }

    /// The best entity entry so far at a token.
    private struct Best {
        var length: Int
        var prefix: Int32
        var terminal: Terminal
    }

    /// The token's last letter, diacritics aside, is ه.
    @inline(__always) private func endsInHa(_ d: Document, _ t: Token) -> Bool {
        var k = Int(t.end) - 1
        while k > Int(t.start), Normalizer.isDiacritic(d.utf16[k]) { k -= 1 }
        return d.utf16[k] == 0x0647
    }

    /// Punctuation that entries may contain (a period in an abbreviation such as `د.`).
    @inline(__always) private func isJoiner(_ d: Document, _ t: Token) -> Bool { t.length == 1 && d.utf16[Int(t.start)] == 0x2E }
}
