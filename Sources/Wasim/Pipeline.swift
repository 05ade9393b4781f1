// The stage protocol and the pipeline that checks stage order, as CoreNLP's annotators declare
// requires() and requirementsSatisfied().

/// Something a stage provides and a later stage may require.
public struct Capability: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    /// Tokens with offsets and kinds, and sentences.
    public static let tokens: Capability = "tokens"
    /// Normalized forms, hashes and proclitic analyses of tokens.
    public static let normalizedForms: Capability = "normalized-forms"
    /// Gazetteer lookups (entity and helper lists) over tokens.
    public static let lookups: Capability = "lookups"
    /// Entity candidates from gazetteers.
    public static let gazetteerCandidates: Capability = "gazetteer-candidates"
    /// Entity candidates from rules.
    public static let ruleCandidates: Capability = "rule-candidates"
    /// NUMRANGE candidates.
    public static let numericRanges: Capability = "numeric-ranges"
    /// Resolved, non-overlapping entities.
    public static let entities: Capability = "entities"
}

/// One step of the pipeline. A stage declares what it needs and what it adds, and processes a
/// document in place. Stages are shared by every thread of a batch, so `process` must not
/// mutate the stage itself.
public protocol Stage: Sendable {
    var name: String { get }
    var requires: Set<Capability> { get }
    var provides: Set<Capability> { get }
    func process(_ document: Document) throws
}

/// An ordered list of stages, checked once when built.
public struct Pipeline: Sendable {
    public let stages: [any Stage]
    /// What a new document has been provided after each stage: set once here, not rebuilt by
    /// hashing capability names for every document.
    private let providedAfter: [Set<Capability>]

    /// Refuses an order in which a stage runs before a stage it depends on, naming both.
    public init(_ stages: [any Stage]) throws {
        var available: Set<Capability> = []
        for (i, stage) in stages.enumerated() {
            for need in stage.requires.sorted(by: { $0.rawValue < $1.rawValue }) where !available.contains(need) {
                if let later = stages[(i + 1)...].first(where: { $0.provides.contains(need) }) {
                    throw WasimError.pipeline(
                        "stage '\(stage.name)' requires \(need), which stage '\(later.name)' provides only after it: put '\(later.name)' before '\(stage.name)'")
                }
                throw WasimError.pipeline("stage '\(stage.name)' requires \(need), which no stage before it provides")
            }
            available.formUnion(stage.provides)
        }
        self.stages = stages
        var provided: Set<Capability> = []
        providedAfter = stages.map { provided.formUnion($0.provides); return provided }
    }

    /// Runs every stage on the document and returns it.
    @discardableResult
    public func run(_ document: Document) throws -> Document {
        let fresh = document.provided.isEmpty
        for (i, stage) in stages.enumerated() {
            try stage.process(document)
            if fresh { document.provided = providedAfter[i] } else { document.markProvided(stage.provides) }
        }
        return document
    }

    /// Tags a text.
    public func tag(_ text: String) throws -> Document { try run(Document(text: text)) }

    /// A copy with `stage` inserted right after the stage named `name` (or at the end).
    public func inserting(_ stage: any Stage, after name: String? = nil) throws -> Pipeline {
        var list = stages
        if let name {
            guard let i = list.firstIndex(where: { $0.name == name }) else {
                throw WasimError.pipeline("no stage named '\(name)' (stages: \(list.map(\.name).joined(separator: ", ")))")
            }
            list.insert(stage, at: i + 1)
        } else {
            list.append(stage)
        }
        return try Pipeline(list)
    }

    /// A copy with `stage` inserted right before the stage named `name`.
    public func inserting(_ stage: any Stage, before name: String) throws -> Pipeline {
        var list = stages
        guard let i = list.firstIndex(where: { $0.name == name }) else {
            throw WasimError.pipeline("no stage named '\(name)' (stages: \(list.map(\.name).joined(separator: ", ")))")
        }
        list.insert(stage, at: i)
        return try Pipeline(list)
    }

    /// Segmentation and normalization only.
    public static func tokenizer(normalizer: Normalizer = Normalizer()) throws -> Pipeline {
        try Pipeline([Segmentation(), Normalization(normalizer)])
    }
}
