// The last stage: candidates from every source overlap; pick a consistent set.

/// Resolves overlapping candidates: the higher precedence wins (a user's own list entry beats any
/// built-in guess it overlaps), then the longer span, then the higher priority, then the source
/// (see `sourceRank`), then the earlier start. Gazetteers/README.md has the whole table. Greedy, as spaCy's EntityRuler does it.
/// A winning NONE span (an event's name, say) keeps what it covers free of entities and is
/// itself left out.
///
/// With the learned labeller's candidates (`model:…`), candidates come in tiers first (README's
/// conflict table): NONE spans, numeric ranges, high-priority rules and user lists (`--gazetteer`)
/// beat the model. A shipped-list or low-priority-rule candidate that overlaps a model candidate
/// of its own type agrees with it on the name, and its boundaries (written to ANNOTATION.md,
/// where the model learned partly from ANERcorp's) win; one that no model candidate of its type
/// overlaps is dropped: the model read it as a feature and said no. The model decides the types
/// in `modelTypes`; for the others its candidates only fill gaps, except that an organization of
/// the lists or rules holding a model place whole outranks it (`orgContainsModel`), and a one-word
/// organization of a low-priority list needs the model's agreement (`weakListPriority`), and a curated
/// list's organization of several words outranks the model's persons inside it (`listedOrgsHoldModel`).
public struct ConflictResolution: Stage {
    public let name = "conflict-resolution"
    public let requires: Set<Capability> = [.tokens]
    public let provides: Set<Capability> = [.entities]

    /// Rules of at least this priority beat the model.
    public var highPriority: Int
    /// Lower-tier PER/ORG/LOC candidates are dropped when the model ran (it saw them and said no).
    public var modelVetoes: Bool

    /// Lists of at least this priority beat the model (user lists load with 30, the shipped ones 10 or 20).
    public var listPriority: Int
    /// The types the model decides; for the others its candidates only fill gaps the rules and lists leave.
    public var modelTypes: Set<EntityType>

    /// A one-word candidate of another type (an organization) from a list below this priority
    /// (the shipped lists derived from a corpus, 10; the curated ones are 20) needs a model
    /// candidate over it.
    public var weakListPriority: Int

    /// Whether a list's or rule's candidate of a type the model does not decide (an organization)
    /// that holds the model's places whole and more outranks them.
    public var orgContainsModel: Bool

    /// Whether a curated list's organization of two words or more outranks the model's persons that
    /// lie within it (a known name: `كريستال بالاس`, not a person).
    public var listedOrgsHoldModel: Bool

    /// The types where a lower-tier candidate overlapping a model candidate of its type sets the
    /// boundaries (places: the lists and rules know ANNOTATION.md's site nouns and direction words).
    public var boundaryTypes: Set<EntityType>

    /// A lower-tier place of at least this many tokens that no model candidate of any type
    /// overlaps is kept rather than vetoed (0: never kept). The veto is for one-word names that are
    /// also ordinary words (سعيد، سيول); a named site the rules or lists spell out whole
    /// (`سجن صيدنايا`، `صحراء الربع الخالي`) is rarely anything else, and the model, which labels
    /// from a window of a few words, misses such names more often than it rejects them.
    public var uncontestedPlaceTokens: Int

    /// The same for a person a list names in this many tokens or more (ابن سينا، ألبرت أينشتاين):
    /// a known full name is rarely anything else, and the model misses it where the context is
    /// unlike news (وابن سينا وابن رشد in a list of philosophers). 0: never kept.
    public var uncontestedListPersonTokens: Int

    /// Lists of words that are never a name on their own (`COMMON`, site nouns, designators): a
    /// one-word model candidate on such a word (اليورو، نهر، الوزارة) is dropped, unless a name
    /// list (an entity list or `GIVEN_NAME`) also holds the word (مرسي, سهل).
    public var wordLists: [Int32]
    public var givenNameList: Int32?
    /// The list id of `LOC_DESIGNATOR`: a model place that starts with a designator (حي الزهور)
    /// starts after it, as `ANNOTATION.md` keeps administrative designators outside.
    public var designatorList: Int32?
    /// The list id of `ORG_DESIGNATOR`: a model organization that starts with a designator read
    /// behind a proclitic (بمنطقة الأمن الوطني) starts after the proclitic.
    public var orgDesignatorList: Int32?

    public init(highPriority: Int = 60, listPriority: Int = 30, modelTypes: Set<EntityType> = [.person, .location],
                modelVetoes: Bool = true, boundaryTypes: Set<EntityType> = [.location], uncontestedPlaceTokens: Int = 2,
                uncontestedListPersonTokens: Int = 2, weakListPriority: Int = 20, orgContainsModel: Bool = true,
                listedOrgsHoldModel: Bool = true, wordLists: [Int32] = [], givenNameList: Int32? = nil, designatorList: Int32? = nil,
                orgDesignatorList: Int32? = nil) {
        self.orgDesignatorList = orgDesignatorList
        self.weakListPriority = weakListPriority
        self.orgContainsModel = orgContainsModel
        self.listedOrgsHoldModel = listedOrgsHoldModel
        self.wordLists = wordLists
        self.designatorList = designatorList
        self.givenNameList = givenNameList
        self.uncontestedPlaceTokens = uncontestedPlaceTokens
        self.uncontestedListPersonTokens = uncontestedListPersonTokens
        self.highPriority = highPriority
        self.listPriority = listPriority
        self.modelTypes = modelTypes
        self.modelVetoes = modelVetoes
        self.boundaryTypes = boundaryTypes
    }

    /// 3: beats the model; 1: the model; 0: below the model; -1: the model outside its types.
    /// (2: a lower-tier candidate that agrees with the model, see `process`.)
    public func tier(_ c: Entity) -> Int {
        tier(source: Self.sourceKind(c.source), type: c.type, precedence: c.precedence, priority: c.priority,
             modelDecides: modelTypes.contains(c.type))
    }

    /// `tier(_:)` from the candidate's fields: `process` reads them in place, where passing the
    /// entity copied it (four reference counts), and knows its source's kind already.
    @inline(__always) func tier(source: SourceKind, type: EntityType, precedence: Int, priority: Int,
                                modelDecides: @autoclosure () -> Bool) -> Int {
        if source == .model { return modelDecides() ? 1 : -1 }
        if FeatureExtractor.isSuppressed(type) || FeatureExtractor.isRange(type) || precedence > 0 { return 3 }
        if source == .rule { return priority >= highPriority ? 3 : 0 }
        if source == .gazetteer { return priority >= listPriority ? 3 : 0 }
        return 0
    }

    enum SourceKind { case rule, gazetteer, propagation, model, other }

    /// What kind of source made a candidate, from its name's ASCII prefix.
    @inline(__always) static func sourceKind(_ source: String) -> SourceKind {
        var source = source
        return source.withUTF8 { u in
            func starts(_ p: StaticString) -> Bool {
                let n = p.utf8CodeUnitCount, q = p.utf8Start
                guard n <= u.count else { return false }
                for k in 0..<n where u[k] != q[k] { return false }
                return true
            }
            if starts("rule:") { return .rule }
            if starts("gazetteer:") { return .gazetteer }
            if starts("propagation:") { return .propagation }
            if starts("model:") { return .model }
            return .other
        }
    }

    /// Among equals, a rule outranks a gazetteer entry, which outranks a stage's own guess.
    package static func sourceRank(_ source: String) -> Int { sourceRank(sourceKind(source)) }

    @inline(__always) static func sourceRank(_ kind: SourceKind) -> Int {
        switch kind {
        case .rule: 3
        case .gazetteer: 2
        case .propagation: 0
        // The learned stage (`model:NAME`) ranks with numeric ranges and other stages' guesses:
        // its place in the conflict table comes from its tier, not from this rank.
        case .model, .other: 1
        }
    }

    public func process(_ document: Document) throws {
        // Indices, not entities, move through the sort and the selection: an entity holds four
        // strings, and copying one costs four reference counts.
        var candidates = document.candidates
        // A word with nunation (إسبانياً، كاتالانياً) is indefinite: an adjective or a common noun, never
        // a place's name, though normalization, which drops the harakat, reads it as one (إسبانيا).
        if candidates.contains(where: { $0.type == .location && $0.precedence == 0 && Self.endsInTanween(document, $0) }) {
            candidates.removeAll { $0.type == .location && $0.precedence == 0 && Self.endsInTanween(document, $0) }
        }
        let withModel = document.provided.contains(.modelCandidates)
        // Each candidate's source read once: the model's repairs, the tier and the rank below
        // all ask for it.
        var kinds = candidates.indices.map { Self.sourceKind(candidates[$0].source) }
        if withModel, !wordLists.isEmpty { repairModelCandidates(&candidates, kinds: &kinds, document) }
        var tiers = [Int](repeating: 0, count: candidates.count)
        var active: [Int]? = nil
        // Vetoed candidates inside a model organization; taken after the others where still free.
        var reserve: [Int] = []
        if withModel {
            // The model's types as bits (PER 1, ORG 2, LOC 4); a type of the user's own has no bit
            // and is looked up in the set.
            let modelBits = modelTypes.reduce(UInt8(0)) { $0 | Self.bit($1) }
            let boundaryBits = boundaryTypes.reduce(UInt8(0)) { $0 | Self.bit($1) }
            // Locals, not `self`: a closure that captured `self` copied the stage (its sets and
            // arrays, a reference count each) at every call.
            let modelTypes = modelTypes, boundaryTypes = boundaryTypes
            @inline(__always) func decides(_ t: EntityType) -> Bool {
                let b = Self.bit(t)
                return b != 0 ? modelBits & b != 0 : modelTypes.contains(t)
            }
            // Whether the model decides each candidate's type, asked once: the type is a string, and
            // the question compares it.
            var decided = [Bool](repeating: false, count: candidates.count)
            for i in candidates.indices {
                let d = decides(candidates[i].type)
                decided[i] = d
                tiers[i] = tier(source: kinds[i], type: candidates[i].type, precedence: candidates[i].precedence,
                                priority: candidates[i].priority, modelDecides: d)
            }
            // The model's type at each token (bit per type: PER 1, ORG 2, LOC 4).
            var modelAt = [UInt8](repeating: 0, count: document.tokens.count)
            var exact: [(type: EntityType, start: Int32, end: Int32)] = []
            exact.reserveCapacity(candidates.count)
            var modelPlaces: [Range<Int32>] = []
            // The model's persons, for a listed organization of several words that holds them
            // (`listedOrgsHoldModel`).
            var modelPersons: [Range<Int32>] = []
            // The model's places that start with a site noun (مسجد محمد علي, made from the person it
            // read after the noun; مطار باريس أورلي): a shorter list or rule place inside one read a
            // given name or a city as the whole name (مسجد محمد، باريس), and does not set the
            // boundaries.
            var sites: [Range<Int32>] = []
            // Tokens the model read inside a name of a type it does not decide (an organization):
            // there its "no" to a list's or rule's place means "part of that organization", and
            // when the organization loses to a rule or a list, the place is free again (`جامعة
            // كولومبيا في نيويورك`: the rule's ORG `جامعة كولومبيا` wins, `نيويورك` is a place).
            var otherAt: [Bool]? = nil
            for i in candidates.indices where tiers[i] == -1 {
                if otherAt == nil { otherAt = [Bool](repeating: false, count: document.tokens.count) }
                for k in candidates[i].tokens { otherAt![Int(k)] = true }
            }
            for i in candidates.indices where tiers[i] == 1 {
                let b = Self.bit(candidates[i].type)
                for k in candidates[i].tokens { modelAt[Int(k)] |= b }
                exact.append((candidates[i].type, candidates[i].start, candidates[i].end))
                if candidates[i].type == .location { modelPlaces.append(candidates[i].tokens) }
                if candidates[i].type == .person { modelPersons.append(candidates[i].tokens) }
                if candidates[i].type == .location, candidates[i].tokens.count > 1,
                   Labeller.siteNounPrefix(document, token: Int(candidates[i].tokens.lowerBound)) != nil {
                    sites.append(candidates[i].tokens)
                }
            }
            // A NONE span says nothing inside it is a name, not that nothing around it is: a list's
            // or rule's name that holds it whole and more (`وزارة الداخلية السعودية` around the
            // adjective `السعودية`, an organization named after its festival) ranks with it, so
            // that the longer span wins as it does without the model.
            // (NONE spans and ranges are of tier 3 themselves, so `tiers[j] < 3` leaves them out
            // without comparing types, which are strings.)
            for i in candidates.indices where tiers[i] == 3 && FeatureExtractor.isSuppressed(candidates[i].type) {
                let t = candidates[i].tokens
                for j in candidates.indices where tiers[j] < 3 && (kinds[j] == .rule || kinds[j] == .gazetteer) {
                    let u = candidates[j].tokens
                    if u.lowerBound <= t.lowerBound, u.upperBound >= t.upperBound, u.count > t.count { tiers[j] = 3 }
                }
            }
            var keep: [Int] = []
            keep.reserveCapacity(candidates.count)
            for i in candidates.indices {
                // A one-word name of a type the model does not decide, from a low-priority list
                // (the lists derived from ANERcorp train: الراية، الفجر، الديار، ريال, a paper,
                // a channel or a currency there, ordinary words in most text), stands only where
                // the model also reads a name of that type.
                if tiers[i] == 0, !decided[i], candidates[i].tokens.count == 1,
                   candidates[i].priority < weakListPriority, kinds[i] == .gazetteer,
                   !(otherAt?[Int(candidates[i].tokens.lowerBound)] ?? false) {
                    continue
                }
                // Nested names are flat, the longest wins (ANNOTATION.md): a list's or rule's
                // organization that holds the model's place whole and more (بورصة لندن، شرطة دبي،
                // منتخب هولندا) is the name, the place only a part of it. Not a person: a rule's
                // organization that runs on into the name after it (اتحاد الشغل الطبوبي) is the
                // rule's mistake more often than a body named after someone.
                if tiers[i] == 0, !decided[i], orgContainsModel, Self.holds(candidates[i].tokens, modelPlaces, shorter: true) {
                    tiers[i] = 2
                }
                // A curated list's organization of two words or more is a known name: where the model
                // read a person inside it or over exactly its words (`كريستال بالاس`، `ديلي ميل`،
                // `مؤسسة روجر فيدرر`), the list's name wins. Not a place over the same words: a
                // building that names its institution is a place where the model says so (`زار
                // البيت الأبيض`); nor the lists derived from a corpus (below `weakListPriority`), nor
                // a rule's guess.
                if tiers[i] == 0, !decided[i], listedOrgsHoldModel, kinds[i] == .gazetteer,
                   candidates[i].priority >= weakListPriority, candidates[i].tokens.count >= 2,
                   Self.holds(candidates[i].tokens, modelPersons, shorter: false) {
                    tiers[i] = 2
                }
                guard tiers[i] == 0, decided[i] else { keep.append(i); continue }
                // The candidate's fields, not the candidate: a copy of an entity costs four
                // reference counts.
                let type = candidates[i].type, tokens = candidates[i].tokens, start = candidates[i].start, end = candidates[i].end
                let b = Self.bit(type)
                let agrees = tokens.contains { modelAt[Int($0)] & b != 0 }
                if agrees && (boundaryBits & b != 0 || b == 0 && boundaryTypes.contains(type)),
                   !sites.contains(where: { $0.lowerBound <= tokens.lowerBound && $0.upperBound >= tokens.upperBound && $0.count > tokens.count }) {
                    tiers[i] = 2
                }
                if agrees || !modelVetoes || exact.contains(where: { $0.start == start && $0.end == end && $0.type == type }) {
                    keep.append(i)
                    continue
                }
                if type == .location, uncontestedPlaceTokens > 0, tokens.count >= uncontestedPlaceTokens,
                   !tokens.contains(where: { modelAt[Int($0)] != 0 }) {
                    keep.append(i)
                } else if type == .person, uncontestedListPersonTokens > 0, tokens.count >= uncontestedListPersonTokens,
                          kinds[i] == .gazetteer, !tokens.contains(where: { modelAt[Int($0)] != 0 }) {
                    keep.append(i)
                } else if type == .location, let otherAt, tokens.allSatisfy({ otherAt[Int($0)] && modelAt[Int($0)] == 0 }) {
                    reserve.append(i)
                }
            }
            // The candidates left, by index: copying them into a new array cost four reference
            // counts an entity, and as many again to free the old one.
            if keep.count < candidates.count { active = keep }
        }
        // The sort reads plain keys: reading an entity copies it, four reference counts.
        struct Key { var precedence: Int; var tier: Int; var length: Int32; var priority: Int; var rank: Int; var start: Int32 }
        var keys: [Key] = []
        keys.reserveCapacity(candidates.count)
        for i in candidates.indices {
            keys.append(Key(precedence: Int(candidates[i].precedence), tier: tiers[i], length: candidates[i].length,
                            priority: candidates[i].priority,
                            rank: ConflictResolution.sourceRank(kinds[i]), start: candidates[i].start))
        }
        @inline(__always) func before(_ a: Key, _ b: Key) -> Bool {
            if a.precedence != b.precedence { return a.precedence > b.precedence }
            if a.tier != b.tier { return a.tier > b.tier }
            if a.length != b.length { return a.length > b.length }
            if a.priority != b.priority { return a.priority > b.priority }
            if a.rank != b.rank { return a.rank > b.rank }
            return a.start < b.start
        }
        let order = keys.withUnsafeBufferPointer { keys in
            (active ?? Array(candidates.indices)).sorted { before(keys[$0], keys[$1]) }
        }
        var taken: [Int] = []
        taken.reserveCapacity(order.count)
        var adoptedID: [Int: String] = [:]
        var beaten: [Int: [Entity]] = [:]
        // Which winner holds each token: overlap checks cost the candidate's length, not the
        // number of winners.
        var owner = [Int32](repeating: -1, count: document.tokens.count)
        for c in order {
            // Fields, not copies of the entities (four reference counts each).
            let range = Int(candidates[c].tokens.lowerBound)..<Int(candidates[c].tokens.upperBound)
            if let held = range.first(where: { owner[$0] >= 0 }) {
                let w = taken[Int(owner[held])]
                if document.recordsResolutions { beaten[w, default: []].append(candidates[c]) }
                // A rule and a list that agree on a name: the entity keeps the list's canonical id.
                if candidates[w].id == nil, adoptedID[w] == nil, let id = candidates[c].id, candidates[w].start == candidates[c].start,
                   candidates[w].end == candidates[c].end, candidates[w].type == candidates[c].type {
                    adoptedID[w] = id
                }
                continue
            }
            for k in range { owner[k] = Int32(taken.count) }
            taken.append(c)
        }
        // In the same order as the others.
        for c in reserve.sorted(by: { before(keys[$0], keys[$1]) }) {
            let range = Int(candidates[c].tokens.lowerBound)..<Int(candidates[c].tokens.upperBound)
            // Not right next to a winner: a city after a club (أجاكس أمستردام) is the club's own name
            // that a shorter list entry cut.
            guard !range.contains(where: { owner[$0] >= 0 }), range.lowerBound == 0 || owner[range.lowerBound - 1] < 0,
                  range.upperBound == owner.count || owner[range.upperBound] < 0 else { continue }
            for k in range { owner[k] = Int32(taken.count) }
            taken.append(c)
        }
        var winners = taken.map { candidates[$0] }
        for (k, c) in taken.enumerated() where adoptedID[c] != nil { winners[k].id = adoptedID[c] }
        if document.recordsResolutions {
            document.resolutions = zip(taken, winners).map { Resolution(winner: $1, beaten: beaten[$0] ?? []) }
        }
        // The winners become the entities in place: `filter` and `sorted` each copied every
        // entity (four reference counts, and as many to free the copy). A NONE span is rare;
        // `removeAll(where:)` keeps the order of the others, and `sort` is `sorted`'s own sort.
        if winners.contains(where: { FeatureExtractor.isSuppressed($0.type) }) {
            document.suppressed = winners.filter { $0.type == .suppressed }
            winners.removeAll { $0.type == .suppressed }
        } else {
            document.suppressed = []
        }
        winners.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        document.entities = winners
    }


    /// Whether every span of `spans` that overlaps `t`, and at least one, lies inside it (and is
    /// shorter, with `shorter`). A loop: `filter` made an array for each candidate it asked about.
    @inline(__always) static func holds(_ t: Range<Int32>, _ spans: [Range<Int32>], shorter: Bool) -> Bool {
        var overlaps = false
        for p in spans where p.overlaps(t) {
            if p.lowerBound < t.lowerBound || p.upperBound > t.upperBound || shorter && p.count >= t.count { return false }
            overlaps = true
        }
        return overlaps
    }

    /// The model's candidates against the words that cannot be names: a one-word guess on a
    /// `COMMON`, site-noun or designator word is dropped (unless a name list holds the word too),
    /// a place starts after an administrative designator (حي الزهور → الزهور), and an
    /// organization after the proclitic before its designator (لمنطقة → منطقة). The lists and
    /// rules make none of these; the model, reading tokens, does.
    /// `kinds`: each candidate's `sourceKind`, kept in step with `candidates`.
    private func repairModelCandidates(_ candidates: inout [Entity], kinds: inout [SourceKind], _ document: Document) {
        // Per token: 1, a word of those lists; 2, a name's word; 4, an administrative designator.
        // Each list id's bits come from one table: a document has two or three lookups a token.
        var bitsOf = [UInt8](repeating: 0, count: 64)
        for l in wordLists where l >= 0 && l < 64 { bitsOf[Int(l)] |= 1 }
        if let d = designatorList, d >= 0, d < 64 { bitsOf[Int(d)] |= 4 }
        for l in 0..<min(Gazetteer.entityTypes.count, 64) where bitsOf[l] == 0 { bitsOf[l] = 2 }
        if let g = givenNameList, g >= 0, g < 64, bitsOf[Int(g)] == 0 { bitsOf[Int(g)] = 2 }
        // Only the first token of a model candidate is asked about: its lookups are found by
        // binary search (the lookups are sorted by first token), where a pass over every lookup
        // of the document (two or three a token) cost 86 instructions a token for a few model
        // candidates. `bits`: the or of the bits of the one-word lookups there; `proclitic`: the
        // prefix of the last designator among them read behind a proclitic (0: none).
        let lookups = document.lookups
        let designatorList = designatorList, orgDesignatorList = orgDesignatorList
        func reading(_ token: Int) -> (bits: UInt8, proclitic: Int32) {
            var bits: UInt8 = 0, proclitic: Int32 = 0
            var k = lookups.partitioningIndex { Int($0.tokens.lowerBound) >= token }
            while k < lookups.count, Int(lookups[k].tokens.lowerBound) == token {
                let l = lookups[k]
                k += 1
                guard l.list >= 0, l.list < 64, l.tokens.count == 1 else { continue }
                let b = bitsOf[Int(l.list)]
                guard b != 0 else { continue }
                bits |= b
                if l.prefixLength > 0, l.list == designatorList || l.list == orgDesignatorList { proclitic = l.prefixLength }
            }
            return (bits, proclitic)
        }
        // By index, not `removeAll(where:)`, which moves every element even when it removes none
        // and copies each entity it asks about (four reference counts); a drop is rare.
        func dropped(_ i: Int) -> Bool {
            kinds[i] == .model && candidates[i].tokens.count == 1 && reading(Int(candidates[i].tokens.lowerBound)).bits & 3 == 1
        }
        for i in candidates.indices.reversed() where dropped(i) {
            candidates.remove(at: i)
            kinds.remove(at: i)
        }
        for i in candidates.indices where kinds[i] == .model && candidates[i].tokens.count >= 2 && candidates[i].type == .location {
            let first = Int(candidates[i].tokens.lowerBound)
            guard reading(first).bits & 6 == 4 else { continue }
            candidates[i].tokens = Int32(first + 1)..<candidates[i].tokens.upperBound
            candidates[i].start = document.tokens[first + 1].start
        }
        // ANNOTATION.md: proclitics are outside (لمنطقة → منطقة; للمنظمة reads ل + المنظمة,
        // no designator behind the ل, and keeps لمنظمة as the convention has it).
        for i in candidates.indices where kinds[i] == .model && candidates[i].tokens.count >= 2 && candidates[i].type == .organization {
            let first = Int(candidates[i].tokens.lowerBound)
            guard candidates[i].start == document.tokens[first].start else { continue }
            let p = reading(first).proclitic
            guard p > 0 else { continue }
            candidates[i].start += p
        }
    }

    /// Whether the candidate's last word ends in a tanween (ً ٌ ٍ), alone or before a final alef.
    static func endsInTanween(_ document: Document, _ c: Entity) -> Bool {
        guard !c.tokens.isEmpty else { return false }
        return endsInTanween(document, document.tokens[Int(c.tokens.upperBound) - 1])
    }

    /// Whether the token ends in a tanween (ً ٌ ٍ), alone or before a final alef.
    static func endsInTanween(_ document: Document, _ t: Token) -> Bool {
        var k = Int(t.end) - 1
        let u = document.utf16
        guard k >= Int(t.start) else { return false }
        if u[k] == 0x0627, k > Int(t.start) { k -= 1 }
        return (0x064B...0x064D).contains(u[k])
    }

    /// PER 1, ORG 2, LOC 4, any other type 0 (`FeatureExtractor.typeIndex`, without a string
    /// comparison for most types).
    @inline(__always) static func bit(_ t: EntityType) -> UInt8 {
        let i = FeatureExtractor.typeIndex(t)
        return i < 3 ? 1 << UInt8(i) : 0
    }
}
