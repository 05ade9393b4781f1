// The document model: the original text and everything the stages add to it. Every stage reads
// and writes this one type. Offsets inside are UTF-16 code units into `utf16` (what ICU works
// in); output converts them to code points once, through `codePointOffset(_:)`.

/// What a token is, from ICU's word-break rule status.
public enum TokenKind: UInt8, Sendable, CustomStringConvertible {
    case word = 0, number = 1, punctuation = 2, symbol = 3

    public var description: String {
        switch self {
        case .word: "word"
        case .number: "number"
        case .punctuation: "punctuation"
        case .symbol: "symbol"
        }
    }
}

/// One reading of a token with its attached proclitics split off: `والعراق` → و + `العراق`,
/// `للأمم` → ل + `الأمم` (the article's alef, dropped after لِـ, is restored in the stem's form).
package struct ProcliticAnalysis: Sendable, Equatable {
    /// UTF-16 units of the original token before the stem starts (diacritics on a clitic count).
    package var prefixLength: Int32
    /// The proclitic letters, normalized: "و", "ول", "ب"…
    package var proclitics: Proclitics
    /// Hash of the stem's normalized form (see `Normalizer.hash`).
    package var hash: UInt64
}

/// The proclitics Arabic news attaches to names, as a set of letters.
package struct Proclitics: OptionSet, Sendable, Hashable, CustomStringConvertible {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }
    package static let wa = Proclitics(rawValue: 1)   // و
    package static let fa = Proclitics(rawValue: 2)   // ف
    package static let bi = Proclitics(rawValue: 4)   // ب
    package static let li = Proclitics(rawValue: 8)   // ل
    package static let ka = Proclitics(rawValue: 16)  // ك

    package var description: String {
        var s = ""
        if contains(.wa) { s += "و" }
        if contains(.fa) { s += "ف" }
        if contains(.bi) { s += "ب" }
        if contains(.li) { s += "ل" }
        if contains(.ka) { s += "ك" }
        return s
    }

    /// The proclitic a letter stands for, if any.
    package init?(letter: UInt16) {
        switch letter {
        case 0x0648: self = .wa
        case 0x0641: self = .fa
        case 0x0628: self = .bi
        case 0x0644: self = .li
        case 0x0643: self = .ka
        default: return nil
        }
    }
}

/// A token: a range of the original text, its kind, and what normalization found.
public struct Token: Sendable {
    /// UTF-16 range in the document's text, end exclusive.
    public var start: Int32
    public var end: Int32
    public var kind: TokenKind
    /// Index of the sentence holding the token.
    public var sentence: Int32 = 0
    /// Range of the token's normalized form in `Document.normalized` (empty before normalization).
    public var normStart: Int32 = 0
    public var normEnd: Int32 = 0
    /// Hash of the normalized form: the token's interned identity for matching.
    public var hash: UInt64 = 0
    /// The proclitic readings of the token, `Document.analyses[firstAnalysis ..< firstAnalysis + analysisCount]`,
    /// shortest prefix first. The unstripped form is not among them: it is `hash`.
    package var firstAnalysis: Int32 = 0
    package var analysisCount: Int32 = 0

    public init(start: Int32, end: Int32, kind: TokenKind) {
        self.start = start
        self.end = end
        self.kind = kind
    }

    public var length: Int32 { end - start }
}

/// A sentence: a range of tokens and of text.
public struct Sentence: Sendable, Equatable {
    public var tokens: Range<Int32>
    public var start: Int32
    public var end: Int32
}

/// An entity type. PER, ORG, LOC and NUMRANGE are built in; a custom stage may make its own.
public struct EntityType: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let person: EntityType = "PER"
    public static let organization: EntityType = "ORG"
    public static let location: EntityType = "LOC"
    public static let numericRange: EntityType = "NUMRANGE"
    /// Not an entity: a span that rules mark so that nothing inside it is tagged (the name of an
    /// event, a work or a product: مهرجان قرطاج الدولي has no LOC). It wins conflicts like any
    /// candidate and is then left out of the output.
    public static let suppressed: EntityType = "NONE"
    /// The types the tagger produces by default.
    public static let builtIn: [EntityType] = [.person, .organization, .location, .numericRange]
}

/// An entity or a candidate for one.
public struct Entity: Sendable, Equatable {
    public var type: EntityType
    /// UTF-16 range in the document's text, end exclusive, proclitics outside.
    public var start: Int32
    public var end: Int32
    /// Tokens it covers (the first may hold a proclitic that lies outside `start`).
    public var tokens: Range<Int32>
    /// What produced it: `gazetteer:FILE`, `rule:NAME`, `numeric-ranges`, `propagation:…`.
    public var source: String
    /// Higher wins a tie in conflict resolution (see `ConflictResolution`).
    public var priority: Int = 0
    /// A candidate beats every overlapping candidate of lower precedence, whatever their
    /// lengths: entries of the user's own lists (`userPrecedence`) beat built-in guesses.
    public var precedence: Int = 0
    public static let userPrecedence = 1
    /// Canonical id from a gazetteer entry.
    public var id: String? = nil
    /// NUMRANGE attributes.
    public var low: Double? = nil
    public var high: Double? = nil
    public var unit: String? = nil

    public init(type: EntityType, start: Int32, end: Int32, tokens: Range<Int32>, source: String,
                priority: Int = 0, id: String? = nil) {
        self.type = type
        self.start = start
        self.end = end
        self.tokens = tokens
        self.source = source
        self.priority = priority
        self.id = id
    }

    public var length: Int32 { end - start }
    public func overlaps(_ other: Entity) -> Bool { start < other.end && other.start < end }
}

/// A match of a gazetteer list (entity or helper list such as TITLE) over tokens; the rules
/// read these, as JAPE grammars read Lookup annotations.
package struct Lookup: Sendable, Equatable {
    /// The list's type id in the gazetteer (see `Gazetteer.typeName(_:)`).
    package var list: Int32
    package var tokens: Range<Int32>
    /// UTF-16 units of proclitic at the first token that the match skipped.
    package var prefixLength: Int32
    /// Index of the entry in its gazetteer (for its canonical id and source file).
    package var entry: Int32
    /// The entry's list file (`Gazetteer.files`), which matching has at hand: the labeller reads
    /// it for every lookup, and `Gazetteer.entryFile[entry]` was a cache miss each time (half of
    /// the time of the labeller's marks in `perf` samples).
    package var file: Int16
}

/// A record of a decision, for `wasim explain`: an entity and the candidates it beat.
package struct Resolution: Sendable {
    package var winner: Entity
    package var beaten: [Entity]
}

/// The document every stage works on.
///
/// Threading: a document belongs to one thread at a time. It is a class with mutable fields
/// that every stage writes, and even its reads are not free of writes: `text` and
/// `codePointOffset(_:)` fill caches the first time they are asked for. It is therefore not
/// `Sendable` (see the unavailable conformance below), and the compiler refuses to share it
/// between tasks or threads; it may only be handed over whole (`sending`), after which the
/// giver no longer touches it. The batch runner makes one document per article on the thread
/// that tags it. What is shared between threads is the `Pipeline` and its stages, which are
/// `Sendable` and never mutated by `process`.
public final class Document {
    /// Where it came from, as given (a path or a record id); carried into the output.
    public var path: String?
    public var id: String?
    /// The original text (after a byte-order mark, if there was one), made from `utf16` the
    /// first time it is asked for: tagging works on `utf16` and never needs it. The cache is
    /// safe because a document is used by one thread at a time (see the type's comment).
    public var text: String {
        if let t = storedText { return t }
        let t = String(decoding: utf16, as: UTF16.self)
        storedText = t
        return t
    }
    private var storedText: String?
    public let utf16: ContiguousArray<UInt16>

    // The stages' arrays are read element by element on every token, and each read of a class's
    // stored property paid a dynamic exclusivity check (`swift_beginAccess` and `swift_endAccess`,
    // some 100 instructions; 1.3% of a run's instructions over 1,000 articles, a fifth of numeric
    // ranges'). A document is used by one thread at a time, and no stage hands one of these arrays
    // `inout` while reading it through the document, so the checks are turned off for them; the
    // compiler still refuses every conflict it can see.
    @exclusivity(unchecked) public var tokens: ContiguousArray<Token> = []
    @exclusivity(unchecked) public var sentences: [Sentence] = []
    /// Normalized forms of all tokens, back to back; tokens point into it.
    @exclusivity(unchecked) package var normalized: ContiguousArray<UInt16> = []
    @exclusivity(unchecked) package var analyses: ContiguousArray<ProcliticAnalysis> = []
    /// Gazetteer matches, sorted by first token.
    @exclusivity(unchecked) package var lookups: [Lookup] = []
    /// Proposals from gazetteers, rules and other stages; conflict resolution picks `entities`.
    @exclusivity(unchecked) public var candidates: [Entity] = []
    /// The resolved entities, sorted by start.
    @exclusivity(unchecked) public var entities: [Entity] = []
    /// Spans that conflict resolution kept as NONE: no entity may be found inside them.
    @exclusivity(unchecked) package var suppressed: [Entity] = []
    /// How each entity won, when the pipeline records it (`Pipeline.run(_:explain:)`).
    @exclusivity(unchecked) package var resolutions: [Resolution] = []
    package var recordsResolutions = false
    /// What the stages run so far have provided.
    package internal(set) var provided: Set<Capability> = []

    private let hasSurrogates: Bool
    @exclusivity(unchecked) private var codePointIndex: [Int32]? = nil

    public init(text: String, path: String? = nil, id: String? = nil) {
        self.storedText = text
        self.utf16 = ContiguousArray(text.utf16)
        self.path = path
        self.id = id
        self.hasSurrogates = utf16.contains { $0 & 0xF800 == 0xD800 }
    }

    /// A document made from already decoded text (`DocumentDecoder`), with no String built.
    package init(utf16: ContiguousArray<UInt16>, path: String?, id: String?) {
        self.utf16 = utf16
        self.path = path
        self.id = id
        self.hasSurrogates = Document.countSurrogates(utf16) > 0
    }

    /// The same, when the decoder has already said whether the text holds surrogates.
    package init(utf16: ContiguousArray<UInt16>, path: String?, id: String?, hasSurrogates: Bool) {
        self.utf16 = utf16
        self.path = path
        self.id = id
        self.hasSurrogates = hasSurrogates
    }

    /// A count over the whole text, not a search: a loop without an early exit runs several
    /// units at a time.
    private static func countSurrogates(_ utf16: ContiguousArray<UInt16>) -> Int {
        utf16.withUnsafeBufferPointer { b in
            var n = 0
            for u in b { n &+= u & 0xF800 == 0xD800 ? 1 : 0 }
            return n
        }
    }

    /// Code-point offset of a UTF-16 offset: what every output reports (Python's `str` indexing).
    public func codePointOffset(_ utf16Offset: Int32) -> Int {
        guard hasSurrogates else { return Int(utf16Offset) }
        if codePointIndex == nil {
            var index = [Int32](repeating: 0, count: utf16.count + 1)
            var cp: Int32 = 0
            for i in 0..<utf16.count {
                index[i] = cp
                if utf16[i] & 0xFC00 != 0xDC00 { cp += 1 }
            }
            index[utf16.count] = cp
            codePointIndex = index
        }
        return Int(codePointIndex![Int(utf16Offset)])
    }

    /// The original text of a UTF-16 range.
    public func substring(_ start: Int32, _ end: Int32) -> String {
        // A contiguous buffer, not a generic slice: String's fast transcoding path.
        utf16.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[Int(start)..<Int(end)]), as: UTF16.self) }
    }

    public func text(of token: Token) -> String { substring(token.start, token.end) }
    public func text(of entity: Entity) -> String { substring(entity.start, entity.end) }

    /// The normalized form of a token, as a String (for display; matching uses `hash`).
    public func normalizedText(of token: Token) -> String {
        normalized.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[Int(token.normStart)..<Int(token.normEnd)]), as: UTF16.self)
        }
    }

    /// The proclitic readings of a token.
    package func analyses(of token: Token) -> ArraySlice<ProcliticAnalysis> {
        analyses[Int(token.firstAnalysis)..<Int(token.firstAnalysis + token.analysisCount)]
    }

    /// The index of the first token that ends after `offset`, by binary search.
    public func tokenIndex(atOrAfter offset: Int32) -> Int {
        var lo = 0, hi = tokens.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if tokens[mid].end <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    func markProvided(_ capabilities: Set<Capability>) { provided.formUnion(capabilities) }
}

/// A document is never shared between threads: see its threading contract above.
@available(*, unavailable)
extension Document: Sendable {}
