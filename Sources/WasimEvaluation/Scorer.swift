// Scoring: exact-span precision/recall/F1 as conlleval and seqeval (strict) compute them, a
// partial-match score, and NUMRANGE value accuracy; and the evaluation driver that runs the
// pipeline on gold text (or reads a prediction file) and maps its spans onto the gold's units.
import Foundation
import Wasim
import Synchronization

// MARK: Chunks from tags

/// How a BIO tag sequence becomes chunks.
public enum ChunkRules: Sendable {
    /// conlleval's startOfChunk/endOfChunk: an I- after O, or after a chunk of another type,
    /// starts a new chunk (IOB1 reading). Used for CoNLL gold: ANERcorp and most corpora are
    /// scored with conlleval, and a stray I- is then still a name, not silently dropped.
    case conlleval
    /// seqeval's strict mode with the IOB2 scheme: a chunk must open with B-; an I- that does
    /// not continue a chunk of its own type is invalid and belongs to no chunk.
    case strictIOB2
}

public enum Chunker {
    /// The chunks of one sentence's tags, as token ranges. Tags are `O` or `X-TYPE`; X is one of
    /// B, I, E, S (E and S as conlleval's IOBES extension reads them).
    public static func chunks(_ tags: [String], rules: ChunkRules = .conlleval) -> [GoldSpan] {
        var out: [GoldSpan] = []
        var open: (type: Substring, start: Int)? = nil
        var prevTag: Character = "O"
        var prevType: Substring = ""
        func close(_ end: Int) {
            if let o = open { out.append(GoldSpan(type: EntityType(String(o.type)), start: o.start, end: end)) }
            open = nil
        }
        for (i, raw) in tags.enumerated() {
            let tag: Character = raw == "O" ? "O" : raw.first ?? "O"
            let type: Substring = tag == "O" ? "" : raw.dropFirst(2)
            switch rules {
            case .conlleval:
                if endOfChunk(prevTag, tag, prevType, type) { close(i) }
                if startOfChunk(prevTag, tag, prevType, type) { close(i); open = (type, i) }
                prevTag = tag
                prevType = type
            case .strictIOB2:
                let continues = tag == "I" && open != nil && open!.type == type
                if !continues { close(i) }
                if tag == "B" { open = (type, i) }
                // An invalid I- leaves nothing open, so the I- after it is invalid too.
            }
        }
        close(tags.count)
        return out
    }

    static func endOfChunk(_ prevTag: Character, _ tag: Character, _ prevType: Substring, _ type: Substring) -> Bool {
        switch (prevTag, tag) {
        case ("B", "B"), ("B", "O"), ("B", "S"), ("I", "B"), ("I", "O"), ("I", "S"),
             ("E", _), ("S", _):
            return true
        default:
            return prevTag != "O" && prevType != type
        }
    }

    static func startOfChunk(_ prevTag: Character, _ tag: Character, _ prevType: Substring, _ type: Substring) -> Bool {
        switch (prevTag, tag) {
        case (_, "B"), (_, "S"), ("O", "I"), ("O", "E"), ("E", "I"), ("E", "E"), ("S", "I"), ("S", "E"):
            return true
        default:
            return tag != "O" && prevType != type
        }
    }
}

// MARK: Scoring

/// The gold and predicted spans of one scoring unit: a JSON Lines record (code points) or a
/// CoNLL sentence (token indices).
public struct ScoringUnit: Sendable {
    public enum Context: Sendable {
        case text(String)
        case tokens([String])
    }
    public var gold: [GoldSpan]
    public var predicted: [GoldSpan]
    public var context: Context
    /// "file:line" of the gold, and the record's id if it has one.
    public var location: String
    public var id: String?

    public init(gold: [GoldSpan], predicted: [GoldSpan], context: Context, location: String, id: String? = nil) {
        self.gold = gold
        self.predicted = predicted
        self.context = context
        self.location = location
        self.id = id
    }
}

/// Counts for one type (or all of them).
public struct ScoreCounts: Sendable, Equatable {
    public var gold = 0
    public var predicted = 0
    /// Exact matches: same type, start and end.
    public var correct = 0
    /// Pairs matched one to one by overlap with the same type.
    public var partial = 0

    public init(gold: Int = 0, predicted: Int = 0, correct: Int = 0, partial: Int = 0) {
        self.gold = gold
        self.predicted = predicted
        self.correct = correct
        self.partial = partial
    }

    /// As conlleval and seqeval (zero_division=0) compute them: 0 when the denominator is 0.
    public var precision: Double { ratio(correct, predicted) }
    public var recall: Double { ratio(correct, gold) }
    public var f1: Double { harmonic(precision, recall) }
    public var partialPrecision: Double { ratio(partial, predicted) }
    public var partialRecall: Double { ratio(partial, gold) }
    public var partialF1: Double { harmonic(partialPrecision, partialRecall) }

    static func + (a: ScoreCounts, b: ScoreCounts) -> ScoreCounts {
        ScoreCounts(gold: a.gold + b.gold, predicted: a.predicted + b.predicted, correct: a.correct + b.correct,
               partial: a.partial + b.partial)
    }
}

func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
func harmonic(_ p: Double, _ r: Double) -> Double { p + r == 0 ? 0 : 2 * p * r / (p + r) }

/// A false positive (a prediction with no exact gold match) or a false negative.
public struct ScoringError: Sendable {
    public enum Kind: String, Sendable { case falsePositive = "FP", falseNegative = "FN" }
    public var kind: Kind
    public var unit: Int
    public var span: GoldSpan
    /// A span on the other side that overlaps it (any type): what the error is "instead of".
    public var counterpart: GoldSpan?
}

public struct EvaluationResult: Sendable {
    public var format: String
    /// Scored types in conlleval's order (alphabetical), with their counts.
    public var types: [(type: EntityType, counts: ScoreCounts)]
    public var micro: ScoreCounts
    /// NUMRANGE spans matched exactly whose gold carries low and high, and how many of those the
    /// prediction got both right.
    public var numrangeChecked = 0
    public var numrangeRight = 0
    public var errors: [ScoringError]
    public var units: [ScoringUnit]

    /// seqeval's macro average: the unweighted mean of the per-type values over the types that
    /// occur in the gold or the predictions.
    public var macroPrecision: Double { mean(\.precision) }
    public var macroRecall: Double { mean(\.recall) }
    public var macroF1: Double { mean(\.f1) }
    public var numrangeValueAccuracy: Double { ratio(numrangeRight, numrangeChecked) }

    func mean(_ value: KeyPath<ScoreCounts, Double>) -> Double {
        let present = types.filter { $0.counts.gold + $0.counts.predicted > 0 }
        return present.isEmpty ? 0 : present.map { $0.counts[keyPath: value] }.reduce(0, +) / Double(present.count)
    }

    public func counts(_ type: EntityType) -> ScoreCounts { types.first { $0.type == type }?.counts ?? ScoreCounts() }
}

public enum Scorer {
    /// Scores the units on `types` (spans of other types are dropped on both sides first).
    /// Spans repeated with the same type and offsets count once, as in seqeval, which scores sets
    /// of (sentence, type, start, end).
    public static func score(_ units: [ScoringUnit], types: Set<EntityType>, format: String = "jsonl") -> EvaluationResult {
        var counts: [EntityType: ScoreCounts] = [:]
        for t in types { counts[t] = ScoreCounts() }
        var errors: [ScoringError] = []
        var checked = 0, right = 0
        for (u, unit) in units.enumerated() {
            let gold = unique(unit.gold, types)
            let predicted = unique(unit.predicted, types)
            var goldByKey: [SpanKey: GoldSpan] = [:]
            goldByKey.reserveCapacity(gold.count)
            for g in gold { goldByKey[g.key] = g; counts[g.type]!.gold += 1 }
            var matched = Set<SpanKey>()
            for p in predicted {
                counts[p.type]!.predicted += 1
                if let g = goldByKey[p.key] {
                    counts[p.type]!.correct += 1
                    matched.insert(p.key)
                    if p.type == .numericRange, let gl = g.low, let gh = g.high {
                        checked += 1
                        if same(gl, p.low), same(gh, p.high) { right += 1 }
                    }
                } else {
                    errors.append(ScoringError(kind: .falsePositive, unit: u, span: p, counterpart: overlapping(p, in: gold)))
                }
            }
            for g in gold where !matched.contains(g.key) {
                errors.append(ScoringError(kind: .falseNegative, unit: u, span: g, counterpart: overlapping(g, in: predicted)))
            }
            for (type, n) in partialMatches(gold, predicted) { counts[type]!.partial += n }
        }
        errors.sort { ($0.unit, $0.span.start, $0.kind == .falseNegative ? 0 : 1) < ($1.unit, $1.span.start, $1.kind == .falseNegative ? 0 : 1) }
        let ordered = counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { (type: $0.key, counts: $0.value) }
        return EvaluationResult(format: format, types: ordered, micro: ordered.map(\.counts).reduce(ScoreCounts(), +),
                                numrangeChecked: checked, numrangeRight: right, errors: errors, units: units)
    }

    /// Spans of the chosen types, duplicates dropped, sorted by start then end.
    static func unique(_ spans: [GoldSpan], _ types: Set<EntityType>) -> [GoldSpan] {
        var seen = Set<SpanKey>()
        return spans.filter { types.contains($0.type) && seen.insert($0.key).inserted }
            .sorted { ($0.start, $0.end) < ($1.start, $1.end) }
    }

    static func same(_ a: Double, _ b: Double?) -> Bool {
        guard let b else { return false }
        return abs(a - b) <= 1e-9 * max(1, abs(a))
    }

    /// The span of `others` (sorted by start) that overlaps `span`, if any; looks at the few
    /// spans ending nearest before `span.end`, enough for flat annotation.
    static func overlapping(_ span: GoldSpan, in others: [GoldSpan]) -> GoldSpan? {
        var lo = 0, hi = others.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if others[mid].start < span.end { lo = mid + 1 } else { hi = mid }
        }
        var k = lo - 1
        var looked = 0
        while k >= 0, looked < 8 {
            if others[k].overlaps(span) { return others[k] }
            k -= 1
            looked += 1
        }
        return nil
    }

    /// One-to-one matches by overlap within each type: each gold span takes the first unmatched
    /// prediction of its type that overlaps it, left to right (optimal for flat, sorted spans).
    static func partialMatches(_ gold: [GoldSpan], _ predicted: [GoldSpan]) -> [EntityType: Int] {
        var byType: [EntityType: (g: [GoldSpan], p: [GoldSpan])] = [:]
        for g in gold { byType[g.type, default: ([], [])].g.append(g) }
        for p in predicted where byType[p.type] != nil { byType[p.type]!.p.append(p) }
        var out: [EntityType: Int] = [:]
        for (type, lists) in byType {
            let p = lists.p
            var used = [Bool](repeating: false, count: p.count)
            var first = 0, n = 0
            for g in lists.g {
                while first < p.count, p[first].end <= g.start { first += 1 }
                var k = first
                while k < p.count, p[k].start < g.end {
                    if !used[k], p[k].end > g.start { used[k] = true; n += 1; break }
                    k += 1
                }
            }
            out[type] = n
        }
        return out
    }
}

// MARK: Evaluation driver

public struct EvaluationOptions: Sendable {
    /// Types to score; nil means the default: for CoNLL gold the types its tags use, for JSON
    /// Lines gold Wasim's built-in types and any others the gold uses. MISC only with `misc`.
    public var types: Set<EntityType>? = nil
    public var misc = false
    /// CoNLL sentences are tagged in documents of consecutive sentences up to this many tokens
    /// (never across a `-DOCSTART-` or a file), because the pipeline propagates names within a
    /// document and ANERcorp has no article boundaries. 0 tags each sentence alone.
    public var documentTokens = 400
    public var chunkRules: ChunkRules = .conlleval

    public init() {}
}

public enum Evaluation {
    /// Runs the pipeline on the gold's text and scores it.
    public static func run(_ corpus: GoldCorpus, pipeline: Pipeline, options: EvaluationOptions = EvaluationOptions()) throws -> EvaluationResult {
        let units: [ScoringUnit]
        switch corpus {
        case .records(let records):
            units = try records.map { record in
                let document = try pipeline.run(Document(text: record.text, path: record.path, id: record.id))
                return ScoringUnit(gold: record.entities, predicted: spans(of: document), context: .text(record.text),
                                   location: record.location, id: record.id)
            }
        case .conll(let sentences):
            let tags = try predictedTags(sentences, pipeline: pipeline, documentTokens: options.documentTokens)
            units = conllUnits(sentences, predicted: tags, rules: options.chunkRules)
        }
        return Scorer.score(units, types: types(corpus, options), format: corpus.formatName)
    }

    /// Scores a prediction file: JSON Lines records for JSON Lines gold, or a CoNLL file with
    /// the gold's tokens and predicted tags for CoNLL gold.
    public static func score(_ corpus: GoldCorpus, predictionsAt path: String, options: EvaluationOptions = EvaluationOptions()) throws -> EvaluationResult {
        let units: [ScoringUnit]
        switch corpus {
        case .records(let records):
            let text = try GoldReader.readText(path)
            guard GoldReader.looksLikeJSONLines(text) || text.allSatisfy(\.isWhitespace) else {
                throw WasimError.data("\(path): JSON Lines gold needs JSON Lines predictions (what `wasim tag` writes)")
            }
            let predictions = try GoldReader.parsePredictions(path: path)
            let assigned = try match(predictions, to: records)
            units = records.indices.map { i in
                ScoringUnit(gold: records[i].entities, predicted: assigned[i], context: .text(records[i].text),
                            location: records[i].location, id: records[i].id)
            }
        case .conll(let sentences):
            let text = try GoldReader.readText(path)
            if GoldReader.looksLikeJSONLines(text) {
                throw WasimError.data("\(path): CoNLL gold needs CoNLL predictions (the gold's tokens, one per line, with the predicted tag last)")
            }
            let predicted = try GoldReader.parseCoNLL(text, file: path)
            guard predicted.count == sentences.count else {
                throw WasimError.data("\(path): \(predicted.count) sentences, but the gold has \(sentences.count)")
            }
            for (g, p) in zip(sentences, predicted) where g.tokens != p.tokens {
                let k = zip(g.tokens, p.tokens).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(g.tokens.count, p.tokens.count)
                throw WasimError.data("\(p.location): this sentence differs from the gold's (\(g.location)) at token \(k + 1)")
            }
            units = conllUnits(sentences, predicted: predicted.map(\.tags), rules: options.chunkRules)
        }
        return Scorer.score(units, types: types(corpus, options), format: corpus.formatName)
    }

    package static func types(_ corpus: GoldCorpus, _ options: EvaluationOptions) -> Set<EntityType> {
        var out: Set<EntityType>
        if let explicit = options.types {
            out = explicit
        } else {
            switch corpus {
            case .records(let records):
                out = Set(EntityType.builtIn).union(records.lazy.flatMap(\.entities).map(\.type))
            case .conll(let sentences):
                out = []
                for s in sentences {
                    for tag in s.tags where tag != "O" { out.insert(EntityType(String(tag.dropFirst(2)))) }
                }
            }
            out.remove("MISC")
        }
        if options.misc { out.insert("MISC") }
        return out
    }

    /// A tagged document's entities as code-point spans.
    package static func spans(of document: Document) -> [GoldSpan] {
        document.entities.map { e in
            GoldSpan(type: e.type, start: document.codePointOffset(e.start), end: document.codePointOffset(e.end),
                     low: e.low, high: e.high, unit: e.unit)
        }
    }

    /// Pairs prediction records with gold records: by id, else by path (as written, or its file
    /// name without extension equal to a gold id), else by position in the file. Gold records
    /// no prediction names get an empty prediction.
    static func match(_ predictions: [PredictionRecord], to records: [GoldRecord]) throws -> [[GoldSpan]] {
        var byID: [String: Int] = [:], byPath: [String: Int] = [:]
        for (i, r) in records.enumerated() {
            if let id = r.id {
                if let j = byID[id], predictions.contains(where: { $0.id != nil || $0.path != nil }) {
                    throw WasimError.data("\(r.location): id '\(id)' is also the id of \(records[j].location): predictions cannot be matched by id")
                }
                byID[id] = byID[id] ?? i
            }
            if let path = r.path, byPath[path] == nil { byPath[path] = i }
        }
        var out = [[GoldSpan]](repeating: [], count: records.count)
        var takenBy = [String?](repeating: nil, count: records.count)
        for (k, p) in predictions.enumerated() {
            let target: Int
            if let id = p.id {
                guard let i = byID[id] else { throw WasimError.data("\(p.location): no gold record has id '\(id)'") }
                target = i
            } else if let path = p.path {
                let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                guard let i = byPath[path] ?? byID[stem] else {
                    throw WasimError.data("\(p.location): no gold record has path '\(path)' or id '\(stem)'")
                }
                target = i
            } else {
                guard k < records.count else {
                    throw WasimError.data("\(p.location): prediction record \(k + 1) has no id or path, and the gold has only \(records.count) records")
                }
                target = k
            }
            if let earlier = takenBy[target] {
                throw WasimError.data("\(p.location): gold record \(records[target].location) was already matched by \(earlier)")
            }
            takenBy[target] = p.location
            let length = records[target].text.unicodeScalars.count
            if let k = p.entities.firstIndex(where: { $0.end > length }) {
                throw WasimError.data("\(p.location): entity \(k + 1) ends at \(p.entities[k].end), past the \(length) code points of gold record \(records[target].location)")
            }
            out[target] = p.entities
        }
        return out
    }

    // MARK: CoNLL

    /// Consecutive sentences up to `documentTokens` tokens each (a longer sentence is a document
    /// alone), never across a document start.
    package static func documents(_ sentences: [CoNLLSentence], documentTokens: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0, tokens = 0
        for (i, s) in sentences.enumerated() {
            if i > start, s.startsDocument || tokens + s.tokens.count > documentTokens {
                out.append(start..<i)
                start = i
                tokens = 0
            }
            tokens += s.tokens.count
        }
        if start < sentences.count { out.append(start..<sentences.count) }
        return out
    }

    /// Tags CoNLL sentences with the pipeline: each document's text is its tokens joined by one
    /// space, its sentences by a newline. A token gets the tag of the first entity (by start)
    /// that overlaps it, so `والعراق` is LOC when the entity is `العراق`.
    package static func predictedTags(_ sentences: [CoNLLSentence], pipeline: Pipeline, documentTokens: Int) throws -> [[String]] {
        var out = sentences.map { [String](repeating: "O", count: $0.tokens.count) }
        let groups = documents(sentences, documentTokens: max(documentTokens, 0))
        let failure = Mutex<Error?>(nil)
        let results = Mutex<[(Range<Int>, [[String]])]>([])
        DispatchQueue.concurrentPerform(iterations: groups.count) { g in
            do {
                let tags = try tagDocument(sentences[groups[g]], pipeline: pipeline)
                results.withLock { $0.append((groups[g], tags)) }
            } catch {
                failure.withLock { $0 = $0 ?? error }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        for (range, tags) in results.withLock({ $0 }) {
            for (k, i) in range.enumerated() { out[i] = tags[k] }
        }
        return out
    }

    /// A CoNLL document as `wasim eval` tags it (and `wasim train` reads it): tokens joined by a
    /// space, sentences by a newline; each token's UTF-16 range in reading order, with its
    /// sentence and its place there.
    struct JoinedText {
        var text = ""
        var starts: [Int32] = [], ends: [Int32] = [], sentenceOf: [Int] = [], indexInSentence: [Int] = []
    }

    static func join(_ sentences: ArraySlice<CoNLLSentence>) -> JoinedText {
        var j = JoinedText()
        var offset: Int32 = 0
        for (s, sentence) in sentences.enumerated() {
            if s > 0 { j.text += "\n"; offset += 1 }
            for (k, token) in sentence.tokens.enumerated() {
                if k > 0 { j.text += " "; offset += 1 }
                j.text += token
                j.starts.append(offset)
                offset += Int32(token.utf16.count)
                j.ends.append(offset)
                j.sentenceOf.append(s)
                j.indexInSentence.append(k)
            }
        }
        return j
    }

    static func tagDocument(_ sentences: ArraySlice<CoNLLSentence>, pipeline: Pipeline) throws -> [[String]] {
        let j = join(sentences)
        var tags = sentences.map { [String](repeating: "O", count: $0.tokens.count) }
        guard !j.text.isEmpty else { return tags }
        let document = try pipeline.run(Document(text: j.text))
        var claimed = [Bool](repeating: false, count: j.starts.count)
        for e in document.entities {
            var lo = 0, hi = j.ends.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if j.ends[mid] <= e.start { lo = mid + 1 } else { hi = mid }
            }
            var previous = -2
            var t = lo
            while t < j.starts.count, j.starts[t] < e.end {
                if !claimed[t] {
                    claimed[t] = true
                    let prefix = previous == t - 1 && j.sentenceOf[previous] == j.sentenceOf[t] ? "I-" : "B-"
                    tags[j.sentenceOf[t]][j.indexInSentence[t]] = prefix + e.type.rawValue
                    previous = t
                }
                t += 1
            }
        }
        return tags
    }

    static func conllUnits(_ sentences: [CoNLLSentence], predicted: [[String]], rules: ChunkRules) -> [ScoringUnit] {
        zip(sentences, predicted).map { s, p in
            ScoringUnit(gold: Chunker.chunks(s.tags, rules: rules), predicted: Chunker.chunks(p, rules: rules),
                        context: .tokens(s.tokens), location: s.location)
        }
    }
}
