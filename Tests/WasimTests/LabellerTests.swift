import Foundation
import Testing
@testable import Wasim
@testable import WasimEvaluation

/// A small pipeline for the labeller's tests: one list, no rules.
private func tinyGazetteer() throws -> Gazetteer {
    var b = GazetteerBuilder()
    try b.add("بغداد", type: "LOC", file: "places.tsv", priority: 10)
    try b.add("محمد", type: "GIVEN_NAME", file: "names.tsv", priority: 10)
    return b.build()
}

/// A tokenized text the model is taken to have run over, for conflict-policy tests.
private struct ModelScene {
    let document: Document
    init(_ text: String) throws {
        document = try Pipeline.tokenizer().tag(text)
        document.markProvided([.modelCandidates])
    }
    /// The entities as "TYPE text source" (or "TYPE text"), for the conflict tests' expectations.
    func entities(withSources: Bool = true) -> [String] {
        document.entities.map { "\($0.type) \(document.text(of: $0))" + (withSources ? " \($0.source)" : "") }
    }
    /// A candidate over tokens `a..<b`, as a stage would make it.
    func candidate(_ type: EntityType, _ a: Int, _ b: Int, _ source: String, _ priority: Int) -> Entity {
        Entity(type: type, start: document.tokens[a].start, end: document.tokens[b - 1].end, tokens: Int32(a)..<Int32(b),
               source: source, priority: priority)
    }
}

private func featurePipeline(_ g: Gazetteer) throws -> Pipeline {
    try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g)])
}

private func record(_ text: String, _ spans: [(EntityType, String)]) -> GoldRecord {
    let scalars = Array(text.unicodeScalars)
    var entities: [GoldSpan] = []
    for (type, surface) in spans {
        let s = Array(surface.unicodeScalars)
        let start = (0...(scalars.count - s.count)).first { Array(scalars[$0..<($0 + s.count)]) == s }!
        entities.append(GoldSpan(type: type, start: start, end: start + s.count))
    }
    return GoldRecord(id: nil, path: nil, text: text, entities: entities, location: "test")
}

private let tinyGold: [GoldRecord] = [
    record("زار محمد بغداد أمس", [(.person, "محمد"), (.location, "بغداد")]),
    record("وصل علي إلى بغداد", [(.person, "علي"), (.location, "بغداد")]),
    record("قال محمد إن الوضع هادئ في بغداد", [(.person, "محمد"), (.location, "بغداد")]),
    record("غادر علي البصرة", [(.person, "علي"), (.location, "البصرة")]),
]

private func tinyModel(seed: UInt64 = 1, ensemble: Int = 1) throws -> LabellerModel {
    let g = try tinyGazetteer()
    let data = try Trainer.featurize(Trainer.texts(.records(tinyGold)), pipeline: featurePipeline(g), gazetteer: g,
                                     groups: .all, clusters: nil)
    var options = TrainingOptions()
    options.minCount = 1
    options.epochs = 3
    options.seed = seed
    options.ensemble = ensemble
    return Trainer.train(data, dev: nil, options: options, progress: { _ in })
}

@Suite struct LabellerTests {
    @Test func trainingTwiceGivesTheSameBytes() throws {
        let a = try tinyModel().serialized(), b = try tinyModel().serialized()
        #expect(a == b)
        #expect(a.count == LabellerModel.headerSize + 56 * 4 + 1024 * 22 + 8)
    }

    @Test func anEnsembleAveragesThePerceptronsOfConsecutiveSeeds() throws {
        let one = try tinyModel(seed: 1), two = try tinyModel(seed: 2), both = try tinyModel(seed: 1, ensemble: 2)
        #expect(one.transitions != two.transitions)
        #expect(both.transitions == zip(one.transitions, two.transitions).map { ($0 + $1) / 2 })
        #expect(both.serialized() == (try tinyModel(seed: 1, ensemble: 2)).serialized())
        #expect(try tinyModel(seed: 1, ensemble: 1).serialized() == one.serialized())
    }

    @Test func modelRoundTripsThroughItsFile() throws {
        let model = try tinyModel()
        let path = NSTemporaryDirectory() + "wasim-test-\(UUID().uuidString).model"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.write(to: path)
        let back = try LabellerModel.load(path: path)
        #expect(back.serialized() == model.serialized())
        #expect(back.name == "wasim")
        #expect(back.groups == .all)
        #expect(back.transitions == model.transitions)
        let key = featureKey(.bias, 0, 0)
        #expect(back.weights(ofKey: key) == model.weights(ofKey: key))
    }

    @Test func theTinyModelTagsWhatItLearned() throws {
        let g = try tinyGazetteer()
        let pipeline = try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g), Labeller(model: try tinyModel(), gazetteer: g)])
        let d = try pipeline.tag("زار محمد بغداد أمس")
        #expect(d.candidates.map { "\($0.type) \(d.text(of: $0)) \($0.source)" } == ["LOC بغداد gazetteer:places.tsv", "PER محمد model:wasim", "LOC بغداد model:wasim"])
    }

    @Test func featuresOfACraftedSentence() throws {
        let g = try tinyGazetteer()
        let d = try featurePipeline(g).tag("زار محمد وبغداد")
        let model = LabellerModel(name: "t", groups: [.words, .affixes, .shape, .lookups, .candidates, .document], features: [],
                                  transitions: [Float](repeating: 0, count: 56))
        let names = Labeller(model: model, gazetteer: g).featureNames(d, token: 2)
        // Context features first, then what each token at -2…+2 gives (the stem is the longest
        // proclitic reading's: و + ب + غداد).
        #expect(names == [
            "bias", "form[-1,0]=محمد وبغداد",
            "list-type[-1]=B-GIVEN_NAME",
            "list-type[0]=B-LOC", "list=B-places.tsv", "candidate[0]=B-LOC/list", "source=B-gazetteer:places.tsv",
            "form[-2]=زار",
            "form[-1]=محمد", "stem[-1]=محمد", "shape[-1]=word,len5,arabic",
            "form[0]=وبغداد", "stem[0]=غداد",
            "prefix1=و", "suffix1=د", "prefix2=وب", "suffix2=اد", "prefix3=وبغ", "suffix3=داد",
            "shape[0]=word,len7,arabic", "proclitics=و", "proclitics=وب",
            "form[1]=<edge>", "form[2]=<edge>",
        ])
    }

    @Test func aCorruptOrTruncatedModelFileGivesItsError() throws {
        let bytes = try tinyModel().serialized()
        func error(_ b: [UInt8]) -> String {
            do { _ = try LabellerModel.parse(b, file: "x.model"); return "no error" } catch { return "\(error)" }
        }
        var flipped = bytes
        flipped[LabellerModel.headerSize + 300] ^= 0x40
        #expect(error(flipped) == "x.model: corrupt model file (checksum mismatch)")
        #expect(error(Array(bytes.prefix(5000))) == "x.model: truncated model file (5000 bytes; the header announces \(bytes.count))")
        #expect(error(Array("hello world, not a model".utf8)) == "x.model: not a Wasim labeller model (no WASIMLBL header); train one with `wasim train`")
        var version = bytes
        version[8] = 9
        #expect(error(version) == "x.model: model format version 9; this wasim reads version 1: retrain it with `wasim train`")
        #expect(throws: WasimError.data("/nonexistent/w.model: cannot read the model file")) {
            try LabellerModel.load(path: "/nonexistent/w.model")
        }
    }

    @Test func viterbiKeepsBIOValid() {
        // Emissions favour I-PER on both tokens, which BIO forbids at the start: the best valid path
        // opens the name with B-PER (0 + 5) rather than O then B-LOC (1 + 1).
        var e = [Float](repeating: 0, count: 14)
        e[2] = 5; e[0] = 1
        e[7 + 2] = 5; e[7 + 5] = 1
        let labels = Labeller.viterbi(e, count: 2, transitions: [Float](repeating: 0, count: 56))
        #expect(labels == [1, 2])
    }

    /// The textbook Viterbi over all 49 label pairs, BIO read from `BIOLabel.allowed`: what the
    /// stage's BIO-shaped version must agree with, ties included.
    static func referenceViterbi(_ e: [Float], count n: Int, transitions t: [Float]) -> [Int] {
        var score = (0..<7).map { BIOLabel.allowed(from: 0, to: $0) ? t[$0] + e[$0] : -Float.infinity }
        var back: [[Int]] = [[Int](repeating: 0, count: 7)]
        for i in 1..<max(n, 1) {
            var next = [Float](repeating: 0, count: 7), from = [Int](repeating: 0, count: 7)
            for l in 0..<7 {
                var best = -Float.infinity, arg = 0
                for p in 0..<7 where BIOLabel.allowed(from: p, to: l) {
                    let s = score[p] + t[(p + 1) * 7 + l]
                    if s > best { best = s; arg = p }
                }
                next[l] = best + e[i * 7 + l]
                from[l] = arg
            }
            score = next
            back.append(from)
        }
        var labels = [Int](repeating: 0, count: n)
        var best = -Float.infinity
        for l in 0..<7 where score[l] > best { best = score[l]; labels[n - 1] = l }
        if n > 1 { for i in stride(from: n - 1, to: 0, by: -1) { labels[i - 1] = back[i][labels[i]] } }
        return labels
    }

    @Test func viterbiAgreesWithTheTextbookVersion() {
        // Seeded pseudo-random emissions and transitions, on a coarse grid so that ties occur.
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int(state >> 59) - 16) / 4
        }
        var disagreements = 0, ties = 0
        for n in [1, 2, 3, 7, 30] {
            for _ in 0..<200 {
                let e = (0..<n * 7).map { _ in next() }
                let t = (0..<56).map { _ in next() }
                if Set(e).count < e.count { ties += 1 }
                if Labeller.viterbi(e, count: n, transitions: t) != Self.referenceViterbi(e, count: n, transitions: t) {
                    disagreements += 1
                }
            }
        }
        #expect(disagreements == 0)
        #expect(ties > 500, "the grid is coarse enough to make ties")
        // All zero: every path ties, and the lowest labels win.
        #expect(Labeller.viterbi([Float](repeating: 0, count: 21), count: 3, transitions: [Float](repeating: 0, count: 56)) == [0, 0, 0])
    }

    @Test func procliticsStayOutsideModelSpans() throws {
        let g = try tinyGazetteer()
        let d = try featurePipeline(g).tag("زار وبغداد والعراق ووليد")
        // A list match of a stripped reading (و + بغداد) strips; the article strips (و + العراق);
        // a three-letter stem after و does not (وليد).
        #expect(Labeller.procliticLength(d, token: 1, type: .location) == 1)
        #expect(Labeller.procliticLength(d, token: 2, type: .location) == 1)
        #expect(Labeller.procliticLength(d, token: 3, type: .person) == 1)
        let d2 = try featurePipeline(g).tag("زار وليد فالس فالعراق ثم العراق")
        #expect(Labeller.procliticLength(d2, token: 1, type: .person) == 0)
        // The article needs two letters after it: فالس (Valls) is no ف + الس.
        #expect(Labeller.procliticLength(d2, token: 2, type: .person) == 0)
        #expect(Labeller.procliticLength(d2, token: 3, type: .location) == 1)
    }

    /// After ف or ك, a stem with the article that is no known word (no cluster, not written
    /// elsewhere in the article) leaves the word whole: فالنتينا is no ف + النتينا, كالسروه no
    /// ك + السروه. After و the article still strips an unknown stem (والحسينات, a village).
    @Test func aLetterBeforeAnArticleLikeStartStaysWhereTheRestIsNoWord() throws {
        let g = try tinyGazetteer()
        let d = try featurePipeline(g).tag("قالت فالنتينا تيريشكوفا في كالسروه إن والحسينات بعيدة")
        #expect(Labeller.procliticLength(d, token: 1, type: .person) == 0)
        #expect(Labeller.procliticLength(d, token: 4, type: .location) == 0)
        #expect(Labeller.procliticLength(d, token: 6, type: .location) == 1)
        // A stem the word clusters hold (ف + المرزوقي), or that the article writes bare, strips.
        let clusters = try WordClusters(text: "المرزوقي\t0110\n")
        let d2 = try featurePipeline(g).tag("وقال فالمرزوقي إن فالنتينا غادرت ، النتينا")
        #expect(Labeller.procliticLength(d2, token: 1, type: .person) == 0)
        #expect(Labeller.procliticLength(d2, token: 1, type: .person, clusters: clusters) == 1)
        #expect(Labeller.procliticLength(d2, token: 3, type: .person) == 1)
    }

    /// An ordinary word read behind a person's first ب، ف or ك is no proclitic's evidence: بيلي is
    /// no ب + يلي "follows", فيدي no ف + يدي "my hand". A whole that is only the letter and a word (بفتح =
    /// ب + فتح, a glued form the vocabulary lists hold) gives way to the name read behind it
    /// (فتح, an ambiguous name). A stem listed as a name strips (ل + ميس) unless the whole word is
    /// listed too (لميس).
    @Test func aProcliticIsReadOffANameOnlyByListEvidenceOfAName() throws {
        var b = GazetteerBuilder()
        for w in ["يلي", "يدي", "بفتح", "فتح"] { try b.add(w, type: "VOCAB", file: "words.tsv", priority: 10) }
        try b.add("فتح", type: "AMBIGUOUS", file: "ambiguous.tsv", priority: 10)
        try b.add("ميس", type: "GIVEN_NAME", file: "names.tsv", priority: 10)
        let d = try featurePipeline(b.build()).tag("فازت بيلي جين كينغ على فيدي وصلتهم بفتح الله كولن ولميس العبسي")
        #expect(Labeller.procliticLength(d, token: 1, type: .person) == 0)
        #expect(Labeller.procliticLength(d, token: 5, type: .person) == 0)
        // Not in an organization or a place, whose first word is often a noun behind a preposition.
        #expect(Labeller.procliticLength(d, token: 5, type: .organization) == 1)
        #expect(Labeller.procliticLength(d, token: 7, type: .person) == 1)
        #expect(Labeller.procliticLength(d, token: 10, type: .person) == 2)
        try b.add("لميس", type: "GIVEN_NAME", file: "names.tsv", priority: 10)
        let d2 = try featurePipeline(b.build()).tag("قالت لميس العبسي")
        #expect(Labeller.procliticLength(d2, token: 1, type: .person) == 0)
    }

    /// A person rule that read a glued و whole (an unknown word to it) where only the name behind
    /// it is listed: the model's span starts after the و (وفدوى البرغوثي → فدوى البرغوثي); a whole
    /// word that is listed itself (وليد) keeps it.
    @Test func aPersonCandidateThatKeptAGluedWawStartsAfterIt() throws {
        var b = GazetteerBuilder()
        try b.add("فدوى", type: "GIVEN_NAME", file: "names.tsv", priority: 10)
        try b.add("وليد", type: "GIVEN_NAME", file: "names.tsv", priority: 10)
        try b.add("ليد", type: "GIVEN_NAME", file: "names.tsv", priority: 10)
        let d = try featurePipeline(b.build()).tag("سفير فلسطين وفدوى البرغوثي وقال وليد سالم")
        for (i, j) in [(2, 4), (5, 7)] {
            d.candidates.append(Entity(type: .person, start: d.tokens[i].start, end: d.tokens[j - 1].end,
                                       tokens: Int32(i)..<Int32(j), source: "rule:person-after-title"))
        }
        #expect(Labeller.procliticLength(d, token: 2, type: .person) == 1)
        #expect(Labeller.procliticLength(d, token: 5, type: .person) == 0)
    }

    @Test func aPersonStartsAfterTheProcliticBeforeItsParticleOrAfterKnownAs() throws {
        var b = GazetteerBuilder()
        try b.add("ابن", type: "NAME_PARTICLE", file: "particles.tsv", priority: 10)
        try b.add("وابن", type: "VOCAB", file: "words.tsv", priority: 10)
        let p = try featurePipeline(b.build())
        // وابن is also a word, but before a name its و is the conjunction.
        let d = try p.tag("تلاميذه وابن كثير")
        #expect(Labeller.procliticLength(d, token: 1, type: .person) == 1)
        #expect(Labeller.procliticLength(d, token: 1, type: .location) == 0)
        // After "known as", ب is the preposition; the same name after another word keeps it.
        let d2 = try p.tag("المعروف بقيصرون ، وقال بقيصرون")
        #expect(Labeller.procliticLength(d2, token: 1, type: .person) == 1)
        #expect(Labeller.procliticLength(d2, token: 4, type: .person) == 0)
        // A ل or ب before a name the article also writes bare.
        let d3 = try p.tag("إدوارد لورنس ، وكتب بلورنس العرب ، لغريزمان")
        #expect(Labeller.procliticLength(d3, token: 4, type: .person) == 1)
        #expect(Labeller.procliticLength(d3, token: 7, type: .person) == 0)
    }

    @Test func aNameAfterASiteNounNamesTheSite() throws {
        var b = GazetteerBuilder()
        // A proclitic reading is made for a stem some list knows.
        for noun in ["مسجد", "مستشفى", "قصر"] { try b.add(noun, type: "SITE_NOUN", file: "sites.tsv", priority: 10) }
        let p = try featurePipeline(b.build())
        let d = try p.tag("صلى في مسجد محمد علي ونقل إلى بمستشفى الملك فيصل ثم قصر محمد علي")
        // مسجد right before the name (token 2 before 3); بمستشفى (7) behind its ب, then an honorific.
        #expect(Labeller.siteBefore(d, first: 3, from: 0).map { [$0.token, Int($0.prefix)] } == [2, 0])
        #expect(Labeller.siteBefore(d, first: 9, from: 0).map { [$0.token, Int($0.prefix)] } == [7, 1])
        // Not before a span that ended there, and not قصر (someone's palace as often).
        #expect(Labeller.siteBefore(d, first: 3, from: 3) == nil)
        #expect(Labeller.siteBefore(d, first: 12, from: 0) == nil)
    }

    /// Two spans of one type with nothing between them are one name that the labels broke; a
    /// second name after و, or after punctuation, stays a name of its own.
    @Test func spansOfOneTypeInARowAreJoined() throws {
        let d = try featurePipeline(try tinyGazetteer()).tag("قال روبن فان بيرسي وحسن مصطفى ، لجنة مجابهة فيروس كورونا")
        #expect(d.tokens.count == 11)
        let (o, bp, ip, bo, io) = (0, 1, 2, 3, 4)
        //             قال روبن فان بيرسي وحسن مصطفى ،  لجنة مجابهة فيروس كورونا
        let labels = [o, bp, bp, ip, bp, ip, o, bo, io, io, bo]
        let joined = Labeller.spans(labels, joins: { Labeller.joins(d, previous: $0, next: $1, type: $2) }).map { "\($0.type) \($0.tokens)" }
        #expect(joined == ["PER 1..<4", "PER 4..<6", "ORG 7..<11"])
        #expect(Labeller.spans(labels).map { "\($0.tokens)" } == ["1..<2", "2..<4", "4..<6", "7..<10", "10..<11"])
        #expect(!Labeller.joins(d, previous: 6..<7, next: 7..<8, type: .organization))   // after the comma
        // Two names of two words each stay two; a place behind a proclitic starts a new phrase.
        let d2 = try featurePipeline(try tinyGazetteer()).tag("شكري بلعيد بشير نصر في بغداد بالعراق")
        let (bl, il) = (5, 6)
        let labels2 = [bp, ip, bp, ip, o, bl, bl]
        #expect(il == BIOLabel.insideLOC.rawValue && d2.tokens.count == labels2.count)
        #expect(Labeller.spans(labels2, joins: { Labeller.joins(d2, previous: $0, next: $1, type: $2) })
                    .map { "\($0.type) \($0.tokens)" } == ["PER 0..<2", "PER 2..<4", "LOC 5..<6", "LOC 6..<7"])
        // A kunya and its word begin the name after them; two kunya names in a row stay two.
        let d3 = try featurePipeline(try tinyGazetteer()).tag("أبو علي الحسين بن سينا و أبو بكر البغدادي أبو محمد العدناني")
        let labels3 = [bp, ip, bp, ip, ip, o, bp, ip, ip, bp, ip, ip]
        #expect(d3.tokens.count == labels3.count)
        #expect(Labeller.spans(labels3, joins: { Labeller.joins(d3, previous: $0, next: $1, type: $2) })
                    .map { "\($0.type) \($0.tokens)" } == ["PER 0..<5", "PER 6..<9", "PER 9..<12"])
        // A kunya of عبد and its word too: أبو عبد الله محمد بن موسى الخوارزمي.
        let d4 = try featurePipeline(try tinyGazetteer()).tag("أبو عبد الله محمد بن موسى الخوارزمي")
        let labels4 = [bp, ip, ip, bp, ip, ip, ip]
        #expect(d4.tokens.count == labels4.count)
        #expect(Labeller.spans(labels4, joins: { Labeller.joins(d4, previous: $0, next: $1, type: $2) })
                    .map { "\($0.type) \($0.tokens)" } == ["PER 0..<7"])
        // A laqab (صلاح الدين) too; a name of three words does not take the next one in.
        let d5 = try featurePipeline(try tinyGazetteer()).tag("صلاح الدين يوسف بن أيوب نور الدين الطبوبي يوسف الشاهد")
        let labels5 = [bp, ip, bp, ip, ip, bp, ip, ip, bp, ip]
        #expect(d5.tokens.count == labels5.count)
        #expect(Labeller.spans(labels5, joins: { Labeller.joins(d5, previous: $0, next: $1, type: $2) })
                    .map { "\($0.type) \($0.tokens)" } == ["PER 0..<5", "PER 5..<8", "PER 8..<10"])
    }

    /// A lone shadda (a symbol, as at the start of a text) and a tatweel (a word) both normalize
    /// to nothing: one form, two shapes. The word cache keeps them apart, so a thread that met
    /// one first scores the other as the named path does (with `--jobs 2` the output once
    /// depended on which thread saw which).
    @Test func formsThatNormalizeAlikeButDifferInKindAreCachedApart() throws {
        let d = try featurePipeline(try tinyGazetteer()).tag("ّقال ثم ـــ غازي")
        let shadda = try #require(d.tokens.firstIndex { d.text(of: $0) == "ّ" })
        let tatweel = try #require(d.tokens.firstIndex { d.text(of: $0) == "ـــ" })
        #expect(d.tokens[shadda].hash == d.tokens[tatweel].hash)
        #expect(d.tokens[shadda].kind == .symbol && d.tokens[tatweel].kind == .word)
        #expect(Labeller.cacheKey(d.tokens[shadda]) != Labeller.cacheKey(d.tokens[tatweel]))
        // A word's key is its form's hash, as before.
        #expect(d.tokens[1].kind == .word && Labeller.cacheKey(d.tokens[1]) == d.tokens[1].hash)
    }

    @Test func procliticsBeforeBenAndBeforeUnlistedPlaces() throws {
        var b = GazetteerBuilder()
        try b.add("بن عروس", type: "LOC", file: "places.tsv", priority: 20)
        try b.add("ريد", type: "PER", file: "people.tsv", priority: 10)
        try b.add("فريد", type: "VOCAB", file: "words.tsv", priority: 10)
        try b.add("لبن", type: "VOCAB", file: "words.tsv", priority: 10)
        let g = b.build()
        // ب and ف read before بن (ببن عروس: "in Ben Arous"); ل does not (لبن is milk).
        let d = try featurePipeline(g).tag("وقع الحادث ببن عروس وشرب لبن عروس")
        #expect(d.analyses(of: d.tokens[2]).map { "\($0.proclitics)+\($0.prefixLength)" } == ["ب+1"])
        #expect(d.analyses(of: d.tokens[5]).isEmpty)
        #expect(d.lookups.filter { g.typeName($0.list) == "LOC" }.map { "\($0.tokens) \($0.prefixLength)" } == ["2..<4 1"])
        #expect(Labeller.procliticLength(d, token: 2, type: .location) == 1)
        // A whole token that is an ordinary word (فريد) keeps its letter before a one-word name
        // read behind it (ف + ريد).
        let d2 = try featurePipeline(g).tag("قال فريد إن الأمر انتهى")
        #expect(Labeller.procliticLength(d2, token: 1, type: .person) == 0)
        // ... but not before a longer name (ف + بن عروس, with فبن taken here for an ordinary word).
        var b2 = GazetteerBuilder()
        try b2.add("بن عروس", type: "LOC", file: "places.tsv", priority: 20)
        try b2.add("فبن", type: "VOCAB", file: "words.tsv", priority: 10)
        let d5 = try featurePipeline(b2.build()).tag("وصلوا فبن عروس")
        #expect(Labeller.procliticLength(d5, token: 1, type: .location) == 1)
        // A place no list knows, behind ب: the article writing it bare says the ب is a preposition.
        let d3 = try featurePipeline(g).tag("وقع الحادث بقرمبالية أمس. وتعد قرمبالية مدينة هادئة")
        #expect(Labeller.procliticLength(d3, token: 2, type: .location) == 1)
        let d4 = try featurePipeline(g).tag("وقع الحادث بقرمبالية أمس")
        #expect(Labeller.procliticLength(d4, token: 2, type: .location) == 0)
    }

    /// The model knows a list's type by its name: a list in the folder that declares a type of
    /// its own and loads before the others (`aaa-mine.tsv`) renumbers their types but leaves the
    /// weights they get as they were.
    @Test func aListDeclaringATypeFirstLeavesTheOtherTypesWeights() throws {
        let dir = NSTemporaryDirectory() + "wasim-types-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: repositoryRoot.path + "/Gazetteers", toPath: dir + "/Gazetteers")
        try FileManager.default.copyItem(atPath: repositoryRoot.path + "/Models", toPath: dir + "/Models")
        try "# declare-types: MY_HELPER\nكلمة\tMY_HELPER\n".write(toFile: dir + "/Gazetteers/aaa-mine.tsv", atomically: true, encoding: .utf8)
        func labeller(_ data: String) throws -> Labeller {
            let p = try DefaultPipeline.make(PipelineOptions(dataDirectory: data))
            return try #require(p.stages.first { $0 is Labeller } as? Labeller)
        }
        let shipped = try labeller(repositoryRoot.path), mine = try labeller(dir)
        let club = try #require(shipped.gazetteer?.typeID("CLUB")), moved = try #require(mine.gazetteer?.typeID("CLUB"))
        #expect(moved == club + 1)
        func rows(_ l: Labeller, _ t: Int32) -> [SIMD8<Int32>] { Array(l.context.listType[Int(t) * 6 ..< Int(t) * 6 + 6]) }
        #expect(rows(shipped, club) == rows(mine, moved))
        #expect(rows(shipped, club).contains { $0 != SIMD8(repeating: 0) })
    }

    /// Tagging reads the context features from dense arrays summed at load and each word's
    /// features through a cache; training and `wasim explain` read them by name and key. Both
    /// must give the same labels: the shipped model over the sample articles, decoded from the
    /// keys of the named path, proposes exactly the stage's spans.
    @Test func theTaggingPathLabelsAsTheNamedPathDoes() throws {
        let pipeline = try DefaultPipeline.make(PipelineOptions(dataDirectory: repositoryRoot.path))
        let at = try #require(pipeline.stages.firstIndex { $0 is Labeller })
        let labeller = try #require(pipeline.stages[at] as? Labeller)
        let before = try Pipeline(Array(pipeline.stages[..<at]))
        let folder = repositoryRoot.appendingPathComponent("Tests/Samples").path
        var spans = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
            let d = try before.tag(String(contentsOfFile: folder + "/" + file, encoding: .utf8))
            let fx = FeatureExtractor(document: d, groups: labeller.model.groups, gazetteer: labeller.gazetteer,
                                      listHashes: labeller.listHashes, clusters: labeller.clusters)
            var expected: [String] = []
            for sentence in d.sentences {
                let range = Int(sentence.tokens.lowerBound)..<Int(sentence.tokens.upperBound)
                var emissions = [Float](repeating: 0, count: range.count * 7)
                for i in range {
                    var sink = KeySink()
                    fx.features(of: i, in: range, into: &sink)
                    for key in sink.keys {
                        for (l, w) in labeller.model.weights(ofKey: key).enumerated() { emissions[(i - range.lowerBound) * 7 + l] += w }
                    }
                }
                let labels = Labeller.viterbi(emissions, count: range.count, transitions: labeller.model.transitions)
                expected += Labeller.spans(labels, joins: { a, b, type in
                    let o = range.lowerBound
                    return Labeller.joins(d, previous: a.lowerBound + o..<a.upperBound + o, next: b.lowerBound + o..<b.upperBound + o, type: type)
                })
                    .map { "\($0.type) \(Labeller.lastNameToken(d, first: range.lowerBound + $0.tokens.lowerBound, last: range.lowerBound + $0.tokens.upperBound - 1) + 1)" }
            }
            let before = d.candidates.count
            try labeller.process(d)
            // The stage may take a kunya in before a span's first token: compare types and ends.
            let found = d.candidates[before...].map { "\($0.type) \($0.tokens.upperBound)" }
            #expect(found == expected, "\(file)")
            spans += found.count
        }
        #expect(spans > 20)
    }

    @Test func conflictPolicy() throws {
        let scene = try ModelScene("قال الرئيس محمد علي في بغداد"), d = scene.document, c = scene.candidate
        d.candidates = [
            c(.person, 2, 4, "rule:person-after-title", 60),   // high priority: beats the model
            c(.location, 2, 3, "model:wasim", 0),
            c(.organization, 5, 6, "gazetteer:organizations.tsv", 10),  // the model said LOC: the model wins
            c(.location, 5, 6, "model:wasim", 0),
            c(.person, 0, 1, "rule:weak", 40),                  // the model saw it and said no: dropped
        ]
        try ConflictResolution().process(d)
        #expect(scene.entities() == ["PER محمد علي rule:person-after-title", "LOC بغداد model:wasim"])
    }

    @Test func aListThatAgreesWithTheModelOnAPlaceDrawsItsBoundaries() throws {
        let scene = try ModelScene("وصلت السفينة إلى ميناء حيفا وقالت شركة زيم إن"), d = scene.document, c = scene.candidate
        d.candidates = [
            c(.location, 4, 5, "model:wasim", 0),
            c(.location, 3, 5, "rule:loc-site", 45),        // agrees on the place: its span (site noun inside) wins
            c(.organization, 6, 8, "model:wasim", 0),           // ORG from the model: holds the list's, designator inside
            c(.organization, 7, 8, "gazetteer:organizations.tsv", 10),
        ]
        try ConflictResolution().process(d)
        #expect(scene.entities() == [
            "LOC ميناء حيفا rule:loc-site", "ORG شركة زيم model:wasim",
        ])
        // ORG: the lists and rules before the model where it holds none of theirs whole.
        d.candidates = [c(.organization, 7, 9, "model:wasim", 0), c(.organization, 6, 8, "gazetteer:organizations.tsv", 10)]
        try ConflictResolution().process(d)
        #expect(scene.entities() == ["ORG شركة زيم gazetteer:organizations.tsv"])
        // Without the model, the same candidates resolve as before: the longest wins.
        let plain = try Pipeline.tokenizer().tag("وصلت السفينة إلى ميناء حيفا وقالت شركة زيم إن")
        plain.candidates = [c(.location, 4, 5, "other", 0), c(.organization, 6, 8, "other", 0)]
        try ConflictResolution().process(plain)
        #expect(plain.entities.map { "\($0.type) \(plain.text(of: $0))" } == ["LOC حيفا", "ORG شركة زيم"])
    }
    @Test func aMultiWordPlaceTheModelDoesNotContestIsKept() throws {
        // Issue #11: the model vetoes one-word guesses (ordinary words), not named sites the rules
        // spell out whole.
        let scene = try ModelScene("زار الوفد سجن تدمر ثم سعيد قرب نهر"), d = scene.document, c = scene.candidate
        d.candidates = [
            c(.location, 2, 4, "rule:loc-named-site", 50),     // two words, no model candidate there: kept
            c(.location, 5, 6, "gazetteer:cities.tsv", 10),    // one word, no model candidate: dropped
            c(.location, 6, 8, "rule:loc-named-site", 50),     // two words, but the model reads a person there: dropped
            c(.person, 7, 8, "model:wasim", 0),
        ]
        try ConflictResolution().process(d)
        #expect(scene.entities() == [
            "LOC سجن تدمر rule:loc-named-site", "PER نهر model:wasim",
        ])
        // With the count at 0, the model vetoes every place it does not propose.
        try ConflictResolution(uncontestedPlaceTokens: 0).process(d)
        #expect(scene.entities(withSources: false) == ["PER نهر"])
    }

    @Test func aListedPersonOfTwoWordsTheModelDoesNotContestIsKept() throws {
        let scene = try ModelScene("شرح كتبه ابن سينا وابن رشد ثم سعيد قرب عادل إمام"), d = scene.document, c = scene.candidate
        d.candidates = [
            c(.person, 2, 4, "gazetteer:people.tsv", 20),        // two words of a list, no model candidate: kept
            c(.person, 4, 6, "rule:person-nasab", 45),           // a rule's guess: the model said no, dropped
            c(.person, 7, 8, "gazetteer:given-names.tsv", 10),   // one word: dropped
            c(.person, 9, 11, "gazetteer:people.tsv", 20),       // the model reads a place there: dropped
            c(.location, 10, 11, "model:wasim", 0),
        ]
        try ConflictResolution().process(d)
        #expect(scene.entities() == [
            "PER ابن سينا gazetteer:people.tsv", "LOC إمام model:wasim",
        ])
        try ConflictResolution(uncontestedListPersonTokens: 0).process(d)
        #expect(scene.entities(withSources: false) == ["LOC إمام"])
    }
}

extension LabellerTests {
    @Test func wasBornStartsNoNameAndNoNameIsAPrepositionOrAScheme() throws {
        let d = try defaultPipeline.tag("ووزير الاقتصاد السابق ولد إمانويل ماكرون المرشح للانتخابات الرئاسية")
        #expect(d.entities.filter { $0.type == .person }.map { d.text(of: $0) } == ["إمانويل ماكرون"])
        let t = try Pipeline.tokenizer().tag("مشددا على أن علي سافر: http://www.example.com")
        // مشددا على أن علي سافر : http : / / www …
        #expect((0..<6).map { Labeller.isSchemeOrAla(t, t.tokens[$0]) } == [false, true, false, false, false, false])
        let scheme = t.tokens.firstIndex { t.text(of: $0) == "http" }!
        #expect(Labeller.isSchemeOrAla(t, t.tokens[scheme]))
        #expect(!Labeller.isSchemeOrAla(t, t.tokens[scheme + 1]))
    }

    @Test func aPlaceInsideAModelOrganizationThatLostIsAPlaceAgain() throws {
        // عمل في جامعة كولومبيا في نيويورك ثم في أجاكس أمستردام
        // 0   1  2     3       4  5      6  7  8     9
        let scene = try ModelScene("عمل في جامعة كولومبيا في نيويورك ثم في أجاكس أمستردام"), d = scene.document, c = scene.candidate
        d.candidates = [
            c(.organization, 2, 6, "model:wasim", 0),                     // the model reads one organization
            c(.organization, 2, 4, "rule:org-designator-construct", 50),  // the rule's shorter one wins (ORG: rules first)
            c(.location, 5, 6, "gazetteer:cities.tsv", 10),               // vetoed (no model place), then free again
            c(.organization, 8, 10, "model:wasim", 0),
            c(.organization, 8, 9, "gazetteer:organizations.tsv", 20),
            c(.location, 9, 10, "gazetteer:cities.tsv", 10),              // right after the winner: the club's own name
        ]
        // (Where the model's organization holds the rule's whole, it wins: see the test after the next.)
        try ConflictResolution(modelOrgsHoldOthers: false).process(d)
        #expect(scene.entities() == [
            "ORG جامعة كولومبيا rule:org-designator-construct", "LOC نيويورك gazetteer:cities.tsv",
            "ORG أجاكس gazetteer:organizations.tsv",
        ])
    }

    @Test func aOneWordOrganizationFromALowPriorityListNeedsTheModel() throws {
        // الهجوم الذي أودى بحياة أربعة وقالت الراية القطرية
        // 0      1    2    3     4     5     6      7
        let scene = try ModelScene("الهجوم الذي أودى بحياة أربعة وقالت الراية القطرية"), d = scene.document, c = scene.candidate
        d.candidates = [
            c(.organization, 2, 3, "gazetteer:train-split-entities.tsv", 10),  // no model organization: dropped
            c(.organization, 6, 7, "gazetteer:train-split-entities.tsv", 10),  // the model agrees: kept
            c(.organization, 6, 7, "model:wasim", 0),
        ]
        try ConflictResolution().process(d)
        #expect(scene.entities() == ["ORG الراية gazetteer:train-split-entities.tsv"])
        // A curated list (priority 20) and a threshold of 0 keep the word.
        d.candidates = [c(.organization, 2, 3, "gazetteer:organizations.tsv", 20)]
        try ConflictResolution().process(d)
        #expect(scene.entities(withSources: false) == ["ORG أودى"])
        d.candidates = [c(.organization, 2, 3, "gazetteer:train-split-entities.tsv", 10)]
        try ConflictResolution(weakListPriority: 0).process(d)
        #expect(scene.entities(withSources: false) == ["ORG أودى"])
    }

    @Test func anOrganizationHoldingTheModelsPlaceWins() throws {
        // وقالت شرطة لندن إن اتحاد الشغل الطبوبي
        // 0     1    2    3  4    5     6
        let scene = try ModelScene("وقالت شرطة لندن إن اتحاد الشغل الطبوبي"), d = scene.document, c = scene.candidate
        d.candidates = [
            c(.location, 2, 3, "model:wasim", 0),
            c(.organization, 1, 3, "rule:org-designator-construct", 50),  // holds the model's place and more: wins
            c(.person, 6, 7, "model:wasim", 0),
            c(.organization, 4, 7, "rule:org-designator-construct", 50),  // runs into the model's person: the person wins
        ]
        try ConflictResolution().process(d)
        #expect(scene.entities() == ["ORG شرطة لندن rule:org-designator-construct", "PER الطبوبي model:wasim"])
        try ConflictResolution(orgContainsModel: false).process(d)
        #expect(scene.entities(withSources: false) == ["LOC لندن", "PER الطبوبي"])
    }

    /// The model's candidates are found by the tokens they cover; where two overlap (not the
    /// labeller's own spans), by a pass over all of them, with the same outcome.
    @Test func theModelsOverlappingCandidatesAreStillFound() throws {
        let scene = try ModelScene("وقالت شرطة لندن إن اتحاد الشغل الطبوبي"), d = scene.document, c = scene.candidate
        d.candidates = [
            c(.location, 2, 3, "model:wasim", 0),
            c(.location, 2, 3, "model:other", 0),
            c(.organization, 1, 3, "rule:org-designator-construct", 50),
            c(.person, 6, 7, "model:wasim", 0),
            c(.organization, 4, 7, "rule:org-designator-construct", 50),
        ]
        try ConflictResolution().process(d)
        #expect(scene.entities() == ["ORG شرطة لندن rule:org-designator-construct", "PER الطبوبي model:wasim"])
    }

    @Test func theModelsOrganizationHoldingAShorterOneWins() throws {
        // وقال مدير مؤسسة السجون والإصلاح إن جمعية البحث نظمت
        // 0    1    2     3      4        5  6     7     8
        let scene = try ModelScene("وقال مدير مؤسسة السجون والإصلاح إن جمعية البحث نظمت"), d = scene.document, c = scene.candidate
        d.candidates = [
            c(.organization, 2, 4, "rule:org-designator-construct", 50),  // cut at the inner و
            c(.organization, 2, 5, "model:wasim", 0),                      // holds it and more: wins
            c(.organization, 6, 8, "rule:org-designator-construct", 50),  // the same words as the model's: the rule's
            c(.organization, 6, 8, "model:wasim", 0),
        ]
        try ConflictResolution().process(d)
        #expect(scene.entities() == [
            "ORG مؤسسة السجون والإصلاح model:wasim", "ORG جمعية البحث rule:org-designator-construct",
        ])
        try ConflictResolution(modelOrgsHoldOthers: false).process(d)
        #expect(scene.entities() == [
            "ORG مؤسسة السجون rule:org-designator-construct", "ORG جمعية البحث rule:org-designator-construct",
        ])
        // A rule of high priority still beats the model.
        d.candidates = [c(.organization, 2, 4, "rule:org-designator-construct", 60), c(.organization, 2, 5, "model:wasim", 0)]
        try ConflictResolution().process(d)
        #expect(scene.entities(withSources: false) == ["ORG مؤسسة السجون"])

        // وأدانت حماس و الجهاد الإسلامي الهجوم
        // 0      1    2 3      4        5
        let two = try ModelScene("وأدانت حماس و الجهاد الإسلامي الهجوم")
        two.document.candidates = [
            two.candidate(.organization, 1, 2, "gazetteer:organizations.tsv", 20),
            two.candidate(.organization, 3, 5, "gazetteer:organizations.tsv", 20),
            two.candidate(.organization, 1, 5, "model:wasim", 0),  // joins two names: the lists' two stand
        ]
        try ConflictResolution().process(two.document)
        #expect(two.entities(withSources: false) == ["ORG حماس", "ORG الجهاد الإسلامي"])
    }

    @Test func theModelsPlaceHoldingOneShorterPlaceKeepsItsBoundaries() throws {
        // قرب الجرف الأصفر و في القاهرة صبيا و في لاهور مسجد بادشاهي
        // 0   1     2      3 4  5       6    7 8  9     10   11
        let scene = try ModelScene("قرب الجرف الأصفر و في القاهرة صبيا و في لاهور مسجد بادشاهي"), d = scene.document, c = scene.candidate
        d.candidates = [
            c(.location, 1, 2, "gazetteer:cities.tsv", 20),
            c(.location, 1, 3, "model:wasim", 0),         // holds the city and more: its boundaries
            c(.location, 5, 6, "gazetteer:regions.tsv", 20),
            c(.location, 6, 7, "gazetteer:cities.tsv", 20),
            c(.location, 5, 7, "model:wasim", 0),         // two places side by side: the lists' two
            c(.location, 9, 10, "gazetteer:cities.tsv", 20),
            c(.location, 9, 12, "model:wasim", 0),        // a site noun after the city: the list's city
        ]
        try ConflictResolution().process(d)
        #expect(scene.entities() == [
            "LOC الجرف الأصفر model:wasim", "LOC القاهرة gazetteer:regions.tsv", "LOC صبيا gazetteer:cities.tsv",
            "LOC لاهور gazetteer:cities.tsv",
        ])
        try ConflictResolution(modelPlacesHoldOthers: false).process(d)
        #expect(scene.entities(withSources: false) == ["LOC الجرف", "LOC القاهرة", "LOC صبيا", "LOC لاهور"])
    }

    @Test func aListedOrganizationOfSeveralWordsHoldsTheModelsPerson() throws {
        // وقالت وكالة فرانس برس إن البيت الأبيض رد على سعيد
        // 0     1    2     3   4  5     6      7  8   9
        let scene = try ModelScene("وقالت وكالة فرانس برس إن البيت الأبيض رد على سعيد"), d = scene.document, c = scene.candidate
        d.candidates = [
            c(.person, 2, 4, "model:wasim", 0),
            c(.organization, 2, 4, "gazetteer:organizations.tsv", 20),          // the same words, a known name: wins
            c(.location, 5, 7, "model:wasim", 0),
            c(.organization, 5, 7, "gazetteer:organizations.tsv", 20),          // over the model's place: the model decides
            c(.person, 9, 10, "model:wasim", 0),
            c(.organization, 8, 10, "gazetteer:train-split-entities.tsv", 10), // a list derived from a corpus: no
        ]
        try ConflictResolution().process(d)
        #expect(scene.entities() == [
            "ORG فرانس برس gazetteer:organizations.tsv", "LOC البيت الأبيض model:wasim", "PER سعيد model:wasim",
        ])
        try ConflictResolution(listedOrgsHoldModel: false).process(d)
        #expect(scene.entities(withSources: false) == ["PER فرانس برس", "LOC البيت الأبيض", "PER سعيد"])
    }

    @Test func aNoneSpanDoesNotBeatTheNameAroundIt() throws {
        // وقالت وزارة الداخلية السعودية إن الحكومة السعودية
        // 0     1     2        3        4  5       6
        let scene = try ModelScene("وقالت وزارة الداخلية السعودية إن الحكومة السعودية"), d = scene.document, c = scene.candidate
        d.candidates = [
            c(.organization, 1, 3, "gazetteer:organizations.tsv", 20),
            c(.organization, 1, 4, "rule:org-listed-body-nisba", 55),    // holds the NONE span: ranks with it, longer
            c(.suppressed, 3, 4, "rule:nisba-place-as-adjective", 60),
            c(.location, 3, 4, "gazetteer:countries.tsv", 20),
            c(.suppressed, 6, 7, "rule:nisba-place-as-adjective", 60),   // nothing around it: it beats the place
            c(.location, 6, 7, "model:wasim", 0),
        ]
        try ConflictResolution().process(d)
        #expect(scene.entities() == ["ORG وزارة الداخلية السعودية rule:org-listed-body-nisba"])
        // Without the model the longer span wins anyway.
        let plain = try Pipeline.tokenizer().tag("وقالت وزارة الداخلية السعودية إن الحكومة السعودية")
        plain.candidates = Array(d.candidates.prefix(4))
        try ConflictResolution().process(plain)
        #expect(plain.entities.map { "\($0.type) \(plain.text(of: $0))" } == ["ORG وزارة الداخلية السعودية"])
    }
}

/// The word cache: once full, words outside it are scored in a scratch area, and the labels
/// must not change.
@Suite struct WordCacheTests {
    @Test func aFullCacheGivesTheSameEntities() throws {
        let shipped = defaultPipeline
        guard let index = shipped.stages.firstIndex(where: { $0 is Labeller }), var small = shipped.stages[index] as? Labeller else {
            Issue.record("the shipped pipeline has no labeller (Models/wasim.model missing?)")
            return
        }
        small.wordCacheCapacity = 3
        var stages = shipped.stages
        stages[index] = small
        let tiny = try Pipeline(stages)
        var compared = 0
        for name in ["sahel-security", "syria-talks", "tunisia-economy"] {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/Samples/\(name).txt"), encoding: .utf8)
            // Twice: the second pass meets a cache that is already full.
            for _ in 0..<2 {
                let a = try shipped.tag(text).entities.map { "\($0.type) \($0.start) \($0.end) \($0.source)" }
                let b = try tiny.tag(text).entities.map { "\($0.type) \($0.start) \($0.end) \($0.source)" }
                #expect(a == b, "\(name)")
                compared += a.filter { $0.hasSuffix("model:wasim") }.count
            }
        }
        #expect(compared > 0, "the samples hold entities the model proposed")
    }

    /// The cache's five sums of a word, made in one pass, are those of the features offset by offset.
    @Test func aWordsSumsInOnePassAreThoseOfItsFeatures() throws {
        let shipped = defaultPipeline
        guard let index = shipped.stages.firstIndex(where: { $0 is Labeller }), let labeller = shipped.stages[index] as? Labeller else {
            Issue.record("the shipped pipeline has no labeller (Models/wasim.model missing?)")
            return
        }
        let before = try Pipeline(Array(shipped.stages[..<index]))
        var tokens = 0
        for name in ["sahel-security", "syria-talks", "tunisia-economy"] {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/Samples/\(name).txt"), encoding: .utf8)
            let d = try before.tag(text)
            #expect(labeller.wordSumMismatches(d) == 0, "\(name)")
            tokens += d.tokens.count
        }
        #expect(tokens > 100)
    }

    /// A word's five sums go to `narrow` only when every lane fits in 16 bits, and to the end of
    /// `wide` otherwise: the bounds on both sides, one lane of the last vector out of range.
    @Test func keepNarrowsOnlySumsThatFitIn16Bits() {
        var narrow = ContiguousArray<SIMD8<Int16>>(), wide = ContiguousArray<SIMD8<Int32>>()
        func keep(_ lane: Int32) -> Int32 {
            var sums = InlineArray<5, SIMD8<Int32>>(repeating: SIMD8(repeating: -7))
            sums[4][6] = lane
            return WordCache.keep(sums, narrow: &narrow, wide: &wide)
        }
        #expect(keep(32767) == WordCache.narrowPlace(0))
        #expect(keep(-32768) == WordCache.narrowPlace(5))
        #expect(keep(32768) == WordCache.widePlace(0))
        #expect(keep(-32769) == WordCache.widePlace(5))
        #expect(keep(.max) == WordCache.widePlace(10))
        #expect(keep(.min) == WordCache.widePlace(15))
        #expect(narrow.count == 10 && wide.count == 20)
        #expect(narrow[4][6] == 32767 && narrow[9][6] == -32768 && narrow[9][5] == -7 && narrow[5] == SIMD8(repeating: -7))
        #expect(wide[4][6] == 32768 && wide[9][6] == -32769 && wide[19][6] == .min && wide[15] == SIMD8(repeating: -7))
    }
}

/// ANNOTATION.md: kunyas are inside a person's name, and the model's spans take them in.
@Suite struct KunyaTests {
    @Test func aKunyaBeforeAModelNameIsFoundBehindItsProclitics() throws {
        let d = try Pipeline([Segmentation(), Normalization()]).tag("قال لأبي أبو وأبا فأبا أبيض بكر")
        #expect((0..<d.tokens.count).map { Labeller.kunyaPrefix(d, token: $0).map(String.init) ?? "-" } == ["-", "1", "0", "1", "1", "-", "-"])
    }

    @Test func aNameEndsBeforeAPrepositionOrAParticle() throws {
        let d = try Pipeline([Segmentation(), Normalization()]).tag("قال محمد بن علي ولد في على")
        #expect(Labeller.lastNameToken(d, first: 1, last: 5) == 3)
        #expect(Labeller.lastNameToken(d, first: 1, last: 6) == 6)   // على folds to the name علي
        #expect(Labeller.lastNameToken(d, first: 5, last: 5) == 5)
        // Pronouns written apart, as morphologically segmented corpora have them (بن ها).
        let d2 = try Pipeline([Segmentation(), Normalization()]).tag("قال محمد بن ها")
        #expect(Labeller.lastNameToken(d2, first: 1, last: 3) == 1)
        #expect(Labeller.pronounHashes.contains(d2.tokens[3].hash))
    }

    @Test func aNationalityBeforeANameIsOutsideIt() throws {
        // الفرنسي is a nisba of the lists; العربي is one too, but also a Maghrebi first name.
        let d = try defaultPipeline.tag("وتولى رئاسته الفرنسي جول ريميه ، وقال العربي القاسمي")
        let i = d.tokens.firstIndex { d.text(of: $0) == "الفرنسي" }!
        let j = d.tokens.firstIndex { d.text(of: $0) == "العربي" }!
        #expect(Labeller.isNisba(d, token: i))
        #expect(!Labeller.isNisba(d, token: i + 1))
        #expect(!Labeller.isNisba(d, token: j))
    }

    @Test func theShippedModelStopsBeforeWasBornIn() throws {
        let d = try defaultPipeline.tag("محمد بن عبد الله بن عبد المطلب ولد في مكة المكرمة عام الفيل.")
        #expect(d.entities.filter { $0.type == .person }.map { d.text(of: $0) } == ["محمد بن عبد الله بن عبد المطلب"])
    }

    @Test func theShippedModelKeepsTheKunyaInside() throws {
        // The model reads حمزة (and, as retrains go, المهاجر "the emigrant" or not); the stage takes
        // the kunya in and leaves ل out, whatever the model's reading of the rest.
        let text = "وكان قد أعلن ولاءه لأبي حمزة المهاجر عام 2006."
        let d = try defaultPipeline.tag(text)
        let persons = d.entities.filter { $0.type == .person }
        #expect(persons.map { "\(d.codePointOffset($0.start)) \($0.source)" } == ["20 model:wasim"])
        #expect(persons.allSatisfy { d.text(of: $0).hasPrefix("أبي حمزة") })
    }
}

/// `ConflictResolution.holdsOneName` reads only the lower-tier names that start inside the model's
/// candidate (from an index by first token in a document with many candidates), and still in the candidates' order: a name that
/// bridges two others joins them into one held name only when it comes first.
@Suite struct HoldsOneNameTests {
    typealias Facts = ConflictResolution.Facts
    static func fact(_ tokens: Range<Int32>, _ kind: ConflictResolution.SourceKind, type: Int32 = FeatureExtractor.organizationIndex) -> Facts {
        var f = Facts(start: tokens.lowerBound * 4, end: tokens.upperBound * 4, first: tokens.lowerBound, last: tokens.upperBound,
                      priority: 10, precedence: 0, type: type, kind: kind, isRange: false, hasID: false)
        f.tier = kind == .model ? -1 : 0
        return f
    }

    /// Both ways of reading them, the index (many candidates) and the pass over all (few), agree.
    func holds(_ facts: [Facts]) throws -> Bool {
        let d = try Pipeline.tokenizer().tag("أ ب ت ث ج ح خ د")
        let indexed = ConflictResolution.holdsOneName(0, facts, ConflictResolution.lowerTierByFirst(facts), d, organization: true)
        let passed = ConflictResolution.holdsOneName(0, facts, nil, d, organization: true)
        #expect(indexed == passed)
        return indexed
    }

    @Test func readsTheNamesInsideInTheirOrder() throws {
        let model = Self.fact(0..<5, .model)
        let bridge = Self.fact(0..<3, .rule), left = Self.fact(0..<1, .gazetteer), right = Self.fact(2..<3, .rule)
        #expect(ConflictResolution.lowerTierByFirst([model, right, bridge, left]) == [2, 3, 1])
        #expect(try holds([model, bridge, left, right]))
        #expect(try !holds([model, left, right, bridge]))
        // A name running past the model's end, a place, a dead or a model candidate do not count.
        var dead = Self.fact(3..<4, .rule)
        dead.live = false
        let beyond = Self.fact(4..<7, .rule), place = Self.fact(3..<4, .rule, type: FeatureExtractor.locationIndex)
        #expect(try holds([model, left, beyond, place, dead, Self.fact(3..<4, .model)]))
        #expect(try !holds([model, beyond, place]))
        #expect(ConflictResolution.lowerTierByFirst([model, left, beyond, place, dead]) == [1, 3, 2])
    }

    /// A model place that adds to a listed place one word no list knows, beginning with ب, ل or ك,
    /// reads on into a prepositional phrase: it does not hold the list's place, whose boundaries
    /// stand (السعودية بشن → السعودية). A place word of the lists after it, or another letter, still does.
    @Test func aPlaceDoesNotReadOnIntoAPrepositionalWord() throws {
        var options = PipelineOptions(dataDirectory: repositoryRoot.path)
        options.useModel = false
        let d = try DefaultPipeline.make(options).tag("بقيادة السعودية بشن غارات السعودية بيروت السعودية غارات")
        let words = d.tokens.map { d.text(of: $0) }
        #expect(words == ["بقيادة", "السعودية", "بشن", "غارات", "السعودية", "بيروت", "السعودية", "غارات"])
        #expect(ConflictResolution.runsIntoPrepositionalWord(d, token: 2))
        #expect(!ConflictResolution.runsIntoPrepositionalWord(d, token: 5))
        #expect(!ConflictResolution.runsIntoPrepositionalWord(d, token: 7))
        func holds(_ model: Range<Int32>, _ listed: Range<Int32>) -> Bool {
            let facts = [Self.fact(model, .model, type: FeatureExtractor.locationIndex),
                         Self.fact(listed, .gazetteer, type: FeatureExtractor.locationIndex)]
            return ConflictResolution.holdsOneName(0, facts, nil, d, organization: false)
        }
        #expect(!holds(1..<3, 1..<2))
        #expect(holds(4..<6, 4..<5))
        #expect(holds(6..<8, 6..<7))
    }
}
