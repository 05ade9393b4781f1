// The labeller's features: one 64-bit hash per (template, offset, value), computed from what the
// earlier stages left in the document (tokens, normalized forms, proclitic readings, lookups,
// rule/list/range candidates) and from word clusters learned on unlabeled news. No String is made
// per token on the tagging path: values are the stages' own hashes; names are built only when
// someone asks for them (`wasim explain`, tests).

/// Groups of feature templates, switched on and off together (the ablation table in README).
public struct FeatureGroups: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Normalized forms at -2…+2 and proclitic-stripped stems at -1…+1.
    public static let words = FeatureGroups(rawValue: 1)
    /// Prefixes and suffixes of 1–3 letters.
    public static let affixes = FeatureGroups(rawValue: 2)
    /// Kind, length, letters/digits/Latin, article; and the proclitic readings.
    public static let shape = FeatureGroups(rawValue: 4)
    /// Gazetteer lookups by list and type, with B/I position.
    public static let lookups = FeatureGroups(rawValue: 8)
    /// Rule and list candidates: their type with B/I position, and the rule or list.
    public static let candidates = FeatureGroups(rawValue: 16)
    /// Numeric ranges covering the token.
    public static let ranges = FeatureGroups(rawValue: 32)
    /// The same form or stem proposed elsewhere in the document, or earlier inside a multi-word name.
    public static let document = FeatureGroups(rawValue: 64)
    /// Word clusters learned from ant-news.
    public static let clusters = FeatureGroups(rawValue: 128)

    public static let all: FeatureGroups = [.words, .affixes, .shape, .lookups, .candidates, .ranges, .document, .clusters]
    public static let names: [(String, FeatureGroups)] = [
        ("words", .words), ("affixes", .affixes), ("shape", .shape), ("lookups", .lookups),
        ("candidates", .candidates), ("ranges", .ranges), ("document", .document), ("clusters", .clusters),
    ]
}

/// Hierarchical cluster codes of words, looked up by a token's normalized hash. The "data"
/// helper's `WordClusters` conforms; without clusters the group adds nothing.
public protocol ClusterCodes: Sendable {
    /// The cluster's bit path (most significant first, `length` bits), if the word is known.
    func code(ofHash hash: UInt64) -> (bits: UInt32, length: UInt8)?
}

extension WordClusters: ClusterCodes {}

/// Feature templates. Their numbers are part of the model file's feature set: never renumber.
enum Template: UInt8, CaseIterable {
    case bias = 0, form = 1, stem = 2, prefix = 3, suffix = 4, shape = 5, proclitics = 6
    case lookupList = 7, lookupType = 8, candidateSource = 9, candidateType = 10, range = 11
    case docElsewhere = 12, docEarlierInName = 13, cluster = 14, formBigram = 15

    var name: String {
        switch self {
        case .bias: "bias"
        case .form: "form"
        case .stem: "stem"
        case .prefix: "prefix"
        case .suffix: "suffix"
        case .shape: "shape"
        case .proclitics: "proclitics"
        case .lookupList: "list"
        case .lookupType: "list-type"
        case .candidateSource: "source"
        case .candidateType: "candidate"
        case .range: "numrange"
        case .docElsewhere: "doc-elsewhere"
        case .docEarlierInName: "doc-earlier-in-name"
        case .cluster: "cluster"
        case .formBigram: "form-bigram"
        }
    }
}

/// Mixes a template, an offset and a value into a feature's key (never 0: 0 marks an empty slot).
@inline(__always) func featureKey(_ template: Template, _ offset: Int, _ value: UInt64) -> UInt64 {
    var h = (UInt64(template.rawValue) << 8 | UInt64(UInt8(bitPattern: Int8(offset)))) &* 0x9E37_79B9_7F4A_7C15 ^ value
    h ^= h >> 33
    h &*= 0xFF51_AFD7_ED55_8CCD
    h ^= h >> 33
    h &*= 0xC4CE_B9FE_1A85_EC53
    h ^= h >> 33
    return h == 0 ? 1 : h
}

/// FNV-1a over a string's UTF-8, for names (list files, rule names) hashed once per document.
@inline(__always) package func stringHash(_ s: String) -> UInt64 {
    var s = s
    // Over the contiguous UTF-8, not through `String.utf8`'s indices (a rule's name is hashed
    // once per candidate and document).
    return s.withUTF8 { u in
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in u { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}

/// Receives the features of a token. The hashing sink ignores names; `name` is evaluated only
/// by a sink that keeps names.
package protocol FeatureSink {
    mutating func add(_ key: UInt64, _ name: @autoclosure () -> String)
    /// A feature whose key is seldom asked for twice (a bigram): a sink with a memo skips it.
    mutating func addRare(_ key: UInt64, _ name: @autoclosure () -> String)
    mutating func addCluster(offset o: Int, length len: Int, bits: UInt32, _ name: @autoclosure () -> String)
}

extension FeatureSink {
    @inline(__always) package mutating func addRare(_ key: UInt64, _ name: @autoclosure () -> String) { add(key, name()) }
    /// A word's cluster: the first `len` bits of its path at offset `o`.
    @inline(__always) package mutating func addCluster(offset o: Int, length len: Int, bits: UInt32, _ name: @autoclosure () -> String) {
        add(featureKey(.cluster, o * 32 + len, UInt64(bits)), name())
    }
}

/// Computes features for the tokens of a document. Made once per document: it gathers, per
/// token, the lookups and candidates that cover it, then answers per token.
package struct FeatureExtractor {
    let document: Document
    let groups: FeatureGroups
    let clusters: (any ClusterCodes)?
    /// The shipped kind of clusters, read without opening an existential for every word.
    let wordClusters: WordClusters?
    /// Per-file hashes of the gazetteer's list names, and the gazetteer for names and types.
    let gazetteer: Gazetteer?
    let listHashes: [UInt64]

    /// The document's arrays, held here: a class's stored property costs a dynamic exclusivity
    /// check at every access.
    let tokens: ContiguousArray<Token>
    let normalized: ContiguousArray<UInt16>
    let analyses: ContiguousArray<ProcliticAnalysis>

    // Per token.
    var stems: [UInt64]
    /// Marks from lookups and candidates covering a token: `marks[markStart[i] ..< markStart[i + 1]]`.
    var markStart: [Int32]
    var marks: [Mark]
    /// Document-level flags per token: bit t (0…2) = the form or stem is a candidate of type t
    /// elsewhere; bit 4+t = it was part of a multi-word candidate of type t earlier.
    var docFlags: [UInt8]

    struct Mark {
        enum Kind: UInt8 { case list = 0, candidate = 1, range = 2 }
        var kind: Kind
        /// Lists: the entry's type id; candidates: 0 PER, 1 ORG, 2 LOC, 3 other; 4 NONE.
        var type: Int32
        /// The list's file index, or the candidate's source hash.
        var source: UInt64
        var sourceIndex: Int32
        var inside: Bool
        /// Candidates: 1 rule, 2 gazetteer, 3 other.
        var sourceKind: UInt8 = 0
    }

    static let entityTypes: [EntityType] = [.person, .organization, .location]
    /// What `typeIndex` gives: the built-in types by number, any other type of a user's as one.
    static let personIndex: Int32 = 0, organizationIndex: Int32 = 1, locationIndex: Int32 = 2, otherIndex: Int32 = 3,
               suppressedIndex: Int32 = 4
    /// By the name's length and first letter, then `==`: two small strings that differ are
    /// compared by a call into the runtime, and a switch over the types made up to four of those.
    @inline(__always) static func typeIndex(_ t: EntityType) -> Int32 {
        let u = t.rawValue.utf8
        let n = u.count
        guard n == 3 || n == 4 else { return otherIndex }
        switch (n, u[u.startIndex]) {
        case (3, UInt8(ascii: "P")): return t == .person ? personIndex : otherIndex
        case (3, UInt8(ascii: "O")): return t == .organization ? organizationIndex : otherIndex
        case (3, UInt8(ascii: "L")): return t == .location ? locationIndex : otherIndex
        case (4, UInt8(ascii: "N")): return t == .suppressed ? suppressedIndex : otherIndex
        default: return otherIndex
        }
    }

    /// `t == .numericRange`, without the runtime's comparison when the lengths differ.
    @inline(__always) static func isRange(_ t: EntityType) -> Bool {
        t.rawValue.utf8.count == 8 && t == .numericRange
    }
    /// `t == .suppressed` (an event's NONE span), the same way.
    @inline(__always) static func isSuppressed(_ t: EntityType) -> Bool {
        t.rawValue.utf8.count == 4 && t == .suppressed
    }
    static let typeNames = ["PER", "ORG", "LOC", "OTHER", "NONE"]
    /// Where a candidate came from: rule, gazetteer, other.
    static func sourceKind(_ s: String) -> UInt64 {
        switch ConflictResolution.sourceKind(s) {
        case .rule: 1
        case .gazetteer: 2
        case .propagation, .model, .other: 3
        }
    }

    /// The candidates the features read: those of the stages before the labeller.
    let candidates: [Entity]

    /// `forTagging`: without the marks, which the labeller reads from the lookups and candidates
    /// itself (`Labeller.markSums`); `contextFeatures` and `features` then see none.
    package init(document d: Document, groups: FeatureGroups, gazetteer: Gazetteer?, listHashes: [UInt64],
         clusters: (any ClusterCodes)?, afterTheFact: Bool = false, forTagging: Bool = false) {
        document = d
        // Explaining after the whole pipeline ran: leave out what the labeller and later stages added.
        candidates = afterTheFact
            ? d.candidates.filter { !$0.source.hasPrefix("model:") && !$0.source.hasPrefix("propagation:") }
            : d.candidates
        self.groups = groups
        self.gazetteer = gazetteer
        self.listHashes = listHashes
        self.clusters = clusters
        self.wordClusters = clusters as? WordClusters
        // Locals, not the document's properties: a class's stored property costs a dynamic
        // exclusivity check at every access in these loops.
        let tokens = d.tokens, analyses = d.analyses, lookups = d.lookups
        self.tokens = tokens
        self.analyses = analyses
        self.normalized = d.normalized
        let n = tokens.count
        // A token's shape is worked out when its word features are (`wordFeatures`): the labeller
        // asks for them only for words its cache lacks.
        let stems = [UInt64](unsafeUninitializedCapacity: n) { stems, initialized in
            tokens.withUnsafeBufferPointer { tokens in
                analyses.withUnsafeBufferPointer { analyses in
                    for i in 0..<n {
                        let t = tokens[i]
                        stems[i] = t.analysisCount > 0 ? analyses[Int(t.firstAnalysis + t.analysisCount - 1)].hash : t.hash
                    }
                }
            }
            initialized = n
        }
        docFlags = [UInt8](repeating: 0, count: n)
        self.stems = stems
        // Marks, counted then filled (one flat array, no array per token), through buffers: an
        // array written in a loop checks its uniqueness at every write.
        let useLists = groups.contains(.lookups) && !forTagging
        let useCandidates = (groups.contains(.candidates) || groups.contains(.ranges)) && !forTagging
        guard useLists || useCandidates else {
            // Tagging: no marks, and none of the arrays that count and place them.
            markStart = []
            marks = []
            if groups.contains(.document) { computeDocumentFlags() }
            return
        }
        var count = [Int32](repeating: 0, count: n + 1)
        var marks: [Mark] = []
        let candidates = self.candidates
        lookups.withUnsafeBufferPointer { lookups in
            candidates.withUnsafeBufferPointer { candidates in
                count.withUnsafeMutableBufferPointer { count in
                    if useLists { for l in 0..<lookups.count { for k in lookups[l].tokens { count[Int(k) + 1] += 1 } } }
                    if useCandidates { for c in 0..<candidates.count { for k in candidates[c].tokens { count[Int(k) + 1] += 1 } } }
                    for i in 0..<n { count[i + 1] += count[i] }
                }
                var fill = count
                marks = [Mark](repeating: Mark(kind: .list, type: 0, source: 0, sourceIndex: 0, inside: false), count: Int(count[n]))
                marks.withUnsafeMutableBufferPointer { marks in
                    fill.withUnsafeMutableBufferPointer { fill in
                        if useLists, gazetteer != nil {
                            for l in 0..<lookups.count {
                                let lookup = lookups[l]
                                let file = Int32(lookup.file)
                                let source = listHashes[Int(file)]
                                for k in lookup.tokens {
                                    marks[Int(fill[Int(k)])] = Mark(kind: .list, type: lookup.list, source: source, sourceIndex: file,
                                                                    inside: k != lookup.tokens.lowerBound)
                                    fill[Int(k)] += 1
                                }
                            }
                        }
                        if useCandidates {
                            for ci in 0..<candidates.count {
                                let isRange = FeatureExtractor.isRange(candidates[ci].type)
                                let source = isRange ? 0 : stringHash(candidates[ci].source)
                                let type = FeatureExtractor.typeIndex(candidates[ci].type)
                                let kind = UInt8(FeatureExtractor.sourceKind(candidates[ci].source))
                                let tokens = candidates[ci].tokens
                                for k in tokens {
                                    marks[Int(fill[Int(k)])] = Mark(kind: isRange ? .range : .candidate, type: type,
                                                                    source: source, sourceIndex: Int32(ci), inside: k != tokens.lowerBound,
                                                                    sourceKind: kind)
                                    fill[Int(k)] += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        markStart = count
        self.marks = marks
        if groups.contains(.document) { computeDocumentFlags() }
    }

    /// Forms and stems proposed (by rules and lists) somewhere in the document.
    private mutating func computeDocumentFlags() {
        // Per form or stem: the types proposed (bits 0…2) and, per type, the first token of a
        // multi-word candidate holding it. A few hundred keys a document: the labeller's own
        // linear-probing index, not a Dictionary (whose hashing cost more than the rest of the labeller).
        let keys = candidates.reduce(0) { $0 + 2 * $1.tokens.count }
        var index = WordIndex(capacity: keys)
        // At most one entry a key: grown by doubling, the array was copied five times a document.
        var evidence: [DocumentEvidence] = []
        evidence.reserveCapacity(keys)
        let tokens = self.tokens, stems = self.stems, candidates = self.candidates
        // The keys noted, as one bit each of 1,024 (bits 54… of the hash): most tokens' form and
        // stem are in no candidate, and one test of this set turns them away before the two
        // probes of the index (never wrongly: a key noted always has its bit).
        var filter = InlineArray<16, UInt64>(repeating: 0)
        // The types the candidates covering each token give it (what its candidate marks say),
        // in the same pass: a range's type is none of the three.
        let markOwn = groups.contains(.candidates) || groups.contains(.ranges)
        var own = [UInt8](repeating: 0, count: tokens.count)
        var types = LastStringMemo<Int>()
        for ci in candidates.indices {
            let t = types.value(candidates[ci].type.rawValue) { Int(FeatureExtractor.typeIndex(EntityType(rawValue: $0))) }
            guard t < 3 else { continue }
            let range = candidates[ci].tokens
            for k in range {
                if markOwn { own[Int(k)] |= 1 << UInt8(t) }
                let a = tokens[Int(k)].hash, b = stems[Int(k)]
                FeatureExtractor.note(a, type: t, range: range, index: &index, evidence: &evidence)
                filter[Int(a >> 60)] |= 1 << (a >> 54 & 63)
                if b != a {
                    FeatureExtractor.note(b, type: t, range: range, index: &index, evidence: &evidence)
                    filter[Int(b >> 60)] |= 1 << (b >> 54 & 63)
                }
            }
        }
        guard !evidence.isEmpty else { return }
        let none = DocumentEvidence(), proposals = evidence
        index.withProbe { found in
        tokens.withUnsafeBufferPointer { tokens in
            stems.withUnsafeBufferPointer { stems in
                proposals.withUnsafeBufferPointer { evidence in
                    own.withUnsafeBufferPointer { own in
                            docFlags.withUnsafeMutableBufferPointer { docFlags in
                                for i in 0..<tokens.count where tokens[i].kind == .word {
                                    let a = tokens[i].hash, b = stems[i]
                                    guard filter[Int(a >> 60)] & 1 << (a >> 54 & 63) != 0
                                        || filter[Int(b >> 60)] & 1 << (b >> 54 & 63) != 0 else { continue }
                                    let ea = found[a].map { evidence[Int($0)] } ?? none
                                    let eb = b == a ? none : found[b].map { evidence[Int($0)] } ?? none
                                    let proposed = ea.types | eb.types
                                    guard proposed != 0 else { continue }
                                    // Elsewhere: a type proposed for this word that no candidate covering the token gives it.
                                    var flags = proposed & ~own[i]
                                    // A multi-word name of type t began before the previous token.
                                    let earlier = pointwiseMin(ea.firstMulti, eb.firstMulti)
                                    for t in 0..<3 where earlier[t] < Int32(i) - 1 { flags |= 1 << UInt8(4 + t) }
                                    docFlags[i] = flags
                                }
                            }
                    }
                }
            }
        }
        }
    }

    /// A candidate of type `t` over `range` holds the form or stem `h`. A static function with its
    /// state passed in: a nested one capturing it paid an exclusivity check at every access.
    @inline(__always)
    private static func note(_ h: UInt64, type t: Int, range: Range<Int32>, index: inout WordIndex, evidence: inout [DocumentEvidence]) {
        let e: Int
        if let found = index[h] { e = Int(found) } else {
            index.insert(h, Int32(evidence.count))
            evidence.append(DocumentEvidence())
            e = evidence.count - 1
        }
        evidence[e].types |= 1 << UInt8(t)
        if range.count > 1 { evidence[e].firstMulti[t] = min(evidence[e].firstMulti[t], range.lowerBound) }
    }

    /// Kind, length bucket, Latin letters, digits, and whether the form starts with the article.
    static func shape(_ t: Token, _ n: UnsafeBufferPointer<UInt16>) -> UInt64 {
        var latin = false, digit = false, arabic = false
        // Arabic letters first: nearly every unit is one, and one test then settles it.
        for u in n {
            if (0x621...0x64A).contains(u) { arabic = true }
            else if (0x41...0x5A).contains(u) || (0x61...0x7A).contains(u) { latin = true }
            else if (0x30...0x39).contains(u) { digit = true }
        }
        let length: UInt64 = n.count <= 1 ? 1 : n.count <= 2 ? 2 : n.count <= 3 ? 3 : n.count <= 5 ? 5 : n.count <= 7 ? 7 : 9
        let article = n.count > 3 && n[0] == 0x627 && n[1] == 0x644
        return UInt64(t.kind.rawValue) | length << 4 | (latin ? 1 << 8 : 0) | (digit ? 1 << 9 : 0) | (arabic ? 1 << 10 : 0)
            | (article ? 1 << 11 : 0)
    }

    static func shapeName(_ s: UInt64) -> String {
        var parts = [TokenKind(rawValue: UInt8(s & 15)).map { "\($0)" } ?? "?", "len\(s >> 4 & 15)"]
        if s & 1 << 8 != 0 { parts.append("latin") }
        if s & 1 << 9 != 0 { parts.append("digit") }
        if s & 1 << 10 != 0 { parts.append("arabic") }
        if s & 1 << 11 != 0 { parts.append("al") }
        return parts.joined(separator: ",")
    }

    // MARK: Names (only for explain and tests)

    func form(_ i: Int) -> String { document.normalizedText(of: document.tokens[i]) }
    func stemName(_ i: Int) -> String {
        let t = document.tokens[i]
        guard t.analysisCount > 0 else { return form(i) }
        let a = document.analyses[Int(t.firstAnalysis + t.analysisCount - 1)]
        let stem = Normalizer().normalize(document.substring(t.start + a.prefixLength, t.end))
        return a.proclitics.contains(.li) && !stem.hasPrefix("ال") && stem.hasPrefix("ل") ? "ا" + stem : stem
    }
    func sourceName(_ m: Mark) -> String {
        switch m.kind {
        case .list: gazetteer?.files[Int(m.sourceIndex)].name ?? "#\(m.sourceIndex)"
        case .candidate, .range: candidates[Int(m.sourceIndex)].source
        }
    }
    func listTypeName(_ m: Mark) -> String { gazetteer?.typeName(m.type) ?? "#\(m.type)" }
    func listTypeKey(_ m: Mark) -> UInt64 { gazetteer?.typeHashes[Int(m.type)] ?? UInt64(m.type) }

    // MARK: The features of one token

    /// Calls `sink.add` for every feature of token `i` of the sentence `range`: its context
    /// features, then what each token at -2…+2 contributes by itself (`wordFeatures`).
    @inline(__always)
    package func features<S: FeatureSink>(of i: Int, in range: Range<Int>, into sink: inout S) {
        contextFeatures(of: i, in: range, into: &sink)
        for o in -2...2 {
            if range.contains(i + o) { wordFeatures(token: i + o, offset: o, into: &sink) } else { edgeFeatures(offset: o, into: &sink) }
        }
    }

    /// Features of a position outside the sentence.
    @inline(__always)
    func edgeFeatures<S: FeatureSink>(offset o: Int, into sink: inout S) {
        if groups.contains(.words) { sink.add(featureKey(.form, o, 1), "form[\(o)]=<edge>") }
    }

    /// The features token `j` gives the token at `j - o`: a function of the token's normalized
    /// form alone (its form, stem, affixes, shape, proclitic readings, cluster), which lets the
    /// labeller cache their weights per word.
    @inline(__always)
    func wordFeatures<S: FeatureSink>(token j: Int, offset o: Int, into sink: inout S) {
        let w = word(j)
        wordFeatures(token: j, offset: o, word: w, into: &sink)
    }

    /// What `wordFeatures` reads of a token besides its form, worked out once for its five offsets.
    struct Word {
        var shape: UInt64
        var cluster: (bits: UInt32, length: UInt8)?
    }

    @inline(__always)
    func word(_ j: Int) -> Word {
        let t = tokens[j]
        let shape = groups.contains(.shape)
            ? normalized.withUnsafeBufferPointer { FeatureExtractor.shape(t, UnsafeBufferPointer(rebasing: $0[Int(t.normStart)..<Int(t.normEnd)])) }
            : 0
        let cluster = groups.contains(.clusters) ? (wordClusters != nil ? wordClusters?.code(ofHash: t.hash) : clusters?.code(ofHash: t.hash)) : nil
        return Word(shape: shape, cluster: cluster)
    }

    @inline(__always)
    func wordFeatures<S: FeatureSink>(token j: Int, offset o: Int, word w: Word, into sink: inout S) {
        let t = tokens[j]
        if groups.contains(.words) {
            sink.addRare(featureKey(.form, o, t.hash), "form[\(o)]=\(form(j))")
            if abs(o) <= 1 { sink.addRare(featureKey(.stem, o, stems[j]), "stem[\(o)]=\(stemName(j))") }
        }
        if o == 0, groups.contains(.affixes) {
            let n = Int(t.normEnd - t.normStart)
            normalized.withUnsafeBufferPointer { norm in
                for k in 1...3 where n > k {
                    let p = Normalizer.hash(UnsafeBufferPointer(rebasing: norm[Int(t.normStart)..<Int(t.normStart) + k]))
                    // Prefixes and suffixes of three letters are nearly as many as words.
                    if k < 3 { sink.add(featureKey(.prefix, k, p), "prefix\(k)=\(String(form(j).prefix(k)))") }
                    else { sink.addRare(featureKey(.prefix, k, p), "prefix\(k)=\(String(form(j).prefix(k)))") }
                    let s = Normalizer.hash(UnsafeBufferPointer(rebasing: norm[Int(t.normEnd) - k..<Int(t.normEnd)]))
                    if k < 3 { sink.add(featureKey(.suffix, k, s), "suffix\(k)=\(String(form(j).suffix(k)))") }
                    else { sink.addRare(featureKey(.suffix, k, s), "suffix\(k)=\(String(form(j).suffix(k)))") }
                }
            }
        }
        if abs(o) <= 1, groups.contains(.shape) {
            sink.add(featureKey(.shape, o, w.shape), "shape[\(o)]=\(FeatureExtractor.shapeName(w.shape))")
            if o == 0 {
                for a in analyses[Int(t.firstAnalysis)..<Int(t.firstAnalysis + t.analysisCount)] {
                    sink.add(featureKey(.proclitics, 0, UInt64(a.proclitics.rawValue)), "proclitics=\(a.proclitics)")
                }
            }
        }
        if abs(o) <= 1, groups.contains(.clusters), let c = w.cluster {
            // Prefixes of 4, 8 and 12 bits, and the whole path.
            var p = 4
            while true {
                let len = min(p, Int(c.length))
                let bits = c.bits >> UInt32(Int(c.length) - len)
                sink.addCluster(offset: o, length: len, bits: bits, "cluster[\(o)]=\(String(bits, radix: 2).leftPadded(len))")
                if len == Int(c.length) { break }
                p = p >= 12 ? Int(c.length) : p + 4
            }
        }
    }

    /// What token `j` contributes at the five offsets -2…+2 (`wordFeatures` at each), summed
    /// for the labeller's word cache in one pass: the offsets share the form's and stem's hashes,
    /// the shape, the proclitic readings and the cluster's prefixes, which are worked out once,
    /// and the prefixes' hashes are one running hash. The same features, read the same way (the
    /// memo for those `wordFeatures` hands to `add`, the table for `addRare`), so the same sums:
    /// 32-bit sums wrap alike in any order (LabellerTests).
    @inline(__always)
    func wordSums(token j: Int, word w: Word, sink: ScoreSink) -> InlineArray<5, SIMD8<Int32>> {
        let t = tokens[j]
        var m2 = SIMD8<Int32>(repeating: 0), m1 = m2, z = m2, p1 = m2, p2 = m2
        if groups.contains(.words) {
            let h = t.hash, s = stems[j]
            m2 &+= sink.lookup(featureKey(.form, -2, h))
            m1 &+= sink.lookup(featureKey(.form, -1, h))
            z &+= sink.lookup(featureKey(.form, 0, h))
            p1 &+= sink.lookup(featureKey(.form, 1, h))
            p2 &+= sink.lookup(featureKey(.form, 2, h))
            m1 &+= sink.lookup(featureKey(.stem, -1, s))
            z &+= sink.lookup(featureKey(.stem, 0, s))
            p1 &+= sink.lookup(featureKey(.stem, 1, s))
        }
        if groups.contains(.affixes) {
            let n = Int(t.normEnd - t.normStart)
            if n > 1 {
                normalized.withUnsafeBufferPointer { norm in
                    let start = Int(t.normStart), end = Int(t.normEnd)
                    // `Normalizer.hash` of the first k units, one unit more each round.
                    var p: UInt64 = 0xcbf2_9ce4_8422_2325
                    for k in 1...3 where n > k {
                        p = (p ^ UInt64(norm[start + k - 1])) &* 0x100_0000_01b3
                        var s: UInt64 = 0xcbf2_9ce4_8422_2325
                        for x in end - k..<end { s = (s ^ UInt64(norm[x])) &* 0x100_0000_01b3 }
                        if k < 3 {
                            z &+= sink.memoized(featureKey(.prefix, k, p))
                            z &+= sink.memoized(featureKey(.suffix, k, s))
                        } else {
                            z &+= sink.lookup(featureKey(.prefix, k, p))
                            z &+= sink.lookup(featureKey(.suffix, k, s))
                        }
                    }
                }
            }
        }
        if groups.contains(.shape) {
            m1 &+= sink.memoized(featureKey(.shape, -1, w.shape))
            z &+= sink.memoized(featureKey(.shape, 0, w.shape))
            p1 &+= sink.memoized(featureKey(.shape, 1, w.shape))
            analyses.withUnsafeBufferPointer { analyses in
                for a in Int(t.firstAnalysis)..<Int(t.firstAnalysis + t.analysisCount) {
                    z &+= sink.memoized(featureKey(.proclitics, 0, UInt64(analyses[a].proclitics.rawValue)))
                }
            }
        }
        if groups.contains(.clusters), let c = w.cluster {
            // Prefixes of 4, 8 and 12 bits, and the whole path (as `wordFeatures`).
            var p = 4
            while true {
                let len = min(p, Int(c.length))
                let bits = c.bits >> UInt32(Int(c.length) - len)
                m1 &+= sink.clusterWeight(offset: -1, length: len, bits: bits)
                z &+= sink.clusterWeight(offset: 0, length: len, bits: bits)
                p1 &+= sink.clusterWeight(offset: 1, length: len, bits: bits)
                if len == Int(c.length) { break }
                p = p >= 12 ? Int(c.length) : p + 4
            }
        }
        return [m2, m1, z, p1, p2]
    }

    /// The features of token `i` that depend on more than one token: the bias, the bigram, the
    /// lookups and candidates at -1…+1, the document.
    @inline(__always)
    func contextFeatures<S: FeatureSink>(of i: Int, in range: Range<Int>, into sink: inout S) {
        sink.add(featureKey(.bias, 0, 0), "bias")
        if groups.contains(.words), range.contains(i - 1) {
            sink.addRare(featureKey(.formBigram, 0, tokens[i - 1].hash &* 31 ^ tokens[i].hash), "form[-1,0]=\(form(i - 1)) \(form(i))")
        }
        if groups.contains(.lookups) || groups.contains(.candidates) || groups.contains(.ranges), !markStart.isEmpty {
            for o in -1...1 where range.contains(i + o) {
                let j = i + o
                for m in marks[Int(markStart[j])..<Int(markStart[j + 1])] {
                    let bi: UInt64 = m.inside ? 1 : 0
                    let pos = m.inside ? "I" : "B"
                    switch m.kind {
                    case .list where groups.contains(.lookups):
                        sink.add(featureKey(.lookupType, o, listTypeKey(m) << 1 | bi), "list-type[\(o)]=\(pos)-\(listTypeName(m))")
                        if o == 0 {
                            sink.add(featureKey(.lookupList, 0, m.source << 1 | bi), "list=\(pos)-\(sourceName(m))")
                        }
                    case .candidate where groups.contains(.candidates):
                        let kind = UInt64(m.sourceKind)
                        sink.add(featureKey(.candidateType, o, UInt64(m.type) << 3 | kind << 1 | bi),
                                 "candidate[\(o)]=\(pos)-\(FeatureExtractor.typeNames[Int(m.type)])/\(["", "rule", "list", "other"][Int(kind)])")
                        if o == 0 {
                            sink.add(featureKey(.candidateSource, 0, m.source << 1 | bi), "source=\(pos)-\(sourceName(m))")
                        }
                    case .range where groups.contains(.ranges):
                        sink.add(featureKey(.range, o, bi), "numrange[\(o)]=\(pos)")
                    default:
                        break
                    }
                }
            }
        }
        if groups.contains(.document), docFlags[i] != 0 {
            let f = docFlags[i]
            for t in 0..<3 {
                if f & 1 << UInt8(t) != 0 {
                    sink.add(featureKey(.docElsewhere, 0, UInt64(t)), "doc-elsewhere=\(FeatureExtractor.typeNames[t])")
                }
                if f & 1 << UInt8(4 + t) != 0 {
                    sink.add(featureKey(.docEarlierInName, 0, UInt64(t)), "doc-earlier-in-name=\(FeatureExtractor.typeNames[t])")
                }
            }
        }
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// Collects feature keys.
package struct KeySink: FeatureSink {
    package var keys: [UInt64] = []
    package init() {}
    @inline(__always) package mutating func add(_ key: UInt64, _ name: @autoclosure () -> String) { keys.append(key) }
}

/// Collects feature keys with their names.
struct NamedSink: FeatureSink {
    var features: [(key: UInt64, name: String)] = []
    package mutating func add(_ key: UInt64, _ name: @autoclosure () -> String) { features.append((key, name())) }
}

/// What the document says of one form or stem (see `computeDocumentFlags`).
struct DocumentEvidence {
    var types: UInt8 = 0
    var firstMulti = SIMD4<Int32>(repeating: Int32.max)
}

/// The last answer of a test on a string, kept with the string's 16 bytes: a document's candidates
/// come in runs of one stage (one source) and of a few types, and equal bytes are equal strings (a
/// small string's bytes are its text, a large one's its storage). A memo lives only for one loop over
/// one document's candidates, which hold their strings meanwhile: a string's storage cannot be
/// freed and reused for another while it is kept.
struct LastStringMemo<Value> {
    var bits = SIMD2<UInt64>(0, 0)
    var last: Value? = nil

    @inline(__always) mutating func value(_ s: String, _ test: (String) -> Value) -> Value {
        let b = unsafeBitCast(s, to: SIMD2<UInt64>.self)
        if let last, b == bits { return last }
        let v = test(s)
        bits = b
        last = v
        return v
    }
}
