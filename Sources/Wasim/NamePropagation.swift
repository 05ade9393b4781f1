// Document-level name propagation, as GATE's OrthoMatcher does it: a name found once (by a list
// or a rule) is found again elsewhere in the same document, and so is the distinctive last part
// of a person's name (ترودو after جاستن ترودو). Runs after conflict resolution, so only names
// that won propagate, and it fills gaps, with one exception: a person's name (or its last part)
// displaces a one-word match of a built-in place or organization list. A city list holds
// العباسي, but once حسين العباسي is in the article, العباسي alone is the man. Countries, the
// user's own lists, rules and longer list matches are never displaced (Gazetteers/README.md,
// conflict table).

public struct NamePropagation: Stage {
    public let name = "name-propagation"
    public let requires: Set<Capability> = [.tokens, .normalizedForms, .entities]
    public let provides: Set<Capability> = [Capability("propagated-names")]
    /// Lists whose words are never a person's distinctive last part on their own.
    /// Bit per list id.
    let excludedLists: UInt64
    let gazetteer: Gazetteer?

    public init(gazetteer: Gazetteer? = nil) {
        self.gazetteer = gazetteer
        var excluded: UInt64 = 0
        if let g = gazetteer {
            for name in ["COMMON", "VOCAB", "GIVEN_NAME", "NAME_PARTICLE", "TITLE", "NISBA", "AMBIGUOUS", "SAY_VERB",
                         "ORG_DESIGNATOR", "LOC_DESIGNATOR"] {
                if let id = g.typeID(name), id < 64 { excluded |= 1 << UInt64(id) }
            }
        }
        excludedLists = excluded
    }

    struct Name {
        /// Its token keys: `keys[keyStart ..< keyStart + keyCount]` of the document's table.
        var keyStart: Int32
        var keyCount: Int32
        var type: EntityType
        /// The mention it came from (an index into the document's entities).
        var origin: Int
        var id: String?
    }

    public func process(_ document: Document) throws {
        let tokens = document.tokens, analyses = document.analyses
        guard !document.entities.isEmpty else { return }
        // The names in flat tables: their keys side by side, and (first key, name) pairs sorted
        // by key, so that the names a token may begin are one run found by a binary search. A
        // dictionary of arrays cost an allocation per name and a rehash every few names.
        var keys: [UInt64] = []
        var names: [Name] = []
        var firsts: [(key: UInt64, name: Int32)] = []
        keys.reserveCapacity(4 * document.entities.count)
        names.reserveCapacity(2 * document.entities.count)
        firsts.reserveCapacity(2 * document.entities.count)
        var occupied = [Bool](repeating: false, count: tokens.count)
        // Tokens held by a one-word built-in list entity that a person's name may displace.
        var displaceable = [Int32](repeating: -1, count: tokens.count)
        // Tokens that are in an excluded list on their own.
        var excludedSingles = [Bool](repeating: false, count: tokens.count)
        for l in document.lookups where l.tokens.count == 1 && l.list < 64 && excludedLists & (1 << UInt64(l.list)) != 0 {
            excludedSingles[Int(l.tokens.lowerBound)] = true
        }
        for e in document.suppressed {
            for k in Int(e.tokens.lowerBound)..<Int(e.tokens.upperBound) { occupied[k] = true }
        }
        for (n, e) in document.entities.enumerated() {
            let first = Int(e.tokens.lowerBound)
            if NamePropagation.isDisplaceable(e) {
                displaceable[first] = Int32(n)
            } else {
                for k in first..<Int(e.tokens.upperBound) { occupied[k] = true }
            }
            guard e.type != .numericRange else { continue }
            // A name with a digit in it (كي تي إم 40د, a results line read as a person) is a
            // mistake of whatever found it: spreading it would repeat the mistake.
            if (first..<Int(e.tokens.upperBound)).contains(where: { hasDigit(document, tokens[$0]) }) { continue }
            // A one-word name that is also an ordinary word or a given name (علي, which news
            // also writes for على) is not spread through the document.
            if e.tokens.count == 1, excludedSingles[first] { continue }
            // The model's one-word person or place is a guess from a window of words (التعايش،
            // إيبوبروفين): spread, one wrong guess becomes a dozen. Its organizations (دانون) and its
            // longer names, which the lists and rules mostly back, still spread.
            if e.tokens.count == 1, e.type != .organization, e.source.hasPrefix("model:") { continue }
            let prefix = e.start - tokens[first].start
            let keyStart = keys.count
            keys.append(readingHash(document, first, prefix))
            for k in (first + 1)..<Int(e.tokens.upperBound) { keys.append(tokens[k].hash) }
            firsts.append((keys[keyStart], Int32(names.count)))
            names.append(Name(keyStart: Int32(keyStart), keyCount: Int32(keys.count - keyStart), type: e.type, origin: n, id: e.id))
            let last = Int(e.tokens.upperBound) - 1
            if e.type == .person, keys.count - keyStart >= 2, !excludedSingles[last],
               tokens[last].kind == .word, tokens[last].normEnd - tokens[last].normStart >= 3 {
                firsts.append((tokens[last].hash, Int32(names.count)))
                names.append(Name(keyStart: Int32(keys.count), keyCount: 1, type: e.type, origin: n, id: e.id))
                keys.append(tokens[last].hash)
            }
        }
        // Most tokens begin no known name: a 1024-bit filter over first keys answers them before
        // the dictionary (whose hashing would cost more than everything else here).
        var filter = [UInt64](repeating: 0, count: 16)
        for f in firsts { filter[Int(f.key >> 60)] |= 1 << ((f.key >> 54) & 63) }
        // By key, and in the order the names were found within a key: the first of the longest wins.
        firsts.sort { ($0.key, $0.name) < ($1.key, $1.name) }
        @inline(__always) func mayBegin(_ h: UInt64) -> Bool { filter[Int(h >> 60)] & (1 << ((h >> 54) & 63)) != 0 }
        var found: [Entity] = []
        var displaced: Set<Int> = []
        var i = 0
        while i < tokens.count {
            guard !occupied[i], tokens[i].kind == .word else { i += 1; continue }
            // A name over a displaceable token must be a person's, and must not be that token's
            // own entity spreading.
            func fits(_ name: Name, _ k: Int) -> Bool {
                displaceable[k] < 0 || (name.type == .person && Int(displaceable[k]) != name.origin)
            }
            var best: (name: Name, prefix: Int32)? = nil
            let t = tokens[i]
            // The whole token, then its proclitic readings.
            for r in -1..<Int(t.analysisCount) {
                let (hash, prefix) = r < 0 ? (t.hash, Int32(0))
                    : (analyses[Int(t.firstAnalysis) + r].hash, analyses[Int(t.firstAnalysis) + r].prefixLength)
                guard mayBegin(hash) else { continue }
                var lo = 0, hi = firsts.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if firsts[mid].key < hash { lo = mid + 1 } else { hi = mid }
                }
                var j = lo
                while j < firsts.count, firsts[j].key == hash {
                    let name = names[Int(firsts[j].name)]
                    j += 1
                    guard best == nil || name.keyCount > best!.name.keyCount else { continue }
                    let count = Int(name.keyCount), from = Int(name.keyStart)
                    let end = i + count
                    guard end <= tokens.count, tokens[end - 1].sentence == t.sentence, fits(name, i) else { continue }
                    var ok = true
                    for k in 1..<count where occupied[i + k] || tokens[i + k].hash != keys[from + k] || !fits(name, i + k) {
                        ok = false; break
                    }
                    if ok { best = (name, prefix) }
                }
                if best != nil { break }
            }
            // A place's name with nunation (إسبانياً after إسبانيا) is an adjective or an adverb: as in
            // conflict resolution, it is no name.
            if let b = best, b.name.type == .location,
               ConflictResolution.endsInTanween(document, tokens[i + Int(b.name.keyCount) - 1]) {
                best = nil
            }
            if let b = best {
                let end = i + Int(b.name.keyCount)
                let mention = document.entities[b.name.origin]
                let origin = "propagation:" + document.text(of: mention) + "@" + String(document.codePointOffset(mention.start))
                var e = Entity(type: b.name.type, start: t.start + b.prefix, end: tokens[end - 1].end,
                               tokens: Int32(i)..<Int32(end), source: origin)
                e.id = b.name.id
                found.append(e)
                for k in i..<end {
                    occupied[k] = true
                    if displaceable[k] >= 0 { displaced.insert(Int(displaceable[k])) }
                }
                i = end
            } else {
                i += 1
            }
        }
        if !found.isEmpty {
            if !displaced.isEmpty {
                document.entities = document.entities.enumerated().filter { !displaced.contains($0.offset) }.map(\.element)
            }
            document.entities.append(contentsOf: found)
            document.entities.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        }
    }

    /// A one-word match of a built-in place or organization list, not a country: the kind of
    /// entity a person's name found elsewhere in the article may take over.
    static func isDisplaceable(_ e: Entity) -> Bool {
        e.tokens.count == 1 && e.precedence == 0 && (e.type == .location || e.type == .organization)
            && e.source.hasPrefix("gazetteer:") && !(e.id.map { $0.hasPrefix("country:") || $0.hasPrefix("region:") } ?? false)
    }

    /// Normalization has folded Arabic-Indic and Eastern digits to ASCII.
    private func hasDigit(_ d: Document, _ t: Token) -> Bool {
        d.normalized[Int(t.normStart)..<Int(t.normEnd)].contains { (0x30...0x39).contains($0) }
    }

    private func readingHash(_ d: Document, _ i: Int, _ prefix: Int32) -> UInt64 {
        let t = d.tokens[i]
        if prefix == 0 { return t.hash }
        return d.analyses(of: t).first { $0.prefixLength == prefix }?.hash ?? t.hash
    }
}
