// The `Gazetteers/train-split-*.tsv` lists, derived again in memory from part of a CoNLL gold
// corpus, as their headers describe. Training uses them for a jackknife: on ANERcorp train the
// shipped lists are nearly perfect (they come from it), and a model trained on such features
// learns to trust lookups that are far weaker on unseen text.
import Foundation
import Wasim

public struct DerivedLists: Sendable {
    /// surface → type (PER, ORG, LOC) for `train-split-entities.tsv`, in order of frequency.
    public var entities: [(surface: String, type: String)] = []
    /// Surfaces more often untagged than tagged: AMBIGUOUS.
    public var ambiguous: [String] = []
    public var givenNames: [String] = []
    public var vocabulary: [String] = []
}

/// The curated lists' given names (`TrainSplitLists.curatedGivenNames`).
public struct CuratedGivenNames: Sendable {
    let gazetteer: Gazetteer?
    /// Whether `word`, read whole, is a `GIVEN_NAME` of a list other than the `train-split-*` files.
    public func contains(_ word: String) -> Bool {
        gazetteer?.hasEntry(word: word, type: "GIVEN_NAME", file: { !TrainSplitLists.files.contains($0) }) ?? false
    }
    /// `contains`, or nil without lists (`derive`'s `isKnownGivenName`).
    public var predicate: ((String) -> Bool)? {
        guard gazetteer != nil else { return nil }
        let names = self
        return { names.contains($0) }
    }
}

public enum TrainSplitLists {
    public static let files = ["train-split-entities.tsv", "train-split-given-names.tsv", "train-split-vocabulary.tsv"]
    static let proclitics = ["وب", "ول", "وك", "فب", "فل", "فك", "و", "ف", "ب", "ل", "ك"]
    /// The same, the one-letter ones first (`derive`'s given names: وبسام is و + بسام).
    static let shortProclitics = proclitics.filter { $0.count == 1 } + proclitics.filter { $0.count == 2 }
    static let particles: Set<String> = ["أبو", "ابو", "ابن", "بن", "أبي", "ابي", "عبد", "آل", "أم", "ام", "بنت", "ولد"]
    static let edgePunctuation = CharacterSet.punctuationCharacters.union(.symbols)

    /// A token of punctuation, symbols or tatweel alone, which no list entry starts or ends with.
    static func isSeparator(_ token: String) -> Bool {
        token.unicodeScalars.allSatisfy { edgePunctuation.contains($0) || $0.value == 0x640 }
    }

    /// Whether `word` holds an Arabic letter (ء … ي). Tatweel (U+0640) sits inside that block but
    /// is no letter: a token of tatweel alone is a separator the gazetteer's loader refuses.
    static func hasArabicLetter(_ word: String) -> Bool {
        word.unicodeScalars.contains { (0x621...0x64A).contains($0.value) && $0.value != 0x640 }
    }

    /// Derives the three lists from CoNLL sentences. `knownGivenNames` holds the curated lists'
    /// given names, normalized by `normalizer` (`curatedGivenNames`): a first token that is a
    /// proclitic glued to one of them (وليلى) is left out.
    public static func derive(_ sentences: [CoNLLSentence], knownGivenNames: Set<String> = [],
                              normalizer: Normalizer = Normalizer()) -> DerivedLists {
        derive(sentences, isKnownGivenName: knownGivenNames.isEmpty ? nil : { knownGivenNames.contains(normalizer.normalize($0)) })
    }

    /// The same, asking `isKnownGivenName` (`CuratedGivenNames.contains`) whether a word is a
    /// curated given name; nil: no curated lists.
    public static func derive(_ sentences: [CoNLLSentence], isKnownGivenName: ((String) -> Bool)?,
                              normalizer: Normalizer = Normalizer()) -> DerivedLists {
        var tokenCount: [String: Int] = [:], tokenInEntity: [String: Int] = [:]
        var tokenInPerson: [String: Int] = [:]
        // By normalized form too: the matcher folds آلان onto الآن "now" and ألفا onto "two
        // thousand", so whether a given name is mostly an ordinary word is asked of its folded form.
        var foldedCount: [String: Int] = [:], foldedOutside: [String: Int] = [:]
        var entityCount: [String: Int] = [:]
        for s in sentences {
            for (k, t) in s.tokens.enumerated() {
                tokenCount[t, default: 0] += 1
                let folded = normalizer.normalize(t)
                foldedCount[folded, default: 0] += 1
                if s.tags[k] == "O" {
                    foldedOutside[folded, default: 0] += 1
                } else {
                    tokenInEntity[t, default: 0] += 1
                    if s.tags[k].hasSuffix("PER") || s.tags[k].hasSuffix("PERS") { tokenInPerson[t, default: 0] += 1 }
                }
            }
        }
        var chunks: [(tokens: [String], type: String)] = []
        for s in sentences {
            for c in Chunker.chunks(s.tags) where ["PER", "ORG", "LOC"].contains(c.type.rawValue) {
                var toks = Array(s.tokens[c.start..<c.end])
                while let f = toks.first, isSeparator(f) { toks.removeFirst() }
                while let l = toks.last, isSeparator(l) { toks.removeLast() }
                guard !toks.isEmpty else { continue }
                chunks.append((toks, c.type.rawValue))
                entityCount[toks.joined(separator: " "), default: 0] += 1
            }
        }
        func known(_ w: String) -> Bool { isKnownGivenName?(w) ?? false }
        // Persons' first tokens as the corpus writes them, glued or not: what `strip` asks of a
        // person's rest behind و.
        var rawFirstTokens = Set<String>()
        for c in chunks where c.type == "PER" { rawFirstTokens.insert(c.tokens[0]) }
        // A proclitic comes off the first token when the rest starts with ال and occurs as a token,
        // or is itself an entity elsewhere (twice for two-letter proclitics); لل → ال. A و also
        // comes off a person whose rest starts with a given name, a curated one, a person's first
        // token elsewhere (وأحمد ماهر → أحمد ماهر, where no other entity is أحمد ماهر) or a word
        // inside another person (وحمودي ولد المصطفى, after سامي حمودي): kept, it
        // made a person of the list start at the conjunction. Not behind ب، ك، ف، ل, whose letter
        // is as often the name's own (بريان آدامز, Bryan, not ب + ريان).
        // `byGivenName`: stripped for its given name alone; the given names below read such a
        // first token as the corpus writes it, and decide for themselves.
        func strip(_ toks: [String], type: String) -> (tokens: [String], byGivenName: Bool) {
            var out = toks
            let first = toks[0]
            for p in proclitics where first.hasPrefix(p) && first.count > p.count + 2 {
                var rest = String(first.dropFirst(p.count))
                if p.hasSuffix("ل"), rest.hasPrefix("ل") { rest = "ا" + rest }
                let restSurface = ([rest] + toks.dropFirst()).joined(separator: " ")
                let need = p.count == 2 ? 2 : 1
                if (rest.hasPrefix("ال") && tokenCount[rest] != nil) || entityCount[restSurface, default: 0] >= need {
                    out[0] = rest
                    return (out, false)
                }
                if p == "و", type == "PER", toks.count >= 2, !known(first),
                   known(rest) || rawFirstTokens.contains(rest) || tokenInPerson[rest, default: 0] > 0 {
                    out[0] = rest
                    return (out, true)
                }
            }
            return (out, false)
        }
        var typeVotes: [String: [String: Int]] = [:]
        var order: [String] = []
        var surfaceTokens: [String: [String]] = [:]
        var persons: [[String]] = []
        // A person's first token, two for عبد X.
        func givenName(_ toks: [String]) -> String { toks[0] == "عبد" && toks.count >= 3 ? toks[0] + " " + toks[1] : toks[0] }
        var firstTokens = Set<String>()
        for c in chunks {
            let (toks, byGivenName) = strip(c.tokens, type: c.type)
            let surface = toks.joined(separator: " ")
            if typeVotes[surface] == nil { order.append(surface); surfaceTokens[surface] = toks }
            typeVotes[surface, default: [:]][c.type, default: 0] += 1
            let person = byGivenName ? c.tokens : toks
            if c.type == "PER" { firstTokens.insert(givenName(person)) }
            if c.type == "PER", person.count >= 2 { persons.append(person) }
        }
        // `strip` keeps a proclitic glued to a name that starts no other entity (ووديع الصافي,
        // وليلى الزحاف): as a given name, read whole, it kept the conjunction inside the learned
        // labeller's person. A first token that is a proclitic and a given name, and is not a
        // curated list's name itself (وليد، وليام stay), counts for that name where the corpus has
        // it as a person's first token elsewhere (وأحمد → أحمد, لمحمد → محمد) or it is a particle
        // (وعبد), behind و also where it is a word inside another person (وحمودي → حمودي, after
        // سامي حمودي), and is left out where only the curated lists know it behind و (وليلى): they hold
        // it already, and adding it would set these lists apart from the shipped file, which the
        // jackknife stands in for. Behind ب، ك، ف، ل the curated lists are not enough: the letter
        // is as often the foreign name's own (بريان Brian, not ب + ريان; برند، كاسياس). The shorter
        // proclitic first: وبسام is و + بسام.
        var given: [String: Int] = [:], givenOrder: [String] = []
        persons: for var toks in persons {
            let first = toks[0]
            if !known(first) {
                for p in shortProclitics where first.hasPrefix(p) && first.count > p.count + 1 {
                    var rest = toks
                    rest[0] = String(first.dropFirst(p.count))
                    if rest[0].count >= 3 && (particles.contains(rest[0]) || firstTokens.contains(givenName(rest))) || p == "و" && particles.contains(rest[0])
                        || p == "و" && rest[0].count >= 3 && tokenInPerson[rest[0], default: 0] > 0 {
                        toks = rest
                        break
                    }
                    if p == "و", rest[0].count >= 3, known(rest[0]) { continue persons }
                }
            }
            let g = givenName(toks)
            if given[g] == nil { givenOrder.append(g) }
            given[g, default: 0] += 1
        }
        // How often each surface's exact tokens occur fully untagged.
        var untagged: [String: Int] = [:]
        let maxLength = surfaceTokens.values.map(\.count).max() ?? 0
        for s in sentences {
            for i in 0..<s.tokens.count {
                var parts: [String] = []
                for j in i..<min(s.tokens.count, i + maxLength) {
                    guard s.tags[j] == "O" else { break }
                    parts.append(s.tokens[j])
                    let key = parts.joined(separator: " ")
                    if typeVotes[key] != nil { untagged[key, default: 0] += 1 }
                }
            }
        }
        var lists = DerivedLists()
        let tagged = order.map { s in (s, typeVotes[s]!.values.reduce(0, +)) }
        // Sorted by frequency, ties in order of first appearance (stable sort).
        for (surface, n) in tagged.enumerated().sorted(by: { $0.element.1 != $1.element.1 ? $0.element.1 > $1.element.1 : $0.offset < $1.offset }).map(\.element) {
            guard surface.replacingOccurrences(of: " ", with: "").count >= 3 else { continue }
            if untagged[surface, default: 0] > n { lists.ambiguous.append(surface); continue }
            let votes = typeVotes[surface]!
            let type = ["PER", "LOC", "ORG"].max { votes[$0, default: 0] < votes[$1, default: 0] }!
            lists.entities.append((surface, type))
        }
        for g in givenOrder.enumerated().sorted(by: { given[$0.element]! != given[$1.element]! ? given[$0.element]! > given[$1.element]! : $0.offset < $1.offset }).map(\.element) {
            guard !particles.contains(g), hasArabicLetter(g) else { continue }
            let folded = normalizer.normalize(g)
            let outside = foldedOutside[folded, default: 0], all = foldedCount[folded, default: 0]
            if all > 0, Double(outside) / Double(all) > 0.8 { continue }
            lists.givenNames.append(g)
        }
        let named = Set(lists.entities.map(\.surface)).union(lists.givenNames)
        var seen = Set<String>()
        for s in sentences {
            for t in s.tokens where seen.insert(t).inserted {
                if tokenCount[t]! >= 2, tokenInEntity[t] == nil, !named.contains(t), hasArabicLetter(t) {
                    lists.vocabulary.append(t)
                }
            }
        }
        lists.vocabulary.sort()
        return lists
    }

    /// Writes the lists as the three TSV files into `directory` (to evaluate on a held-out part
    /// of the corpus with lists that never saw it).
    public static func write(_ lists: DerivedLists, to directory: String) throws {
        let header = "# Derived in memory by wasim train --lists-out (TrainSplitLists.derive); see Gazetteers/train-split-*.tsv.\n"
        let files: [(String, [String])] = [
            (Self.files[0], lists.entities.map { "\($0.surface)\t\($0.type)" } + lists.ambiguous.map { "\($0)\tAMBIGUOUS" }),
            (Self.files[1], lists.givenNames.map { "\($0)\tGIVEN_NAME" }),
            (Self.files[2], lists.vocabulary.map { "\($0)\tVOCAB" }),
        ]
        for (name, lines) in files {
            let path = directory + "/" + name
            guard FileManager.default.createFile(atPath: path, contents: Data((header + lines.joined(separator: "\n") + "\n").utf8)) else {
                throw WasimError.data("\(path): cannot write")
            }
        }
    }

    /// The given names (`GIVEN_NAME`) of the data's lists other than the `train-split-*` files:
    /// what `derive` asks whether a glued first token's rest is a name. Read by the gazetteer's
    /// own loader (and its folder cache), so that the list format has one parser.
    public static func curatedGivenNames(options: PipelineOptions) throws -> CuratedGivenNames {
        guard options.defaultGazetteers else { return CuratedGivenNames(gazetteer: nil) }
        let directory = try DefaultPipeline.dataDirectory(options.dataDirectory) + "/Gazetteers"
        return CuratedGivenNames(gazetteer: try Gazetteer.load(directory: directory, normalizer: options.normalizer))
    }

    /// What the shipped `train-split-*` files dropped from `whole` (the lists derived from the whole
    /// corpus): entries removed by hand or by the audits, as their headers say. Keys are the
    /// normalized surface and the type. The jackknife drops them from each fold's lists too, so that
    /// a lookup means at training time what it means when tagging.
    public static func droppedFromShipped(_ whole: DerivedLists, options: PipelineOptions) throws -> Set<String> {
        guard options.defaultGazetteers else { return [] }
        let directory = try DefaultPipeline.dataDirectory(options.dataDirectory) + "/Gazetteers"
        func key(_ surface: String, _ type: String) -> String { options.normalizer.normalize(surface) + "\t" + type }
        var shipped = Set<String>()
        for name in files {
            guard let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                if fields.count >= 2 { shipped.insert(key(String(fields[0]), String(fields[1]))) }
            }
        }
        guard !shipped.isEmpty else { return [] }
        let derived = whole.entities.map { key($0.surface, $0.type) } + whole.ambiguous.map { key($0, "AMBIGUOUS") }
            + whole.givenNames.map { key($0, "GIVEN_NAME") } + whole.vocabulary.map { key($0, "VOCAB") }
        return Set(derived.filter { !shipped.contains($0) })
    }

    /// `lists` without the entries `droppedFromShipped` names.
    public static func dropping(_ dropped: Set<String>, from lists: DerivedLists, normalizer: Normalizer) -> DerivedLists {
        guard !dropped.isEmpty else { return lists }
        func kept(_ surface: String, _ type: String) -> Bool { !dropped.contains(normalizer.normalize(surface) + "\t" + type) }
        var out = lists
        out.entities = lists.entities.filter { kept($0.surface, $0.type) }
        out.ambiguous = lists.ambiguous.filter { kept($0, "AMBIGUOUS") }
        out.givenNames = lists.givenNames.filter { kept($0, "GIVEN_NAME") }
        out.vocabulary = lists.vocabulary.filter { kept($0, "VOCAB") }
        return out
    }

    /// The default lists with the `train-split-*` files replaced by `lists` (same file names and
    /// priority, so that features naming a list mean the same thing at training and tagging time).
    public static func gazetteer(replacingWith lists: DerivedLists, options: PipelineOptions) throws -> Gazetteer {
        var builder = GazetteerBuilder(normalizer: options.normalizer)
        if options.defaultGazetteers {
            let directory = try DefaultPipeline.dataDirectory(options.dataDirectory) + "/Gazetteers"
            let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tsv") }.sorted()
            for name in names {
                if files.contains(name) {
                    // Keep the file's place in the order, and its priority.
                    switch name {
                    case files[0]:
                        for e in lists.entities { try? builder.add(e.surface, type: e.type, file: name, priority: 10) }
                        for a in lists.ambiguous { try? builder.add(a, type: "AMBIGUOUS", file: name, priority: 10) }
                    case files[1]:
                        for g in lists.givenNames { try? builder.add(g, type: "GIVEN_NAME", file: name, priority: 10) }
                    default:
                        for v in lists.vocabulary { try? builder.add(v, type: "VOCAB", file: name, priority: 10) }
                    }
                } else {
                    try builder.load(path: directory + "/" + name, name: name)
                }
            }
        }
        for path in options.gazetteerFiles {
            try builder.load(path: path, name: (path as NSString).lastPathComponent, defaultPriority: 30)
        }
        return builder.build()
    }
}
