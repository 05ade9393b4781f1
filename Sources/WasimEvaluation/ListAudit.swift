// `wasim lists audit`: what in the entity lists will be tagged wrongly. The lists come from many
// sources (GeoNames alternate names, ANERcorp train, hand lists) and each source brings its own
// mistakes: given names and ordinary words as cities, a proclitic glued on, the same surface
// typed twice. The audit reads the lists as text (it is no hot path) and, given a corpus, tags
// it to count how often each entry fires and wins.
import Foundation
import Wasim

public struct ListAudit {
    public enum Kind: String, CaseIterable, Sendable {
        /// The same surface with different entity types and no file priority to settle it.
        case typeConflict = "type-conflict"
        /// A proclitic glued to an entry whose stem is itself an entry (وليبيا): a span that
        /// breaks ANNOTATION.md, and no id.
        case proclitic
        /// A one-word entry that is a given name, or an ordinary word (the lexicon has it and the
        /// corpus inflects it), not marked ambiguous.
        case ordinaryWord = "ordinary-word"
        /// A one-word entry that, folded, reads as a proclitic + a given name or an ordinary word
        /// (لانس = ل + أنس).
        case foldingCollision = "folding-collision"
        /// An entry the corpus mostly uses inflected, as ordinary words are (no lexicon needed), or,
        /// for a place, mostly right after a definite word, where adjectives go (الديوانية "customs").
        case corpusContext = "corpus-context"
        /// A direction word before a place that is an entry itself, or before a nisba: a part of
        /// one place, whose direction word ANNOTATION.md keeps outside (جنوب لبنان → لبنان,
        /// الجنوب اللبناني no place). Regions beyond one country, the direction word inside, are in
        /// countries.tsv and are not reported.
        case directionPart = "direction-part"
        /// A place entry made of another place entry and a nisba after it (طرابلس اللبنانية): the
        /// adjective only says which place is meant, and ANNOTATION.md keeps it outside.
        case adjectivePart = "adjective-part"

        /// How much a finding of this kind hurts before counting how often it wins.
        var weight: Int {
            switch self {
            case .proclitic: 4
            case .ordinaryWord: 3
            case .typeConflict: 3
            case .foldingCollision: 2
            case .corpusContext: 2
            case .directionPart: 3
            case .adjectivePart: 3
            }
        }
    }

    public struct Entry: Sendable {
        public var file: String
        public var line: Int
        public var surface: String
        public var type: String
        public var id: String?
        /// Normalized as the matcher does (Normalizer), tokens joined by one space.
        public var folded: String
        public var oneWord: Bool { !folded.contains(" ") }
        public var place: String { "\(file):\(line)" }
    }

    public struct Finding: Sendable {
        public var kind: Kind
        public var entry: Entry
        public var detail: String
        public var fires = 0
        public var wins = 0
        /// Sort key: the kind's weight times one more than the wins over the corpus.
        public var harm: Int { kind.weight * (1 + wins) }
    }

    public struct Report: Sendable {
        public var entries = 0
        public var findings: [Finding] = []
        public var corpusDocuments = 0
        public var lexiconUsed = false
        public func count(_ kind: Kind) -> Int { findings.filter { $0.kind == kind }.count }
    }

    static let entityTypes: Set<String> = ["PER", "ORG", "LOC"]
    /// Direction words, as normalized (ANNOTATION.md, "Direction words").
    static let directionWords: Set<String> = ["شمال", "جنوب", "شرق", "غرب", "وسط", "شمالي", "جنوبي", "شرقي", "غربي",
                                              "الشمال", "الجنوب", "الشرق", "الغرب", "الوسط"]
    static let proclitics = ["وب", "ول", "فب", "فل", "وك", "و", "ف", "ب", "ل", "ك"]
    /// Pronoun suffixes: ordinary nouns and verbs take them, names do not. (Nisba and plural
    /// endings are left out: الجزائري and تونسيون come from names.)
    static let suffixes = ["ه", "ها", "هم", "هما", "كم", "كما", "نا", "هن"]

    var entries: [Entry] = []
    var priority: [String: Int] = [:]
    var givenNames: Set<String> = []
    var ordinary: Set<String> = []
    var ambiguous: Set<String> = []
    var nisbas: Set<String> = []
    /// Surfaces a person checked and kept (audit-justified.tsv, type AUDIT_OK, the reason as id).
    var justified: Set<String> = []
    let normalizer: Normalizer

    /// Reads every *.tsv of `directory` and the extra files, as the gazetteer loader does.
    public init(directory: String?, extraFiles: [String] = [], normalizer: Normalizer = Normalizer()) throws {
        self.normalizer = normalizer
        var paths: [(String, Int)] = []
        if let directory {
            for name in try FileManager.default.contentsOfDirectory(atPath: directory).filter({ $0.hasSuffix(".tsv") }).sorted() {
                paths.append((directory + "/" + name, 10))
            }
        }
        paths += extraFiles.map { ($0, 30) }
        for (path, defaultPriority) in paths {
            let name = (path as NSString).lastPathComponent
            priority[name] = defaultPriority
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
                if line.hasPrefix("#") {
                    let c = line.dropFirst().trimmingCharacters(in: .whitespaces)
                    if c.hasPrefix("priority:"), let p = Int(c.dropFirst(9).trimmingCharacters(in: .whitespaces)) { priority[name] = p }
                    continue
                }
                let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard f.count >= 2, !f[0].trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                let folded = f[0].split(separator: " ").map { normalizer.normalize(String($0)) }.joined(separator: " ")
                switch f[1] {
                case "GIVEN_NAME": givenNames.insert(folded)
                case "AMBIGUOUS": ambiguous.insert(folded)
                case "COMMON", "VOCAB": if !folded.contains(" ") { ordinary.insert(folded) }
                case "AUDIT_OK": justified.insert(folded)
                case "NISBA": nisbas.insert(folded)
                default: break
                }
                if ListAudit.entityTypes.contains(f[1]) {
                    entries.append(Entry(file: name, line: n + 1, surface: f[0], type: f[1],
                                         id: f.count > 2 && !f[2].isEmpty ? f[2] : nil, folded: folded))
                }
            }
        }
    }

    /// Entries never tagged on their own: AMBIGUOUS, or a one-word ordinary word.
    func isAmbiguous(_ folded: String) -> Bool { ambiguous.contains(folded) || ordinary.contains(folded) }

    /// The audit. `lexicon`: folded ordinary words (see `ayaspellWords`); `corpus`: documents to
    /// tag with `pipeline` for the corpus statistics and the fire and win counts.
    public func run(lexicon: Set<String>? = nil, corpus: [Document] = [], pipeline: Pipeline? = nil,
                    gazetteer: Gazetteer? = nil) throws -> Report {
        var report = Report(entries: entries.count, corpusDocuments: corpus.count, lexiconUsed: lexicon != nil)
        var byFolded: [String: [Int]] = [:]
        for (i, e) in entries.enumerated() { byFolded[e.folded, default: []].append(i) }

        // Type conflicts: settled when the highest-priority files holding the surface agree.
        for (folded, indices) in byFolded where !isAmbiguous(folded) {
            let types = Set(indices.map { entries[$0].type })
            guard types.count > 1 else { continue }
            let top = indices.map { priority[entries[$0].file] ?? 10 }.max()!
            let topTypes = Set(indices.filter { priority[entries[$0].file] ?? 10 == top }.map { entries[$0].type })
            if topTypes.count > 1 {
                let all = indices.map { "\(entries[$0].type) \(entries[$0].place)" }.joined(separator: ", ")
                report.findings.append(Finding(kind: .typeConflict, entry: entries[indices[0]], detail: all))
            }
        }

        for e in entries {
            let first = e.folded.split(separator: " ").first.map(String.init) ?? e.folded
            let rest = String(e.folded.dropFirst(first.count))
            // A glued proclitic whose stem is an entry of the same type and, when both have ids, the same id.
            // Another list holding the whole form makes it a name of its own (لبنان is no ل + بنان).
            let confirmed = (byFolded[e.folded] ?? []).contains { entries[$0].file != e.file && entries[$0].type == e.type }
            for (p, stem) in ListAudit.stems(first) where !confirmed {
                let same = (byFolded[stem + rest] ?? []).map { entries[$0] }.filter { $0.type == e.type }
                if !same.isEmpty, e.id == nil || same.contains(where: { $0.id == e.id }) {
                    report.findings.append(Finding(kind: .proclitic, entry: e, detail: "\(p) + \(same[0].surface) (\(same[0].place))"))
                    break
                }
            }
            // A part of a place or a place with its nisba: a place of several words that no
            // person kept and that countries.tsv (regions beyond one country) does not hold.
            let words = e.folded.split(separator: " ").map(String.init)
            if e.type == "LOC", words.count >= 2, !justified.contains(e.folded),
               !(byFolded[e.folded] ?? []).contains(where: { entries[$0].file == "countries.tsv" }) {
                func isPlace(_ folded: String) -> Bool { (byFolded[folded] ?? []).contains { entries[$0].type == "LOC" } }
                if ListAudit.directionWords.contains(first) {
                    // شمال شرق سوريا: every direction word is outside.
                    var after = words.dropFirst()
                    while after.count > 1, ListAudit.directionWords.contains(after.first!) { after = after.dropFirst() }
                    let place = after.joined(separator: " ")
                    if isPlace(place) {
                        report.findings.append(Finding(kind: .directionPart, entry: e, detail: "\(first) + the place \(place)"))
                    } else if nisbas.contains(place) {
                        report.findings.append(Finding(kind: .directionPart, entry: e, detail: "\(first) + the nisba \(place)"))
                    }
                }
                let place = words.dropLast().joined(separator: " ")
                if nisbas.contains(words.last!), isPlace(place) {
                    report.findings.append(Finding(kind: .adjectivePart, entry: e, detail: "the place \(place) + the nisba \(words.last!)"))
                }
            }
            guard e.oneWord, !isAmbiguous(e.folded), !justified.contains(e.folded) else { continue }
            if e.type == "LOC", givenNames.contains(e.folded) {
                report.findings.append(Finding(kind: .ordinaryWord, entry: e, detail: "a given name (GIVEN_NAME lists)"))
            }
            for (p, stem) in ListAudit.stems(e.folded) where p.count == 1 && stem.count >= 3 {
                if givenNames.contains(stem) || ordinary.contains(stem) {
                    report.findings.append(Finding(kind: .foldingCollision, entry: e,
                        detail: "reads as \(p) + \(givenNames.contains(stem) ? "given name" : "ordinary word") \(stem)"))
                    break
                }
            }
        }

        guard !corpus.isEmpty else {
            report.findings.sort(by: ListAudit.order)
            return report
        }
        // Corpus: word frequencies by folded form, and each entry's fires and wins.
        var frequency: [String: Int] = [:]
        // How often a word comes right after a definite word (المعاليم الديوانية): an adjective's
        // place, which a place's name seldom takes.
        var afterDefinite: [String: Int] = [:]
        var fires: [String: Int] = [:], wins: [String: Int] = [:]  // key: file:line
        if let pipeline {
            for d in corpus {
                _ = try pipeline.run(d)
                var previous: String? = nil
                for t in d.tokens {
                    guard t.kind == .word else { previous = nil; continue }
                    let form = d.normalizedText(of: t)
                    frequency[form, default: 0] += 1
                    if let p = previous, p.hasPrefix("ال"), p.count > 3 { afterDefinite[form, default: 0] += 1 }
                    previous = form
                }
                guard let g = gazetteer else { continue }
                var entryAt: [String: [Int32]] = [:]
                for l in d.lookups where l.list < 3 {
                    let key = "\(l.tokens.lowerBound)-\(l.tokens.upperBound)"
                    entryAt[key, default: []].append(l.entry)
                    fires[g.entryPlace(l.entry), default: 0] += 1
                }
                for e in d.entities where e.source.hasPrefix("gazetteer:") {
                    let file = String(e.source.dropFirst("gazetteer:".count))
                    for entry in entryAt["\(e.tokens.lowerBound)-\(e.tokens.upperBound)"] ?? []
                    where g.fileName(ofEntry: entry) == file && g.typeName(Int32(g.entryType[Int(entry)])) == e.type.rawValue {
                        wins[g.entryPlace(entry), default: 0] += 1
                        break
                    }
                }
            }
        }
        let flagged = Set(report.findings.filter { $0.kind == .ordinaryWord }.map { $0.entry.place })
        for e in entries where e.oneWord && !isAmbiguous(e.folded) && !justified.contains(e.folded) && !flagged.contains(e.place) {
            let bare = frequency[e.folded] ?? 0
            var inflected = ListAudit.suffixes.reduce(0) { $0 + (frequency[e.folded + $1] ?? 0) }
            inflected += ["ي", "ت", "ن"].reduce(0) { $0 + (frequency[$1 + e.folded] ?? 0) }
            if !e.folded.hasPrefix("ال") { inflected += frequency["ال" + e.folded] ?? 0 }
            let adjectival = afterDefinite[e.folded] ?? 0
            if e.type == "LOC", bare >= 8, adjectival * 5 >= bare * 3, (fires[e.place] ?? 0) > 0 {
                report.findings.append(Finding(kind: .corpusContext, entry: e,
                    detail: "after a definite word \(adjectival)× of \(bare): an adjective's place"))
                continue
            }
            guard inflected >= 2, inflected * 2 >= bare else { continue }
            let detail = "inflected \(inflected)× against \(bare)× bare in the corpus"
            if let lexicon, lexicon.contains(e.folded) {
                report.findings.append(Finding(kind: .ordinaryWord, entry: e, detail: "in the lexicon; " + detail))
            } else if (fires[e.place] ?? 0) > 0 {
                report.findings.append(Finding(kind: .corpusContext, entry: e, detail: detail))
            }
        }
        for i in report.findings.indices {
            report.findings[i].fires = fires[report.findings[i].entry.place] ?? 0
            report.findings[i].wins = wins[report.findings[i].entry.place] ?? 0
        }
        report.findings.sort(by: ListAudit.order)
        return report
    }

    static func order(_ a: Finding, _ b: Finding) -> Bool {
        if a.harm != b.harm { return a.harm > b.harm }
        if a.kind.weight != b.kind.weight { return a.kind.weight > b.kind.weight }
        return (a.entry.file, a.entry.line) < (b.entry.file, b.entry.line)
    }

    /// The readings of a folded word with a proclitic split off; after لـ the article's alef is restored.
    static func stems(_ word: String) -> [(String, String)] {
        var out: [(String, String)] = []
        for p in proclitics where word.hasPrefix(p) && word.count - p.count >= 2 {
            let stem = String(word.dropFirst(p.count))
            out.append((p, stem))
            if p.hasSuffix("ل"), stem.hasPrefix("ل") { out.append((p, "ا" + stem)) }
        }
        return out
    }

    /// The one-word entity surfaces the Ayaspell lexicon knows, folded: asks `aspell -d ar-large`
    /// (Debian aspell-ar-large), nil when it is not installed. The lexicon is read at audit time
    /// only; nothing of it ships (its licence is GPL-2.0/LGPL-2.1/MPL-1.1).
    public func ayaspellWords() -> Set<String>? {
        let exe = ["/usr/bin/aspell", "/usr/local/bin/aspell"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let exe else { return nil }
        let words = Array(Set(entries.filter(\.oneWord).map(\.surface)))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["-d", "ar-large", "list"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        // Write from another thread: aspell answers while it reads, and a full pipe would block both.
        let data = Data(words.joined(separator: "\n").utf8)
        let writer = Thread { input.fileHandleForWriting.write(data); try? input.fileHandleForWriting.close() }
        writer.start()
        let unknown = Set(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init))
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return Set(words.filter { !unknown.contains($0) }.map { normalizer.normalize($0) })
    }

    /// A table for people.
    public static func table(_ r: Report, limit: Int? = nil) -> String {
        var out = "entries: \(r.entries); findings: \(r.findings.count) ("
        out += Kind.allCases.map { "\($0.rawValue) \(r.count($0))" }.joined(separator: ", ") + ")"
        out += r.corpusDocuments > 0 ? "; corpus: \(r.corpusDocuments) documents" : "; no corpus"
        out += r.lexiconUsed ? "; lexicon: Ayaspell\n" : "; no lexicon\n"
        out += "harm  kind               fires  wins  type  entry                          where\n"
        for f in r.findings.prefix(limit ?? r.findings.count) {
            let kind = f.kind.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)
            out += String(format: "%4d  %@  %5d  %4d  %@   ", f.harm, kind, f.fires, f.wins, f.entry.type)
            out += f.entry.surface + "  " + f.entry.place + "  " + f.detail + "\n"
        }
        return out
    }

    /// JSON Lines for scripts: one finding a line.
    public static func jsonLines(_ r: Report) -> String {
        var out = ""
        for f in r.findings {
            out += "{\"kind\": \(WasimJSON.quote(f.kind.rawValue)), \"harm\": \(f.harm), \"surface\": \(WasimJSON.quote(f.entry.surface)), "
            out += "\"type\": \(WasimJSON.quote(f.entry.type)), \"file\": \(WasimJSON.quote(f.entry.file)), \"line\": \(f.entry.line), "
            out += "\"fires\": \(f.fires), \"wins\": \(f.wins), \"detail\": \(WasimJSON.quote(f.detail))}\n"
        }
        return out
    }
}

extension Gazetteer {
    /// `file:line` of an entry, as the audit names entries.
    func entryPlace(_ e: Int32) -> String { fileName(ofEntry: e) + ":" + String(entryLine[Int(e)]) }
}
