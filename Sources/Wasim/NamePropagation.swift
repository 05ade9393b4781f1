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
        /// The mention it came from (an index into the document's entities): the name's type and
        /// id are the mention's.
        var origin: Int32
        /// `FeatureExtractor.typeIndex` of its type (PER 0, LOC 2): read once, not compared as a string.
        var type: Int32
    }

    public func process(_ document: Document) throws {
        // The entities are read through their storage, field by field: an `Entity` holds four
        // strings, and a copy of one costs four reference counts (and as many to free it).
        let entities = document.entities
        guard !entities.isEmpty else { return }
        let tokens = document.tokens, analyses = document.analyses
        let lookups = document.lookups, normalized = document.normalized
        // The names in flat tables: their keys side by side, and (first key, name) pairs sorted
        // by key, so that the names a token may begin are one run found by a binary search. A
        // dictionary of arrays cost an allocation per name and a rehash every few names.
        var keys: [UInt64] = []
        var names: [Name] = []
        var firsts: [(key: UInt64, name: Int32)] = []
        keys.reserveCapacity(4 * entities.count)
        names.reserveCapacity(2 * entities.count)
        firsts.reserveCapacity(2 * entities.count)
        // Per token: -2, taken (by an entity, a NONE span or a name found here); -1, free; n ≥ 0,
        // held by entity n, a one-word match of a built-in list that a person's name may
        // displace (`isDisplaceable`). One table for both: a token found taken is never asked
        // whether it is displaceable.
        var state = [Int32](repeating: -1, count: tokens.count)
        for e in document.suppressed {
            for k in Int(e.tokens.lowerBound)..<Int(e.tokens.upperBound) { state[k] = -2 }
        }
        // Whether a token is in an excluded list on its own: asked for a few tokens a document,
        // by binary search in the lookups (sorted by first token), not by a pass over them all.
        let excludedLists = excludedLists
        func excludedSingle(_ token: Int32) -> Bool {
            var k = lookups.partitioningIndex { $0.tokens.lowerBound >= token }
            while k < lookups.count, lookups[k].tokens.lowerBound == token {
                let l = lookups[k]
                k += 1
                if l.tokens.count == 1 && l.list < 64 && excludedLists & (1 << UInt64(l.list)) != 0 { return true }
            }
            return false
        }
        entities.withUnsafeBufferPointer { entities in
            for n in entities.indices {
                let e = entities.baseAddress! + n
                let first = Int(e.pointee.tokens.lowerBound), end = Int(e.pointee.tokens.upperBound)
                let count = end - first
                let type = FeatureExtractor.typeIndex(e.pointee.type)
                let kind = ConflictResolution.sourceKind(e.pointee.source)
                if Self.isDisplaceable(count: count, precedence: e.pointee.precedence, type: type, kind: kind, id: e.pointee.id) {
                    if state[first] != -2 { state[first] = Int32(n) }
                } else {
                    for k in first..<end { state[k] = -2 }
                }
                guard type != FeatureExtractor.otherIndex || !FeatureExtractor.isRange(e.pointee.type) else { continue }
                // A name with a digit in it (كي تي إم 40د, a results line read as a person) is a
                // mistake of whatever found it: spreading it would repeat the mistake.
                // Normalization has folded Arabic-Indic and Eastern digits to ASCII.
                if (first..<end).contains(where: { k in
                    normalized[Int(tokens[k].normStart)..<Int(tokens[k].normEnd)].contains { (0x30...0x39).contains($0) }
                }) { continue }
                // The model's one-word person or place is a guess from a window of words (التعايش،
                // إيبوبروفين): spread, one wrong guess becomes a dozen. Its organizations (دانون) and its
                // longer names, which the lists and rules mostly back, still spread.
                if count == 1, type != FeatureExtractor.organizationIndex, kind == .model { continue }
                // A one-word name that is also an ordinary word or a given name (علي, which news
                // also writes for على) is not spread through the document. (Asked second: the
                // lookups' search costs more.)
                if count == 1, excludedSingle(Int32(first)) { continue }
                // The first key is the reading the mention was found in (its proclitic outside).
                let prefix = e.pointee.start - tokens[first].start
                let keyStart = keys.count
                keys.append(prefix == 0 ? tokens[first].hash
                            : analyses[Int(tokens[first].firstAnalysis)..<Int(tokens[first].firstAnalysis + tokens[first].analysisCount)]
                                .first { $0.prefixLength == prefix }?.hash ?? tokens[first].hash)
                for k in (first + 1)..<end { keys.append(tokens[k].hash) }
                firsts.append((keys[keyStart], Int32(names.count)))
                names.append(Name(keyStart: Int32(keyStart), keyCount: Int32(keys.count - keyStart), origin: Int32(n), type: type))
                let last = end - 1
                if type == FeatureExtractor.personIndex, keys.count - keyStart >= 2, tokens[last].kind == .word,
                   tokens[last].normEnd - tokens[last].normStart >= 3, !excludedSingle(Int32(last)) {
                    firsts.append((tokens[last].hash, Int32(names.count)))
                    names.append(Name(keyStart: Int32(keys.count), keyCount: 1, origin: Int32(n), type: type))
                    keys.append(tokens[last].hash)
                }
            }
        }
        // Most tokens begin no known name: a 1024-bit filter over first keys answers them before
        // the dictionary (whose hashing would cost more than everything else here).
        var filter = [UInt64](repeating: 0, count: 16)
        for f in firsts { filter[Int(f.key >> 60)] |= 1 << ((f.key >> 54) & 63) }
        // By key, and in the order the names were found within a key: the first of the longest wins.
        firsts.sort { ($0.key, $0.name) < ($1.key, $1.name) }
        @inline(__always) func mayBegin(_ h: UInt64) -> Bool { filter.withUnsafeBufferPointer { Self.mayBegin(h, $0) } }
        // The next token from `i` on that is free, a word, and may begin a name in the whole token
        // or in one of its readings, by the filter (`tokens.count`: none). Most tokens begin no
        // known name: this loop, on the arrays' storage without bounds checks, is what they cost.
        func nextStart(from i: Int) -> Int {
            tokens.withUnsafeBufferPointer { tokens in
                analyses.withUnsafeBufferPointer { analyses in
                    state.withUnsafeBufferPointer { state in
                        filter.withUnsafeBufferPointer { filter in
                            for k in i..<tokens.count where state[k] != -2 && tokens[k].kind == .word {
                                if Self.mayBegin(tokens[k].hash, filter) { return k }
                                let readings = Int(tokens[k].firstAnalysis)..<Int(tokens[k].firstAnalysis + tokens[k].analysisCount)
                                for r in readings where Self.mayBegin(analyses[r].hash, filter) { return k }
                            }
                            return tokens.count
                        }
                    }
                }
            }
        }
        // A name over a displaceable token must be a person's, and must not be that token's
        // own entity spreading.
        @inline(__always) func fits(_ name: Name, _ k: Int) -> Bool {
            state[k] < 0 || (name.type == FeatureExtractor.personIndex && state[k] != name.origin)
        }
        // The longest name that begins at token `i` (an index into `names`, -1: none), and the
        // prefix of the reading it begins in. Out of line: the scan below stays a tight loop.
        @inline(never) func longestName(at i: Int) -> (name: Int, prefix: Int32) {
            var best = -1, bestPrefix: Int32 = 0
            let t = tokens[i]
            // The whole token, then its proclitic readings.
            for r in -1..<Int(t.analysisCount) {
                let (hash, prefix) = r < 0 ? (t.hash, Int32(0))
                    : (analyses[Int(t.firstAnalysis) + r].hash, analyses[Int(t.firstAnalysis) + r].prefixLength)
                guard mayBegin(hash) else { continue }
                var j = firsts.partitioningIndex { $0.key >= hash }
                while j < firsts.count, firsts[j].key == hash {
                    let index = Int(firsts[j].name), name = names[index]
                    j += 1
                    guard best < 0 || name.keyCount > names[best].keyCount else { continue }
                    let count = Int(name.keyCount), from = Int(name.keyStart)
                    let end = i + count
                    guard end <= tokens.count, tokens[end - 1].sentence == t.sentence, fits(name, i) else { continue }
                    var ok = true
                    for k in 1..<count where state[i + k] == -2 || tokens[i + k].hash != keys[from + k] || !fits(name, i + k) {
                        ok = false; break
                    }
                    if ok { best = index; bestPrefix = prefix }
                }
                if best >= 0 { break }
            }
            return (best, bestPrefix)
        }
        var found: [Entity] = []
        var displaced: Set<Int> = []
        var i = nextStart(from: 0)
        while i < tokens.count {
            let longest = longestName(at: i)
            var best = longest.name
            let t = tokens[i]
            // A place's name with nunation (إسبانياً after إسبانيا) is an adjective or an adverb: as in
            // conflict resolution, it is no name.
            if best >= 0, names[best].type == FeatureExtractor.locationIndex,
               ConflictResolution.endsInTanween(document, tokens[i + Int(names[best].keyCount) - 1]) {
                best = -1
            }
            guard best >= 0 else { i = nextStart(from: i + 1); continue }
            let end = i + Int(names[best].keyCount)
            let mention = entities[Int(names[best].origin)]
            let origin = "propagation:" + document.text(of: mention) + "@" + String(document.codePointOffset(mention.start))
            var e = Entity(type: mention.type, start: t.start + longest.prefix, end: tokens[end - 1].end,
                           tokens: Int32(i)..<Int32(end), source: origin)
            e.id = mention.id
            found.append(e)
            for k in i..<end {
                if state[k] >= 0 { displaced.insert(Int(state[k])) }
                state[k] = -2
            }
            i = nextStart(from: end)
        }
        if !found.isEmpty {
            if !displaced.isEmpty {
                document.entities = document.entities.enumerated().filter { !displaced.contains($0.offset) }.map(\.element)
            }
            document.entities.append(contentsOf: found)
            document.entities.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        }
    }

    /// Whether a name may begin with the key `h`, by the 1024-bit filter over first keys.
    @inline(__always) static func mayBegin(_ h: UInt64, _ filter: UnsafeBufferPointer<UInt64>) -> Bool {
        filter[Int(h >> 60)] & (1 << ((h >> 54) & 63)) != 0
    }

    /// A one-word match of a built-in place or organization list, not a country: the kind of
    /// entity a person's name found elsewhere in the article may take over.
    static func isDisplaceable(_ e: Entity) -> Bool {
        isDisplaceable(count: e.tokens.count, precedence: e.precedence, type: FeatureExtractor.typeIndex(e.type),
                       kind: ConflictResolution.sourceKind(e.source), id: e.id)
    }

    /// The same from the entity's fields, its type as `FeatureExtractor.typeIndex` and its source's
    /// kind read once: the id, a string, is read only for the few entities that pass the rest.
    @inline(__always) static func isDisplaceable(count: Int, precedence: Int, type: Int32, kind: ConflictResolution.SourceKind,
                                                 id: String?) -> Bool {
        count == 1 && precedence == 0 && (type == FeatureExtractor.locationIndex || type == FeatureExtractor.organizationIndex) && kind == .gazetteer
            && !(id.map { startsWith($0, "country:") || startsWith($0, "region:") } ?? false)
    }

    /// Whether `s` starts with the ASCII bytes of `prefix` (`ConflictResolution.hasPrefix`).
    @inline(__always) static func startsWith(_ s: String, _ prefix: StaticString) -> Bool {
        var s = s
        return s.withUTF8 { ConflictResolution.hasPrefix($0, prefix) }
    }
}
