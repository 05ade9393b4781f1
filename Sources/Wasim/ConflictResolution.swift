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
/// organization of a low-priority list needs the model's agreement (`weakListPriority`), a curated
/// list's organization of several words outranks the model's persons inside it (`listedOrgsHoldModel`),
/// the model's organization outranks the shorter ones of the lists and rules inside it
/// (`modelOrgsHoldOthers`), and the model's place keeps its boundaries against one shorter place
/// inside it (`modelPlacesHoldOthers`).
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

    /// Whether the model's organization outranks the lower-tier lists' and rules' organizations
    /// that lie within it and are shorter (`مؤسسة السجون والإصلاح` over the rule's `مؤسسة السجون`).
    public var modelOrgsHoldOthers: Bool

    /// Whether the model's place of several words keeps its boundaries against a shorter list's or
    /// rule's place inside it (`holdsOneName`), where the lists and rules otherwise set them.
    public var modelPlacesHoldOthers: Bool

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
    /// Whether spans that hold two names or run on past one are repaired first (`reshape`).
    public var reshapes = true

    public init(highPriority: Int = 60, listPriority: Int = 30, modelTypes: Set<EntityType> = [.person, .location],
                modelVetoes: Bool = true, boundaryTypes: Set<EntityType> = [.location], uncontestedPlaceTokens: Int = 2,
                uncontestedListPersonTokens: Int = 2, weakListPriority: Int = 20, orgContainsModel: Bool = true,
                listedOrgsHoldModel: Bool = true, modelOrgsHoldOthers: Bool = true,
                modelPlacesHoldOthers: Bool = true, wordLists: [Int32] = [], givenNameList: Int32? = nil, designatorList: Int32? = nil,
                orgDesignatorList: Int32? = nil) {
        self.orgDesignatorList = orgDesignatorList
        self.weakListPriority = weakListPriority
        self.orgContainsModel = orgContainsModel
        self.listedOrgsHoldModel = listedOrgsHoldModel
        self.modelOrgsHoldOthers = modelOrgsHoldOthers
        self.modelPlacesHoldOthers = modelPlacesHoldOthers
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
        tier(source: Self.sourceKind(c.source),
             special: FeatureExtractor.isSuppressed(c.type) || FeatureExtractor.isRange(c.type),
             precedence: c.precedence, priority: c.priority, modelDecides: modelTypes.contains(c.type))
    }

    /// `tier(_:)` from the candidate's facts: `process` has read them once (`Facts`), and knows
    /// whether the type is a NONE span or a range (`special`) without comparing strings.
    @inline(__always) func tier(source: SourceKind, special: Bool, precedence: Int, priority: Int,
                                modelDecides: @autoclosure () -> Bool) -> Int {
        if source == .model { return modelDecides() ? 1 : -1 }
        if special || precedence > 0 { return 3 }
        if source == .rule { return priority >= highPriority ? 3 : 0 }
        if source == .gazetteer { return priority >= listPriority ? 3 : 0 }
        return 0
    }

    enum SourceKind { case rule, gazetteer, propagation, model, other }

    /// Whether UTF-8 bytes start with the ASCII bytes of `prefix`, compared as bytes: `hasPrefix`
    /// on a `String` compares characters (190 instructions a call on a source or id with Arabic in
    /// it), and `utf8.starts(with:)` walks an iterator (400).
    @inline(__always) static func hasPrefix(_ u: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount, p = prefix.utf8Start
        guard n <= u.count else { return false }
        for k in 0..<n where u[k] != p[k] { return false }
        return true
    }

    /// What kind of source made a candidate, from its name's ASCII prefix.
    @inline(__always) static func sourceKind(_ source: String) -> SourceKind {
        var source = source
        return source.withUTF8 { u in
            @inline(__always) func starts(_ p: StaticString) -> Bool { hasPrefix(u, p) }
            // The first byte picks the one prefix worth comparing.
            switch u.first {
            case UInt8(ascii: "r"): return starts("rule:") ? .rule : .other
            case UInt8(ascii: "g"): return starts("gazetteer:") ? .gazetteer : .other
            case UInt8(ascii: "p"): return starts("propagation:") ? .propagation : .other
            case UInt8(ascii: "m"): return starts("model:") ? .model : .other
            default: return .other
            }
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

    /// What resolution reads of a candidate, read out of it once. An `Entity` holds four strings:
    /// each read of a field through the array copied the whole entity (four reference counts, and
    /// as many again to free the copy), 170 instructions a read, most of the stage's time.
    struct Facts {
        var start: Int32
        var end: Int32
        /// Its tokens, `first ..< last`.
        var first: Int32
        var last: Int32
        var priority: Int
        var precedence: Int
        /// `FeatureExtractor.typeIndex` of its type: PER 0, ORG 1, LOC 2, NONE 4, any other 3
        /// (`sameType` compares those by their strings).
        var type: Int32
        var kind: SourceKind
        var isRange: Bool
        var hasID: Bool
        /// Whether the model decides its type (asked only when the model ran).
        var decided = false
        var tier = 0
        /// A model place of several words that starts with a site noun (مسجد محمد علي, made from
        /// the person it read after the noun; مطار باريس أورلي): a shorter list or rule place
        /// inside one read a given name or a city as the whole name (مسجد محمد، باريس), and does
        /// not set the boundaries.
        var site = false
        /// A model place that holds one shorter list's or rule's place whole (`الجرف الأصفر` over
        /// the city `الجرف`, `خور الزبير` over `خور`): it does not yield its boundaries to it
        /// (`modelPlacesHoldOthers`).
        var readsOn = false
        /// False once dropped (a place with nunation, a model guess on a common word).
        var live = true

        var tokenCount: Int32 { last - first }
        var length: Int32 { end - start }
        /// PER 1, ORG 2, LOC 4, any other type 0 (`ConflictResolution.bit`).
        var bit: UInt8 { type < FeatureExtractor.otherIndex ? 1 << UInt8(type) : 0 }
        var isSuppressed: Bool { type == FeatureExtractor.suppressedIndex }
    }

    /// Each candidate's facts, read through the array's storage: the entities are borrowed, never copied.
    static func facts(of candidates: [Entity]) -> [Facts] {
        candidates.withUnsafeBufferPointer { c in
            [Facts](unsafeUninitializedCapacity: c.count) { f, count in
                // The type's and the source's string tests run again only when the string changes:
                // the candidates come in runs of one stage and a few types (`LastStringMemo`).
                var types = LastStringMemo<(index: Int32, isRange: Bool)>()
                var kinds = LastStringMemo<SourceKind>()
                for i in c.indices {
                    let p = c.baseAddress! + i
                    let (type, isRange) = types.value(p.pointee.type.rawValue) {
                        let entityType = EntityType(rawValue: $0)
                        let index = FeatureExtractor.typeIndex(entityType)
                        return (index, index == FeatureExtractor.otherIndex && FeatureExtractor.isRange(entityType))
                    }
                    let kind = kinds.value(p.pointee.source, sourceKind)
                    (f.baseAddress! + i).initialize(to: Facts(
                        start: p.pointee.start, end: p.pointee.end, first: p.pointee.tokens.lowerBound,
                        last: p.pointee.tokens.upperBound, priority: p.pointee.priority, precedence: p.pointee.precedence,
                        type: type, kind: kind, isRange: isRange, hasID: p.pointee.id != nil))
                }
                count = c.count
            }
        }
    }

    /// Whether candidates `a` and `b` are of one type: the built-in types by their index, others by name.
    @inline(__always) static func sameType(_ a: Int, _ fa: Facts, _ b: Int, _ fb: Facts, _ candidates: [Entity]) -> Bool {
        fa.type == fb.type && (fa.type != FeatureExtractor.otherIndex || candidates[a].type == candidates[b].type)
    }

    /// The candidate as it enters the output: its fields as the model's repairs left them.
    @inline(__always) static func entity(_ i: Int, _ candidates: [Entity], _ facts: UnsafeBufferPointer<Facts>) -> Entity {
        var e = candidates[i]
        repair(&e, facts[i])
        return e
    }

    @inline(__always) static func repair(_ e: inout Entity, _ f: Facts) {
        e.start = f.start
        e.end = f.end
        e.tokens = f.first..<f.last
    }

    public func process(_ document: Document) throws {
        // The candidates are only read: their facts (`Facts`) are what moves through the tiers,
        // the sort and the selection, by index; only the winners are copied out, once.
        var candidates = document.candidates
        let tokens = document.tokens
        var facts = Self.facts(of: candidates)
        if reshapes { reshape(&candidates, &facts, document) }
        // A word with nunation (إسبانياً، كاتالانياً) is indefinite: an adjective or a common noun, never
        // a place's name, though normalization, which drops the harakat, reads it as one (إسبانيا).
        for i in facts.indices where facts[i].type == FeatureExtractor.locationIndex && facts[i].precedence == 0 && facts[i].last > facts[i].first
            && Self.endsInTanween(document, tokens[Int(facts[i].last) - 1]) {
            facts[i].live = false
        }
        let withModel = document.provided.contains(.modelCandidates)
        if withModel, !wordLists.isEmpty { repairModelCandidates(&facts, document) }
        // The candidates that enter the sort, in their order.
        var order: [Int] = []
        order.reserveCapacity(facts.count)
        // Vetoed candidates inside a model organization; taken after the others where still free.
        var reserve: [Int] = []
        if withModel {
            // The model's types as bits (PER 1, ORG 2, LOC 4); a type of the user's own has no bit
            // and is looked up in the set, when the set holds one at all.
            let modelBits = modelTypes.reduce(UInt8(0)) { $0 | Self.bit($1) }
            let boundaryBits = boundaryTypes.reduce(UInt8(0)) { $0 | Self.bit($1) }
            let modelTypes = modelTypes, boundaryTypes = boundaryTypes
            let otherModelTypes = modelTypes.contains { Self.bit($0) == 0 }
            let otherBoundaryTypes = boundaryTypes.contains { Self.bit($0) == 0 }
            // One pass over the facts sets each live candidate's tier and, from it, the model's
            // tables: its type at each token (`modelAt`), its candidate over each token
            // (`modelCover`), the tokens of its names of types it does not decide (bit 0x80 of
            // `modelAt`) and its own candidates (`model`). (Three passes, a third array of flags
            // and a uniqueness check at each write into `facts` cost more.)
            // The model's type at each token (bit per type: PER 1, ORG 2, LOC 4), and 0x80: the
            // token lies inside a model name of a type it does not decide (tier -1, an
            // organization): there its "no" to a list's or rule's place means "part of that
            // organization", and when the organization loses to a rule or a list, the place is
            // free again (`جامعة كولومبيا في نيويورك`: the rule's ORG `جامعة كولومبيا` wins,
            // `نيويورك` is a place).
            var modelAt = [UInt8](repeating: 0, count: tokens.count)
            let otherBit: UInt8 = 0x80, modelBitsAt: UInt8 = 0x7F
            let personBit: UInt8 = 1 << UInt8(FeatureExtractor.personIndex), placeBit: UInt8 = 1 << UInt8(FeatureExtractor.locationIndex)
            // Whether any token has `otherBit`.
            var hasOther = false
            // The model's own candidates (tier 1): its places and persons (for the names that hold
            // them), its sites (`Facts.site`), and its spans for a candidate over exactly their words.
            // One list, read by type: three lists grew by appending, an allocation each.
            var model: [Int] = []
            model.reserveCapacity(facts.count)
            // The lower-tier names `holdsOneName` reads, by first token: made once, for the
            // first candidate that asks (a pass over every fact for each was quadratic).
            // Made for a document with many candidates only (see `holdsOneName`).
            var heldByFirst: [Int]? = nil
            // The model candidate over each token (-1: none), to find those that meet a span by
            // its tokens: a pass over all of them for every other candidate was quadratic. The
            // labeller's spans do not overlap; where they would, the pass stays.
            var modelCover = [Int32](repeating: -1, count: tokens.count)
            var modelOverlap = false
            facts.withUnsafeMutableBufferPointer { facts in
                modelAt.withUnsafeMutableBufferPointer { modelAt in
                    modelCover.withUnsafeMutableBufferPointer { modelCover in
                        for i in facts.indices where facts[i].live {
                            let f = facts[i]
                            let b = f.bit
                            let d = b != 0 ? modelBits & b != 0 : otherModelTypes && modelTypes.contains(candidates[i].type)
                            let t = tier(source: f.kind, special: f.isSuppressed || f.isRange,
                                         precedence: f.precedence, priority: f.priority, modelDecides: d)
                            facts[i].decided = d
                            facts[i].tier = t
                            if t == -1 {
                                hasOther = true
                                for k in f.first..<f.last { modelAt[Int(k)] |= otherBit }
                            } else if t == 1 {
                                for k in f.first..<f.last {
                                    modelAt[Int(k)] |= b
                                    if modelCover[Int(k)] >= 0 { modelOverlap = true }
                                    modelCover[Int(k)] = Int32(i)
                                }
                                model.append(i)
                                if f.type == FeatureExtractor.locationIndex, f.tokenCount > 1,
                                   Labeller.siteNounPrefix(document, token: Int(f.first)) != nil {
                                    facts[i].site = true
                                }
                            }
                        }
                    }
                }
            }
            // A model place that holds one shorter name whole (`Facts.readsOn`): asked once the
            // tiers are all set (`holdsOneName` reads the lower tier's names).
            if modelPlacesHoldOthers {
                for i in model where facts[i].type == FeatureExtractor.locationIndex && facts[i].tokenCount > 1 {
                    if heldByFirst == nil, facts.count > Self.indexedCandidates { heldByFirst = Self.lowerTierByFirst(facts) }
                    facts[i].readsOn = Self.holdsOneName(i, facts, heldByFirst, document, organization: false)
                }
            }
            // The model's organization that holds a lower-tier list's or rule's organization whole
            // and more is the whole name: the rules stop a long name at an inner و or before its
            // complement (`مؤسسة السجون | والإصلاح`، `جمعية البحث | حول السرطان`), drop the body an
            // organ or union belongs to (`نقابة | الشرطة البلدية`), where the model, trained on
            // `ANNOTATION.md`'s spans, reads on. Nested names are flat, the longest wins.
            if modelOrgsHoldOthers {
                for i in facts.indices where facts[i].live && facts[i].tier == -1 && facts[i].type == FeatureExtractor.organizationIndex
                    && facts[i].tokenCount > 1 {
                    if heldByFirst == nil, facts.count > Self.indexedCandidates { heldByFirst = Self.lowerTierByFirst(facts) }
                    if Self.holdsOneName(i, facts, heldByFirst, document, organization: true) { facts[i].tier = 2 }
                }
            }
            // A NONE span says nothing inside it is a name, not that nothing around it is: a list's
            // or rule's name that holds it whole and more (`وزارة الداخلية السعودية` around the
            // adjective `السعودية`, an organization named after its festival) ranks with it, so
            // that the longer span wins as it does without the model.
            // (NONE spans and ranges are of tier 3 themselves, so `tier < 3` leaves them out.)
            for i in facts.indices where facts[i].live && facts[i].tier == 3 && facts[i].isSuppressed {
                let t = facts[i]
                for j in facts.indices where facts[j].live && facts[j].tier < 3 && (facts[j].kind == .rule || facts[j].kind == .gazetteer) {
                    let u = facts[j]
                    if u.first <= t.first, u.last >= t.last, u.tokenCount > t.tokenCount { facts[j].tier = 3 }
                }
            }
            let cover = ModelCover(model: model, at: modelCover, overlap: modelOverlap)
            for i in facts.indices where facts[i].live {
                let f = facts[i]
                let tokens = f.first..<f.last
                // A one-word name of a type the model does not decide, from a low-priority list
                // (the lists derived from ANERcorp train: الراية، الفجر، الديار، ريال, a paper,
                // a channel or a currency there, ordinary words in most text), stands only where
                // the model also reads a name of that type.
                if f.tier == 0, !f.decided, f.tokenCount == 1, f.priority < weakListPriority, f.kind == .gazetteer,
                   modelAt[Int(f.first)] & otherBit == 0 {
                    continue
                }
                // Nested names are flat, the longest wins (ANNOTATION.md): a list's or rule's
                // organization that holds the model's place whole and more (بورصة لندن، شرطة دبي،
                // منتخب هولندا) is the name, the place only a part of it. Not a person: a rule's
                // organization that runs on into the name after it (اتحاد الشغل الطبوبي) is the
                // rule's mistake more often than a body named after someone.
                if facts[i].tier == 0, !f.decided, orgContainsModel,
                   // (`holds` needs a model place over one of its tokens: their bits say whether there is one.)
                   tokens.contains(where: { modelAt[Int($0)] & placeBit != 0 }),
                   cover.holds(tokens, type: FeatureExtractor.locationIndex, facts, shorter: true) {
                    facts[i].tier = 2
                }
                // A curated list's organization of two words or more is a known name: where the model
                // read a person inside it or over exactly its words (`كريستال بالاس`، `ديلي ميل`،
                // `مؤسسة روجر فيدرر`), the list's name wins. Not a place over the same words: a
                // building that names its institution is a place where the model says so (`زار
                // البيت الأبيض`); nor the lists derived from a corpus (below `weakListPriority`), nor
                // a rule's guess.
                if facts[i].tier == 0, !f.decided, listedOrgsHoldModel, f.kind == .gazetteer, f.priority >= weakListPriority,
                   f.tokenCount >= 2, tokens.contains(where: { modelAt[Int($0)] & personBit != 0 }),
                   cover.holds(tokens, type: FeatureExtractor.personIndex, facts, shorter: false) {
                    facts[i].tier = 2
                }
                guard facts[i].tier == 0, f.decided else { order.append(i); continue }
                let b = f.bit
                let agrees = tokens.contains { modelAt[Int($0)] & b != 0 }
                if agrees && (boundaryBits & b != 0 || b == 0 && otherBoundaryTypes && boundaryTypes.contains(candidates[i].type)),
                   !cover.meets(tokens, { (facts[$0].site || facts[$0].readsOn) && facts[$0].first <= f.first && facts[$0].last >= f.last
                                            && facts[$0].tokenCount > f.tokenCount }) {
                    facts[i].tier = 2
                }
                if agrees || !modelVetoes
                    || cover.meets(tokens, { facts[$0].start == f.start && facts[$0].end == f.end && Self.sameType($0, facts[$0], i, f, candidates) }) {
                    order.append(i)
                    continue
                }
                if f.type == FeatureExtractor.locationIndex, uncontestedPlaceTokens > 0, tokens.count >= uncontestedPlaceTokens,
                   !tokens.contains(where: { modelAt[Int($0)] & modelBitsAt != 0 }) {
                    order.append(i)
                } else if f.type == FeatureExtractor.personIndex, uncontestedListPersonTokens > 0, tokens.count >= uncontestedListPersonTokens,
                          f.kind == .gazetteer, !tokens.contains(where: { modelAt[Int($0)] & modelBitsAt != 0 }) {
                    order.append(i)
                } else if f.type == FeatureExtractor.locationIndex, hasOther, tokens.allSatisfy({ modelAt[Int($0)] == otherBit }) {
                    reserve.append(i)
                }
            }
        } else {
            for i in facts.indices where facts[i].live { order.append(i) }
        }
        facts.withUnsafeBufferPointer { facts in
            select(&order, reserve, facts, candidates, document)
        }
    }

    /// The greedy pass over the candidates left, best first, and the winners into the document.
    private func select(_ order: inout [Int], _ reserve: [Int], _ facts: UnsafeBufferPointer<Facts>, _ candidates: [Entity],
                        _ document: Document) {
        @inline(__always) func before(_ a: Int, _ b: Int) -> Bool {
            let a = facts[a], b = facts[b]
            if a.precedence != b.precedence { return a.precedence > b.precedence }
            if a.tier != b.tier { return a.tier > b.tier }
            if a.length != b.length { return a.length > b.length }
            if a.priority != b.priority { return a.priority > b.priority }
            let ra = Self.sourceRank(a.kind), rb = Self.sourceRank(b.kind)
            if ra != rb { return ra > rb }
            return a.start < b.start
        }
        order.sort(by: before)
        var taken: [Int] = []
        taken.reserveCapacity(order.count)
        // For each winner, the candidate whose canonical id it adopts (-1: none).
        var adopted: [Int] = []
        adopted.reserveCapacity(order.count)
        var beaten: [Int: [Entity]] = [:]
        // Read once: a property of the document is an exclusivity check at each read.
        let records = document.recordsResolutions
        // Which winner holds each token: overlap checks cost the candidate's length, not the
        // number of winners.
        var owner = [Int32](repeating: -1, count: document.tokens.count)
        for c in order {
            let range = Int(facts[c].first)..<Int(facts[c].last)
            if let held = range.first(where: { owner[$0] >= 0 }) {
                let slot = Int(owner[held]), w = taken[slot]
                if records { beaten[w, default: []].append(Self.entity(c, candidates, facts)) }
                // A rule and a list that agree on a name: the entity keeps the list's canonical id.
                if !facts[w].hasID, adopted[slot] < 0, facts[c].hasID, facts[w].start == facts[c].start,
                   facts[w].end == facts[c].end, Self.sameType(w, facts[w], c, facts[c], candidates) {
                    adopted[slot] = c
                }
                continue
            }
            for k in range { owner[k] = Int32(taken.count) }
            taken.append(c)
            adopted.append(-1)
        }
        // In the same order as the others.
        for c in reserve.sorted(by: before) {
            let range = Int(facts[c].first)..<Int(facts[c].last)
            // Not right next to a winner: a city after a club (أجاكس أمستردام) is the club's own name
            // that a shorter list entry cut.
            guard !range.contains(where: { owner[$0] >= 0 }), range.lowerBound == 0 || owner[range.lowerBound - 1] < 0,
                  range.upperBound == owner.count || owner[range.upperBound] < 0 else { continue }
            for k in range { owner[k] = Int32(taken.count) }
            taken.append(c)
            adopted.append(-1)
        }
        // The winner in slot `s` as it enters the output: repaired, with the id it adopted.
        @inline(__always) func finish(_ e: inout Entity, _ s: Int) {
            Self.repair(&e, facts[taken[s]])
            if adopted[s] >= 0 { e.id = candidates[adopted[s]].id }
        }
        @inline(__always) func winner(_ s: Int) -> Entity {
            var e = candidates[taken[s]]
            finish(&e, s)
            return e
        }
        if records {
            document.resolutions = taken.indices.map { Resolution(winner: winner($0), beaten: beaten[taken[$0]] ?? []) }
        }
        // A NONE span keeps what it covers free and is itself left out (rare). The winners sort
        // by where they are, as indices: the sort is the one `sort` on the entities made, so the
        // order of equals is theirs.
        var slots: [Int] = []
        slots.reserveCapacity(taken.count)
        var suppressed: [Entity] = []
        for s in taken.indices {
            if facts[taken[s]].isSuppressed { suppressed.append(winner(s)) } else { slots.append(s) }
        }
        document.suppressed = suppressed
        slots.sort { (facts[taken[$0]].start, facts[taken[$0]].end) < (facts[taken[$1]].start, facts[taken[$1]].end) }
        // Each winner copied once, straight into its place, and repaired there.
        var entities: [Entity] = []
        entities.reserveCapacity(slots.count)
        for s in slots {
            entities.append(candidates[taken[s]])
            finish(&entities[entities.count - 1], s)
        }
        document.entities = entities
    }


    /// Whether the model's candidate `m` holds, whole and with more words, the lower-tier names
    /// of one name in the text and no second one: two names side by side (`حماس والجهاد الإسلامي`،
    /// `القاهرة دار الحكمة`) are two names the model joined. For an organization only the lists'
    /// and rules' organizations count: a place at its end is as often part of its name (`صندوق
    /// التنمية وإعادة إعمار ليبيا`، `قوات الأمم المتحدة المؤقتة في لبنان`). For a place, a site noun
    /// after the held name starts a phrase of its own (`لاهور مسجد بادشاهي`، `فلاديفوستوك ميناء روسي`).
    /// `byFirst`: the live lower-tier candidates of the lists and rules (`lowerTierByFirst`), by
    /// first token, for a document with many candidates: only those that start inside `m` are
    /// read, in the candidates' order (which decides when a later name bridges two earlier ones).
    /// Without it (most documents: sorting them cost more than the pass), a pass over all.
    static func holdsOneName(_ m: Int, _ facts: [Facts], _ byFirst: [Int]?, _ document: Document, organization: Bool) -> Bool {
        let f = facts[m]
        @inline(__always) func isHeld(_ c: Facts) -> Bool {
            (organization ? c.type == FeatureExtractor.organizationIndex : c.type < FeatureExtractor.otherIndex)
                && c.first >= f.first && c.last <= f.last && c.tokenCount < f.tokenCount
        }
        // The held names' tokens so far: each further name must overlap them (two names side by side
        // are two names), read in the candidates' order.
        var held: Range<Int32>? = nil, heldType = false
        @inline(__always) func take(_ c: Facts) -> Bool {
            let r = c.first..<c.last
            if let h = held, !h.overlaps(r) { return false }
            held = held.map { min($0.lowerBound, r.lowerBound)..<max($0.upperBound, r.upperBound) } ?? r
            if c.type == f.type { heldType = true }
            return true
        }
        if let byFirst {
            var inside: [Int] = []
            var k = byFirst.partitioningIndex { facts[$0].first >= f.first }
            while k < byFirst.count, facts[byFirst[k]].first <= f.last {
                if isHeld(facts[byFirst[k]]) { inside.append(byFirst[k]) }
                k += 1
            }
            inside.sort()
            for i in inside where !take(facts[i]) { return false }
        } else {
            // Already in the candidates' order: no list of them is made.
            for i in facts.indices where facts[i].live && facts[i].tier == 0 && facts[i].kind != .model && isHeld(facts[i]) {
                if !take(facts[i]) { return false }
            }
        }
        guard let held, heldType else { return false }
        if !organization, held.lowerBound == f.first, held.upperBound + 1 == f.last,
           Self.runsIntoPrepositionalWord(document, token: Int(held.upperBound)) {
            return false
        }
        return organization || held.upperBound == f.last || Labeller.siteNounPrefix(document, token: Int(held.upperBound)) == nil
    }

    /// Whether token `k`, the one word a model place adds after a listed place, is a word no list
    /// knows that begins with ب, ل or ك (التحالف بقيادة السعودية بشن غارات: the model read
    /// `السعودية بشن` as one place): a place's name does not go on with a prepositional phrase, and
    /// the list's boundaries stand.
    static func runsIntoPrepositionalWord(_ d: Document, token k: Int) -> Bool {
        let t = d.tokens[k]
        guard t.kind == .word, t.normEnd - t.normStart >= 2 else { return false }
        switch d.normalized[Int(t.normStart)] {
        case 0x0628, 0x0644, 0x0643: break
        default: return false
        }
        // The lookups are sorted by first token: only those that start at or before it can cover it.
        let at = Int32(k)
        let after = d.lookups.partitioningIndex { $0.tokens.lowerBound > at }
        return !d.lookups[..<after].contains { $0.tokens.upperBound > at }
    }

    /// Candidates past which `holdsOneName` reads an index (`lowerTierByFirst`) rather than all.
    static let indexedCandidates = 256

    /// The live candidates of tier 0 that are not the model's, sorted by first token (then by
    /// index): what `holdsOneName` reads.
    static func lowerTierByFirst(_ facts: [Facts]) -> [Int] {
        var out: [Int] = []
        for i in facts.indices where facts[i].live && facts[i].tier == 0 && facts[i].kind != .model { out.append(i) }
        out.sort { facts[$0].first != facts[$1].first ? facts[$0].first < facts[$1].first : $0 < $1 }
        return out
    }

    /// The model's candidates against the words that cannot be names: a one-word guess on a
    /// `COMMON`, site-noun or designator word is dropped (unless a name list holds the word too),
    /// a place starts after an administrative designator (حي الزهور → الزهور), and an
    /// organization after the proclitic before its designator (لمنطقة → منطقة). The lists and
    /// rules make none of these; the model, reading tokens, does. The repairs change the
    /// candidates' facts, not the candidates: the document's candidates stay as the stages made them.
    private func repairModelCandidates(_ facts: inout [Facts], _ document: Document) {
        // Per token: 1, a word of those lists; 2, a name's word; 4, an administrative designator.
        // Each list id's bits come from three masks (bit per list id), made here without an
        // allocation: a document has two or three lookups a token.
        var words: UInt64 = 0, designators: UInt64 = 0
        for l in wordLists where l >= 0 && l < 64 { words |= 1 << UInt64(l) }
        if let d = designatorList, d >= 0, d < 64 { designators |= 1 << UInt64(d) }
        var names: UInt64 = Gazetteer.entityTypes.count >= 64 ? ~0 : (1 << UInt64(Gazetteer.entityTypes.count)) - 1
        if let g = givenNameList, g >= 0, g < 64 { names |= 1 << UInt64(g) }
        names &= ~(words | designators)
        // Only the first token of a model candidate is asked about: its lookups are found by
        // binary search (the lookups are sorted by first token), where a pass over every lookup
        // of the document (two or three a token) cost 86 instructions a token for a few model
        // candidates. `bits`: the or of the bits of the one-word lookups there; `proclitic`: the
        // prefix of the last designator among them read behind a proclitic (0: none).
        let lookups = document.lookups, tokens = document.tokens
        let designatorList = designatorList, orgDesignatorList = orgDesignatorList
        func reading(_ token: Int32) -> (bits: UInt8, proclitic: Int32) {
            var bits: UInt8 = 0, proclitic: Int32 = 0
            var k = lookups.partitioningIndex { $0.tokens.lowerBound >= token }
            while k < lookups.count, lookups[k].tokens.lowerBound == token {
                let l = lookups[k]
                k += 1
                guard l.list >= 0, l.list < 64, l.tokens.count == 1 else { continue }
                let m: UInt64 = 1 << UInt64(l.list)
                let b: UInt8 = (words & m != 0 ? 1 : 0) | (names & m != 0 ? 2 : 0) | (designators & m != 0 ? 4 : 0)
                guard b != 0 else { continue }
                bits |= b
                if l.prefixLength > 0, l.list == designatorList || l.list == orgDesignatorList { proclitic = l.prefixLength }
            }
            return (bits, proclitic)
        }
        for i in facts.indices where facts[i].live && facts[i].kind == .model {
            let f = facts[i]
            if f.tokenCount == 1 {
                if reading(f.first).bits & 3 == 1 { facts[i].live = false }
            } else if f.tokenCount >= 2, f.type == FeatureExtractor.locationIndex {
                guard reading(f.first).bits & 6 == 4 else { continue }
                facts[i].first = f.first + 1
                facts[i].start = tokens[Int(f.first) + 1].start
            } else if f.tokenCount >= 2, f.type == FeatureExtractor.organizationIndex {
                // ANNOTATION.md: proclitics are outside (لمنطقة → منطقة; للمنظمة reads ل + المنظمة,
                // no designator behind the ل, and keeps لمنظمة as the convention has it).
                guard f.start == tokens[Int(f.first)].start else { continue }
                let p = reading(f.first).proclitic
                guard p > 0 else { continue }
                facts[i].start += p
            }
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

/// The model's candidates by the tokens they cover, to find those that meet a span: a pass over
/// all of them for every other candidate was quadratic in a document's candidates. The
/// labeller's spans do not overlap; where they would (`overlap`), the pass stays.
struct ModelCover {
    let model: [Int]
    /// The model candidate over each token (-1: none).
    let at: [Int32]
    let overlap: Bool

    /// Whether a model candidate that shares a token with `r` passes `test` (for an empty `r`,
    /// or overlapping model spans, any model candidate).
    @inline(__always) func meets(_ r: Range<Int32>, _ test: (Int) -> Bool) -> Bool {
        if overlap || r.isEmpty { return model.contains(where: test) }
        var last: Int32 = -1
        for k in r {
            let m = at[Int(k)]
            if m >= 0, m != last {
                last = m
                if test(Int(m)) { return true }
            }
        }
        return false
    }

    /// Whether every span of the model's candidates of `type` (a `Facts.type`) that overlaps `t`,
    /// and at least one, lies inside it (and is shorter, with `shorter`).
    @inline(__always) func holds(_ t: Range<Int32>, type: Int32, _ facts: [ConflictResolution.Facts], shorter: Bool) -> Bool {
        !meets(t) { m in
            let p = facts[m].first..<facts[m].last
            return facts[m].type == type && p.overlaps(t)
                && (p.lowerBound < t.lowerBound || p.upperBound > t.upperBound || shorter && p.count >= t.count)
        } && meets(t) { facts[$0].type == type && (facts[$0].first..<facts[$0].last).overlaps(t) }
    }
}

// MARK: - Spans that hold two names or run on past one

extension ConflictResolution {
    /// The type id of a list (fixed: the entity types first, then `Gazetteer.helperTypes` in their
    /// order), without a gazetteer at hand.
    static func listType(_ name: String) -> Int32 {
        if let i = Gazetteer.entityTypes.firstIndex(of: name) { return Int32(i) }
        return Int32(Gazetteer.entityTypes.count + Gazetteer.helperTypes.firstIndex(of: name)!)
    }

    static func listBits(_ names: [String]) -> UInt64 {
        names.reduce(0) { $0 | 1 << UInt64(listType($1)) }
    }

    static let givenNameType = listType("GIVEN_NAME"), nisbaType = listType("NISBA")
    /// Lists a person's word may come from: a nisba that is also one of these is a name's word.
    static let personWordLists = listBits(["PER", "ORG", "LOC", "GIVEN_NAME", "FAMILY_NAME", "AMBIGUOUS"])
    /// Lists whose whole-token match says the token is a name's word itself (وليد، وسام), not و + a name.
    static let wholeNameLists = listBits(["PER", "ORG", "LOC", "GIVEN_NAME", "FAMILY_NAME"])

    /// The spans of the lower tiers that hold two names or run on past one, repaired before the tiers
    /// (the model's, a rule's below `highPriority`, a list's below `weakListPriority`; never a
    /// curated list's or a user's):
    /// - two names joined by و (`فرنسا وإيطاليا`، `النادي الإفريقي والترجي`، `محمد وسمير`) are split in two,
    ///   the second without its و, where each side is a name of its type that a curated list or a
    ///   rule knows (for a person, also a given name of the lists) and the whole is no curated list's
    ///   name (`البوسنة والهرسك`): organizations hold و in their names, the lists know those, and an
    ///   organization's two sides must both be the lists' names (a rule's `مؤسسة الإذاعة` is no
    ///   second name before `والتلفزة التونسية`);
    /// - a name doubled by a slip (`دونالد ترامب ترامب`، `النجم الساحلي النجم`): a list's name of two words
    ///   or more followed by fewer of its own words is two mentions for a person, and the list's name
    ///   alone for an organization or a place (`البنك الإفريقي الإفريقي`) (a rule's or the model's
    ///   head is not enough: `يحيى عقيل سالمان عقيل` repeats a grandfather's name);
    /// - the model's person that starts with a kunya and ends in a nisba written without the article
    ///   and no name's word (`أبي سمير روسي الجنسية`) stops before it: `ANNOTATION.md` keeps nisbas
    ///   outside. Not after any name: a family name is often a nisba (`ربيع زيدي`، `عايدة عرب`).
    func reshape(_ candidates: inout [Entity], _ facts: inout [Facts], _ document: Document) {
        let tokens = document.tokens, lookups = document.lookups, utf16 = document.utf16
        let count = facts.count
        let highPriority = highPriority, weakListPriority = weakListPriority
        @inline(__always) func eligible(_ f: Facts) -> Bool {
            f.live && f.precedence == 0 && f.type < FeatureExtractor.otherIndex && f.tokenCount >= 2
                && (f.kind == .model || f.kind == .rule && f.priority < highPriority || f.kind == .gazetteer && f.priority < weakListPriority)
        }
        // Most documents have none: a pass that finds no candidate worth a look costs no more.
        guard facts.contains(where: eligible) else { return }
        // The lookups that start at token `k`.
        func lookupsAt(_ k: Int32) -> Range<Int> {
            let a = lookups.partitioningIndex { $0.tokens.lowerBound >= k }
            var b = a
            while b < lookups.count, lookups[b].tokens.lowerBound == k { b += 1 }
            return a..<b
        }
        // Whether a lookup of a list in `mask` covers token `k` (entries of up to 16 words).
        func covered(_ k: Int32, _ mask: UInt64) -> Bool {
            var l = lookups.partitioningIndex { $0.tokens.lowerBound > k } - 1
            while l >= 0, lookups[l].tokens.lowerBound + 16 > k {
                let u = lookups[l]
                if u.tokens.upperBound > k, u.list >= 0, u.list < 64, mask & (1 << UInt64(u.list)) != 0 { return true }
                l -= 1
            }
            return false
        }
        // Whether a one-token lookup of a list in `mask` at token `k` reads it behind a proclitic of
        // `prefix` units (nil: any reading).
        func single(_ k: Int32, _ mask: UInt64, prefix: Int32?) -> Bool {
            lookupsAt(k).contains { l in
                let u = lookups[l]
                return u.tokens.count == 1 && u.list >= 0 && u.list < 64 && mask & (1 << UInt64(u.list)) != 0
                    && (prefix == nil || u.prefixLength == prefix!)
            }
        }
        // The candidates that know a name (a rule's, a curated or user list's; not the model's), by first token.
        var known: [Int]? = nil
        func knowers() -> [Int] {
            if let known { return known }
            var out: [Int] = []
            for j in 0..<count where facts[j].live && facts[j].type < FeatureExtractor.otherIndex
                && (facts[j].kind == .rule || facts[j].kind == .gazetteer && (facts[j].priority >= weakListPriority || facts[j].precedence > 0)) {
                out.append(j)
            }
            out.sort { facts[$0].first != facts[$1].first ? facts[$0].first < facts[$1].first : $0 < $1 }
            known = out
            return out
        }
        // Whether a rule or a curated list knows a name of `type` that starts at token `first`, `start`
        // (after its proclitic) and ends at token `last` (nil: anywhere), other than candidate `c`.
        // `listed`: only a list's (a curated or user list's candidate, or a lookup of any list).
        func isKnown(_ type: Int32, first: Int32, start: Int32, last: Int32?, except c: Int, listed: Bool = false,
                     lookups useLookups: Bool = true) -> Bool {
            // A list's entry of that type over those words: matching keeps the longest entry as the
            // candidate (`فرنسا وإيطاليا`), the shorter ones are lookups.
            if useLookups, lookupsAt(first).contains(where: { l in
                let u = lookups[l]
                return u.list == type && u.prefixLength == start - tokens[Int(first)].start && (last == nil || u.tokens.upperBound == last!)
            }) { return true }
            let k = knowers()
            var i = k.partitioningIndex { facts[$0].first >= first }
            while i < k.count, facts[k[i]].first == first {
                let f = facts[k[i]]
                if k[i] != c, f.type == type, f.start == start, last == nil || f.last == last!, !listed || f.kind == .gazetteer {
                    return true
                }
                i += 1
            }
            return false
        }
        // A piece of candidate `c` (its id is the whole's, if any: not the piece's).
        func piece(_ c: Int, first: Int32, start: Int32, last: Int32) {
            var e = candidates[c]
            e.start = start
            e.end = tokens[Int(last) - 1].end
            e.tokens = first..<last
            e.id = nil
            var f = facts[c]
            f.start = start
            f.end = e.end
            f.first = first
            f.last = last
            f.hasID = false
            candidates.append(e)
            facts.append(f)
        }
        // Candidate `c` without its last word.
        func trim(_ c: Int) {
            facts[c].last -= 1
            facts[c].end = tokens[Int(facts[c].last) - 1].end
        }
        for c in 0..<count where eligible(facts[c]) {
            let f = facts[c]
            // A curated list's name over exactly these words: the whole is one name.
            // (Not a lookup: the corpus lists, whose `فرنسا وإيطاليا` is two names, are lookups too.)
            // Asked only once a repair is in view: the index of names costs a sort.
            func wholeListed() -> Bool {
                isKnown(f.type, first: f.first, start: f.start, last: f.last, except: c, listed: true, lookups: false)
            }
            // Two names joined by و.
            var split: (left: Int32, right: Int32, start: Int32)? = nil
            for k in (f.first + 1)..<f.last where tokens[Int(k)].kind == .word && utf16[Int(tokens[Int(k)].start)] == 0x0648 {
                let t = tokens[Int(k)]
                // و written apart (حماس و الجهاد) or glued; a token that is a name's word whole (وليد، وسام) is no و.
                let bare = t.end - t.start == 1
                let right = bare ? k + 1 : k, prefix: Int32 = bare ? 0 : 1
                guard right < f.last, bare || !single(k, Self.wholeNameLists, prefix: 0) else { continue }
                let rightStart = tokens[Int(right)].start + prefix
                let person = f.type == FeatureExtractor.personIndex
                // An organization's side must be a list's name: the rules read a designator and a word
                // (`مؤسسة الإذاعة` of `مؤسسة الإذاعة والتلفزة التونسية`، `اتحاد العدالة والنهضة والبناء`).
                let organization = f.type == FeatureExtractor.organizationIndex
                let leftKnown = isKnown(f.type, first: f.first, start: f.start, last: k, except: c, listed: organization)
                    || person && k == f.first + 1 && single(f.first, 1 << UInt64(Self.givenNameType), prefix: f.start - tokens[Int(f.first)].start)
                guard leftKnown else { continue }
                let rightKnown = isKnown(f.type, first: right, start: rightStart, last: nil, except: c, listed: organization)
                    || person && single(right, 1 << UInt64(Self.givenNameType), prefix: prefix)
                guard rightKnown else { continue }
                split = (k, right, rightStart)
                break
            }
            if let s = split, !wholeListed() {
                piece(c, first: f.first, start: f.start, last: s.left)
                piece(c, first: s.right, start: s.start, last: f.last)
                facts[c].live = false
                continue
            }
            // A name doubled by a slip: a known name of two words or more, then fewer of its own words.
            if f.tokenCount >= 3 {
                var doubled: Int32? = nil
                for k in (f.first + 2)..<f.last where f.last - k < k - f.first {
                    let head = Int(f.first)..<Int(k)
                    guard (Int(k)..<Int(f.last)).allSatisfy({ t in head.contains { tokens[$0].hash == tokens[t].hash } }),
                          isKnown(f.type, first: f.first, start: f.start, last: k, except: c, listed: true) else { continue }
                    doubled = k
                    break
                }
                if let k = doubled, !wholeListed() {
                    // A person's name repeated is a second mention (`ترامب`); an organization's or a
                    // place's repeated word is a slip (`البنك الإفريقي الإفريقي`), not a name of its own.
                    piece(c, first: f.first, start: f.start, last: k)
                    if f.type == FeatureExtractor.personIndex { piece(c, first: k, start: tokens[Int(k)].start, last: f.last) }
                    facts[c].live = false
                    continue
                }
            }
            // The model's kunya run on into a nisba without the article (أبي سمير روسي الجنسية).
            let last = f.last - 1
            if f.kind == .model, f.type == FeatureExtractor.personIndex, f.tokenCount >= 3, tokens[Int(last)].kind == .word,
               Self.startsWithKunya(document, f),
               single(last, 1 << UInt64(Self.nisbaType), prefix: 0), !Self.hasArticle(document, tokens[Int(last)]),
               !covered(last, Self.personWordLists), !wholeListed() {
                trim(c)
            }
        }

    }

    /// Whether the span's first word, after its proclitic, is a kunya's أبو، أبي or أبا.
    static func startsWithKunya(_ d: Document, _ f: Facts) -> Bool {
        let end = Int(d.tokens[Int(f.first)].end), start = Int(f.start)
        guard end - start == 3 else { return false }
        let u = d.utf16
        return (u[start] == 0x0623 || u[start] == 0x0627) && u[start + 1] == 0x0628 && [0x0648, 0x064A, 0x0627].contains(u[start + 2])
    }

    /// Whether the word starts with the article (ال).
    static func hasArticle(_ d: Document, _ t: Token) -> Bool {
        t.end - t.start > 2 && d.utf16[Int(t.start)] == 0x0627 && d.utf16[Int(t.start) + 1] == 0x0644
    }
}
