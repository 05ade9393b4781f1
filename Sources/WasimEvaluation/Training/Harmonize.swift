// Training data rewritten to the project's span conventions (../shared/ANNOTATION.md), so that a
// model trained on it learns where our entities start and end, not where ANERcorp's or
// NewsFANE's do. Each rewrite is a function over CoNLL sentences that returns the converted
// sentences and a log of every change, counted by kind. The word lists come from Gazetteers/
// (the ones the rules read), so the data and the rules agree on what a designator or a title is.
import Foundation
import Wasim

/// One change the converter made.
public struct HarmonizeChange: Sendable, Equatable {
    public var kind: String
    /// "file:line" of the first token concerned.
    public var location: String
    public var before: String
    public var after: String

    public var description: String { "\(location): \(kind): \(before) → \(after)" }
}

/// What a conversion did: every change, and counts by kind (and, for NewsFANE, by source class).
public struct HarmonizeLog: Sendable {
    public var changes: [HarmonizeChange] = []
    /// Changes by kind.
    public var counts: [String: Int] = [:]
    /// Source classes (NewsFANE's fine-grained ones, ANERcorp's four): spans seen and what they became.
    public var classes: [String: [String: Int]] = [:]

    mutating func record(_ kind: String, _ location: String, _ before: String, _ after: String) {
        changes.append(HarmonizeChange(kind: kind, location: location, before: before, after: after))
        counts[kind, default: 0] += 1
    }

    mutating func mapped(_ sourceClass: String, to target: String) {
        classes[sourceClass, default: [:]][target, default: 0] += 1
    }

    /// Counts, one line each: kinds by count, then classes.
    public var summary: String {
        var lines = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.value)\t\($0.key)" }
        if !classes.isEmpty {
            lines.append("class\tspans\tbecame")
            for (name, targets) in classes.sorted(by: { $0.value.values.reduce(0, +) > $1.value.values.reduce(0, +) || ($0.value.values.reduce(0, +) == $1.value.values.reduce(0, +) && $0.key < $1.key) }) {
                let total = targets.values.reduce(0, +)
                let became = targets.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                    .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                lines.append("\(name)\t\(total)\t\(became)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// The word lists the rewrites read, from Gazetteers/*.tsv, as normalized token hashes.
public struct HarmonizeLists: Sendable {
    var orgDesignators = PhraseSet()
    var siteNouns = PhraseSet()
    var titles = PhraseSet()
    var locDesignators = PhraseSet()
    var nisba = PhraseSet()
    /// Whole names that are states (countries.tsv): a direction word inside them stays.
    var states = PhraseSet()
    /// Names listed as ORG and not as LOC (organizations.tsv): a building that acts.
    var organizations = PhraseSet()
    /// Places (countries, regions, cities): بتندوف after a site noun is "in Tindouf".
    var places = PhraseSet()
    var normalizer = Normalizer()

    /// Designators that the rules do not treat as naming what follows (Models/rules/organizations.rules):
    /// meetings, programmes, places, markets, teams and adjectives (`desig`); the weak ones, which
    /// also head generic phrases (`weak`: قيادة الناتو is the NATO command, بقيادة "led by");
    /// and plurals (شركات طيران الإمارات are the companies of one).
    static let notDesignators = ["مؤتمر", "المؤتمر", "منتدى", "المنتدى", "برنامج", "مركز", "المركز", "موقع", "سوق", "السوق",
                                 "مجموعة", "المجموعة", "فريق", "شبكة", "الشبكة", "خلية", "الخلية", "عصابة", "التونسية",
                                 "الملكية", "العامة", "اتحادية", "الاتحادية", "وحدة", "صندوق", "الصندوق", "الخطوط", "طيران",
                                 "حكومة", "الحكومة", "إدارة", "الإدارة", "لجنة", "اللجنة", "مكتب", "المكتب", "قيادة", "القيادة",
                                 "جهاز", "الجهاز", "وحدات", "مديرية", "المديرية", "سلطة", "السلطة", "تحالف", "التحالف",
                                 "مصلحة", "المصلحة", "دائرة", "الدائرة",
                                 "منظمات", "هيئات", "أحزاب", "حركات", "جماعات", "شركات", "مجالس", "اتحادات", "جمعيات",
                                 "وكالات", "بنوك", "مصارف", "صحف", "قنوات", "جامعات", "مؤسسات", "نقابات", "اللجان", "لجان"]
    /// Direction words that say which part of a place is meant.
    static let directions = ["شمال", "جنوب", "شرق", "غرب", "وسط", "شمالي", "جنوبي", "شرقي", "غربي"]
    /// Continents, and what makes the Middle and Far East: a direction word before one names a
    /// region beyond one country (شمال أفريقيا، شرق أوسط جديد).
    static let continents = ["أفريقيا", "إفريقيا", "آسيا", "أوروبا", "أوربا", "أمريكا", "أميركا", "أوراسيا", "أستراليا",
                             "أوسط", "الأوسط", "أقصى", "الأقصى", "أدنى", "الأدنى"]
    /// Heads of state institutions that an adjective of nationality makes a name (الجيش المصري).
    static let institutionHeads = ["الجيش", "الشرطة", "البرلمان", "الحرس"]
    /// What follows مجلس to name a state's or the world's council.
    static let councils = ["الوزراء", "النواب", "الأمن", "الشيوخ", "الشعب", "الشورى", "الأمة", "العموم", "اللوردات", "الدوما", "التعاون"]
    /// Adjectives that make المجلس a named council.
    static let councilAdjectives = ["التشريعي", "الوطني", "العسكري", "الأعلى", "الدستوري", "الانتقالي"]
    /// Adjectives that date, order or describe and never end an institution's name.
    static let notNameAdjectives = ["الذي", "التي", "الماضي", "الماضية", "الحالي", "الحالية", "الثاني", "الثانية", "التالي",
                                    "التالية", "الجاري", "الجارية", "الأولى", "الحقيقي", "الحقيقية", "الرسمي", "الرسمية",
                                    "المعني", "المعنية", "المحلي", "المحلية", "اليومي", "اليومية", "السنوي", "السنوية",
                                    "الأسبوعي", "الأسبوعية", "الشهري", "الشهرية", "الاستثنائي", "الاستثنائية",
                                    "الأمني", "الأمنية", "العسكري", "العسكرية", "الحكومي", "الحكومية"]

    var directions = Set<UInt64>(), continents = Set<UInt64>(), institutionHeads = Set<UInt64>()
    var councils = Set<UInt64>(), councilAdjectives = Set<UInt64>(), notNameAdjectives = Set<UInt64>()
    var ministry: UInt64 = 0, council: UInt64 = 0, theCouncil: UInt64 = 0

    /// Reads the lists from a Gazetteers/ folder.
    public init(gazetteers folder: String, normalizer: Normalizer = Normalizer()) throws {
        self.normalizer = normalizer
        let not = Set(HarmonizeLists.notDesignators.map { normalizer.key($0) })
        func list(_ file: String, _ type: String) throws -> [[UInt64]] {
            try HarmonizeLists.read(folder + "/" + file, type: type, normalizer: normalizer)
        }
        for keys in try list("org-designators.tsv", "ORG_DESIGNATOR") where keys.count > 1 || !not.contains(keys[0]) {
            orgDesignators.insert(keys)
        }
        for keys in try list("site-nouns.tsv", "SITE_NOUN") { siteNouns.insert(keys) }
        for keys in try list("titles.tsv", "TITLE") { titles.insert(keys) }
        for keys in try list("loc-designators.tsv", "LOC_DESIGNATOR") { locDesignators.insert(keys) }
        for keys in try list("nisba.tsv", "NISBA") { nisba.insert(keys) }
        for keys in try list("countries.tsv", "LOC") { states.insert(keys) }
        for file in ["countries.tsv", "regions.tsv", "cities.tsv"] {
            for keys in try list(file, "LOC") { places.insert(keys) }
        }
        for keys in try list("organizations.tsv", "ORG") where !places.contains(keys) { organizations.insert(keys) }
        setWords()
    }

    /// Lists given directly (for tests): each entry a phrase of space-separated words.
    public init(orgDesignators: [String] = [], siteNouns: [String] = [], titles: [String] = [], locDesignators: [String] = [],
                nisba: [String] = [], states: [String] = [], organizations: [String] = [], places: [String] = [],
                normalizer: Normalizer = Normalizer()) {
        self.normalizer = normalizer
        func set(_ list: [String]) -> PhraseSet {
            var s = PhraseSet()
            for e in list { s.insert(e.split(separator: " ").map { normalizer.key(String($0)) }) }
            return s
        }
        self.orgDesignators = set(orgDesignators)
        self.siteNouns = set(siteNouns)
        self.titles = set(titles)
        self.locDesignators = set(locDesignators)
        self.nisba = set(nisba)
        self.states = set(states)
        self.organizations = set(organizations)
        self.places = set(places)
        setWords()
    }

    private mutating func setWords() {
        let n = normalizer
        directions = Set(HarmonizeLists.directions.map { n.key($0) })
        continents = Set(HarmonizeLists.continents.map { n.key($0) })
        institutionHeads = Set(HarmonizeLists.institutionHeads.map { n.key($0) })
        councils = Set(HarmonizeLists.councils.map { n.key($0) })
        councilAdjectives = Set(HarmonizeLists.councilAdjectives.map { n.key($0) })
        notNameAdjectives = Set(HarmonizeLists.notNameAdjectives.map { n.key($0) })
        ministry = n.key("وزارة")
        council = n.key("مجلس")
        theCouncil = n.key("المجلس")
    }

    /// The entries of one type in a list file, as phrases of normalized token hashes.
    static func read(_ file: String, type: String, normalizer: Normalizer) throws -> [[UInt64]] {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw WasimError.data("\(file): cannot read the list (the converters read Gazetteers/)")
        }
        var out: [[UInt64]] = []
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 2, fields[1] == type else { continue }
            let words = fields[0].split(separator: " ")
            if !words.isEmpty { out.append(words.map { normalizer.key(String($0)) }) }
        }
        return out
    }
}

/// Phrases as sequences of token hashes.
struct PhraseSet: Sendable {
    private var phrases = Set<[UInt64]>()
    private(set) var maxLength = 0

    mutating func insert(_ keys: [UInt64]) {
        phrases.insert(keys)
        maxLength = max(maxLength, keys.count)
    }

    func contains(_ keys: [UInt64]) -> Bool { phrases.contains(keys) }
}

/// A sentence's tokens with what list matching needs: each token's hash, and the hashes of its
/// proclitic readings (والعراق → العراق), computed as the Normalization stage does.
struct HarmonizeTokens {
    var words: [String]
    var whole: [UInt64]
    var readings: [[UInt64]]
    /// Normalized form, for the few tests on letters.
    var normalized: [String]

    init(_ words: [String], normalizer: Normalizer) {
        self.words = words
        whole = []
        readings = []
        normalized = []
        for w in words {
            let form = normalizer.normalize(w)
            let out = ContiguousArray(form.utf16)
            normalized.append(form)
            var analyses = ContiguousArray<ProcliticAnalysis>()
            out.withUnsafeBufferPointer { n in
                whole.append(Normalizer.hash(n))
                if n.count >= 3 { Normalization.analyse(n, origins: (0, 0, 0), into: &analyses) }
            }
            readings.append(analyses.map(\.hash))
        }
    }

    /// Whether tokens `start..<start+length` spell a phrase of the set; the first may carry a
    /// proclitic when `clitic`.
    func matches(_ set: PhraseSet, at start: Int, length: Int, clitic: Bool) -> Bool {
        guard start >= 0, start + length <= whole.count else { return false }
        let rest = whole[(start + 1)..<(start + length)]
        if set.contains([whole[start]] + rest) { return true }
        if clitic { for r in readings[start] where set.contains([r] + rest) { return true } }
        return false
    }

    /// The length of the longest phrase of the set starting at `start`.
    func longest(_ set: PhraseSet, at start: Int, clitic: Bool, limit: Int = .max) -> Int {
        var n = min(set.maxLength, whole.count - start, limit)
        while n > 0 {
            if matches(set, at: start, length: n, clitic: clitic) { return n }
            n -= 1
        }
        return 0
    }

    /// The start of the longest phrase of the set that ends just before `end`; the phrase's
    /// first token may carry a proclitic.
    func longestEnding(_ set: PhraseSet, before end: Int) -> Int? {
        var n = min(set.maxLength, end)
        while n > 0 {
            if matches(set, at: end - n, length: n, clitic: true) { return end - n }
            n -= 1
        }
        return nil
    }

    /// The token is a preposition glued to a place: بالأردن، لل…، or ب/ل + a listed place.
    func prepositionBeforePlace(_ i: Int, _ lists: HarmonizeLists) -> Bool {
        let n = normalized[i]
        if n.hasPrefix("بال") || n.hasPrefix("لل") || n.hasPrefix("كال") { return true }
        guard n.hasPrefix("ب") || n.hasPrefix("ل") else { return false }
        return readings[i].contains { lists.places.contains([$0]) } && !lists.places.contains([whole[i]])
    }

    /// The token read whole or with its proclitics stripped is in the set.
    func reads(_ i: Int, in set: Set<UInt64>) -> Bool {
        set.contains(whole[i]) || readings[i].contains { set.contains($0) }
    }

    func reads(_ i: Int, as key: UInt64) -> Bool {
        whole[i] == key || readings[i].contains(key)
    }
}

/// A span over a sentence's tokens, end exclusive, with its source class.
struct TokenSpan: Equatable {
    var type: String
    var start: Int
    var end: Int
    var sourceClass: String
}

public enum Harmonize {
    public enum Source: String, Sendable, CaseIterable {
        case anercorp, newsfane
    }

    /// Converts sentences from a source to ANNOTATION.md's PER/ORG/LOC.
    public static func convert(_ sentences: [CoNLLSentence], from source: Source, lists: HarmonizeLists) -> ([CoNLLSentence], HarmonizeLog) {
        switch source {
        case .anercorp: anercorp(sentences, lists: lists)
        case .newsfane: newsfane(sentences, lists: lists)
        }
    }

    /// ANERcorp: MISC dropped; titles, administrative designators and direction words out of
    /// spans; designators into ORG, site nouns into LOC, direction words into the names of
    /// states and continental regions; untagged state institutions tagged ORG.
    public static func anercorp(_ sentences: [CoNLLSentence], lists: HarmonizeLists) -> ([CoNLLSentence], HarmonizeLog) {
        var log = HarmonizeLog()
        var out: [CoNLLSentence] = []
        out.reserveCapacity(sentences.count)
        for sentence in sentences {
            let tokens = HarmonizeTokens(sentence.tokens, normalizer: lists.normalizer)
            var spans = Harmonize.spans(sentence.tags)
            let at = lineOf(sentence)
            spans = spans.compactMap { span in
                let target: String?
                switch span.type {
                case "PER", "ORG", "LOC": target = span.type
                default: target = nil
                }
                log.mapped(span.sourceClass, to: target ?? "dropped")
                if target == nil {
                    log.record("\(span.type.lowercased())-dropped", at(span.start), show(tokens, span), "O")
                }
                return target == nil ? nil : span
            }
            shrink(&spans, tokens, lists, &log, at)
            grow(&spans, tokens, lists, &log, at)
            institutions(&spans, tokens, lists, &log, at)
            out.append(with(sentence, spans))
        }
        return (out, log)
    }

    /// NewsFANE: its fine-grained classes mapped onto PER/ORG/LOC (peoples, vehicles, works,
    /// products and the like are no entities for us); a building that acts as an institution
    /// (البيت الأبيض) is ORG; titles, administrative designators and direction words out of spans.
    public static func newsfane(_ sentences: [CoNLLSentence], lists: HarmonizeLists) -> ([CoNLLSentence], HarmonizeLog) {
        var log = HarmonizeLog()
        var out: [CoNLLSentence] = []
        out.reserveCapacity(sentences.count)
        for sentence in sentences {
            let tokens = HarmonizeTokens(sentence.tokens, normalizer: lists.normalizer)
            let at = lineOf(sentence)
            var spans: [TokenSpan] = []
            for var span in Harmonize.spans(sentence.tags) {
                guard var target = newsFANEClasses[span.sourceClass] else {
                    log.mapped(span.sourceClass, to: "dropped")
                    log.record("class-dropped:\(span.sourceClass)", at(span.start), show(tokens, span), "O")
                    continue
                }
                if target == "LOC", span.sourceClass == "Building-Grounds" || span.sourceClass == "GPE-Cluster",
                   tokens.matches(lists.organizations, at: span.start, length: span.end - span.start, clitic: true) {
                    target = "ORG"
                    let before = show(tokens, span)
                    span.type = target
                    log.record("listed-organization:\(span.sourceClass)", at(span.start), before, show(tokens, span))
                } else if target == "ORG", span.sourceClass == "Sports",
                          tokens.matches(lists.states, at: span.start, length: span.end - span.start, clitic: true) {
                    // A team named by its country: countries are LOC (ANNOTATION.md).
                    target = "LOC"
                    let before = show(tokens, span)
                    span.type = target
                    log.record("country-as-team-loc", at(span.start), before, show(tokens, span))
                }
                span.type = target
                log.mapped(span.sourceClass, to: target)
                spans.append(span)
            }
            shrink(&spans, tokens, lists, &log, at)
            out.append(with(sentence, spans))
        }
        return (out, log)
    }

    /// NewsFANE's classes that are entities for us, and their type (LICENSE-NOTE.txt beside
    /// the corpus lists them all).
    public static let newsFANEClasses: [String: String] = [
        "Politician": "PER", "Athlete": "PER", "Artist": "PER", "Scientist": "PER", "Businessperson": "PER",
        "Lawyer": "PER", "Engineer": "PER", "Religious_PER": "PER", "Other_PER": "PER", "Police": "PER",
        "Government": "ORG", "Non-Governmental": "ORG", "Sports": "ORG", "Media": "ORG", "Commercial": "ORG",
        "Educational": "ORG", "Religious_ORG": "ORG", "Medical-Science": "ORG", "Entertainment": "ORG",
        "Nation": "LOC", "Population-Center": "LOC", "State-or-Province": "LOC", "County-or-District": "LOC",
        "GPE-Cluster": "LOC", "Continent": "LOC", "Water-Body": "LOC", "Land-Region-Natural": "LOC",
        "Building-Grounds": "LOC", "Path": "LOC", "Airport": "LOC", "Subarea-Facility": "LOC",
    ]

    // MARK: Rewrites

    /// Titles out of PER, administrative designators and direction words out of LOC.
    static func shrink(_ spans: inout [TokenSpan], _ tokens: HarmonizeTokens, _ lists: HarmonizeLists,
                       _ log: inout HarmonizeLog, _ at: (Int) -> String) {
        var kept: [TokenSpan] = []
        for var span in spans {
            let before = show(tokens, span)
            if span.type == "PER" {
                var n = 0
                while span.start < span.end {
                    let t = tokens.longest(lists.titles, at: span.start, clitic: n == 0, limit: span.end - span.start)
                    if t == 0 { break }
                    span.start += t
                    n += 1
                }
                if n > 0 {
                    // What is left of a title joined by و (وزير الاقتصاد و التجارة) is no name either.
                    if span.start == span.end || tokens.normalized[span.start] == "و" {
                        log.record("title-only-per-dropped", at(span.start - 1), before, "O")
                        continue
                    }
                    log.record("title-outside-per", at(span.start), before, show(tokens, span))
                }
            } else if span.type == "LOC" {
                let d = tokens.longest(lists.locDesignators, at: span.start, clitic: true, limit: span.end - span.start - 1)
                if d > 0 {
                    span.start += d
                    log.record("loc-designator-outside-loc", at(span.start), before, show(tokens, span))
                } else {
                    var k = span.start
                    while k < span.end - 1, k < span.start + 2, tokens.reads(k, in: lists.directions) { k += 1 }
                    if k > span.start, !isRegion(tokens, lists, span.start, k, span.end) {
                        span.start = k
                        log.record("direction-outside-loc", at(span.start), before, show(tokens, span))
                    }
                }
            }
            kept.append(span)
        }
        spans = kept
    }

    /// Whether directions `start..<rest` and the name `rest..<end` together name a state or a
    /// region beyond one country: جنوب السودان، شمال أفريقيا، جنوب شرق آسيا.
    static func isRegion(_ tokens: HarmonizeTokens, _ lists: HarmonizeLists, _ start: Int, _ rest: Int, _ end: Int) -> Bool {
        if tokens.matches(lists.states, at: start, length: end - start, clitic: true) { return true }
        return end - rest == 1 && lists.continents.contains(tokens.whole[rest])
    }

    /// Designators into ORG, site nouns into LOC, directions into a state's or region's name.
    static func grow(_ spans: inout [TokenSpan], _ tokens: HarmonizeTokens, _ lists: HarmonizeLists,
                     _ log: inout HarmonizeLog, _ at: (Int) -> String) {
        for i in spans.indices {
            let span = spans[i]
            // Only untagged tokens after the previous span may join.
            let floor = i > 0 ? spans[i - 1].end : 0
            let before = show(tokens, span)
            // A name joined by و (المنتخب والأهلي) is a second name, not the designator's.
            if span.type == "ORG", !tokens.normalized[span.start].hasPrefix("وال"),
               let s = tokens.longestEnding(lists.orgDesignators, before: span.start), s >= floor {
                spans[i].start = s
                log.record("designator-inside-org", at(s), before, show(tokens, spans[i]))
            } else if span.type == "LOC" {
                // A place after a preposition (مستشفى بالأردن، مستشفى بتندوف) says where the site is:
                // it is not the site's name.
                if !tokens.prepositionBeforePlace(span.start, lists),
                   let s = tokens.longestEnding(lists.siteNouns, before: span.start), s >= floor {
                    spans[i].start = s
                    log.record("site-noun-inside-loc", at(s), before, show(tokens, spans[i]))
                } else {
                    // One or two direction words: only the first may carry a proclitic (وجنوب شرق آسيا).
                    var s = span.start
                    if s - 1 >= floor, tokens.reads(s - 1, in: lists.directions) {
                        s -= 1
                        if s - 1 >= floor, lists.directions.contains(tokens.whole[s]), tokens.reads(s - 1, in: lists.directions) { s -= 1 }
                    }
                    if s < span.start, isRegion(tokens, lists, s, span.start, span.end) {
                        spans[i].start = s
                        log.record("direction-inside-region", at(s), before, show(tokens, spans[i]))
                    }
                }
            }
        }
    }

    /// Untagged state institutions tagged ORG: الجيش/الشرطة/البرلمان/الحرس + nisba,
    /// وزارة + a definite noun (+ adjectives), مجلس الوزراء/النواب/الأمن…, المجلس التشريعي….
    static func institutions(_ spans: inout [TokenSpan], _ tokens: HarmonizeTokens, _ lists: HarmonizeLists,
                             _ log: inout HarmonizeLog, _ at: (Int) -> String) {
        let n = tokens.whole.count
        var tagged = [Bool](repeating: false, count: n)
        for s in spans { for k in s.start..<s.end { tagged[k] = true } }
        func free(_ k: Int) -> Bool { k < n && !tagged[k] }
        func definite(_ k: Int) -> Bool { tokens.normalized[k].hasPrefix("ال") && tokens.normalized[k].count > 3 }
        func adjective(_ k: Int) -> Bool {
            guard free(k), definite(k), !lists.notNameAdjectives.contains(tokens.whole[k]) else { return false }
            let w = tokens.normalized[k]
            return w.hasSuffix("ي") || w.hasSuffix("يه") || tokens.matches(lists.nisba, at: k, length: 1, clitic: false)
        }
        func nisba(_ k: Int) -> Bool {
            free(k) && definite(k) && tokens.matches(lists.nisba, at: k, length: 1, clitic: false)
        }
        var added: [TokenSpan] = []
        var k = 0
        while k < n {
            guard free(k) else { k += 1; continue }
            var end = k
            if tokens.reads(k, in: lists.institutionHeads), nisba(k + 1) {
                end = k + 2
                if nisba(end) { end += 1 }
            } else if tokens.reads(k, as: lists.ministry), free(k + 1), definite(k + 1),
                      !lists.notNameAdjectives.contains(tokens.whole[k + 1]) {
                end = k + 2
                while end < k + 4, adjective(end) { end += 1 }
            } else if tokens.reads(k, as: lists.council), free(k + 1), lists.councils.contains(tokens.whole[k + 1]) {
                end = k + 2
                while end < k + 4, adjective(end) { end += 1 }
            } else if tokens.reads(k, as: lists.theCouncil), free(k + 1), lists.councilAdjectives.contains(tokens.whole[k + 1]) {
                end = k + 2
                while end < k + 4, adjective(end) { end += 1 }
            }
            if end > k {
                let span = TokenSpan(type: "ORG", start: k, end: end, sourceClass: "O")
                log.record("institution-org", at(k), tokens.words[k..<end].joined(separator: " ") + " (O)", show(tokens, span))
                added.append(span)
                k = end
            } else {
                k += 1
            }
        }
        if !added.isEmpty { spans = (spans + added).sorted { $0.start < $1.start } }
    }

    // MARK: Spans and tags

    /// Spans from BIO(ES) tags, as conlleval reads them: an I- after O or after another type opens a span.
    static func spans(_ tags: [String]) -> [TokenSpan] {
        var out: [TokenSpan] = []
        var open: TokenSpan?
        for (i, tag) in tags.enumerated() {
            if tag == "O" {
                if let o = open { out.append(o); open = nil }
                continue
            }
            let prefix = tag.prefix(1)
            let raw = tag.dropFirst(2)
            let type = GoldReader.typeName(raw).rawValue
            if prefix == "B" || prefix == "S" || open?.sourceClass != String(raw) {
                if let o = open { out.append(o) }
                open = TokenSpan(type: type, start: i, end: i + 1, sourceClass: String(raw))
            } else {
                open!.end = i + 1
            }
            if prefix == "E" || prefix == "S" { out.append(open!); open = nil }
        }
        if let o = open { out.append(o) }
        return out
    }

    static func with(_ sentence: CoNLLSentence, _ spans: [TokenSpan]) -> CoNLLSentence {
        var s = sentence
        s.tags = [String](repeating: "O", count: sentence.tokens.count)
        for span in spans {
            for k in span.start..<span.end { s.tags[k] = (k == span.start ? "B-" : "I-") + span.type }
        }
        return s
    }

    static func show(_ tokens: HarmonizeTokens, _ span: TokenSpan) -> String {
        tokens.words[span.start..<span.end].joined(separator: " ") + " (\(span.type))"
    }

    /// "file:line" of a sentence's token: one token a line, from the sentence's first.
    static func lineOf(_ sentence: CoNLLSentence) -> (Int) -> String {
        let parts = sentence.location.split(separator: ":")
        guard let first = parts.last.flatMap({ Int($0) }) else { return { _ in sentence.location } }
        let file = parts.dropLast().joined(separator: ":")
        return { "\(file):\(first + $0)" }
    }

    /// CoNLL text: a token and its tag a line, a blank line after each sentence, `-DOCSTART-`
    /// where a document starts (after the first).
    public static func conll(_ sentences: [CoNLLSentence]) -> String {
        var out = ""
        for (i, s) in sentences.enumerated() {
            if i > 0, s.startsDocument { out += "-DOCSTART- O\n\n" }
            for (t, g) in zip(s.tokens, s.tags) { out += "\(t) \(g)\n" }
            out += "\n"
        }
        return out
    }

    /// Reads gold named `anercorp:PATH` or `newsfane:PATH` (converted with the lists of
    /// `gazetteers`), or a plain path (as it is). What `wasim train --gold` and `wasim convert` take.
    public static func readGold(_ spec: String, gazetteers: String) throws -> (GoldCorpus, HarmonizeLog?) {
        for source in Source.allCases where spec.hasPrefix(source.rawValue + ":") {
            let path = String(spec.dropFirst(source.rawValue.count + 1))
            guard case .conll(let sentences) = try GoldReader.read(path: path) else {
                throw WasimError.data("\(path): \(source.rawValue) gold must be CoNLL, not JSON Lines")
            }
            let (converted, log) = convert(sentences, from: source, lists: try HarmonizeLists(gazetteers: gazetteers))
            return (.conll(converted), log)
        }
        return (try GoldReader.read(path: spec), nil)
    }
}
