import CWasimICU
// The learned stage: a sequence labeller (averaged perceptron over BIO labels, Viterbi decoding
// under BIO constraints) that reads every earlier stage's findings as features and proposes
// PER/ORG/LOC candidates with source `model:<name>`. Conflict resolution weighs them against the
// rules' and lists' candidates (see `ConflictResolution`).

public struct Labeller: Stage {
    public let name = "labeller"
    public let requires: Set<Capability> = [.tokens, .normalizedForms, .lookups]
    public let provides: Set<Capability> = [.modelCandidates]
    public let model: LabellerModel
    public let gazetteer: Gazetteer?
    public let clusters: (any ClusterCodes)?
    /// `model:<name>`, made once.
    public let source: String
    let listHashes: [UInt64]
    /// Per-thread caches of what each word contributes at -2…+2 (see `wordFeatures`).
    private let caches = Pool<WordCache, Never>(make: { WordCache() })
    /// Words a thread's cache keeps: 131,072 words' vectors took 20 MB as 32-bit sums (10 MB as
    /// 16-bit ones, `WordCache.narrow`), their index 4 MB (a
    /// cache fills in order of first meeting, so the frequent words sit together at its start).
    /// A word outside it costs some thirty probes of the model's table at every occurrence; over
    /// ant-news, 32,768 words left about one token in eight outside, and the whole run
    /// (`wasim tag --jobs 1`) took 1.32–1.45 s of user time against 1.22–1.28 s with 65,536,
    /// which still left the words of about one token in forty outside (ant-news has some 86,000
    /// words): `wasim-bench --quick`, with the model, 265–268 ns a token more than without it
    /// at 65,536 against 226–230 with no limit, and 10–20 MB more at peak.
    package var wordCacheCapacity = 131_072
    /// What a position outside the sentence contributes at -2…+2.
    private let edges: [SIMD8<Int32>]
    /// One bit per model key (bits 44… of the key): most features a text asks for (bigrams,
    /// rare forms and affixes) are not in the model, and this small set answers for them
    /// without a cache miss in the large table.
    private let presence: [UInt64]
    static let presenceBits = 20
    /// The model's table as the stage reads it (`ScoreSink.table`), derived at load.
    private let table: [UInt64]
    /// The context features' weights, summed once from the model (see `ContextWeights`).
    let context: ContextWeights
    /// `model.transitions` as rows for `viterbi(_:count:transitions:back:labels:)`.
    private let transitionRows: [SIMD4<Float>]

    public init(model: LabellerModel, gazetteer: Gazetteer?, clusters: (any ClusterCodes)? = nil) {
        self.model = model
        self.gazetteer = gazetteer
        self.clusters = clusters
        self.source = "model:" + model.name
        self.listHashes = gazetteer?.files.map { stringHash($0.name) } ?? []
        var presence = [UInt64](repeating: 0, count: 1 << (Labeller.presenceBits - 6))
        for key in model.keys where key != 0 {
            let bit = Int(truncatingIfNeeded: key >> UInt64(64 - Labeller.presenceBits))
            presence[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.presence = presence
        let table = Labeller.interleave(model)
        self.table = table
        let probe = FeatureExtractor(document: Document(text: ""), groups: model.groups, gazetteer: nil, listHashes: [], clusters: nil)
        edges = table.withUnsafeBufferPointer { table in
            (-2...2).map { o in
                var sink = ScoreSink(table: table, presence: nil)
                probe.edgeFeatures(offset: o, into: &sink)
                return sink.sums
            }
        }
        let groups = model.groups, typeHashes = gazetteer?.typeHashes ?? [], hashes = listHashes
        context = table.withUnsafeBufferPointer { table in
            ContextWeights(groups: groups, table: table, typeHashes: typeHashes, listHashes: hashes)
        }
        transitionRows = Labeller.transitionRows(model.transitions)
    }

    func extractor(_ document: Document) -> FeatureExtractor {
        FeatureExtractor(document: document, groups: model.groups, gazetteer: gazetteer, listHashes: listHashes, clusters: clusters,
                         forTagging: true)
    }

    /// What the lookups and candidates around each token give it (`cache.markSums[i]`), read
    /// straight from the document: the terms of `contextFeatures` that come from the marks of
    /// the tokens at -1, 0 and +1 in its sentence, with the weights of `ContextWeights`. One
    /// vector a token, each mark added where it lands: the emissions read one sum, not three.
    /// The bias is in it too (32-bit sums wrap alike in any order: the same emissions).
    private func markSums(_ d: Document, into cache: inout WordCache) {
        let n = d.tokens.count
        // Each sum starts at the bias, which every token has: the emissions read one vector for
        // both, and the sums are filled with it, not zeroed first (memset's `rep stos`, one
        // instruction a byte in callgrind's count, 42 a token).
        let bias = context.bias
        if cache.markSums.count < n {
            cache.markSums = [SIMD8<Int32>](repeating: bias, count: 2 * n)
            cache.linked = [UInt8](repeating: 0, count: 2 * n + 1)
        } else {
            cache.markSums.withUnsafeMutableBufferPointer { $0.baseAddress!.update(repeating: bias, count: n) }
            cache.linked.withUnsafeMutableBufferPointer { $0.baseAddress!.update(repeating: 0, count: n + 1) }
        }
        let groups = model.groups
        let useLists = groups.contains(.lookups), useCandidates = groups.contains(.candidates), useRanges = groups.contains(.ranges)
        let w = context
        let lookups = d.lookups, candidates = d.candidates, sentences = d.sentences
        // The candidates' sources by their strings' bits (`SourceMemo`), moved out of the cache
        // for the call: a local array is written without a uniqueness check's copy.
        var sources = cache.sources
        cache.sources = SourceMemo()
        sources.document &+= 1
        defer { cache.sources = sources }
        table.withUnsafeBufferPointer { table in
          presence.withUnsafeBufferPointer { presence in
            cache.memoKeys.withUnsafeMutableBufferPointer { mk in
              cache.memoSums.withUnsafeMutableBufferPointer { ms in
                cache.linked.withUnsafeMutableBufferPointer { linked in
                cache.markSums.withUnsafeMutableBufferPointer { sums in
                    // linked[k]: tokens k - 1 and k are in one sentence, so each sees the other's marks.
                    for s in sentences where s.tokens.count > 1 {
                        for k in Int(s.tokens.lowerBound) + 1..<Int(s.tokens.upperBound) { linked[k] = 1 }
                    }
                    // The two arrays as plain pointers, passed in: captured by a nested function,
                    // they were read back from memory after every store through them (nine loads
                    // a lookup).
                    let linkedBase = linked.baseAddress!, sumsBase = sums.baseAddress!
                    @inline(__always) func add(_ k: Int, _ before: SIMD8<Int32>, _ at: SIMD8<Int32>, _ after: SIMD8<Int32>) {
                        Labeller.addMarks(k, before, at, after, linked: linkedBase, sums: sumsBase)
                    }
                    var memo = ScoreSink(table: table, presence: presence)
                    memo.memoKeys = mk
                    memo.memoSums = ms
                    // The weights through pointers: two or three lookups a token, each read
                    // three vectors through the arrays' bounds checks.
                    w.listType.withUnsafeBufferPointer { listType in
                    w.listFile.withUnsafeBufferPointer { listFile in
                    if useLists, gazetteer != nil {
                        let typeCount = Int32(w.typeCount)
                        lookups.withUnsafeBufferPointer { lookups in
                            for l in lookups.indices {
                                let list = lookups[l].list, tokens = lookups[l].tokens
                                let file = Int(lookups[l].file) * 2
                                let lower = Int(tokens.lowerBound), upper = Int(tokens.upperBound)
                                guard upper > lower else { continue }
                                if list >= 0 && list < typeCount {
                                    // The first token (B), then the others (I).
                                    let y = Int(list) * 6
                                    add(lower, listType[y], listType[y + 1] &+ listFile[file], listType[y + 2])
                                    guard upper - lower > 1 else { continue }
                                    let before = listType[y + 3], at = listType[y + 4] &+ listFile[file + 1], after = listType[y + 5]
                                    for x in lower + 1..<upper { add(x, before, at, after) }
                                } else {
                                    for x in lower..<upper {
                                        let bi = x != lower ? 1 : 0
                                        let key = UInt64(list) << 1 | UInt64(bi)
                                        add(x, memo.memoized(featureKey(.lookupType, -1, key)),
                                            memo.memoized(featureKey(.lookupType, 0, key)) &+ listFile[file + bi],
                                            memo.memoized(featureKey(.lookupType, 1, key)))
                                    }
                                }
                            }
                        }
                    }
                    }
                    }
                    guard useCandidates || useRanges else { return }
                    var types = LastStringMemo<Int>()
                    for ci in candidates.indices {
                        let range = candidates[ci].tokens
                        if FeatureExtractor.isRange(candidates[ci].type) {
                            guard useRanges else { continue }
                            for k in range {
                                let bi = k != range.lowerBound ? 3 : 0
                                add(Int(k), w.range[bi], w.range[bi + 1], w.range[bi + 2])
                            }
                        } else {
                            guard useCandidates else { continue }
                            let type = types.value(candidates[ci].type.rawValue) { Int(FeatureExtractor.typeIndex(EntityType(rawValue: $0))) }
                            let (kind, source) = sources.kindAndHash(candidates[ci].source)
                            for k in range {
                                let bi = k != range.lowerBound ? 1 : 0
                                let y = (type << 3 | kind << 1 | bi) * 3
                                add(Int(k), w.candidateType[y],
                                    w.candidateType[y + 1] &+ memo.memoized(featureKey(.candidateSource, 0, source << 1 | UInt64(bi))),
                                    w.candidateType[y + 2])
                            }
                        }
                    }
                }
                }
              }
            }
          }
        }
    }

    /// What token k's marks give at offsets -1, 0, +1: to the tokens k + 1, k and k - 1
    /// (`markSums`).
    @inline(__always)
    static func addMarks(_ k: Int, _ before: SIMD8<Int32>, _ at: SIMD8<Int32>, _ after: SIMD8<Int32>,
                         linked: UnsafePointer<UInt8>, sums: UnsafeMutablePointer<SIMD8<Int32>>) {
        if linked[k + 1] != 0 { sums[k + 1] &+= before }
        sums[k] &+= at
        if linked[k] != 0 { sums[k - 1] &+= after }
    }

    public func process(_ document: Document) throws {
        guard !document.tokens.isEmpty else { return }
        let fx = extractor(document)
        let tokens = document.tokens
        var starts: ProcliticEvidence? = nil
        // The thread's cache, moved out of the pool and back: a local value, so no access to it
        // pays a class property's exclusivity check.
        var cache = caches.take()
        defer { caches.give(cache) }
        let groups = model.groups
        let useWords = groups.contains(.words), useLists = groups.contains(.lookups)
        let useCandidates = groups.contains(.candidates), useRanges = groups.contains(.ranges)
        let useMarks = useLists || useCandidates || useRanges
        let scale = SIMD8<Float>(repeating: model.scale)
        let w = context
        if useMarks { markSums(document, into: &cache) }
        for sentence in document.sentences {
            let range = Int(sentence.tokens.lowerBound)..<Int(sentence.tokens.upperBound)
            let n = range.count
            guard n > 0 else { continue }
            let first = range.lowerBound
            if cache.wordBase.count < n + 4 {
                cache.wordBase = [Int32](repeating: 0, count: n * 2 + 4)
                cache.wordKeys = [UInt64](repeating: 0, count: n * 2)
                cache.bigramKeys = [UInt64](repeating: 0, count: n * 2)
                cache.emissions = [SIMD8<Float>](repeating: .zero, count: n * 2)
                cache.back = [SIMD8<Int32>](repeating: .zero, count: n * 2)
                cache.labels = [Int](repeating: 0, count: n * 2)
            }
            table.withUnsafeBufferPointer { table in
                  presence.withUnsafeBufferPointer { presence in
                  w.clusterPrefix.withUnsafeBufferPointer { clusterPrefix in
                    let sink = ScoreSink(table: table, presence: presence)
                    // Each token's word features, through the cache: most words of a text are
                    // words the thread has seen, and a hit replaces some thirty table probes.
                    // Positions outside the sentence read the edge's five vectors (`cache.edge`).
                    if cache.edge < 0 {
                        // Room for every word the cache keeps and a long sentence's others: the
                        // array grown by doubling copied 20 MB in all and touched as many pages
                        // again. Pages are only committed as they are written.
                        cache.narrow.reserveCapacity(5 * (min(wordCacheCapacity, 1 << 20) + 1))
                        cache.wide.reserveCapacity(5 * (1 + 1024))
                        cache.edge = WordCache.keep(InlineArray { edges[$0] }, narrow: &cache.narrow, wide: &cache.wide)
                    }
                    var kept = cache.wide.count
                    // First every key of the sentence, with its slot in the index and the
                    // bigram's word in the presence set asked for at once: both are reads at
                    // random in tables of megabytes, and in `perf` samples the index's slot (asked
                    // for four tokens ahead) and the bigram's presence bit and table slot (not asked
                    // for at all) were half the time of this function. 0: no bigram.
                    cache.index.withProbe { index in
                      cache.wordKeys.withUnsafeMutableBufferPointer { wordKeys in
                        cache.bigramKeys.withUnsafeMutableBufferPointer { bigramKeys in
                          tokens.withUnsafeBufferPointer { tokens in
                            for j in range {
                                let h = Labeller.cacheKey(tokens[j])
                                wordKeys[j - first] = h
                                index.prefetch(h)
                                if useWords, j > first {
                                    let key = featureKey(.formBigram, 0, tokens[j - 1].hash &* 31 ^ tokens[j].hash)
                                    bigramKeys[j - first] = key
                                    sink.prefetchPresence(key)
                                } else {
                                    bigramKeys[j - first] = 0
                                }
                            }
                          }
                        }
                      }
                    }
                    // Then the words the cache holds, with nothing but reads of it: a lookup
                    // through the cache's own methods retained and released its arrays at every
                    // token. Each word's vectors are asked for as soon as it is found, for the
                    // emissions below. -1: not cached.
                    var misses = 0
                    let edge = cache.edge
                    // The places or'ed: `WordCache.wideBit` clear when every vector of the sentence
                    // is in `narrow`.
                    var wideBits = edge
                    cache.index.withProbe { index in
                      cache.narrow.withUnsafeBufferPointer { narrow in
                      cache.wide.withUnsafeBufferPointer { wide in
                        cache.wordBase.withUnsafeMutableBufferPointer { wordBase in
                          cache.wordKeys.withUnsafeBufferPointer { wordKeys in
                            wordBase[0] = edge
                            wordBase[1] = edge
                            wordBase[n + 2] = edge
                            wordBase[n + 3] = edge
                            for p in 0..<n {
                                if let b = index[wordKeys[p]] {
                                    wordBase[p + 2] = b
                                    wideBits |= b
                                    let at = Int(b & ~WordCache.wideBit)
                                    if b & WordCache.wideBit == 0 {
                                        // 80 bytes: two cache lines at most.
                                        wasim_prefetch(narrow.baseAddress! + at)
                                        wasim_prefetch(narrow.baseAddress! + at + 4)
                                    } else {
                                        wasim_prefetch(wide.baseAddress! + at)
                                        wasim_prefetch(wide.baseAddress! + at + 2)
                                        wasim_prefetch(wide.baseAddress! + at + 4)
                                    }
                                } else {
                                    wordBase[p + 2] = -1
                                    misses += 1
                                }
                            }
                          }
                        }
                      }
                      }
                    }
                    // Then the others, in order: a word met twice in the sentence is found the
                    // second time if the first was kept.
                    if misses > 0 {
                    cache.wordBase.withUnsafeMutableBufferPointer { wordBase in
                      cache.memoKeys.withUnsafeMutableBufferPointer { mk in
                        cache.memoSums.withUnsafeMutableBufferPointer { ms in
                        // The memo serves the word features that many words share (shapes,
                        // proclitics, short affixes, clusters); forms and stems go to the table.
                        var sink = sink
                        sink.memoKeys = mk
                        sink.memoSums = ms
                        sink.clusterPrefix = clusterPrefix
                        for j in range where wordBase[j - first + 2] < 0 {
                            let h = cache.wordKeys[j - first]
                            if let b = cache.index[h] {
                                wordBase[j - first + 2] = b
                                continue
                            }
                            // A full cache keeps the words it has (those met first, which are mostly
                            // the frequent ones); the others are scored past its end for this sentence
                            // only. A cache that fits the processor's caches is worth more than one
                            // that holds every word.
                            // A word kept whose sums fit in 16 bits goes to `narrow`, any other
                            // to `wide`. The exact sums either way: the same emissions, the same
                            // labels.
                            // The five offsets in one pass (`wordSums`): the same sums as
                            // `wordFeatures` at each, for about half the instructions.
                            let sums = fx.wordSums(token: j, word: fx.word(j), sink: sink)
                            let b: Int32
                            if cache.index.count < wordCacheCapacity {
                                b = WordCache.keep(sums, narrow: &cache.narrow, wide: &cache.wide)
                                kept = cache.wide.count
                                cache.index.insert(h, b)
                            } else {
                                b = WordCache.append(sums.span, to: &cache.wide)
                            }
                            wordBase[j - first + 2] = b
                            wideBits |= b
                        }
                        }
                      }
                    }
                    }
                    // The bigrams the presence set holds get their table slots asked for, the
                    // others are dropped: the emissions below read them after the sentence's
                    // other misses.
                    cache.bigramKeys.withUnsafeMutableBufferPointer { bigramKeys in
                        for p in 0..<n where bigramKeys[p] != 0 {
                            if sink.present(bigramKeys[p]) { sink.prefetchSlot(bigramKeys[p]) } else { bigramKeys[p] = 0 }
                        }
                    }
                    // Each token's emissions: its context features (`contextFeatures`, read from
                    // the dense arrays of `ContextWeights`) and the five words around it.
                    var memo = sink
                    cache.memoKeys.withUnsafeMutableBufferPointer { mk in
                      cache.memoSums.withUnsafeMutableBufferPointer { ms in
                        memo.memoKeys = mk
                        memo.memoSums = ms
                        tokens.withUnsafeBufferPointer { tokens in
                              fx.docFlags.withUnsafeBufferPointer { docFlags in
                                cache.narrow.withUnsafeBufferPointer { narrow in
                                cache.wide.withUnsafeBufferPointer { wide in
                                  cache.wordBase.withUnsafeBufferPointer { wordBase in
                                    cache.emissions.withUnsafeMutableBufferPointer { emissions in
                                            cache.markSums.withUnsafeBufferPointer { markSums in
                                              cache.bigramKeys.withUnsafeBufferPointer { bigramKeys in
                        // Two copies of the loop: one for the sentences whose vectors are all in
                        // `narrow`, with no test of a place's store at each read. Few sentences
                        // are (4,748 of 175,810 emissions on the 1,000-article sample): one frequent
                        // word whose sums need 32 bits sends a sentence to the general loop.
                        @inline(__always) func emit(_ i: Int, narrowOnly: Bool) {
                            // The bias, and the lists and candidates at -1, 0, +1 (`markSums`).
                            var total = useMarks ? markSums[i] : w.bias
                            // The bigram (`formBigram`), when the presence set holds it.
                            if bigramKeys[i - first] != 0 { total &+= memo.probe(bigramKeys[i - first]) }
                            let f = docFlags[i]
                            if f != 0 {
                                for t in 0..<3 {
                                    if f & 1 << UInt8(t) != 0 { total &+= w.document[t] }
                                    if f & 1 << UInt8(4 + t) != 0 { total &+= w.document[3 + t] }
                                }
                            }
                            // The words at -2…+2: `wordBase[i - first + 2 + o]`, the edge outside the sentence.
                            @inline(__always) func word(_ b: Int32, _ o: Int) -> SIMD8<Int32> {
                                if narrowOnly || b & WordCache.wideBit == 0 { return SIMD8<Int32>(truncatingIfNeeded: narrow[Int(b) + o]) }
                                return wide[Int(b & ~WordCache.wideBit) + o]
                            }
                            let p = i - first
                            total &+= word(wordBase[p], 0)
                            total &+= word(wordBase[p + 1], 1)
                            total &+= word(wordBase[p + 2], 2)
                            total &+= word(wordBase[p + 3], 3)
                            total &+= word(wordBase[p + 4], 4)
                            // One vector conversion, not seven scalar ones; lane 7 is 0, as
                            // every weight's eighth lane is (`interleave`).
                            emissions[i - first] = SIMD8<Float>(total) * scale
                        }
                        if wideBits & WordCache.wideBit == 0 {
                            for i in range { emit(i, narrowOnly: true) }
                        } else {
                            for i in range { emit(i, narrowOnly: false) }
                        }
                                              }
                                            }
                                  }
                                }
                                }
                              }
                            }
                          }
                        }
                      }
                    cache.wide.removeLast(cache.wide.count - kept)
                  }
                  }
            }
            cache.emissions.withUnsafeBufferPointer { e in
                cache.back.withUnsafeMutableBufferPointer { back in
                    cache.labels.withUnsafeMutableBufferPointer { labels in
                        transitionRows.withUnsafeBufferPointer { t in
                            Labeller.viterbi(e.baseAddress!, count: n, transitions: t.baseAddress!, back: back.baseAddress!, labels: labels.baseAddress!)
                        }
                    }
                }
            }
            var previousEnd = 0
            // The candidate this sentence's last span made, and its tokens: a next span may join it.
            var previous: (index: Int, type: EntityType, tokens: Range<Int>)? = nil
            var s = 0
            while s < n {
                // The O labels (most) passed over through a pointer: one compare a token.
                s = cache.labels.withUnsafeBufferPointer { labels in
                    var s = s
                    while s < n, labels[s] == 0 { s += 1 }
                    return s
                }
                guard s < n else { break }
                // A span: B-X then its I-X (`spans`), read from the labels in place.
                let label = cache.labels[s]
                guard label != 0, let type = BIOLabel(rawValue: label)?.type else { s += 1; continue }
                var e = s + 1
                while e < n, cache.labels[e] == label + (label & 1 == 0 ? 0 : 1) { e += 1 }
                let span = (type: type, tokens: s..<e)
                s = e
                var first = range.lowerBound + span.tokens.lowerBound
                let last = Labeller.lastNameToken(document, first: first, last: range.lowerBound + span.tokens.upperBound - 1)
                // A nationality before a name describes the person (ANNOTATION.md): الفرنسي جول
                // ريميه → جول ريميه.
                if span.type == .person, last > first, Labeller.isNisba(document, token: first) { first += 1 }
                while first < last, Labeller.pronounHashes.contains(tokens[first].hash) { first += 1 }
                // ولد links a Mauritanian name's parts (محمد ولد عبد العزيز) and never starts one (ANERcorp:
                // 15 times inside a name, never first); first, it is the verb "was born" before its
                // subject: ولد إمانويل ماكرون في أميان.
                if span.type == .person, first < last, Labeller.bornHashes.contains(tokens[first].hash) { first += 1 }
                // No name alone is a URL's scheme (http://…, read as a Latin word), nor the
                // preposition على, which normalization folds onto the name علي: the original
                // spelling tells them apart (مشددا على أن).
                if first == last, Labeller.isSchemeOrAla(document, tokens[first]) { continue }
                // Nothing left but a pronoun or a particle (بن ها): no name.
                if first == last, Labeller.trailingHashes.contains(tokens[first].hash) { continue }
                // A kunya is inside the name (ANNOTATION.md), where the model often leaves it
                // out: لأبي بكر البغدادي → أبي بكر البغدادي. `leadPrefix`: set when the span is moved
                // to start at a kunya or (below) at a site noun, the proclitic letters before that
                // word; such a span joins no span before it.
                var leadPrefix: Int32? = nil
                if span.type == .person, span.tokens.lowerBound > previousEnd, let p = Labeller.kunyaPrefix(document, token: first - 1) {
                    first -= 1
                    leadPrefix = p
                }
                // A person right after a site noun, or after a site noun and an honorific, names
                // the site, and the site keeps its noun (ANNOTATION.md): مسجد محمد علي، ملعب الأمير
                // فيصل بن فهد. The model reads the person; the word before says what is meant.
                var entityType = span.type
                if entityType == .person, leadPrefix == nil,
                   let site = Labeller.siteBefore(document, first: first, from: range.lowerBound + previousEnd) {
                    first = site.token
                    leadPrefix = site.prefix
                    entityType = .location
                }
                previousEnd = span.tokens.upperBound
                if starts == nil {
                    // The cache's arrays, refilled: two arrays allocated per document cost more
                    // than the few spans they serve.
                    cache.evidence.fill(document)
                    starts = cache.evidence
                }
                if leadPrefix == nil, let p = previous, p.type == entityType,
                   Labeller.joins(document, previous: p.tokens, next: first..<last + 1, type: entityType, evidence: starts, clusters: clusters) {
                    cache.proposed[p.index].end = tokens[last].end
                    cache.proposed[p.index].tokens = Int32(p.tokens.lowerBound)..<Int32(last + 1)
                    previous = (p.index, entityType, p.tokens.lowerBound..<last + 1)
                    continue
                }
                let start = tokens[first].start + (leadPrefix ?? Labeller.procliticLength(document, token: first, type: entityType, evidence: starts!, clusters: clusters))
                cache.proposed.append(Entity(type: entityType, start: start, end: tokens[last].end,
                                             tokens: Int32(first)..<Int32(last + 1), source: source))
                previous = (cache.proposed.count - 1, entityType, first..<last + 1)
            }
        }
        // The document's candidates take the model's at once, at the end: the extractor holds the
        // array too, so the first append made a copy of every candidate before it (four reference
        // counts each) and a join wrote into that copy. The candidates read above (`evidence`,
        // `procliticLength`) are the earlier stages', at the same indices.
        // The extractor's copy let go first (`consume`): alive to the end of the scope, it made
        // the append copy the array still (swift_arrayInitWithCopy, some 3,000 instructions a document).
        _ = consume fx
        if !cache.proposed.isEmpty {
            document.candidates.append(contentsOf: cache.proposed)
            cache.proposed.removeAll(keepingCapacity: true)
        }
    }

    /// How many of the document's tokens get other sums from `FeatureExtractor.wordSums` than
    /// from `wordFeatures` at each offset, read through a sink as tagging reads it (the presence
    /// set, the memo, the cluster prefixes): 0 (for tests).
    package func wordSumMismatches(_ document: Document) -> Int {
        let fx = extractor(document)
        var memoKeys = [UInt64](repeating: 0, count: 4096)
        var memoSums = [SIMD8<Int32>](repeating: SIMD8(repeating: 0), count: 4096)
        var mismatches = 0
        table.withUnsafeBufferPointer { table in
            presence.withUnsafeBufferPointer { presence in
                context.clusterPrefix.withUnsafeBufferPointer { clusterPrefix in
                    memoKeys.withUnsafeMutableBufferPointer { mk in
                        memoSums.withUnsafeMutableBufferPointer { ms in
                            var sink = ScoreSink(table: table, presence: presence)
                            sink.memoKeys = mk
                            sink.memoSums = ms
                            sink.clusterPrefix = clusterPrefix
                            for j in document.tokens.indices {
                                let sums = fx.wordSums(token: j, word: fx.word(j), sink: sink)
                                for o in -2...2 {
                                    sink.reset()
                                    fx.wordFeatures(token: j, offset: o, word: fx.word(j), into: &sink)
                                    if sink.sums != sums[o + 2] { mismatches += 1; break }
                                }
                            }
                        }
                    }
                }
            }
        }
        return mismatches
    }

    /// For an entity the model proposed, the features that weighed most for and against its labels
    /// (per token: the weight of the entity's label minus that of O), summed over its tokens.
    public func explain(_ document: Document, entity: Entity, top: Int = 6) -> (for: [(feature: String, weight: Float)], against: [(feature: String, weight: Float)]) {
        let fx = FeatureExtractor(document: document, groups: model.groups, gazetteer: gazetteer, listHashes: listHashes,
                                  clusters: clusters, afterTheFact: true)
        guard let sentence = document.sentences.first(where: { $0.tokens.contains(entity.tokens.lowerBound) }),
              let begin = BIOLabel.begin(entity.type) else { return ([], []) }
        let range = Int(sentence.tokens.lowerBound)..<Int(sentence.tokens.upperBound)
        var total: [String: Float] = [:]
        var order: [String] = []
        for k in Int(entity.tokens.lowerBound)..<Int(entity.tokens.upperBound) {
            let label = k == Int(entity.tokens.lowerBound) ? begin.rawValue : begin.rawValue + 1
            var sink = NamedSink()
            fx.features(of: k, in: range, into: &sink)
            for f in sink.features {
                let w = model.weights(ofKey: f.key)
                let name = (entity.tokens.count > 1 ? document.text(of: document.tokens[k]) + ": " : "") + f.name
                if total[name] == nil { order.append(name) }
                total[name, default: 0] += w[label] - w[0]
            }
        }
        let ranked = order.map { ($0, total[$0]!) }
        return (Array(ranked.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.prefix(top)),
                Array(ranked.filter { $0.1 < 0 }.sorted { $0.1 < $1.1 }.prefix(top)))
    }

    /// The names of the features of token `i` (for tests and explanations).
    public func featureNames(_ document: Document, token i: Int) -> [String] {
        let fx = FeatureExtractor(document: document, groups: model.groups, gazetteer: gazetteer, listHashes: listHashes,
                                  clusters: clusters, afterTheFact: true)
        guard let sentence = document.sentences.first(where: { $0.tokens.contains(Int32(i)) }) else { return [] }
        var sink = NamedSink()
        fx.features(of: i, in: Int(sentence.tokens.lowerBound)..<Int(sentence.tokens.upperBound), into: &sink)
        return sink.features.map(\.name)
    }

    /// The best label sequence under BIO constraints (an I-X only after B-X or I-X).
    /// Which label may follow which (`BIOLabel.allowed`), as a flat table: Viterbi asks 49
    /// times a token.
    static let allowedPairs: [Bool] = (0..<49).map { BIOLabel.allowed(from: $0 / 7, to: $0 % 7) }

    package static func viterbi(_ emissions: [Float], count n: Int, transitions: [Float]) -> [Int] {
        guard n > 0 else { return [] }
        var rows = [SIMD8<Float>](repeating: .zero, count: n)
        for i in 0..<n { for l in 0..<7 { rows[i][lane(l)] = emissions[i * 7 + l] } }
        let t = transitionRows(transitions)
        var back = [SIMD8<Int32>](repeating: .zero, count: n)
        var labels = [Int](repeating: 0, count: n)
        viterbi(rows, count: n, transitions: t, back: &back, labels: &labels)
        return labels
    }

    /// The tagging path's order of the labels in a vector (`interleave` writes the weights so,
    /// and every sum, emission and transition row follows): the labels any label may precede
    /// (B-PER, B-ORG, B-LOC, O) in the low half, the I-X in the high half under their B-X. Viterbi
    /// then scores the low half over all seven previous labels and the high half over its two
    /// (B-X and I-X, which sit in the same lane), not 49 pairs of which 12 are forbidden.
    static let lanes = [1, 3, 5, 0, 2, 4, 6]
    /// The lane of label l, from four bits a label (a constant, not an array, in Viterbi's loop).
    @inline(__always) static func lane(_ l: Int) -> Int { 0x625_1403 &>> (l &* 4) & 15 }

    /// The transitions as `viterbi` reads them, 11 rows of four lanes (see `lanes`): 0 and 1 the
    /// start of a sentence (-inf to an I-X), 2 + p from the label p to the low half, 9 from each
    /// B-X to its I-X, 10 from each I-X to itself; -inf in the unused lane.
    package static func transitionRows(_ t: [Float]) -> [SIMD4<Float>] {
        func row(_ r: Int, _ labels: [Int]) -> SIMD4<Float> {
            var row = SIMD4<Float>(repeating: -.infinity)
            for (k, l) in labels.enumerated() where r == 0 ? allowedPairs[l] : BIOLabel.allowed(from: r - 1, to: l) { row[k] = t[r * 7 + l] }
            return row
        }
        let low = Array(lanes[0..<4]), high = Array(lanes[4..<7])
        var rows = [row(0, low), row(0, high)]
        for p in 0..<7 { rows.append(row(p + 1, low)) }
        var fromB = SIMD4<Float>(repeating: -.infinity), fromI = SIMD4<Float>(repeating: -.infinity)
        for x in 0..<3 {
            fromB[x] = t[(2 * x + 1 + 1) * 7 + 2 * x + 2]
            fromI[x] = t[(2 * x + 2 + 1) * 7 + 2 * x + 2]
        }
        rows.append(fromB)
        rows.append(fromI)
        return rows
    }

    /// The model's keys and weights side by side, three words a slot (the key, then the seven
    /// weights in the order of `lanes` and a zero): a probe that finds its key reads its weights from the same cache
    /// line, not from a second array.
    static func interleave(_ model: LabellerModel) -> [UInt64] {
        // Every word is written below: the table (6 MB) is not zeroed first.
        [UInt64](unsafeUninitializedCapacity: model.keys.count * 3) { table, count in
            model.keys.withUnsafeBufferPointer { keys in
                model.weights.withUnsafeBufferPointer { weights in
                    for slot in 0..<keys.count {
                        var packed: (UInt64, UInt64) = (0, 0)
                        withUnsafeMutableBytes(of: &packed) { raw in
                            for k in 0..<7 { raw.storeBytes(of: weights[slot * 7 + lanes[k]].littleEndian, toByteOffset: k * 2, as: Int16.self) }
                        }
                        (table.baseAddress! + slot * 3).initialize(to: keys[slot])
                        (table.baseAddress! + slot * 3 + 1).initialize(to: packed.0)
                        (table.baseAddress! + slot * 3 + 2).initialize(to: packed.1)
                    }
                }
            }
            count = model.keys.count * 3
        }
    }

    /// Viterbi over emission rows in the order of `lanes` (lane 7 unused). For each previous label
    /// p in label order, a later p must score strictly higher, so ties go to the lower label; the
    /// forbidden pairs are not scored at all (an I-X keeps B-X unless I-X scores strictly higher,
    /// which is what the -inf of a forbidden pair gave the version over all 49). Same sums, same
    /// order: the same labels as the textbook version (LabellerTests).
    @inline(__always)
    static func viterbi(_ e: UnsafePointer<SIMD8<Float>>, count n: Int, transitions t: UnsafePointer<SIMD4<Float>>,
                        back: UnsafeMutablePointer<SIMD8<Int32>>, labels: UnsafeMutablePointer<Int>) {
        guard n > 0 else { return }
        var previous = SIMD8<Float>(lowHalf: t[0], highHalf: t[1]) + e[0]
        let fromB = t[9], fromI = t[10]
        let beginArg = SIMD4<Int32>(1, 3, 5, 0)
        var i = 1
        while i < n {
            let low = previous.lowHalf, high = previous.highHalf
            var best = SIMD4<Float>(repeating: low[3]) + t[2]
            var arg = SIMD4<Int32>(repeating: 0)
            @inline(__always) func from(_ p: Int32, _ score: Float) {
                let c = SIMD4<Float>(repeating: score) + t[2 + Int(p)]
                let better = c .> best
                best.replace(with: c, where: better)
                arg.replace(with: p, where: better)
            }
            from(1, low[0]); from(2, high[0]); from(3, low[1]); from(4, high[1]); from(5, low[2]); from(6, high[2])
            // Each I-X after its B-X, or after itself where that scores strictly higher: I-X's
            // label is B-X's plus one, so the argument is B-X's less the mask (-1 where true).
            // Selected with the mask, the arguments were taken apart lane by lane (30
            // instructions a token).
            var bestInside = low + fromB
            let c = high + fromI, inside = c .> bestInside
            bestInside.replace(with: c, where: inside)
            let argInside = beginArg &- unsafeBitCast(inside, to: SIMD4<Int32>.self)
            previous = SIMD8<Float>(lowHalf: best, highHalf: bestInside) + e[i]
            back[i] = SIMD8<Int32>(lowHalf: arg, highHalf: argInside)
            i += 1
        }
        var best = -Float.infinity
        labels[n - 1] = 0
        for l in 0..<7 where previous[lane(l)] > best { best = previous[lane(l)]; labels[n - 1] = l }
        var k = n - 1
        while k > 0 { labels[k - 1] = Int(back[k][lane(labels[k])]); k -= 1 }
    }

    static func viterbi(_ e: [SIMD8<Float>], count n: Int, transitions t: [SIMD4<Float>], back: inout [SIMD8<Int32>], labels: inout [Int]) {
        e.withUnsafeBufferPointer { e in
            t.withUnsafeBufferPointer { t in
                back.withUnsafeMutableBufferPointer { back in
                    labels.withUnsafeMutableBufferPointer { labels in
                        viterbi(e.baseAddress!, count: n, transitions: t.baseAddress!, back: back.baseAddress!, labels: labels.baseAddress!)
                    }
                }
            }
        }
    }

    /// Spans of a label sequence (token indices within it).
    /// `joins(previous, next, type)`: whether a span goes on with the span of its type before it
    /// (`Labeller.joins`, as tagging does); training scores the labels as they are.
    package static func spans(_ labels: [Int], joins: (Range<Int>, Range<Int>, EntityType) -> Bool = { _, _, _ in false })
        -> [(type: EntityType, tokens: Range<Int>)] {
        var out: [(type: EntityType, tokens: Range<Int>)] = []
        var i = 0
        while i < labels.count {
            guard let label = BIOLabel(rawValue: labels[i]), let type = label.type else { i += 1; continue }
            var j = i + 1
            while j < labels.count, labels[j] == label.rawValue + (label.isInside ? 0 : 1) { j += 1 }
            if let last = out.last, last.type == type, joins(last.tokens, i..<j, type) {
                out[out.count - 1].tokens = last.tokens.lowerBound..<j
            } else {
                out.append((type, i..<j))
            }
            i = j
        }
        return out
    }

    /// A token's key in the word cache: its normalized form, and its kind when it is not a word.
    /// Features read the kind (the shape, the proclitic readings), and forms of different kinds
    /// can normalize alike: a lone shadda (a symbol) and a tatweel (a word) both to nothing. Keyed
    /// by form alone, the first of them a thread met decided the features of the other.
    @inline(__always) static func cacheKey(_ t: Token) -> UInt64 {
        t.kind == .word ? t.hash : t.hash ^ (UInt64(t.kind.rawValue) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Whether the model's span `next` of `type`, right after its span `previous` of that type
    /// (token ranges), is the same name, which the labels broke (روبن | فان بيرسي، اللجنة العلمية
    /// لمجابهة فيروس | كورونا). Names in a row are joined by و or punctuation, which a span never
    /// holds: so the two touch, with words on both sides, and `next` begins with no و (وطارق
    /// السعيد وحسن مصطفى) and no other proclitic the span would leave out (خلفا للحبيب عاشور،
    /// بمستشفى سهلول: a preposition starts a new phrase). One of the two is a single word: two
    /// names of two words or more are as often two people (شكري بلعيد بشير نصر), unless the first is a kunya
    /// and its word (أبو علي | الحسين بن سينا).
    package static func joins(_ d: Document, previous: Range<Int>, next: Range<Int>, type: EntityType,
                              clusters: (any ClusterCodes)? = nil) -> Bool {
        joins(d, previous: previous, next: next, type: type, evidence: nil, clusters: clusters)
    }

    static func joins(_ d: Document, previous: Range<Int>, next: Range<Int>, type: EntityType, evidence: ProcliticEvidence?,
                      clusters: (any ClusterCodes)?) -> Bool {
        let i = next.lowerBound
        // A kunya and its word (أبو علي، أبو عبد الله) begin the name that follows them: أبو علي
        // الحسين بن سينا، أبو عبد الله محمد بن موسى الخوارزمي.
        // Not a kunya name of three words (أبو بكر البغدادي), nor a name that is a kunya itself.
        let p = previous.lowerBound
        let kunyaFirst = type == .person && kunyaHashes.contains(d.tokens[p].hash) && !kunyaHashes.contains(d.tokens[i].hash)
            && (previous.count == 2 || previous.count == 3 && abdHashes.contains(d.tokens[p + 1].hash))
            // So does a laqab of the religion or the state: صلاح الدين يوسف بن أيوب، سيف الدولة علي بن حمدان.
            || type == .person && previous.count == 2 && laqabHashes.contains(d.tokens[p + 1].hash)
        guard previous.upperBound == i, previous.count == 1 || next.count == 1 || kunyaFirst, i > 0,
              d.tokens[i].kind == .word, d.tokens[i - 1].kind == .word,
              d.utf16[Int(d.tokens[i].start)] != 0x0648 else { return false }
        return procliticLength(d, token: i, type: type, evidence: evidence, clusters: clusters) == 0
    }

    /// The type id of a helper list (fixed: built-in types come first, then `Gazetteer.helperTypes`
    /// in their order), without a gazetteer at hand.
    static func helperType(_ name: String) -> Int32 {
        Int32(Gazetteer.entityTypes.count + Gazetteer.helperTypes.firstIndex(of: name)!)
    }
    static let commonType = helperType("COMMON"), vocabularyType = helperType("VOCAB"), nisbaType = helperType("NISBA")
    static let givenNameType = helperType("GIVEN_NAME"), ambiguousType = helperType("AMBIGUOUS")
    static let nameParticleType = helperType("NAME_PARTICLE")
    static let personListType = Int32(Gazetteer.entityTypes.firstIndex(of: "PER")!)

    /// Whether token `i` is, whole and with its article, a nisba of the lists (الفرنسي، المصري)
    /// and no given name or ambiguous word (العربي is also a Maghrebi first name).
    static func isNisba(_ d: Document, token i: Int) -> Bool {
        let t = d.tokens[i]
        guard t.kind == .word, t.end - t.start > 3, d.utf16[Int(t.start) + 1] == 0x644 else { return false }
        var l = d.lookups.partitioningIndex { Int($0.tokens.lowerBound) >= i }
        var nisba = false
        while l < d.lookups.count, Int(d.lookups[l].tokens.lowerBound) == i {
            let lookup = d.lookups[l]
            if lookup.list == givenNameType || lookup.list == ambiguousType { return false }
            if lookup.list == nisbaType, lookup.prefixLength == 0, lookup.tokens.count == 1 { nisba = true }
            l += 1
        }
        return nisba
    }

    /// عبد of a kunya (أبو عبد الله), and the second word of a laqab (صلاح الدين، سيف الدولة).
    static let abdHashes = formHashes(["عبد"])
    static let laqabHashes = formHashes(["الدين", "الدولة"])
    /// Words after which ب introduces a name: المعروف ب، الملقب ب، ويعرف ب، لقب ب…
    static let knownAsHashes = formHashes(["المعروف", "المعروفة", "الملقب", "الملقبة", "يعرف", "ويعرف", "تعرف", "وتعرف",
                                           "لقب", "ولقب", "لقبت", "ولقبت", "يلقب", "ويلقب", "تلقب", "الشهير", "الشهيرة", "المكنى"])

    /// أبو، أبي، أبا, hamza folded or not (the normalizer's options decide which the tokens carry).
    static let kunyaHashes = formHashes(["أبو", "ابو", "أبي", "ابي", "أبا", "ابا"])

    /// The hashes of the words' normalized forms, as tokens carry them (`Token.hash`): a word
    /// written with ة, ى or a hamza is hashed as normalization writes it (الدولة → الدوله).
    static func formHashes(_ words: [String]) -> Set<UInt64> {
        let normalizer = Normalizer()
        return Set(words.map { word in word.utf16.compactMap { normalizer.fold($0) }.withUnsafeBufferPointer { Normalizer.hash($0) } })
    }

    /// The last token of a span from `first` to `last`, without the words no name ends in: a
    /// span the model runs on into "ولد في" ("was born in") stops before them.
    package static func lastNameToken(_ d: Document, first: Int, last: Int) -> Int {
        var last = last
        while last > first, trailingHashes.contains(d.tokens[last].hash) { last -= 1 }
        return last
    }

    /// Words no name ends in: prepositions and the particles that link a name to the next part
    /// (بن، ولد، أبو…), hamza folded or not. Not على: folded, it is the name علي.
    static let trailingHashes = formHashes(["في", "من", "عن", "إلى", "الى", "مع", "منذ", "و", "بن", "ابن", "بنت", "ولد", "أبو", "ابو", "عبد", "آل",
                                            "ها", "هم", "هما"])
    /// Attached pronouns written apart, as corpora segmented by morphology have them (بريق ها):
    /// no name begins or ends with one.
    static let pronounHashes = formHashes(["ها", "هم", "هما"])
    static let bornHashes = formHashes(["ولد"])

    /// Whether the token is a URL's scheme (followed by "://") or written exactly على.
    static func isSchemeOrAla(_ d: Document, _ t: Token) -> Bool {
        let u = d.utf16, s = Int(t.start), e = Int(t.end)
        if e - s == 3, u[s] == 0x639, u[s + 1] == 0x644, u[s + 2] == 0x649 { return true }
        return e + 2 < u.count && u[e] == 0x3A && u[e + 1] == 0x2F && u[e + 2] == 0x2F
    }

    /// Nouns of buildings, streets and squares named after people (مستشفى شارل نيكول، شارع الحبيب
    /// بورقيبة), and the honorifics such a name keeps (مطار الملك خالد). Not قصر or سوق: قصر فلان
    /// and سوق فلان are as often someone's palace or stall.
    static let siteNounHashes = formHashes(["شارع", "نهج", "جادة", "زنقة", "ساحة", "ميدان", "مطار", "ملعب", "استاد", "مسجد",
                                            "جامع", "كنيسة", "كاتدرائية", "ضريح", "متحف", "مستشفى", "حديقة", "منتزه", "قاعة",
                                            "جسر", "ميناء"])
    static let honorificHashes = formHashes(["الملك", "الأمير", "الشيخ", "الإمام", "السلطان", "القاضي", "الشهيد", "الملكة",
                                             "الأميرة"])

    /// If token `k` is a site noun of `siteNounHashes`, perhaps behind proclitics (بمستشفى), the
    /// length of those proclitics.
    static func siteNounPrefix(_ d: Document, token k: Int) -> Int32? {
        let t = d.tokens[k]
        if siteNounHashes.contains(t.hash) { return 0 }
        return d.analyses(of: t).first { siteNounHashes.contains($0.hash) }?.prefixLength
    }

    /// The site noun a name at `first` follows, directly or after an honorific, not before token
    /// `from`, and the length of the proclitic written before it (بمستشفى → 1).
    static func siteBefore(_ d: Document, first: Int, from: Int) -> (token: Int, prefix: Int32)? {
        var k = first - 1
        if k >= from, honorificHashes.contains(d.tokens[k].hash) { k -= 1 }
        guard k >= from, d.tokens[k].kind == .word, let prefix = siteNounPrefix(d, token: k) else { return nil }
        return (k, prefix)
    }

    /// If token `i` is a kunya, perhaps behind proclitics (لأبي), the length of those proclitics.
    static func kunyaPrefix(_ d: Document, token i: Int) -> Int32? {
        let t = d.tokens[i]
        guard t.kind == .word else { return nil }
        if kunyaHashes.contains(t.hash) { return 0 }
        return d.analyses(of: t).first { kunyaHashes.contains($0.hash) }?.prefixLength
    }

    /// Whether the normalized word of hash `h` is a known one: the word clusters hold it, or a
    /// token other than `i` is that word, bare or behind a proclitic.
    /// The document's words are counted once, on the first call (`ProcliticEvidence.words`).
    static func knownWord(_ d: Document, _ h: UInt64, besides i: Int, clusters: (any ClusterCodes)?,
                          evidence: ProcliticEvidence) -> Bool {
        if let clusters, clusters.code(ofHash: h) != nil { return true }
        var n = evidence.words.count(d, h)
        let t = d.tokens[i]
        if n > 0, t.kind == .word, t.hash == h || d.analyses(of: t).contains(where: { $0.hash == h }) { n -= 1 }
        return n > 0
    }

    /// The shortest proclitic behind which token `i` is a listed given name or person, when the
    /// whole token is in no list but the ordinary words' (وفدوى = و + فدوى); nil otherwise.
    static func listedStemPrefix(_ d: Document, token i: Int) -> Int32? {
        var l = d.lookups.partitioningIndex { Int($0.tokens.lowerBound) >= i }
        var prefix: Int32? = nil
        while l < d.lookups.count, Int(d.lookups[l].tokens.lowerBound) == i {
            let lookup = d.lookups[l]
            l += 1
            if lookup.prefixLength == 0 {
                if lookup.list == Labeller.commonType || lookup.list == Labeller.vocabularyType { continue }
                return nil
            }
            if lookup.list == Labeller.givenNameType || lookup.list == Labeller.personListType {
                prefix = min(prefix ?? lookup.prefixLength, lookup.prefixLength)
            }
        }
        return prefix
    }

    /// How much of the first token is a proclitic outside the entity (ANNOTATION.md: و ف ب ل ك
    /// stay outside). The model labels whole tokens, so this decides from what the lists and rules
    /// found there, then from the article: a list or rule match of the whole token (وليد) keeps
    /// it whole; a match of a stripped reading (و+سارة) strips; a stem starting with ال strips;
    /// a single و before a stem of four letters or more strips; a place's ب or ل strips where the
    /// article also writes its stem bare.
    static func procliticLength(_ d: Document, token i: Int, type: EntityType, evidence: ProcliticEvidence? = nil,
                                clusters: (any ClusterCodes)? = nil) -> Int32 {
        let t = d.tokens[i]
        guard t.analysisCount > 0 else { return 0 }
        let e = evidence ?? ProcliticEvidence(d)
        var fromCandidates: Int32? = nil
        var k = e.candidateStart[i]
        while k >= 0 {
            let c = d.candidates[Int(k)]
            let p = c.start - t.start
            if c.type == type {
                // A person rule that read the whole token as an unknown word (وفدوى) where only a
                // reading behind its proclitic is a listed name: the name starts after it.
                if p == 0, type == .person, let q = listedStemPrefix(d, token: i) { return q }
                return p
            }
            fromCandidates = fromCandidates ?? p
            k = e.nextCandidate[Int(k)]
        }
        if let p = fromCandidates { return p }
        var fromLists: Int32? = nil, fromLongerLists: Int32? = nil
        var wholeWord = false, stemWord = false
        var l = d.lookups.partitioningIndex { Int($0.tokens.lowerBound) >= i }
        while l < d.lookups.count, Int(d.lookups[l].tokens.lowerBound) == i {
            let lookup = d.lookups[l]
            l += 1
            let ordinary = lookup.list == Labeller.commonType || lookup.list == Labeller.vocabularyType
            if lookup.prefixLength == 0 {
                // The whole token as an ordinary word (وبن, فريد "unique") yields only to a longer
                // name read behind its proclitic (و + بن قردان), not to a one-word one (ف + ريد);
                // as a name or a designator (وليد، وزارة) it is kept.
                if ordinary { wholeWord = true; continue }
                return 0
            }
            // A kunya or nasab particle behind a proclitic (وابن كثير، بأبي عمران) starts the name.
            if type == .person, lookup.list == Labeller.nameParticleType { return lookup.prefixLength }
            if ordinary {
                stemWord = true
                // An ordinary word behind a person's first ب، ف or ك is no name there (ب + يلي of
                // بيلي، ب + أملاك of باملاك تسيما): it says nothing of where the name starts. Not
                // behind و or ل, before which a name is also a word (وسيف، ونجم، لأمير), nor in a
                // place or an organization, whose first word is often a noun behind a preposition
                // (بقاعة، بمقبرة، لفوج).
                if type == .person, lookup.prefixLength == 1 {
                    switch d.utf16[Int(t.start)] {
                    case 0x628, 0x641, 0x643: continue
                    default: break
                    }
                }
            }
            fromLists = min(fromLists ?? lookup.prefixLength, lookup.prefixLength)
            if lookup.tokens.count > 1 { fromLongerLists = min(fromLongerLists ?? lookup.prefixLength, lookup.prefixLength) }
        }
        // A whole that is an ordinary word only as the letter and an ordinary word (بفتح = ب +
        // فتح, a glued form of the vocabulary lists) says nothing either: the stem decides.
        if wholeWord && !stemWord { return fromLongerLists ?? 0 }
        if let p = fromLists { return p }
        let readings = d.analyses(of: t)
        // The longest reading whose stem has the article.
        for a in readings.reversed() {
            let s = Int(t.start + a.prefixLength)
            // At least two letters after the article: فالس (Valls) is no ف + الس.
            if s + 4 <= Int(t.end), d.utf16[s] == 0x627 || d.utf16[s] == 0x623 || d.utf16[s] == 0x625, d.utf16[s + 1] == 0x644 {
                // After ف or ك the letter and the article may be the name's own (فالنتينا، فالير،
                // كالسروه): the stem read behind them must be a known word, one the word clusters
                // (the news' vocabulary) hold or the article writes elsewhere; else the word stays
                // whole. Not after و or ب, which begin few names: there the stem is as often a
                // village or a quarter no list or cluster knows (والحسينات، بالطفالة).
                if a.proclitics == .fa || a.proclitics == .ka, !knownWord(d, a.hash, besides: i, clusters: clusters, evidence: e) { return 0 }
                return a.prefixLength
            }
            // لل: the article's alef was dropped (للأمم = ل + الأمم).
            if a.proclitics.contains(.li), d.utf16[s] == 0x644, d.utf16[s - 1] == 0x644 { return a.prefixLength }
        }
        if let a = readings.first, a.proclitics == .wa, t.normEnd - t.normStart >= 5 { return a.prefixLength }
        // A place after ب or ل (بقرمبالية، لقرمبالية) that no list knows: the stem written bare
        // elsewhere in the article says the letter is the preposition. Places that begin with
        // those letters (بنزرت، لندن) are not written without them.
        // A person too (المعروف بلورنس العرب after إدوارد لورنس).
        if type == .location || type == .person, let a = readings.first, a.proclitics == .bi || a.proclitics == .li,
           d.tokens.contains(where: { $0.hash == a.hash && $0.kind == .word }) {
            return a.prefixLength
        }
        // "Known as" or "nicknamed" before ب: the ب is the preposition (المعروف بقيصرون).
        if type == .person, i > 0, let a = readings.first, a.proclitics == .bi, knownAsHashes.contains(d.tokens[i - 1].hash) {
            return a.prefixLength
        }
        return 0
    }
}

/// How many of a document's words are each normalized form, bare or behind a proclitic (a word
/// counts once for a form, however many of its readings have it), counted on the first question.
final class DocumentWords: @unchecked Sendable {
    private var counts: [UInt64: Int32]? = nil

    func count(_ d: Document, _ h: UInt64) -> Int32 {
        if counts == nil {
            var c: [UInt64: Int32] = [:]
            for t in d.tokens where t.kind == .word {
                c[t.hash, default: 0] += 1
                for (r, a) in d.analyses(of: t).enumerated() where a.hash != t.hash {
                    // Once per word: a form two readings share (rare) is counted by the first.
                    if !d.analyses(of: t).prefix(r).contains(where: { $0.hash == a.hash }) { c[a.hash, default: 0] += 1 }
                }
            }
            counts = c
        }
        return counts![h] ?? 0
    }
}

/// A thread's cache: a word's hash → its five contributions (offsets -2…+2). A place in it
/// (`WordCache.narrowPlace`, `widePlace`) says which store holds them and where.
struct WordCache: Sendable {
    /// Sized for the words of a thousand news articles (some 30,000): grown by doubling from
    /// the default, the index re-inserted its keys four times, half the cost of inserting them.
    var index = WordIndex(capacity: 1 << 15)
    /// The words whose five sums all fit in 16 bits (nearly all): half the bytes of 32-bit
    /// vectors, and the emissions' reads of them are most of the stage's cache misses.
    var narrow: ContiguousArray<SIMD8<Int16>> = []
    /// The edges of a sentence (at 0), the words whose sums do not fit in 16 bits, and, past the
    /// kept ones, a sentence's words that a full cache does not keep.
    var wide: ContiguousArray<SIMD8<Int32>> = []

    /// A place is a store's index, with `wideBit` set for `wide`: the index marks an empty slot
    /// with -1, so a place is never negative, and a place in `narrow` is its index as it is.
    @inline(__always) static var wideBit: Int32 { 1 << 30 }
    @inline(__always) static func narrowPlace(_ i: Int) -> Int32 { Int32(i) }
    @inline(__always) static func widePlace(_ i: Int) -> Int32 { Int32(i) | wideBit }
    /// The edges' place (-1: not yet stored).
    var edge: Int32 = -1

    /// The place of a word's five sums once kept: in `narrow` if every lane fits in 16 bits, else
    /// in `wide`. Out of line: a word is kept once. Static, on the two stores: the caller holds
    /// the cache's other arrays open. The sums come in a fixed buffer: made at the end of `wide`
    /// and moved, they cost five appends and a `removeLast` (some 190 instructions a word).
    @inline(never)
    static func keep(_ sums: InlineArray<5, SIMD8<Int32>>, narrow: inout ContiguousArray<SIMD8<Int16>>,
                     wide: inout ContiguousArray<SIMD8<Int32>>) -> Int32 {
        // A lane fits in 16 bits when adding 2^15 leaves nothing above bit 15: an add and an or a
        // vector. The lane-wise compares and their masks (no 32-bit compare-and-select below
        // SSE4.1) cost some 60 instructions a word more.
        // Read through a span: indexed as it is, the buffer was copied whole at every append.
        let sums = sums.span
        var above = SIMD8<Int32>(repeating: 0)
        for k in sums.indices { above |= sums[k] &+ SIMD8(repeating: 0x8000) }
        guard above & SIMD8(repeating: ~0xFFFF) == SIMD8(repeating: 0) else { return append(sums, to: &wide) }
        let place = WordCache.narrowPlace(narrow.count)
        for k in sums.indices { narrow.append(SIMD8<Int16>(truncatingIfNeeded: sums[k])) }
        return place
    }
    /// The place of five sums appended to `wide` as they are: a word whose sums need 32 bits,
    /// or one the full cache scores for its sentence only.
    @inline(__always)
    static func append(_ sums: Span<SIMD8<Int32>>, to wide: inout ContiguousArray<SIMD8<Int32>>) -> Int32 {
        let place = WordCache.widePlace(wide.count)
        for k in sums.indices { wide.append(sums[k]) }
        return place
    }
    /// The context features' memo (see `ScoreSink`).
    var memoKeys = [UInt64](repeating: 0, count: 4096)
    var memoSums = [SIMD8<Int32>](repeating: SIMD8(repeating: 0), count: 4096)
    /// A sentence's scratch, kept from one sentence to the next: each token's place in
    /// the stores, its emissions, Viterbi's back pointers and the labels.
    var wordBase: [Int32] = []
    /// Each token's key in the index (`Labeller.cacheKey`), and its bigram's feature key (0: none).
    var wordKeys: [UInt64] = []
    var bigramKeys: [UInt64] = []
    var emissions: [SIMD8<Float>] = []
    var back: [SIMD8<Int32>] = []
    var labels: [Int] = []
    /// Per token, what the marks at -1, 0, +1 in its sentence give it (`Labeller.markSums`).
    var markSums: [SIMD8<Int32>] = []
    /// Per token, whether it and the token before are in one sentence.
    var linked: [UInt8] = []
    /// The candidates' sources met in the document being tagged (`Labeller.markSums`).
    var sources = SourceMemo()
    /// The candidates that start at each token (`Labeller.procliticLength`), refilled per document.
    var evidence = ProcliticEvidence()
    /// The model's candidates for the document being tagged, before they join its candidates.
    var proposed: [Entity] = []
}

/// A candidate's source (a rule's or list's name) → its kind and hash, for the candidates of one
/// document: a few sources serve most of its candidates, and hashing the name and reading its
/// prefix cost some 230 instructions a candidate. Keyed by the string's bits, which name one
/// string while the document holds its candidates (the same storage, or the same small string's
/// bytes); a slot written for an earlier document (`document`) is not read.
struct SourceMemo {
    struct Slot { var bits = SIMD2<UInt64>(0, 0); var document = 0; var kind = 0; var hash: UInt64 = 0 }
    var slots: [Slot] = []
    var document = 0

    @inline(__always) mutating func kindAndHash(_ source: String) -> (kind: Int, hash: UInt64) {
        if slots.isEmpty { slots = [Slot](repeating: Slot(), count: 64) }
        let bits = unsafeBitCast(source, to: SIMD2<UInt64>.self)
        let m = Int(truncatingIfNeeded: ((bits.x ^ bits.y) &* 0x9E37_79B9_7F4A_7C15) >> 58)
        if slots[m].document == document && slots[m].bits == bits { return (slots[m].kind, slots[m].hash) }
        let kind = Int(FeatureExtractor.sourceKind(source)), hash = stringHash(source)
        slots[m] = Slot(bits: bits, document: document, kind: kind, hash: hash)
        return (kind, hash)
    }
}

/// What the context features (`FeatureExtractor.contextFeatures`) weigh, summed once from the
/// model: they depend on a few small values (a list's type or file, a candidate's type and kind,
/// the B/I position, the offset), so the stage reads them from dense arrays rather than hash a
/// key and probe a table per mark and token. Only a candidate's source (a rule's name) and the
/// bigram are still looked up by key.
struct ContextWeights: Sendable {
    var bias: SIMD8<Int32>
    /// The gazetteer's types: `listType[(type * 2 + inside) * 3 + o + 1]`.
    var typeCount: Int
    var listType: [SIMD8<Int32>]
    /// Offset 0 only: `listFile[file * 2 + inside]`.
    var listFile: [SIMD8<Int32>]
    /// `candidateType[(type << 3 | kind << 1 | inside) * 3 + o + 1]`.
    var candidateType: [SIMD8<Int32>]
    /// `range[inside * 3 + o + 1]`.
    var range: [SIMD8<Int32>]
    /// doc-elsewhere of type t at t, doc-earlier-in-name at 3 + t.
    var document: [SIMD8<Int32>]
    /// A cluster prefix of `len` ≤ 8 bits at offset o (`FeatureSink.addCluster`):
    /// `clusterPrefix[(o + 1) * 512 + (1 << len) + bits]`.
    var clusterPrefix: [SIMD8<Int32>]

    init(groups: FeatureGroups, table: UnsafeBufferPointer<UInt64>, typeHashes: [UInt64], listHashes: [UInt64]) {
        func weight(_ key: UInt64) -> SIMD8<Int32> { ScoreSink(table: table, presence: nil).lookup(key) }
        let zero = SIMD8<Int32>(repeating: 0)
        bias = weight(featureKey(.bias, 0, 0))
        let typeCount = typeHashes.count
        self.typeCount = typeCount
        listType = [SIMD8<Int32>](repeating: zero, count: 3 * typeCount * 2)
        listFile = [SIMD8<Int32>](repeating: zero, count: listHashes.count * 2)
        candidateType = [SIMD8<Int32>](repeating: zero, count: 3 * 64)
        range = [SIMD8<Int32>](repeating: zero, count: 3 * 2)
        document = [SIMD8<Int32>](repeating: zero, count: 6)
        clusterPrefix = [SIMD8<Int32>](repeating: zero, count: 3 * 512)
        if groups.contains(.clusters) {
            for o in -1...1 {
                for len in 0...8 {
                    for bits in 0..<(1 << len) {
                        clusterPrefix[(o + 1) * 512 + (1 << len) + bits] = weight(featureKey(.cluster, o * 32 + len, UInt64(bits)))
                    }
                }
            }
        }
        for o in -1...1 {
            for bi in 0..<2 {
                if groups.contains(.lookups) {
                    for type in 0..<typeCount {
                        listType[(type * 2 + bi) * 3 + o + 1] = weight(featureKey(.lookupType, o, typeHashes[type] << 1 | UInt64(bi)))
                    }
                }
                if groups.contains(.candidates) {
                    for type in 0..<5 {
                        for kind in 0..<4 {
                            candidateType[(type << 3 | kind << 1 | bi) * 3 + o + 1] =
                                weight(featureKey(.candidateType, o, UInt64(type) << 3 | UInt64(kind) << 1 | UInt64(bi)))
                        }
                    }
                }
                if groups.contains(.ranges) { range[bi * 3 + o + 1] = weight(featureKey(.range, o, UInt64(bi))) }
            }
        }
        if groups.contains(.lookups) {
            for (file, h) in listHashes.enumerated() {
                for bi in 0..<2 { listFile[file * 2 + bi] = weight(featureKey(.lookupList, 0, h << 1 | UInt64(bi))) }
            }
        }
        if groups.contains(.document) {
            for t in 0..<3 {
                document[t] = weight(featureKey(.docElsewhere, 0, UInt64(t)))
                document[3 + t] = weight(featureKey(.docEarlierInName, 0, UInt64(t)))
            }
        }
    }
}

/// Word hashes → small integers (positions in `WordCache.vectors`, a document's evidence in
/// `FeatureExtractor`): linear probing over keys that are hashes
/// already (a Dictionary would hash them again with SipHash, which cost more than the lookups).
struct WordIndex: Sendable {
    /// A key beside its value (-1: empty): a probe reads one cache line, not one in an array of
    /// keys and another in an array of values.
    fileprivate struct Slot { var key: UInt64; var value: Int32 }
    private var slots: [Slot]
    private(set) var count = 0

    /// Room for `capacity` keys before the table grows.
    init(capacity: Int = 1 << 11) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Slot](repeating: Slot(key: 0, value: -1), count: size)
    }

    @inline(__always) private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: ((key ^ key >> 31) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    subscript(key: UInt64) -> Int32? {
        slots.withUnsafeBufferPointer { Probe(slots: $0)[key] }
    }

    /// The table for reading only, without the array's reference count at each lookup.
    struct Probe {
        fileprivate let slots: UnsafeBufferPointer<Slot>

        @inline(__always) subscript(key: UInt64) -> Int32? {
            let mask = slots.count - 1
            var i = WordIndex.slot(key, mask)
            while slots[i].value >= 0 {
                if slots[i].key == key { return slots[i].value }
                i = (i + 1) & mask
            }
            return nil
        }

        @inline(__always) func prefetch(_ key: UInt64) {
            wasim_prefetch(slots.baseAddress! + WordIndex.slot(key, slots.count - 1))
        }
    }

    @inline(__always) func withProbe<R>(_ body: (Probe) -> R) -> R {
        slots.withUnsafeBufferPointer { body(Probe(slots: $0)) }
    }

    /// Adds a key that is not in the table.
    mutating func insert(_ key: UInt64, _ value: Int32) {
        if (count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var i = WordIndex.slot(key, mask)
        while slots[i].value >= 0 { i = (i + 1) & mask }
        slots[i] = Slot(key: key, value: value)
        count += 1
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(key: 0, value: -1), count: old.count * 2)
        count = 0
        for s in old where s.value >= 0 { insert(s.key, s.value) }
    }
}

/// Which candidates of the earlier stages start at each token (a linked list per token), made
/// once per document when the model proposes something.
struct ProcliticEvidence {
    var candidateStart: [Int32]
    var nextCandidate: [Int32]
    /// The document's words, counted on first need (`Labeller.knownWord`): a class, so that the
    /// copies `procliticLength` is handed share what the first call counted.
    var words = DocumentWords()

    init() {
        candidateStart = []
        nextCandidate = []
    }

    init(_ d: Document) {
        self.init()
        fill(d)
    }

    /// The evidence of `d`, in the arrays already there.
    mutating func fill(_ d: Document) {
        words = DocumentWords()
        candidateStart.removeAll(keepingCapacity: true)
        candidateStart.append(contentsOf: repeatElement(-1, count: d.tokens.count))
        nextCandidate.removeAll(keepingCapacity: true)
        nextCandidate.append(contentsOf: repeatElement(-1, count: d.candidates.count))
        // By index, backwards: `enumerated().reversed()` copied every candidate. Through
        // buffers: indexed as arrays, each candidate's type and source were retained and
        // released, and each write checked the array's uniqueness.
        d.candidates.withUnsafeBufferPointer { candidates in
            candidateStart.withUnsafeMutableBufferPointer { candidateStart in
                nextCandidate.withUnsafeMutableBufferPointer { nextCandidate in
                    var k = candidates.count - 1
                    var kinds = LastStringMemo<ConflictResolution.SourceKind>()
                    while k >= 0 {
                        if !FeatureExtractor.isRange(candidates[k].type)
                            && kinds.value(candidates[k].source, ConflictResolution.sourceKind) != .model {
                            let i = Int(candidates[k].tokens.lowerBound)
                            nextCandidate[k] = candidateStart[i]
                            candidateStart[i] = Int32(k)
                        }
                        k -= 1
                    }
                }
            }
        }
    }
}

extension Array {
    /// The first index whose element satisfies `belongs` (elements that do come after those that do not).
    func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if belongs(self[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}

extension Capability {
    /// Entity candidates from the learned labeller.
    public static let modelCandidates: Capability = "model-candidates"
}

/// Sums a token's quantized weights per label, straight from the model's flat arrays. A small
/// direct-mapped memo in front of the table holds the context features, which come from a few
/// hundred keys (list and rule names, types and positions) and would otherwise each cost a
/// cache miss in the large table.
struct ScoreSink: FeatureSink {
    /// `Labeller.interleave`: per slot, the key then its seven weights and a zero (24 bytes).
    let table: UnsafeBufferPointer<UInt64>
    let mask: Int
    var memoKeys: UnsafeMutableBufferPointer<UInt64>? = nil
    var memoSums: UnsafeMutableBufferPointer<SIMD8<Int32>>? = nil
    var sums = SIMD8<Int32>(repeating: 0)

    /// `Labeller.presence`, when the caller has it.
    let presence: UnsafeBufferPointer<UInt64>?
    /// `ContextWeights.clusterPrefix`, when the caller has it.
    var clusterPrefix: UnsafeBufferPointer<SIMD8<Int32>>? = nil

    init(table: UnsafeBufferPointer<UInt64>, presence: UnsafeBufferPointer<UInt64>?) {
        self.table = table
        self.mask = table.count / 3 - 1
        self.presence = presence
    }

    @inline(__always) mutating func reset() { sums = SIMD8(repeating: 0) }

    @inline(__always) func lookup(_ key: UInt64) -> SIMD8<Int32> {
        if presence != nil, !present(key) { return SIMD8(repeating: 0) }
        return probe(key)
    }

    /// Whether the presence set may hold the key (the sink must have one).
    @inline(__always) func present(_ key: UInt64) -> Bool {
        let bit = Int(truncatingIfNeeded: key >> UInt64(64 - Labeller.presenceBits))
        return presence.unsafelyUnwrapped[bit >> 6] & 1 << UInt64(bit & 63) != 0
    }

    /// Asks for the presence set's word that `present` reads.
    @inline(__always) func prefetchPresence(_ key: UInt64) {
        let bit = Int(truncatingIfNeeded: key >> UInt64(64 - Labeller.presenceBits))
        wasim_prefetch(presence.unsafelyUnwrapped.baseAddress! + (bit >> 6))
    }

    /// Asks for the table's slot where `probe` starts (its 24 bytes may cross a cache line).
    @inline(__always) func prefetchSlot(_ key: UInt64) {
        let at = table.baseAddress! + (Int(truncatingIfNeeded: key) & mask) &* 3
        wasim_prefetch(at)
        wasim_prefetch(at + 2)
    }

    /// A key's weights from the table, without the presence set.
    @inline(__always) func probe(_ key: UInt64) -> SIMD8<Int32> {
        var slot = Int(truncatingIfNeeded: key) & mask
        while true {
            let found = table[slot &* 3]
            if found == key { break }
            if found == 0 { return SIMD8(repeating: 0) }
            slot = (slot &+ 1) & mask
        }
        let w = UnsafeRawPointer(table.baseAddress! + (slot &* 3 &+ 1)).loadUnaligned(as: SIMD8<Int16>.self)
        return SIMD8<Int32>(truncatingIfNeeded: w)
    }

    /// Short prefixes (4 and 8 bits, shared by thousands of words) from `clusterPrefix`; longer
    /// ones from the table: the memo would keep few of them.
    @inline(__always) package mutating func addCluster(offset o: Int, length len: Int, bits: UInt32, _ name: @autoclosure () -> String) {
        sums &+= clusterWeight(offset: o, length: len, bits: bits)
    }

    /// The weights `addCluster` adds.
    @inline(__always) func clusterWeight(offset o: Int, length len: Int, bits: UInt32) -> SIMD8<Int32> {
        if let clusterPrefix, len <= 8, bits < 1 << UInt32(len) {
            return clusterPrefix[(o + 1) * 512 + (1 << len) + Int(bits)]
        }
        return lookup(featureKey(.cluster, o * 32 + len, UInt64(bits)))
    }

    /// Straight to the table: a memo slot would be taken by a key that does not come back.
    @inline(__always) package mutating func addRare(_ key: UInt64, _ name: @autoclosure () -> String) {
        sums &+= lookup(key)
    }

    @inline(__always) package mutating func add(_ key: UInt64, _ name: @autoclosure () -> String) {
        sums &+= memoized(key)
    }

    /// A key's weights, through the memo when the sink has one.
    @inline(__always) func memoized(_ key: UInt64) -> SIMD8<Int32> {
        guard let memoKeys, let memoSums else { return lookup(key) }
        let m = Int(truncatingIfNeeded: key >> 40) & (memoKeys.count - 1)
        if memoKeys[m] == key { return memoSums[m] }
        let v = lookup(key)
        memoKeys[m] = key
        memoSums[m] = v
        return v
    }
}
