// Word clusters from unlabeled text, for the learned labeller's features (`wasim clusters`).
//
// Method: each word is described by who stands next to it — PPMI-weighted counts of the most
// frequent forms at ±1 and ±2, one block per position — and the words are split in two again
// and again (spherical bisecting k-means over those sparse vectors, each split seeded by the
// principal direction of the node, so nothing is random). The path of left/right turns from
// the root is the word's code, as in Brown clustering: a short prefix is a coarse class (verbs,
// place names), a long one a fine class (Tunisian towns, months). Everything runs in a fixed
// order over arrays: the same corpus gives the same bytes.
import Foundation
import Wasim

public struct WordClusterOptions: Sendable {
    /// Words seen fewer times than this get no code.
    public var minFrequency = 3
    /// At most this many words (the most frequent) get a code.
    public var maxWords = 50_000
    /// The most frequent forms that serve as context.
    public var contextWords = 1_000
    /// Neighbours on each side that describe a word (1 or 2).
    public var window = 2
    /// The longest code (bits).
    public var maxDepth = 20
    /// A node with fewer words than this is a leaf.
    public var minSplit = 8
    /// Refinement rounds of 2-means per split.
    public var iterations = 8

    public init() {}

    /// The non-default options, as `wasim clusters` flags (for the file's header).
    public var flags: String {
        let d = WordClusterOptions()
        var out: [String] = []
        if minFrequency != d.minFrequency { out.append("--min-frequency \(minFrequency)") }
        if maxWords != d.maxWords { out.append("--max-words \(maxWords)") }
        if contextWords != d.contextWords { out.append("--context-words \(contextWords)") }
        if window != d.window { out.append("--window \(window)") }
        if maxDepth != d.maxDepth { out.append("--max-depth \(maxDepth)") }
        if minSplit != d.minSplit { out.append("--min-split \(minSplit)") }
        return out.joined(separator: " ")
    }
}

/// Counts of normalized forms and their neighbours, fed document by document.
public struct WordClusterCorpus {
    /// Interned forms: id → normalized text, kind, frequency.
    public private(set) var forms: [String] = []
    private(set) var isWord: [Bool] = []
    public private(set) var frequency: [Int] = []
    private var ids: [UInt64: Int32] = [:]
    /// Sentences as form ids, each followed by -1.
    private(set) var stream: [Int32] = []
    public private(set) var documents = 0
    public private(set) var tokens = 0

    /// Every number is one form: which number it is says nothing about its neighbours.
    static let numberForm = "<NUM>"

    public init() {}

    /// Adds a document that went through segmentation and normalization.
    public mutating func add(_ document: Document) {
        documents += 1
        for sentence in document.sentences {
            var any = false
            for t in sentence.tokens {
                let token = document.tokens[Int(t)]
                let id = token.kind == .number ? numberID() : intern(token, in: document)
                frequency[Int(id)] += 1
                stream.append(id)
                tokens += 1
                any = true
            }
            if any { stream.append(-1) }
        }
    }

    private var numberIDValue: Int32 = -1

    private mutating func numberID() -> Int32 {
        if numberIDValue < 0 { numberIDValue = newForm(WordClusterCorpus.numberForm, word: false) }
        return numberIDValue
    }

    private mutating func intern(_ token: Token, in document: Document) -> Int32 {
        if let id = ids[token.hash] { return id }
        let id = newForm(document.normalizedText(of: token), word: token.kind == .word)
        ids[token.hash] = id
        return id
    }

    private mutating func newForm(_ form: String, word: Bool) -> Int32 {
        forms.append(form)
        isWord.append(word)
        frequency.append(0)
        return Int32(forms.count - 1)
    }
}

/// The result: a code path per word, most frequent first within each cluster.
public struct WordClusterTable: Sendable {
    public var words: [String]
    public var paths: [String]
    public var frequencies: [Int]
    public var types: Int
    public var tokens: Int
    public var documents: Int

    /// The file `WordClusters` reads: the header lines (without `# `), then word, bits, frequency,
    /// ordered by path.
    public func tsv(header: [String]) -> String {
        var out = header.map { "# " + $0 + "\n" }.joined()
        for i in words.indices { out += "\(words[i])\t\(paths[i])\t\(frequencies[i])\n" }
        return out
    }
}

public enum WordClusterBuilder {
    /// The text files below a folder (`*.txt`), sorted, hidden ones left out.
    public static func corpusFiles(_ folder: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw WasimError.data("\(folder): no such folder")
        }
        let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        let files = (FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? [])
            .filter { !$0.split(separator: "/").contains { $0.hasPrefix(".") } && $0.hasSuffix(".txt") }
            .sorted().map { base + "/" + $0 }
        if files.isEmpty { throw WasimError.data("\(folder): no *.txt files there") }
        return files
    }

    /// The text files that standoff gold records point at (resolved, standardized paths):
    /// articles held out for measuring stay out of the unlabeled corpus too.
    public static func textFiles(ofGold goldFiles: [String]) throws -> Set<String> {
        var out = Set<String>()
        for gold in goldFiles {
            guard case .records(let records) = try GoldReader.read(path: gold) else {
                throw WasimError.data("\(gold): expected JSON Lines gold with \"text_file\" records")
            }
            for r in records {
                if let p = r.textFile { out.insert(URL(fileURLWithPath: p).standardizedFileURL.path) }
            }
        }
        return out
    }

    /// Reads the files through the real segmentation and normalization stages. A file that is
    /// not text is reported through `skipped` and left out.
    public static func read(files: [String], normalizer: Normalizer = Normalizer(),
                            progress: (Int) -> Void = { _ in }, skipped: (String) -> Void = { _ in }) throws -> WordClusterCorpus {
        let segmentation = Segmentation()
        let normalization = Normalization(normalizer)
        var corpus = WordClusterCorpus()
        for (i, file) in files.enumerated() {
            guard let data = FileManager.default.contents(atPath: file) else {
                skipped("\(file): cannot read file")
                continue
            }
            let document: Document
            do {
                document = try DocumentDecoder.document(from: [UInt8](data), path: file)
            } catch {
                skipped("\(file): \(error)")
                continue
            }
            try segmentation.process(document)
            try normalization.process(document)
            corpus.add(document)
            if (i + 1) % 1000 == 0 { progress(i + 1) }
        }
        return corpus
    }

    /// Reads texts given in memory (for tests).
    public static func read(texts: [String], normalizer: Normalizer = Normalizer()) throws -> WordClusterCorpus {
        var corpus = WordClusterCorpus()
        for text in texts {
            let document = Document(text: text)
            try Segmentation().process(document)
            try Normalization(normalizer).process(document)
            corpus.add(document)
        }
        return corpus
    }

    /// The clusters of a corpus.
    public static func cluster(_ corpus: WordClusterCorpus, options: WordClusterOptions = WordClusterOptions(),
                               progress: (String) -> Void = { _ in }) -> WordClusterTable {
        let formCount = corpus.forms.count
        // A fixed order: frequency, then the form's code units (String's < is for people).
        func before(_ a: Int, _ b: Int) -> Bool {
            if corpus.frequency[a] != corpus.frequency[b] { return corpus.frequency[a] > corpus.frequency[b] }
            return corpus.forms[a].utf16.lexicographicallyPrecedes(corpus.forms[b].utf16)
        }
        let byFrequency = (0..<formCount).sorted(by: before)
        // A word of tatweel or harakat alone normalizes to nothing: it has no key to look up.
        let vocabulary = Array(byFrequency.lazy.filter {
            corpus.isWord[$0] && corpus.frequency[$0] >= options.minFrequency && !corpus.forms[$0].isEmpty
                && !corpus.forms[$0].unicodeScalars.contains { $0.properties.isWhitespace }
        }.prefix(options.maxWords))
        let contexts = Array(byFrequency.prefix(options.contextWords))
        // Context slot of a form: its rank among the context forms, else "rare"; the sentence edge has its own.
        var contextSlot = [Int32](repeating: Int32(options.contextWords), count: formCount)
        for (rank, form) in contexts.enumerated() { contextSlot[form] = Int32(rank) }
        let slots = options.contextWords + 2  // + rare + edge
        let edge = Int32(options.contextWords + 1)
        var row = [Int32](repeating: -1, count: formCount)
        for (i, form) in vocabulary.enumerated() { row[form] = Int32(i) }
        let window = max(1, min(2, options.window))
        let blocks = 2 * window
        let dims = blocks * slots

        // Co-occurrence counts, one dictionary per word keyed by feature index: sparse and
        // built in corpus order, then sorted by feature.
        var pairs = [[Int32: Int32]](repeating: [:], count: vocabulary.count)
        let stream = corpus.stream
        var sentenceStart = 0
        for i in stream.indices {
            let id = stream[i]
            if id < 0 { sentenceStart = i + 1; continue }
            let r = row[Int(id)]
            if r < 0 { continue }
            for d in 1...window {
                let left = i - d >= sentenceStart ? contextSlot[Int(stream[i - d])] : edge
                let rightIndex = i + d
                var right = edge
                if rightIndex < stream.count, stream[rightIndex] >= 0 {
                    // Past the sentence's end marker there is nothing: the edge.
                    var crossed = false
                    for k in (i + 1)...rightIndex where stream[k] < 0 { crossed = true }
                    if !crossed { right = contextSlot[Int(stream[rightIndex])] }
                }
                let leftFeature = Int32((2 * (d - 1)) * slots) + left
                let rightFeature = Int32((2 * (d - 1) + 1) * slots) + right
                pairs[Int(r)][leftFeature, default: 0] += 1
                pairs[Int(r)][rightFeature, default: 0] += 1
            }
        }
        progress("counted contexts of \(vocabulary.count) words over \(corpus.tokens) tokens")

        // PPMI with context-distribution smoothing (α = 0.75), per position block.
        var featureTotals = [Double](repeating: 0, count: dims)
        var blockTotals = [Double](repeating: 0, count: blocks)
        var rowFeatures: [[Int32]] = []
        var rowCounts: [[Int32]] = []
        rowFeatures.reserveCapacity(vocabulary.count)
        rowCounts.reserveCapacity(vocabulary.count)
        for r in 0..<vocabulary.count {
            let keys = pairs[r].keys.sorted()
            rowFeatures.append(keys)
            rowCounts.append(keys.map { pairs[r][$0]! })
            for (k, c) in zip(keys, rowCounts[r]) {
                featureTotals[Int(k)] += Double(c)
                blockTotals[Int(k) / slots] += Double(c)
            }
            pairs[r] = [:]
        }
        var smoothed = featureTotals.map { pow($0, 0.75) }
        var smoothedBlock = [Double](repeating: 0, count: blocks)
        for f in 0..<dims { smoothedBlock[f / slots] += smoothed[f] }
        for f in 0..<dims where smoothed[f] > 0 { smoothed[f] /= smoothedBlock[f / slots] }
        var points = SparseRows()
        for r in 0..<vocabulary.count {
            var rowTotal = [Double](repeating: 0, count: blocks)
            for (k, c) in zip(rowFeatures[r], rowCounts[r]) { rowTotal[Int(k) / slots] += Double(c) }
            var features: [Int32] = [], values: [Float] = []
            for (k, c) in zip(rowFeatures[r], rowCounts[r]) {
                let pContext = smoothed[Int(k)]
                let pGiven = Double(c) / rowTotal[Int(k) / slots]
                let pmi = log(pGiven / pContext)
                if pmi > 0 { features.append(k); values.append(Float(pmi)) }
            }
            var norm: Float = 0
            for v in values { norm += v * v }
            norm = norm.squareRoot()
            if norm > 0 { for j in values.indices { values[j] /= norm } }
            points.append(features, values)
        }
        _ = blockTotals
        progress("PPMI vectors: \(points.values.count) non-zero features")

        // Bisecting: a stack of nodes, each a list of rows and its path.
        var paths = [String](repeating: "", count: vocabulary.count)
        var weights = [Float](repeating: 0, count: vocabulary.count)
        for r in 0..<vocabulary.count { weights[r] = Float(log2(1 + Double(corpus.frequency[vocabulary[r]]))) }
        var splitter = Splitter(points: points, weights: weights, dims: dims, iterations: options.iterations)
        var stack: [([Int32], String)] = [(Array(0..<Int32(vocabulary.count)), "")]
        var leaves = 0
        while let (members, path) = stack.popLast() {
            if members.count < options.minSplit || path.count >= options.maxDepth || members.count < 2 {
                for m in members { paths[Int(m)] = path.isEmpty ? "0" : path }
                leaves += 1
                continue
            }
            guard let (zero, one) = splitter.split(members) else {
                for m in members { paths[Int(m)] = path.isEmpty ? "0" : path }
                leaves += 1
                continue
            }
            stack.append((one, path + "1"))
            stack.append((zero, path + "0"))
        }
        progress("\(leaves) leaves")

        let order = (0..<vocabulary.count).sorted { a, b in
            if paths[a] != paths[b] { return paths[a].utf8.lexicographicallyPrecedes(paths[b].utf8) }
            return a < b  // rows are in frequency order already
        }
        return WordClusterTable(words: order.map { corpus.forms[vocabulary[$0]] },
                                paths: order.map { paths[$0] },
                                frequencies: order.map { corpus.frequency[vocabulary[$0]] },
                                types: corpus.forms.count, tokens: corpus.tokens, documents: corpus.documents)
    }
}

/// Rows of a sparse matrix, back to back.
struct SparseRows {
    var starts: [Int] = [0]
    var features: [Int32] = []
    var values: [Float] = []

    mutating func append(_ f: [Int32], _ v: [Float]) {
        features += f
        values += v
        starts.append(features.count)
    }

    @inline(__always) func dot(_ row: Int, _ dense: UnsafeBufferPointer<Float>) -> Float {
        var s: Float = 0
        for j in starts[row]..<starts[row + 1] { s += values[j] * dense[Int(features[j])] }
        return s
    }

    @inline(__always) func add(_ row: Int, scale: Float, to dense: UnsafeMutableBufferPointer<Float>) {
        for j in starts[row]..<starts[row + 1] { dense[Int(features[j])] += scale * values[j] }
    }
}

/// One split of a node in two: principal direction, then spherical 2-means.
struct Splitter {
    let points: SparseRows
    let weights: [Float]
    let dims: Int
    let iterations: Int
    var a: [Float]
    var b: [Float]
    var mean: [Float]

    init(points: SparseRows, weights: [Float], dims: Int, iterations: Int) {
        self.points = points
        self.weights = weights
        self.dims = dims
        self.iterations = iterations
        a = [Float](repeating: 0, count: dims)
        b = [Float](repeating: 0, count: dims)
        mean = [Float](repeating: 0, count: dims)
    }

    /// The two halves, the half holding the node's most frequent word first; nil when the
    /// node does not split (all its words look alike).
    mutating func split(_ members: [Int32]) -> ([Int32], [Int32])? {
        let points = self.points, weights = self.weights
        // Weighted mean.
        for k in 0..<dims { mean[k] = 0 }
        var total: Float = 0
        mean.withUnsafeMutableBufferPointer { m in
            for r in members { points.add(Int(r), scale: weights[Int(r)], to: m); total += weights[Int(r)] }
            for k in 0..<dims { m[k] /= total }
        }
        // Principal direction of the centered rows by power iteration, from a fixed start.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(members.count)
        for k in 0..<dims {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            a[k] = Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
        }
        var projections = [Float](repeating: 0, count: members.count)
        for _ in 0..<12 {
            let shift = zip(a, mean).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            a.withUnsafeBufferPointer { u in
                for (i, r) in members.enumerated() { projections[i] = points.dot(Int(r), u) - shift }
            }
            for k in 0..<dims { b[k] = 0 }
            var sum: Float = 0
            b.withUnsafeMutableBufferPointer { v in
                for (i, r) in members.enumerated() {
                    let y = projections[i] * weights[Int(r)]
                    points.add(Int(r), scale: y, to: v)
                    sum += y
                }
            }
            var norm: Float = 0
            for k in 0..<dims { b[k] -= sum * mean[k]; norm += b[k] * b[k] }
            norm = norm.squareRoot()
            if norm == 0 { return nil }
            for k in 0..<dims { a[k] = b[k] / norm }
        }
        let shift = zip(a, mean).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        var side = [Bool](repeating: false, count: members.count)
        a.withUnsafeBufferPointer { u in
            for (i, r) in members.enumerated() { side[i] = points.dot(Int(r), u) - shift > 0 }
        }
        // Spherical 2-means from that split: centroids as normalized weighted sums.
        for _ in 0..<iterations {
            for k in 0..<dims { a[k] = 0; b[k] = 0 }
            a.withUnsafeMutableBufferPointer { ca in
                b.withUnsafeMutableBufferPointer { cb in
                    for (i, r) in members.enumerated() {
                        points.add(Int(r), scale: weights[Int(r)], to: side[i] ? cb : ca)
                    }
                }
            }
            var na: Float = 0, nb: Float = 0
            for k in 0..<dims { na += a[k] * a[k]; nb += b[k] * b[k] }
            if na == 0 || nb == 0 { break }
            na = na.squareRoot(); nb = nb.squareRoot()
            for k in 0..<dims { a[k] /= na; b[k] /= nb }
            var changed = 0
            a.withUnsafeBufferPointer { ca in
                b.withUnsafeBufferPointer { cb in
                    for (i, r) in members.enumerated() {
                        let s = points.dot(Int(r), cb) > points.dot(Int(r), ca)
                        if s != side[i] { side[i] = s; changed += 1 }
                    }
                }
            }
            if changed == 0 { break }
        }
        var zero: [Int32] = [], one: [Int32] = []
        for (i, r) in members.enumerated() { if side[i] { one.append(r) } else { zero.append(r) } }
        if zero.isEmpty || one.isEmpty { return nil }
        // Rows are numbered by frequency, and members stay sorted: the first is the most frequent.
        return zero[0] < one[0] ? (zero, one) : (one, zero)
    }
}
