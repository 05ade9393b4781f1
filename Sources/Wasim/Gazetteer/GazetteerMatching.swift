// Gazetteer matching: every list match over tokens becomes a lookup (rules read them), and the
// longest entity-list match at each place becomes a candidate entity.

public struct GazetteerMatching: Stage {
    public let name = "gazetteer-matching"
    public let requires: Set<Capability> = [.tokens, .normalizedForms]
    public let provides: Set<Capability> = [.lookups, .gazetteerCandidates]
    package let gazetteer: Gazetteer

    public init(_ gazetteer: Gazetteer) { self.gazetteer = gazetteer }

    public func process(_ document: Document) throws {
        let g = gazetteer
        let trie = g.trie, terminalStart = g.terminalStart, terminals = g.terminals, entryType = g.entryType
        let entryPriority = g.entryPriority, entityTypes = Int16(Gazetteer.entityTypes.count)
        var lookups: [Lookup] = []
        lookups.reserveCapacity(document.tokens.count * 2)
        var candidates: [Entity] = []
        let tokens = document.tokens
        let analyses = document.analyses
        var coveredUntil = 0  // candidates do not start inside an earlier candidate
        // A user's own entry first, then the longest, then the file's priority.
        func better(_ e: Int32, _ span: Int, _ best: (length: Int, prefix: Int32, entry: Int32, type: Int32)?) -> Bool {
            guard let b = best else { return true }
            let user = g.userFirst(e)
            if user != g.userFirst(b.entry) { return user }
            if span != b.length { return span > b.length }
            return entryPriority[Int(e)] > entryPriority[Int(b.entry)]
        }
        for sentence in document.sentences {
            let end = Int(sentence.tokens.upperBound)
            for i in Int(sentence.tokens.lowerBound)..<end {
                let token = tokens[i]
                if token.kind == .punctuation { continue }
                // The unstripped form first, then proclitic readings, shortest prefix first.
                var best: (length: Int, prefix: Int32, entry: Int32, type: Int32)? = nil
                // A token that is itself an ordinary word or an ambiguous entry (بابها "its door")
                // is not read as a proclitic and a name (ب + أبها).
                // The whole form's node, looked up once for this test and for its own reading.
                let wholeNode = trie.child(0, token.hash)
                let wholeIsOrdinary = wholeNode.map { g.isAmbiguous($0) } ?? false
                var reading = -1
                while reading < Int(token.analysisCount) {
                    let (hash, prefix): (UInt64, Int32) = reading < 0
                        ? (token.hash, 0)
                        : (analyses[Int(token.firstAnalysis) + reading].hash, analyses[Int(token.firstAnalysis) + reading].prefixLength)
                    reading += 1
                    guard var node = reading == 0 ? wholeNode : trie.child(0, hash) else { continue }
                    var j = i + 1
                    while true {
                        let span = j - i
                        for k in Int(terminalStart[Int(node)])..<Int(terminalStart[Int(node) + 1]) {
                            let e = terminals[k]
                            let type = entryType[Int(e)]
                            // A name that ends in ة read where the text has ه (جدة "Jeddah" in جده "his
                            // grandfather") is not that name: no candidate, and no lookup for the rules
                            // and the labeller to lean on either.
                            if type < entityTypes, g.entryEndsInTaMarbuta[Int(e)], endsInHa(document, tokens[j - 1]) { continue }
                            lookups.append(Lookup(list: Int32(type), tokens: Int32(i)..<Int32(j), prefixLength: prefix, entry: e))
                            if type < entityTypes, !g.isAmbiguous(node), prefix == 0 || !wholeIsOrdinary, better(e, span, best) {
                                best = (span, prefix, e, Int32(type))
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
                if let b = best, i >= coveredUntil || g.userFirst(b.entry) {
                    var c = Entity(type: EntityType(g.typeName(b.type)), start: token.start + b.prefix,
                                   end: tokens[i + b.length - 1].end, tokens: Int32(i)..<Int32(i + b.length),
                                   source: g.source(ofEntry: b.entry), priority: g.priority(ofEntry: b.entry))
                    c.precedence = g.precedence(ofEntry: b.entry)
                    c.id = g.canonicalID(ofEntry: b.entry)
                    candidates.append(c)
                    coveredUntil = max(coveredUntil, i + b.length)
                }
            }
        }
        document.lookups = lookups
        document.candidates.append(contentsOf: candidates)
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
