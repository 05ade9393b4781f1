// Training the labeller: gold (CoNLL or JSON Lines) → the pipeline's findings on its text →
// features → an averaged structured perceptron (Collins 2002) decoded by Viterbi under BIO
// constraints. Deterministic: data in file order, a fixed-seed shuffle, no dictionary iteration.
import Foundation
import Wasim

/// A gold text ready to tag: its text and its PER/ORG/LOC spans in UTF-16 units.
public struct TrainingText: Sendable {
    public var text: String
    public var spans: [(type: EntityType, start: Int32, end: Int32)]
    public var location: String
}

public struct TrainingOptions: Sendable {
    public var name = "wasim"
    public var epochs = 10
    public var seed: UInt64 = 1
    /// Perceptrons trained with seeds `seed`, `seed + 1`…, whose averaged weights are averaged
    /// again: one perceptron's weights depend on the order it saw the sentences in, and a small
    /// change of the inputs moved a score by ±0.5; the mean of a few orders moves less.
    public var ensemble = 1
    /// Features seen fewer times in the training data are left out.
    public var minCount = 2
    public var groups = FeatureGroups.all
    /// Cap on the features kept (the strongest by the sum of their absolute weights): keeps the file small.
    public var maxFeatures = 90_000
    /// Folds of the jackknife over the gold that `Gazetteers/train-split-*.tsv` came from.
    public var folds = 5
    /// Sentences (CoNLL) are grouped into documents of up to this many tokens, as `wasim eval` does.
    public var documentTokens = 400
    public init() {}
}

/// One sentence of training data: its features (indices into the feature table) and gold labels.
struct TrainingSentence {
    var featureStart: [Int32]   // per token, into `features`; one more at the end
    var features: [Int32]
    var labels: [Int]
}

public enum Trainer {
    // MARK: Gold → texts

    /// The gold's texts with their PER/ORG/LOC spans (other types are dropped).
    public static func texts(_ corpus: GoldCorpus, documentTokens: Int = 400) -> [TrainingText] {
        switch corpus {
        case .records(let records):
            return records.map { r in
                var utf16At: [Int32] = []
                var offset: Int32 = 0
                for s in r.text.unicodeScalars { utf16At.append(offset); offset += Int32(s.utf16.count) }
                utf16At.append(offset)
                let spans = r.entities.filter { [.person, .organization, .location].contains($0.type) }
                    .map { (type: $0.type, start: utf16At[$0.start], end: utf16At[$0.end]) }
                return TrainingText(text: r.text, spans: spans, location: r.location)
            }
        case .conll(let sentences):
            return Evaluation.documents(sentences, documentTokens: documentTokens).map { conllText(sentences[$0]) }
        }
    }

    /// A CoNLL document's text as `wasim eval` builds it (`Evaluation.join`), with its gold spans.
    static func conllText(_ sentences: ArraySlice<CoNLLSentence>) -> TrainingText {
        let joined = Evaluation.join(sentences)
        var spans: [(type: EntityType, start: Int32, end: Int32)] = []
        var first = 0
        for sentence in sentences {
            for c in Chunker.chunks(sentence.tags) where [.person, .organization, .location].contains(c.type) {
                spans.append((c.type, joined.starts[first + c.start], joined.ends[first + c.end - 1]))
            }
            first += sentence.tokens.count
        }
        return TrainingText(text: joined.text, spans: spans, location: sentences.first?.location ?? "")
    }

    /// The stages before the labeller, with the given lists.
    public static func featurePipeline(_ options: PipelineOptions, gazetteer: Gazetteer) throws -> Pipeline {
        let rules = try DefaultPipeline.loadRules(options, gazetteer: gazetteer)
        return try Pipeline([Segmentation(), Normalization(options.normalizer), GazetteerMatching(gazetteer),
                             RuleMatching(rules, gazetteer: gazetteer), NumericRanges()])
    }

    /// BIO labels of the pipeline's tokens from gold spans: a token overlapping a span takes its type.
    static func labels(_ d: Document, _ spans: [(type: EntityType, start: Int32, end: Int32)]) -> [Int] {
        var labels = [Int](repeating: 0, count: d.tokens.count)
        for s in spans {
            var first = true
            var k = d.tokenIndex(atOrAfter: s.start)
            while k < d.tokens.count, d.tokens[k].start < s.end {
                if d.tokens[k].end > s.start, let b = BIOLabel.begin(s.type) {
                    labels[k] = first ? b.rawValue : b.rawValue + 1
                    first = false
                }
                k += 1
            }
        }
        return labels
    }

    // MARK: Featurizing

    /// Tagged documents with their gold labels, before features are indexed.
    struct Featurized {
        var sentences: [(keys: [[UInt64]], labels: [Int])] = []
    }

    static func featurize(_ texts: [TrainingText], pipeline: Pipeline, gazetteer: Gazetteer, groups: FeatureGroups,
                          clusters: (any ClusterCodes)?) throws -> Featurized {
        let listHashes = gazetteer.files.map { stringHash($0.name) }
        var out = Featurized()
        for t in texts {
            let d = try pipeline.run(Document(text: t.text))
            let labels = labels(d, t.spans)
            let fx = FeatureExtractor(document: d, groups: groups, gazetteer: gazetteer, listHashes: listHashes, clusters: clusters)
            for s in d.sentences {
                let range = Int(s.tokens.lowerBound)..<Int(s.tokens.upperBound)
                var keys: [[UInt64]] = []
                keys.reserveCapacity(range.count)
                for i in range {
                    var sink = KeySink()
                    fx.features(of: i, in: range, into: &sink)
                    keys.append(sink.keys)
                }
                out.sentences.append((keys, Array(labels[range])))
            }
        }
        return out
    }

    /// Features by jackknife: the texts are cut into `folds` contiguous parts, and each part is
    /// tagged with the `train-split-*` lists replaced by lists derived from the other parts only,
    /// without what the shipped lists dropped from the whole corpus's derivation.
    static func featurizeJackknife(_ sentences: [CoNLLSentence], raw: [CoNLLSentence], options: PipelineOptions, training: TrainingOptions,
                                   clusters: (any ClusterCodes)?, progress: (String) -> Void) throws -> Featurized {
        let documents = Evaluation.documents(sentences, documentTokens: training.documentTokens)
        let k = max(2, training.folds)
        var out = Featurized()
        let curated = try TrainSplitLists.curatedGivenNames(options: options)
        let dropped = try TrainSplitLists.droppedFromShipped(
            TrainSplitLists.derive(raw, isKnownGivenName: curated.predicate, normalizer: options.normalizer), options: options)
        progress("jackknife: \(dropped.count) derived entries the shipped train-split lists dropped are dropped from the folds' lists too")
        for f in 0..<k {
            let fold = documents[(documents.count * f / k)..<(documents.count * (f + 1) / k)]
            guard let first = fold.first?.lowerBound, let last = fold.last?.upperBound else { continue }
            let others = Array(raw[..<first]) + Array(raw[last...])
            let derived = TrainSplitLists.derive(others, isKnownGivenName: curated.predicate, normalizer: options.normalizer)
            let gazetteer = try TrainSplitLists.gazetteer(replacingWith: TrainSplitLists.dropping(dropped, from: derived, normalizer: options.normalizer),
                                                          options: options)
            let pipeline = try featurePipeline(options, gazetteer: gazetteer)
            let texts = fold.map { conllText(sentences[$0]) }
            let part = try featurize(texts, pipeline: pipeline, gazetteer: gazetteer, groups: training.groups, clusters: clusters)
            out.sentences += part.sentences
            progress("jackknife fold \(f + 1)/\(k): \(texts.count) documents tagged with lists from the other folds")
        }
        return out
    }

    // MARK: Training

    /// Trains on featurized data; `dev` (optional) is scored after every epoch.
    static func train(_ data: Featurized, dev: Featurized?, options: TrainingOptions,
                      progress: (String) -> Void) -> LabellerModel {
        // Features seen at least minCount times, numbered in order of first appearance.
        var counts: [UInt64: Int32] = [:]
        for s in data.sentences { for t in s.keys { for key in t { counts[key, default: 0] += 1 } } }
        var index: [UInt64: Int32] = [:]
        var keyOf: [UInt64] = []
        for s in data.sentences {
            for t in s.keys {
                for key in t where index[key] == nil && counts[key]! >= Int32(options.minCount) {
                    index[key] = Int32(keyOf.count)
                    keyOf.append(key)
                }
            }
        }
        func indexed(_ f: Featurized) -> [TrainingSentence] {
            f.sentences.map { s in
                var starts: [Int32] = [0], feats: [Int32] = []
                for t in s.keys {
                    for key in t { if let i = index[key] { feats.append(i) } }
                    starts.append(Int32(feats.count))
                }
                return TrainingSentence(featureStart: starts, features: feats, labels: s.labels)
            }
        }
        let train = indexed(data)
        let devSentences = dev.map(indexed)
        let n = keyOf.count
        progress("\(train.count) sentences, \(train.reduce(0) { $0 + $1.labels.count }) tokens, \(n) features (seen ≥ \(options.minCount) times)")
        var sumW = [Float](repeating: 0, count: n * 7), sumT = [Float](repeating: 0, count: 56)
        let runs = max(1, options.ensemble)
        for run in 0..<runs {
            var w = [Float](repeating: 0, count: n * 7), u = [Double](repeating: 0, count: n * 7)
            var tw = [Float](repeating: 0, count: 56), tu = [Double](repeating: 0, count: 56)
            var c: Double = 1
            var rng = SplitMix64(seed: options.seed &+ UInt64(run))
            var order = Array(train.indices)

            func emissions(_ s: TrainingSentence, _ w: [Float]) -> [Float] {
                var e = [Float](repeating: 0, count: s.labels.count * 7)
                for k in 0..<s.labels.count {
                    for f in s.features[Int(s.featureStart[k])..<Int(s.featureStart[k + 1])] {
                        for l in 0..<7 { e[k * 7 + l] += w[Int(f) * 7 + l] }
                    }
                }
                return e
            }
            func averaged() -> ([Float], [Float]) {
                (zip(w, u).map { Float(Double($0) - $1 / c) }, zip(tw, tu).map { Float(Double($0) - $1 / c) })
            }

            for epoch in 1...max(1, options.epochs) {
                // Fisher–Yates with the fixed-seed generator: the same order on every run.
                for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
                var mistakes = 0, tokens = 0
                for si in order {
                    let s = train[si]
                    let predicted = Labeller.viterbi(emissions(s, w), count: s.labels.count, transitions: tw)
                    tokens += s.labels.count
                    if predicted == s.labels { c += 1; continue }
                    for k in 0..<s.labels.count {
                        let g = s.labels[k], p = predicted[k]
                        if g != p {
                            mistakes += 1
                            for f in s.features[Int(s.featureStart[k])..<Int(s.featureStart[k + 1])] {
                                w[Int(f) * 7 + g] += 1; u[Int(f) * 7 + g] += c
                                w[Int(f) * 7 + p] -= 1; u[Int(f) * 7 + p] -= c
                            }
                        }
                        let gp = k == 0 ? 0 : s.labels[k - 1] + 1, pp = k == 0 ? 0 : predicted[k - 1] + 1
                        if gp != pp || g != p {
                            tw[gp * 7 + g] += 1; tu[gp * 7 + g] += c
                            tw[pp * 7 + p] -= 1; tu[pp * 7 + p] -= c
                        }
                    }
                    c += 1
                }
                var line = (runs > 1 ? "run \(run + 1)/\(runs), " : "") + "epoch \(epoch)/\(options.epochs): \(mistakes) token errors on train (\(String(format: "%.2f", 100 * Double(mistakes) / Double(max(tokens, 1))))%)"
                if let devSentences {
                    let (aw, at) = averaged()
                    var gold = 0, predicted = 0, correct = 0
                    for s in devSentences {
                        let g = Set(Labeller.spans(s.labels).map { "\($0.type)\($0.tokens)" })
                        let p = Labeller.spans(Labeller.viterbi(emissions(s, aw), count: s.labels.count, transitions: at)).map { "\($0.type)\($0.tokens)" }
                        gold += g.count
                        predicted += p.count
                        correct += p.filter { g.contains($0) }.count
                    }
                    let pr = ratio(correct, predicted), rc = ratio(correct, gold)
                    line += String(format: "; dev (model alone, exact span) P %.1f R %.1f F1 %.1f", 100 * pr, 100 * rc, 100 * harmonic(pr, rc))
                }
                progress(line)
            }
            let (rw, rt) = averaged()
            for i in sumW.indices { sumW[i] += rw[i] }
            for i in sumT.indices { sumT[i] += rt[i] }
        }
        // Run 1 alone is the single perceptron, bit for bit (a division by 1 changes nothing).
        let aw = sumW.map { $0 / Float(runs) }, at = sumT.map { $0 / Float(runs) }
        // Keep the strongest features (sum of |weights|), in index order.
        var strength = (0..<n).map { i in (0..<7).reduce(Float(0)) { $0 + abs(aw[i * 7 + $1]) } }
        var kept = (0..<n).filter { strength[$0] > 1e-6 }
        if kept.count > options.maxFeatures {
            let sorted = kept.sorted { strength[$0] != strength[$1] ? strength[$0] > strength[$1] : $0 < $1 }
            kept = Array(sorted.prefix(options.maxFeatures)).sorted()
        }
        strength = []
        progress("\(kept.count) features kept")
        let features = kept.map { i in (key: keyOf[i], weights: Array(aw[(i * 7)..<(i * 7 + 7)])) }
        return LabellerModel(name: options.name, groups: options.groups, features: features, transitions: at)
    }

    /// Trains from gold corpora. `jackknife` marks the corpora whose gold the `train-split-*`
    /// lists were derived from: their features come from a jackknife (see `featurizeJackknife`).
    /// `listSource` is the corpus as the lists were derived from it (raw ANERcorp), when the gold
    /// is a converted version of it (same sentences and tokens, other tags).
    public static func train(gold: [(corpus: GoldCorpus, jackknife: Bool, listSource: GoldCorpus?)], dev: GoldCorpus?,
                             pipelineOptions: PipelineOptions, options: TrainingOptions, clusters: (any ClusterCodes)? = nil,
                             progress: (String) -> Void) throws -> LabellerModel {
        let gazetteer = try DefaultPipeline.loadGazetteer(pipelineOptions)
        let pipeline = try featurePipeline(pipelineOptions, gazetteer: gazetteer)
        var data = Featurized()
        for g in gold {
            if g.jackknife, case .conll(let sentences) = g.corpus {
                var raw = sentences
                if case .conll(let r)? = g.listSource {
                    guard r.count == sentences.count, zip(r, sentences).allSatisfy({ $0.tokens == $1.tokens }) else {
                        throw WasimError.data("\(sentences.first?.location ?? "gold"): the converted corpus does not have the raw corpus's sentences and tokens")
                    }
                    raw = r
                }
                data.sentences += try featurizeJackknife(sentences, raw: raw, options: pipelineOptions, training: options, clusters: clusters,
                                                         progress: progress).sentences
            } else {
                data.sentences += try featurize(texts(g.corpus, documentTokens: options.documentTokens), pipeline: pipeline,
                                                gazetteer: gazetteer, groups: options.groups, clusters: clusters).sentences
            }
        }
        let devData = try dev.map {
            try featurize(texts($0, documentTokens: options.documentTokens), pipeline: pipeline, gazetteer: gazetteer,
                          groups: options.groups, clusters: clusters)
        }
        return train(data, dev: devData, options: options, progress: progress)
    }
}

/// Keeps training text apart from evaluation text. NewsFANE re-annotates ANERcorp's articles
/// (about half of its sentences are ANERcorp sentences, 165 of them from ANERcorp test), so its
/// sentences that share 40 letters in a row with an excluded corpus are dropped.
public enum Decontamination {
    static func key(_ s: String) -> [Character] {
        let n = Normalizer().normalize(s)
        return Array(n.unicodeScalars.compactMap { u -> Character? in
            switch u {
            case " ", "\t", "\n", "ء": nil
            case "ؤ": "و"
            case "ئ": "ي"
            default: Character(u)
            }
        })
    }
    static let width = 40

    static func shingles(_ texts: [String]) -> Set<String> {
        var out = Set<String>()
        for t in texts {
            let k = key(t)
            guard k.count >= width else { continue }
            for i in 0...(k.count - width) { out.insert(String(k[i..<(i + width)])) }
        }
        return out
    }

    static func overlaps(_ text: String, _ excluded: Set<String>) -> Bool {
        let k = key(text)
        guard k.count >= width else { return false }
        return stride(from: 0, through: k.count - width, by: 10).contains { excluded.contains(String(k[$0..<($0 + width)])) }
    }

    /// The sentences (CoNLL) or records of `corpus` that share no 40-letter run with `excluded`.
    public static func filter(_ corpus: GoldCorpus, excluding excluded: GoldCorpus) -> (GoldCorpus, dropped: Int) {
        let set = shingles(texts(excluded))
        switch corpus {
        case .conll(let sentences):
            let kept = sentences.filter { !overlaps($0.tokens.joined(separator: " "), set) }
            return (.conll(kept), sentences.count - kept.count)
        case .records(let records):
            let kept = records.filter { !overlaps($0.text, set) }
            return (.records(kept), records.count - kept.count)
        }
    }

    static func texts(_ c: GoldCorpus) -> [String] {
        switch c {
        case .conll(let s): s.map { $0.tokens.joined(separator: " ") }
        case .records(let r): r.map(\.text)
        }
    }
}

/// A small, fast, seedable generator (Steele, Lea & Flood 2014): the same seed, the same numbers.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
