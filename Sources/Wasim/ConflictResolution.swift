// The last stage: candidates from every source overlap; pick a consistent set.

/// Resolves overlapping candidates: the higher precedence wins (a user's own list entry beats any
/// built-in guess it overlaps), then the longer span, then the higher priority, then the source
/// (see `sourceRank`), then the earlier start. Gazetteers/README.md has the whole table. Greedy, as spaCy's EntityRuler does it.
/// A winning NONE span (an event's name, say) keeps what it covers free of entities and is
/// itself left out.
public struct ConflictResolution: Stage {
    public let name = "conflict-resolution"
    public let requires: Set<Capability> = [.tokens]
    public let provides: Set<Capability> = [.entities]

    public init() {}

    /// Among equals, a rule outranks a gazetteer entry, which outranks a stage's own guess.
    package static func sourceRank(_ source: String) -> Int {
        // Bytes: the prefixes are ASCII.
        var source = source
        return source.withUTF8 { u in
            func starts(_ p: StaticString) -> Bool {
                let n = p.utf8CodeUnitCount, q = p.utf8Start
                guard n <= u.count else { return false }
                for k in 0..<n where u[k] != q[k] { return false }
                return true
            }
            if starts("rule:") { return 3 }
            if starts("gazetteer:") { return 2 }
            if starts("propagation:") { return 0 }
            // MODEL: the learned stage (`model:NAME`) ranks here for now, with numeric ranges and
            // other stages' guesses; its helper decides its final place in the conflict table.
            return 1
        }
    }

    public func process(_ document: Document) throws {
        // Indices, not entities, move through the sort and the selection: an entity holds four
        // strings, and copying one costs four reference counts.
        let candidates = document.candidates
        // The sort reads plain keys: reading an entity copies it, four reference counts.
        struct Key { var precedence: Int; var length: Int32; var priority: Int; var rank: Int; var start: Int32 }
        var keys: [Key] = []
        keys.reserveCapacity(candidates.count)
        for i in candidates.indices {
            keys.append(Key(precedence: Int(candidates[i].precedence), length: candidates[i].length,
                            priority: candidates[i].priority,
                            rank: ConflictResolution.sourceRank(candidates[i].source), start: candidates[i].start))
        }
        let order = keys.withUnsafeBufferPointer { keys in
            candidates.indices.sorted { i, j in
                let a = keys[i], b = keys[j]
                if a.precedence != b.precedence { return a.precedence > b.precedence }
                if a.length != b.length { return a.length > b.length }
                if a.priority != b.priority { return a.priority > b.priority }
                if a.rank != b.rank { return a.rank > b.rank }
                return a.start < b.start
            }
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
        document.suppressed = winners.filter { $0.type == .suppressed }
        document.entities = winners.filter { $0.type != .suppressed }.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
    }

}
