// The last stage: candidates from every source overlap; pick a consistent set.

/// Resolves overlapping candidates: the longer span wins, then the higher priority, then the
/// source (see `sourceRank`), then the earlier start. Greedy, as spaCy's EntityRuler does it.
/// A winning NONE span (an event's name, say) keeps what it covers free of entities and is
/// itself left out.
///
/// With the learned labeller's candidates (`model:…`), candidates come in tiers first (README's
/// conflict table): NONE spans, numeric ranges, high-priority rules and user lists (`--gazetteer`)
/// beat the model; the model beats the shipped lists and low-priority rules, which also never
/// stand on their own where the model saw them and said no (the model read them as features).
/// A list entry that agrees with the model's span and type lends it its canonical id.
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

    public init(highPriority: Int = 60, listPriority: Int = 30, modelTypes: Set<EntityType> = [.person, .organization, .location],
                modelVetoes: Bool = true) {
        self.highPriority = highPriority
        self.listPriority = listPriority
        self.modelTypes = modelTypes
        self.modelVetoes = modelVetoes
    }

    /// 2: beats the model; 1: the model; 0: below the model; -1: the model outside its types.
    public func tier(_ c: Entity) -> Int {
        if c.source.hasPrefix("model:") { return modelTypes.contains(c.type) ? 1 : -1 }
        if c.type == .none || c.type == .numericRange { return 2 }
        if c.source.hasPrefix("rule:") { return c.priority >= highPriority ? 2 : 0 }
        if c.source.hasPrefix("gazetteer:") { return c.priority >= listPriority ? 2 : 0 }
        return 0
    }

    /// Among equals, a rule outranks a gazetteer entry, which outranks a stage's own guess.
    public static func sourceRank(_ source: String) -> Int {
        if source.hasPrefix("rule:") { return 3 }
        if source.hasPrefix("gazetteer:") { return 2 }
        if source.hasPrefix("propagation:") { return 0 }
        return 1
    }

    public func process(_ document: Document) throws {
        // Indices, not entities, move through the sort and the selection: an entity holds four
        // strings, and copying one costs four reference counts.
        var candidates = document.candidates
        let withModel = document.provided.contains(.modelCandidates)
        var tiers = withModel ? candidates.map(tier) : [Int](repeating: 0, count: candidates.count)
        if withModel && modelVetoes {
            let model = Set(candidates.lazy.filter { $0.source.hasPrefix("model:") }.map { SpanKey(type: $0.type, start: Int($0.start), end: Int($0.end)) })
            let keep = candidates.indices.filter {
                tiers[$0] != 0 || !modelTypes.contains(candidates[$0].type)
                    || model.contains(SpanKey(type: candidates[$0].type, start: Int(candidates[$0].start), end: Int(candidates[$0].end)))
            }
            candidates = keep.map { candidates[$0] }
            tiers = keep.map { tiers[$0] }
        }
        let ranks = candidates.map { ConflictResolution.sourceRank($0.source) }
        let order = candidates.indices.sorted { i, j in
            let a = candidates[i], b = candidates[j]
            if tiers[i] != tiers[j] { return tiers[i] > tiers[j] }
            if a.length != b.length { return a.length > b.length }
            if a.priority != b.priority { return a.priority > b.priority }
            if ranks[i] != ranks[j] { return ranks[i] > ranks[j] }
            return a.start < b.start
        }
        var taken: [Int] = []
        var adoptedID: [Int: String] = [:]
        var beaten: [Int: [Entity]] = [:]
        // Which winner holds each token: overlap checks cost the candidate's length, not the
        // number of winners.
        var owner = [Int32](repeating: -1, count: document.tokens.count)
        for c in order {
            let candidate = candidates[c]
            let range = Int(candidate.tokens.lowerBound)..<Int(candidate.tokens.upperBound)
            if let held = range.first(where: { owner[$0] >= 0 }) {
                let w = taken[Int(owner[held])]
                if document.recordsResolutions { beaten[w, default: []].append(candidate) }
                // A rule and a list that agree on a name: the entity keeps the list's canonical id.
                let winner = candidates[w]
                if winner.id == nil, adoptedID[w] == nil, let id = candidate.id, winner.start == candidate.start,
                   winner.end == candidate.end, winner.type == candidate.type {
                    adoptedID[w] = id
                }
                continue
            }
            for k in range { owner[k] = Int32(taken.count) }
            taken.append(c)
        }
        var winners = taken.map { candidates[$0] }
        for (k, c) in taken.enumerated() where adoptedID[c] != nil { winners[k].id = adoptedID[c] }
        if document.recordsResolutions {
            document.resolutions = zip(taken, winners).map { Resolution(winner: $1, beaten: beaten[$0] ?? []) }
        }
        document.suppressed = winners.filter { $0.type == .none }
        document.entities = winners.filter { $0.type != .none }.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
    }


    static func isName(_ t: EntityType) -> Bool { t == .person || t == .organization || t == .location }
}
