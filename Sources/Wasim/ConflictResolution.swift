// The last stage: candidates from every source overlap; pick a consistent set.

/// Resolves overlapping candidates: the longer span wins, then the higher priority, then the
/// source (see `sourceRank`), then the earlier start. Greedy, as spaCy's EntityRuler does it.
/// A winning NONE span (an event's name, say) keeps what it covers free of entities and is
/// itself left out.
public struct ConflictResolution: Stage {
    public let name = "conflict-resolution"
    public let requires: Set<Capability> = [.tokens]
    public let provides: Set<Capability> = [.entities]

    public init() {}

    /// Among equals, a rule outranks a gazetteer entry, which outranks a stage's own guess.
    public static func sourceRank(_ source: String) -> Int {
        if source.hasPrefix("rule:") { return 3 }
        if source.hasPrefix("gazetteer:") { return 2 }
        if source.hasPrefix("propagation:") { return 0 }
        return 1
    }

    public func process(_ document: Document) throws {
        // The source's rank once per candidate, not once per comparison.
        let candidates = document.candidates
        let ranks = candidates.map { ConflictResolution.sourceRank($0.source) }
        let ordered = candidates.indices.sorted { i, j in
            let a = candidates[i], b = candidates[j]
            if a.length != b.length { return a.length > b.length }
            if a.priority != b.priority { return a.priority > b.priority }
            if ranks[i] != ranks[j] { return ranks[i] > ranks[j] }
            return a.start < b.start
        }.map { candidates[$0] }
        var taken: [Entity] = []
        var beaten: [Int: [Entity]] = [:]
        // Which winner holds each token: overlap checks cost the candidate's length, not the
        // number of winners.
        var owner = [Int32](repeating: -1, count: document.tokens.count)
        for candidate in ordered {
            let range = Int(candidate.tokens.lowerBound)..<Int(candidate.tokens.upperBound)
            if let held = range.first(where: { owner[$0] >= 0 }) {
                let w = Int(owner[held])
                if document.recordsResolutions { beaten[w, default: []].append(candidate) }
                // A rule and a list that agree on a name: the entity keeps the list's canonical id.
                if taken[w].id == nil, let id = candidate.id, taken[w].start == candidate.start,
                   taken[w].end == candidate.end, taken[w].type == candidate.type {
                    taken[w].id = id
                }
                continue
            }
            for k in range { owner[k] = Int32(taken.count) }
            taken.append(candidate)
        }
        if document.recordsResolutions {
            document.resolutions = taken.indices.map { Resolution(winner: taken[$0], beaten: beaten[$0] ?? []) }
        }
        document.suppressed = taken.filter { $0.type == .none }
        document.entities = taken.filter { $0.type != .none }.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
    }
}
