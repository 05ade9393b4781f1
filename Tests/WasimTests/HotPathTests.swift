import Foundation
import Testing
@testable import Wasim
@testable import WasimBatch

/// The fast paths of issue 14 against the plain code they replace: same bytes, same forms.
@Suite struct HotPathTests {
    @Test func normalizationTableAgreesWithFoldForEveryCodeUnit() {
        for ta in [false, true] {
            let n = Normalizer(foldTaMarbuta: ta)
            Normalizer.lowTables[ta ? 1 : 0].withUnsafeBufferPointer { table in
                var out = [UInt16](repeating: 0, count: 4)
                for u in 0...0xFFFF where !Normalizer.needsNFKC(UInt16(u)) && !UTF16.isLeadSurrogate(UInt16(u)) {
                    let unit = [UInt16(u)]
                    let fast: [UInt16] = unit.withUnsafeBufferPointer { units in
                        out.withUnsafeMutableBufferPointer { dst in
                            let (count, _) = n.normalize(units, to: dst.baseAddress!, lowTable: table.baseAddress!)!
                            return Array(dst[0..<count])
                        }
                    }
                    let plain = n.fold(UInt16(u)).map { [$0] } ?? []
                    if fast != plain {
                        Issue.record("U+\(String(u, radix: 16)) with foldTaMarbuta \(ta): \(fast) instead of \(plain)")
                        return
                    }
                }
            }
        }
    }

    /// The normalization stage's table (U+0000–U+06FF) and the test before it (the general path
    /// for NFKC and surrogates, format characters dropped) against `fold`, for every code unit.
    @Test func normalizationStageFoldAgreesWithFoldForEveryCodeUnit() {
        for ta in [false, true] {
            let n = Normalizer(foldTaMarbuta: ta)
            Normalizer.lowTables[ta ? 1 : 0].withUnsafeBufferPointer { table in
                for u in 0...0xFFFF {
                    let unit = UInt16(u)
                    let fast = Normalizer.foldFast(unit, lowTable: table.baseAddress!)
                    if Normalizer.needsNFKC(unit) || UTF16.isLeadSurrogate(unit) {
                        if fast != nil { Issue.record("U+\(String(u, radix: 16)) stays on the fast path"); return }
                        continue
                    }
                    let plain = n.fold(unit) ?? Normalizer.droppedUnit
                    if fast != plain {
                        Issue.record("U+\(String(u, radix: 16)) with foldTaMarbuta \(ta): \(String(describing: fast)) instead of \(plain)")
                        return
                    }
                }
            }
        }
    }

    /// The stage's forms, origins and hashes against `normalize(_:into:)` over random tokens of
    /// Arabic letters, harakat, tatweel, ASCII, format characters and a presentation form.
    @Test func normalizationStageFormsAndOriginsAgreeWithThePlainPath() {
        let n = Normalizer()
        let alphabet: [UInt16] = [0x0627, 0x0628, 0x0644, 0x0648, 0x0629, 0x0623, 0x0649, 0x064E, 0x0651, 0x0640, 0x0670,
                                  0x41, 0x31, 0x0661, 0x06F5, 0x00AD, 0x200F, 0x066B, 0x06A9, 0x06CC]
        var random = SplitMix(state: 0x5EED_0014)
        Normalizer.lowTables[1].withUnsafeBufferPointer { table in
            var dst = [UInt16](repeating: 0, count: 64)
            for _ in 0..<20_000 {
                let units = (0..<(random.next() % 12)).map { _ in alphabet[random.next() % alphabet.count] }
                var plain = ContiguousArray<UInt16>()
                let plainOrigins = units.withUnsafeBufferPointer { n.normalize($0, into: &plain) }
                let fast = units.withUnsafeBufferPointer { u in
                    dst.withUnsafeMutableBufferPointer { n.normalizeHashing(u, to: $0.baseAddress!, lowTable: table.baseAddress!) }
                }
                guard let (count, origins, hash) = fast else { Issue.record("\(units): left the fast path"); return }
                let form = Array(dst[0..<count])
                if form != Array(plain) || origins != plainOrigins || hash != plain.withUnsafeBufferPointer({ Normalizer.hash($0) }) {
                    Issue.record("\(units): \(form) \(origins) against \(Array(plain)) \(plainOrigins)")
                    return
                }
            }
        }
    }

    @Test func procliticLetterTestIsProclitics() {
        for u in 0...0xFFFF {
            #expect(Normalization.startsWithProclitic(UInt16(u)) == (Proclitics(letter: UInt16(u)) != nil), "U+\(String(u, radix: 16))")
        }
    }

    @Test func normalizationStageKeepsFormsAndHashesAcrossNFKC() throws {
        // A presentation form (ﻻ, U+FEFB) sends its token through NFKC; the rest stays on the
        // fast path, and every form is what `Normalizer.normalize` gives for the token alone.
        // A tag character (U+E0001, a format character beyond the BMP) leaves the fast path too.
        let doc = try Pipeline.tokenizer().tag("قالَ ﻻ بدّ من الإصلاح في عمان\u{E0001}")
        #expect(doc.tokens.map { doc.normalizedText(of: $0) } == ["قال", "لا", "بد", "من", "الاصلاح", "في", "عمان"])
        for t in doc.tokens {
            #expect(t.hash == Normalizer().key(doc.text(of: t)))
        }
    }

    @Test func recordBytesAreTheEntityStringsJoined() {
        // Quotes, a backslash, controls, a lone surrogate (U+FFFD in the output), a pair
        // (an emoji) and Arabic: the byte writer must give exactly what the String path gives.
        let text = "قال \"زيد\"\\\t\n\u{1}x \u{1F600} بيروت"
        var units = Array(text.utf16)
        units.append(0xD800)
        units += Array(" عمان".utf16)
        let doc = Document(text: String(decoding: units, as: UTF16.self), path: "a/\"b\".txt", id: "7")
        // The Document made from a String holds U+FFFD already; rebuild it from raw units.
        let raw = Document(utf16: ContiguousArray(units), path: "a/\"b\".txt", id: "7")
        let n = Int32(units.count)
        for d in [doc, raw] {
            var e1 = Entity(type: .person, start: 0, end: 12, tokens: 0..<1, source: "rule:x\"y")
            e1.id = "id\\1"
            var e2 = Entity(type: .numericRange, start: 12, end: Int32(d.utf16.count), tokens: 1..<2, source: "numeric-ranges")
            e2.low = 2.5
            e2.high = 3
            e2.unit = "مليون"
            d.entities = [e1, e2, Entity(type: .location, start: n - 4, end: n, tokens: 2..<3, source: "gazetteer:cities.tsv")]
                .filter { $0.end <= Int32(d.utf16.count) }
            let expected = "{\"id\": " + WasimJSON.quote("7") + ", \"path\": " + WasimJSON.quote("a/\"b\".txt")
                + ", \"entities\": [" + d.entities.map { WasimJSON.entity($0, in: d) }.joined(separator: ", ") + "]}"
            #expect(WasimJSON.record(d) == expected)
        }
    }

    @Test func quotedStringsMatchTheStringPathWhereverTheEscapeFalls() {
        // The byte writer copies runs that need no escape eight bytes at a time: put each
        // character that needs one (and bytes of Arabic, above 0x7F) at every offset of a word.
        let specials: [Character] = ["\"", "\\", "\n", "\t", "\u{1}", "\u{1F}", "ب", " ", "~", "\u{7F}"]
        for special in specials {
            for at in 0..<20 {
                var chars = Array(repeating: Character("x"), count: 19)
                chars.insert(special, at: min(at, chars.count))
                let s = String(chars) + "/مسار"
                var w = ByteWriter(capacity: 8)
                w.quoted(s)
                var bytes: [UInt8] = []
                w.finish(into: &bytes)
                #expect(String(decoding: bytes, as: UTF8.self) == WasimJSON.quote(s), "\(special) at \(at)")
            }
        }
    }

    @Test func decoderSaysWhetherTheTextHoldsSurrogates() throws {
        for (text, surrogates) in [("قال محمد", false), ("x \u{1F600} y", true), ("\u{10000}", true), ("\u{FFFF}", false)] {
            let bytes = Array(text.utf8)
            let doc = try DocumentDecoder.document(from: bytes)
            #expect(Array(doc.utf16) == Array(text.utf16))
            // Offsets count code points: an emoji is one, though two UTF-16 units.
            let n = Int32(doc.utf16.count)
            #expect(doc.codePointOffset(n) == text.unicodeScalars.count)
            #expect((doc.codePointOffset(n) != Int(n)) == surrogates)
        }
        // Lossy decoding writes U+FFFD, never a surrogate.
        let lossy = try DocumentDecoder.document(from: [0x61, 0xF0, 0x9F, 0x62], lossy: true)
        #expect(lossy.codePointOffset(Int32(lossy.utf16.count)) == lossy.utf16.count)
        // A NUL is found past a byte-order mark and counted from the file's first byte.
        #expect(throws: WasimError.input("binary content (NUL byte at byte 4)")) {
            try DocumentDecoder.document(from: [0xEF, 0xBB, 0xBF, 0x61, 0x00, 0x62])
        }
    }

    @Test func rulesKnowTheTextsEveryMatchConsumes() throws {
        let g = try ruleTestGazetteer()
        func required(_ pattern: String) throws -> [UInt64] {
            try RuleSet.parse("rule r\n  type: ORG\n  pattern: \(pattern)\n", file: "t.rules", gazetteer: g)[0].code.requiredTexts
        }
        let n = g.normalizer
        // A later text is preferred to the first; an alternation of exact texts is their union.
        #expect(try required(#"@TITLE ["القاعدة"&clitic:و]"#) == [n.key("القاعدة")])
        #expect(try required(#"("أ" | "ب") [word] ('«' | '"')"#) == [n.key("«"), n.key("\"")].sorted())
        #expect(try required(#"["أ" ("ب" | word)]"#) == [n.key("أ")])
        // Optional or one of two branches without a text: nothing is required.
        #expect(try required(#"[word "س"?]"#) == [])
        #expect(try required(#"[word ("س" | @LOC)]"#) == [])
    }

    /// The prefilters are derived from each compiled rule: where a match can start (lists and
    /// texts of the conditions reachable before the first token is consumed; nil when one of them
    /// tests no list or text, as a negation does) and the lists every match consumes.
    @Test func rulesKnowWhereTheyCanStartAndTheListsEveryMatchNeeds() throws {
        let g = try ruleTestGazetteer()
        func rule(_ pattern: String) throws -> Rule {
            try RuleSet.parse("rule r\n  type: LOC\n  pattern: \(pattern)\n", file: "t.rules", gazetteer: g)[0]
        }
        func bit(_ list: String) throws -> UInt64 { 1 << UInt64(try #require(g.typeID(list))) }
        let title = try bit("TITLE"), loc = try bit("LOC"), common = try bit("COMMON")
        let qala = g.normalizer.key("قال")
        struct Filters: Equatable {
            var startLists: UInt64?
            var startTexts: [UInt64]
            var required: UInt64
            var firsts: Int
        }
        func filters(_ pattern: String) throws -> Filters {
            let r = try rule(pattern)
            return Filters(startLists: r.startLists, startTexts: r.code.startTexts.hashes, required: r.code.requiredLists,
                           firsts: r.code.firstConditionCount)
        }
        #expect(try filters("@TITLE [word]") == Filters(startLists: title, startTexts: [], required: title, firsts: 1))
        // An optional or repeated first element: the element after it can start a match too.
        #expect(try filters("@TITLE? [@LOC]") == Filters(startLists: title | loc, startTexts: [], required: loc, firsts: 2))
        #expect(try filters("@TITLE* [@LOC]") == Filters(startLists: title | loc, startTexts: [], required: loc, firsts: 2))
        #expect(try filters("(@TITLE | @LOC)+ [word]") == Filters(startLists: title | loc, startTexts: [], required: 0, firsts: 2))
        // Alternatives: a list or a text; each alternative pattern of a rule counts.
        #expect(try filters(#"("قال" | @TITLE) [word]"#) == Filters(startLists: title, startTexts: [qala], required: 0, firsts: 2))
        #expect(try filters(#""قال"&clitic [word]"#) == Filters(startLists: 0, startTexts: [qala], required: 0, firsts: 1))
        #expect(try rule("@TITLE [word]\n  pattern: [@LOC]").startLists == title | loc)
        // A negated list, or a condition without a list or a text, can start anywhere; a negation
        // is never required.
        #expect(try filters("!@COMMON [@LOC]") == Filters(startLists: nil, startTexts: [], required: loc, firsts: 1))
        #expect(try filters("[word @LOC&!@COMMON]") == Filters(startLists: nil, startTexts: [], required: loc, firsts: 1))
        #expect(try filters("(@TITLE | word) [@LOC]") == Filters(startLists: nil, startTexts: [], required: loc, firsts: 2))
        // Two lists over the same tokens: the first is the start, both are required.
        #expect(try filters("[@LOC&@COMMON]") == Filters(startLists: loc, startTexts: [], required: loc | common, firsts: 1))
        // Required only when on every path: one branch of an alternation is not enough.
        #expect(try filters("[@LOC (@TITLE | word)]") == Filters(startLists: loc, startTexts: [], required: loc, firsts: 1))
        #expect(try filters("[@LOC (@TITLE | @TITLE&@COMMON)]") == Filters(startLists: loc, startTexts: [], required: loc | title, firsts: 1))
    }

    @Test func rulesWithAnOptionalOrAlternativeFirstElementStillFire() throws {
        // Each fires where its first element is absent or is the second alternative.
        let optional = "rule r\n  type: LOC\n  pattern: @TITLE? [@LOC]\n"
        #expect(try runRules(optional, on: "زار العراق أمس") == ["LOC العراق"])
        #expect(try runRules(optional, on: "قال الرئيس العراق") == ["LOC العراق"])
        let starred = "rule r\n  type: LOC\n  pattern: @TITLE* [@LOC]\n"
        #expect(try runRules(starred, on: "زار العراق أمس") == ["LOC العراق"])
        let alternative = "rule r\n  type: PER\n  pattern: (\"قال\" | @TITLE) [word&!@COMMON]\n"
        #expect(try runRules(alternative, on: "قال زيد في بيان. ثم الرئيس عمرو في بيان") == ["PER زيد", "PER عمرو"])
        let negated = "rule r\n  type: LOC\n  pattern: !@COMMON [@LOC]\n"
        #expect(try runRules(negated, on: "زار العراق. في العراق") == ["LOC العراق"])
        let patterns = "rule r\n  type: LOC\n  pattern: @TITLE [word]\n  pattern: [@LOC]\n"
        #expect(try runRules(patterns, on: "زار العراق") == ["LOC العراق"])
    }

    @Test func aSentenceWithoutARequiredTextIsSkippedAndOneWithItStillMatches() throws {
        let qaeda = """
            rule qaeda
              type: ORG
              pattern: @TITLE ["القاعدة"&clitic:و]
            """
        // The text is found through the proclitic reading of والقاعدة.
        #expect(try runRules(qaeda, on: "قال الرئيس والقاعدة. قال الرئيس والعراق") == ["ORG القاعدة"])
        let quoted = """
            rule quoted
              type: ORG
              pattern: @TITLE '«' [word] '»'
            """
        #expect(try runRules(quoted, on: "قال الرئيس « زيد » أمس. قال الرئيس « عمرو أمس") == ["ORG زيد"])
    }

    @Test func inputOrderIsByteOrder() {
        #expect(InputWalker.bytewise("a", "b"))
        #expect(InputWalker.bytewise("a", "ab"))
        #expect(!InputWalker.bytewise("ab", "a"))
        #expect(!InputWalker.bytewise("a", "a"))
        // z (7A) before é (C3 A9); e + combining acute (65 CC 81) before é, though Swift's `<`
        // finds the two equal.
        #expect(InputWalker.bytewise("z", "é"))
        #expect(InputWalker.bytewise("e\u{301}", "\u{E9}"))
        #expect(["ب.txt", "b.txt", "a.txt", "B.txt"].sorted(by: InputWalker.bytewise) == ["B.txt", "a.txt", "b.txt", "ب.txt"])
        #expect(InputWalker.stripExtension("x/y.z/article.txt") == "x/y.z/article")
        #expect(InputWalker.stripExtension("dir.v2/.hidden") == "dir.v2/.hidden")
        #expect(InputWalker.stripExtension("مقال.txt") == "مقال")
    }

    @Test func sourceRankReadsPrefixes() {
        #expect(ConflictResolution.sourceRank("rule:org-designator-name") == 3)
        #expect(ConflictResolution.sourceRank("gazetteer:cities.tsv") == 2)
        #expect(ConflictResolution.sourceRank("propagation:زيد@4") == 0)
        #expect(ConflictResolution.sourceRank("numeric-ranges") == 1)
        #expect(ConflictResolution.sourceRank("rule") == 1)
        #expect(ConflictResolution.sourceRank("") == 1)
    }

    @Test func ruleSyntaxTrimsLikeFoundation() {
        #expect(" \tقال \u{A0}".trimmingBlanks() == "قال")
        #expect("\u{2003}a b\t".trimmingBlanks() == "a b")
        #expect("  ".trimmingBlanks() == "")
        // The byte test in front: ends that are plainly no blank, and ends it leaves to the scalars.
        for text in ["", "a", "قال", "a قال", "قال\u{A0}", "\u{A0}قال", "ق ", " ق", "a\u{2003}", "\u{3000}b", "é", "\t", "x\u{301}",
                     "\u{0600}", "ۥ", "a\u{205F}\u{205F}"] {
            let scalars = text.unicodeScalars
            func blank(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" || s.properties.generalCategory == .spaceSeparator }
            let plain = scalars.firstIndex(where: { !blank($0) }).map { String(scalars[$0...scalars.lastIndex(where: { !blank($0) })!]) } ?? ""
            #expect(text.trimmingBlanks() == plain && text[...].trimmingBlanks() == plain, "\(Array(scalars))")
        }
        #expect(Condition.splitConditions("word&\"a&b\"&/x&y/&!@LOC") == ["word", "\"a&b\"", "/x&y/", "!@LOC"])
        #expect(Condition.splitConditions("\"حزب\"&!clitic&") == ["\"حزب\"", "!clitic", ""])
        #expect(RuleParser.arrowParts("قال زيد => PER زيد") == ["قال زيد ", " PER زيد"])
        #expect(RuleParser.arrowParts("a=>>b==>c") == ["a", ">b=", "c"])
        #expect(RuleParser.arrowParts("") == [""])
    }

    /// The byte test in front of the Character walk says what the walk says, for each kind of
    /// whitespace scalar (ASCII, two bytes, three bytes) and for texts that only share a lead
    /// byte with one (a zero-width non-joiner, U+200C, is no whitespace).
    @Test func hasWhitespaceAgreesWithCharacters() {
        let texts = ["حزب", "", "a b", "a\tb", "\r\n", "a\u{85}", "\u{A0}", "\u{1680}", "x\u{2003}", "\u{2028}", "\u{205F}",
                     "\u{3000}", "ب\u{200C}ت", "é", "\u{E000}", "ا\u{0651}"]
        for text in texts { #expect(Condition.hasWhitespace(text) == text.contains(where: \.isWhitespace), "\(Array(text.unicodeScalars))") }
        #expect(Condition.hasWhitespace("حزب") == false)
        #expect(Condition.hasWhitespace("ب\u{200C}ت") == false)
        #expect(Condition.hasWhitespace("a\u{85}") == true)
    }

    /// What the compiler merges into one text set and how it sizes an alternation.
    @Test func quotedHeadReadsTheFirstCondition() {
        let h = Condition.quotedHead("\"حزب\"&!clitic&word")
        #expect(h?.word == "حزب" && h?.rest == "!clitic&word" && h?.tail == "&!clitic&word" && h?.innerQuote == false)
        let bare = Condition.quotedHead("\"جيش\"")
        #expect(bare?.word == "جيش" && bare?.rest == "" && bare?.tail == "" && bare?.innerQuote == false)
        let trailing = Condition.quotedHead("\"a\"&")
        #expect(trailing?.rest == "" && trailing?.tail == "&")
        #expect(Condition.quotedHead("\"a&b\"&x")?.word == "a&b")
        #expect(Condition.quotedHead("\"\"\"")?.innerQuote == true)
        let noTail = Condition.quotedHead("\"حزب\"&!clitic", tail: false)
        #expect(noTail?.word == "حزب" && noTail?.rest == "!clitic" && noTail?.tail == "")
        #expect(Condition.quotedTail("\"حزب\"&!clitic") == "&!clitic" && Condition.quotedTail("\"جيش\"") == "" && Condition.quotedTail("word") == nil)
        for text in ["word&\"a\"", "\"\"", "\"a\"b", "'a'", "\"a", "\"a\"x&\"b\""] { #expect(Condition.quotedHead(text) == nil) }
    }

    /// The byte test for `"…"` and `!"…"` parts gives what the Character tests give, and
    /// leaves to them the parts whose quotes a neighbouring scalar could join.
    @Test func plainlyQuotedAgreesWithTheCharacterTests() {
        func characters(_ part: String) -> (negated: Bool, text: String)? {
            let negated = part.first == "!"
            let body = negated ? part.dropFirst() : part[...]
            guard body.first == "\"", body.last == "\"", body.count >= 3 else { return nil }
            return (negated, String(body.dropFirst().dropLast()))
        }
        let fast = ["\"قال\"", "!\"الذي\"", "\"a\"", "!\"a\"", "\"\"\"", "\"a b\"", "\"ة\"", "!\"يى\"", "\"غف\"", "\"a\"b\""]
        let slow = ["\"قالَ\"", "\"َقال\"", "\"ق\u{0600}\"", "\"\u{0600}ق\"", "\"ـ\"", "\"\u{301}a\"", "\"é\"", "\"\"", "!\"\"",
                    "\"a", "a\"", "word", "!word", "\"ق\u{200D}\"", "\"\u{1F1EB}\u{1F1F7}\""]
        for part in fast {
            let f = Condition.plainlyQuoted(part), c = characters(part)
            #expect(f != nil && f?.negated == c?.negated && f?.text == c?.text, "\(part)")
        }
        for part in slow { #expect(Condition.plainlyQuoted(part) == nil, "\(part)") }
        // Where the quotes do join a neighbour, the Character tests see no quoted text at all.
        #expect(characters("\"قال\u{64E}\"") != nil && characters("\"\u{64E}قال\"") == nil && characters("\"ق\u{0600}\"") == nil)
    }

    /// The parser's Characters, found mostly from bytes, are String's.
    @Test func patternParserFindsStringsCharacters() {
        for text in ["word \"قال\" @PER+", "\"قالَ\" | \"الجيشُ\"&!clitic", "[@GIVEN_NAME]:PER \"e\u{301}\" x",
                     "\"\u{0600}١\" 👨‍👩‍👧 🇫🇷 a\tb", "ـــ \"ق\u{200D}\" (\"a\"|\"b\"){1,3}", ""] {
            let parser = PatternParser(text, columnOffset: 0)
            let offsets = text.indices.map { text.utf8.distance(from: text.startIndex, to: $0) } + [text.utf8.count]
            #expect(parser.offsets == offsets, "\(text)")
            #expect(parser.bytes == text.map { $0.utf8.count == 1 ? $0.utf8.first! : 0xFF }, "\(text)")
            #expect((0..<text.count).map(parser.character) == Array(text), "\(text)")
        }
    }

    /// Groups by `String` equality, canonical equivalence included, whatever the bytes.
    @Test func stringGroupsFollowStringEquality() {
        var groups = StringGroups()
        #expect(groups.group("").index == 0 && groups.group("").isNew == false)
        #expect(groups.group("!clitic") == (1, true))
        #expect(groups.group("\u{e9}") == (2, true))
        #expect(groups.group("e\u{301}") == (2, false))
        #expect(groups.group("e\u{301}") == (2, false))
        #expect(groups.group("!clitic") == (1, false))
        #expect(groups.count == 3)
    }

    @Test func textSetAnswersMembersZeroAndCollisions() {
        // Keys that share their top bits land in neighbouring slots (linear probing); 0 is kept
        // apart from the empty marker; 300 keys make the table grow past its first 16 slots.
        let clustered: [UInt64] = (0..<8).map { 0xABCD_0000_0000_0000 | UInt64($0) }
        let many: [UInt64] = (1...300).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 }
        let set = TextSet(clustered + many + [0, clustered[0]])
        #expect(set.hashes.count == 8 + 300 + 1)
        #expect(set.hashes == set.hashes.sorted())
        for h in clustered + many + [0] { #expect(set.contains(h)) }
        for h: UInt64 in [1, 0xABCD_0000_0000_0008, UInt64.max, 301 &* 0x9E37_79B9_7F4A_7C15] { #expect(!set.contains(h)) }
        let empty = TextSet([])
        #expect(!empty.contains(0) && !empty.contains(42))
        #expect(TextSet([0]).contains(0))
    }

    @Test func textMasksGiveEachKeysMasksAndZeroOtherwise() {
        // Rules 0–255 (lanes 0–3), required text sets 0–255 (lanes 4–7).
        let masks = TextMasks([7: [0b101, 0b11, 0b1, 1 << 40, 0b1, 0, 0, 0], 0: [0b10, 0, 0, 0, 0, 0, 0, 0],
                               0xFFFF_0000_0000_0007: [1 << 63, 1 << 63, 1 << 63, 1 << 63, 1 << 62, 0, 0, 0],
                               9: [0, 0, 0, 0, 0, 0, 0, 0], 11: [0, 0, 0, 0, 0b100, 0, 0, 0], 13: [0, 1, 0, 0, 0, 0, 0, 0],
                               15: [0, 0, 0, 0b1000, 0, 0, 0, 0], 17: [0, 0, 0, 0, 0, 1, 1 << 9, 1 << 63]])
        #expect(masks.masks(7) == [0b101, 0b11, 0b1, 1 << 40, 0b1, 0, 0, 0])
        #expect(masks.masks(0) == [0b10, 0, 0, 0, 0, 0, 0, 0])
        #expect(masks.masks(0xFFFF_0000_0000_0007) == [1 << 63, 1 << 63, 1 << 63, 1 << 63, 1 << 62, 0, 0, 0])
        #expect(masks.masks(9) == [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(masks.masks(11) == [0, 0, 0, 0, 0b100, 0, 0, 0])
        #expect(masks.masks(13) == [0, 1, 0, 0, 0, 0, 0, 0])
        #expect(masks.masks(15) == [0, 0, 0, 0b1000, 0, 0, 0, 0])
        #expect(masks.masks(17) == [0, 0, 0, 0, 0, 1, 1 << 9, 1 << 63])
        #expect(masks.masks(8) == [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(TextMasks([:]).masks(0) == [0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func tokenTrieFindsEveryChildAfterGrowing() {
        // From 16 slots to 4,096: every child keeps its node number, and a missing step is nil.
        var trie = TokenTrie(capacity: 4)
        var expected: [(UInt32, UInt64, UInt32)] = []
        var parent: UInt32 = 0
        for k in 0..<1500 {
            let key = UInt64(k % 37 + 37 * k) &* 0xBF58_476D_1CE4_E5B9
            let child = trie.insert(parent, key)
            expected.append((parent, key, child))
            parent = k % 5 == 4 ? 0 : child
        }
        #expect(trie.nodeCount == 1501)
        #expect(trie.count == 1500)
        for (p, key, child) in expected {
            #expect(trie.child(p, key) == child)
            #expect(trie.insert(p, key) == child)
        }
        #expect(trie.nodeCount == 1501)
        #expect(trie.child(0, 12345) == nil)
        #expect(trie.child(1_000_000, expected[0].1) == nil)
        // The nodes with children are exactly the parents inserted under.
        let parents = Set(expected.map(\.0))
        trie.withTable { table in
            for node in 0..<trie.nodeCount where table.hasChildren(node) != parents.contains(node) {
                Issue.record("node \(node): hasChildren \(table.hasChildren(node))")
            }
        }
    }

    @Test func terminalInfoMatchesTheEntryArrays() throws {
        var b = GazetteerBuilder()
        try b.add("عمان", type: "LOC", file: "a.tsv", priority: 40)
        try b.add("عمان", type: "ORG", file: "b.tsv", priority: 20, userFirst: true)
        try b.add("جدة", type: "LOC", file: "a.tsv", priority: 40)
        try b.add("بيت لحم", type: "LOC", file: "c.tsv", priority: 5)
        let g = b.build()
        #expect(g.terminalInfo.count == 4)
        for (k, t) in g.terminalInfo.enumerated() {
            let e = Int(t.entry)
            #expect(t.entry == g.terminals[k])
            #expect(t.type == g.entryType[e])
            #expect(t.endsInTaMarbuta == g.entryEndsInTaMarbuta[e])
            #expect(t.userFirst == g.userFirst(t.entry))
            #expect(Int(t.priority) == g.priority(ofEntry: t.entry))
        }
        let byEntry = Dictionary(uniqueKeysWithValues: g.terminalInfo.map { (Int($0.entry), $0) })
        #expect(byEntry[1]!.userFirst && byEntry[1]!.priority == 20 && byEntry[1]!.type == 1)
        #expect(byEntry[2]!.endsInTaMarbuta && !byEntry[0]!.endsInTaMarbuta)
        #expect(byEntry[3]!.priority == 5 && byEntry[3]!.type == 2)
    }

    @Test func closuresListWhatTheWalkReaches() {
        // [a b?]: open 0, consume a, split (consume b | close), close 0, match.
        let program: [Instruction] = [.open(0), .consume(0), .split(3, 4), .consume(1), .close(0), .match]
        let (starts, steps) = RuleCode.closures(program)
        #expect(starts == [0, 1, 1, 3, 3, 4, 4])
        #expect(steps == [
            ClosureStep(pc: 1, setToPosition: 0b001, setToNone: 0b010),  // from 0: the capture opens, then a
            ClosureStep(pc: 3, setToPosition: 0, setToNone: 0),  // after a: b first (the split's first branch)
            ClosureStep(pc: 5, setToPosition: 0b100, setToNone: 0),  // or the capture closes and the rule matches
            ClosureStep(pc: 5, setToPosition: 0b100, setToNone: 0),  // after b
        ])
        // 400 optional tokens in a row: closures of 401, 400, … steps, past the limit.
        var chain: [Instruction] = []
        for k in 0..<400 { chain += [.split(2 * k + 1, 2 * k + 2), .consume(0)] }
        chain.append(.match)
        #expect(RuleCode.closures(chain).starts.isEmpty)
        // Ten: 11 steps from the start, 11 - j after the j-th token, 1 after the last.
        var short: [Instruction] = []
        for k in 0..<10 { short += [.split(2 * k + 1, 2 * k + 2), .consume(0)] }
        short.append(.match)
        #expect(RuleCode.closures(short).steps.count == 11 + (2...10).reduce(0, +) + 1)
    }

    @Test func rulesFollowingClosuresFindWhatTheWalkFinds() throws {
        let options = PipelineOptions(dataDirectory: repositoryRoot.path)
        let g = try DefaultPipeline.loadGazetteer(options)
        let rules = try DefaultPipeline.loadRules(options, gazetteer: g)
        #expect(rules.rules.allSatisfy { $0.code.hasClosures })
        let texts = try String(contentsOfFile: newsFixture, encoding: .utf8).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["text"] as! String
        }
        #expect(texts.count > 100)
        func candidates(walking: Bool) throws -> [[String]] {
            let p = try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g), RuleMatching(rules, gazetteer: g, walking: walking)])
            return try texts.map { text in
                try p.tag(text).candidates.map { "\($0.type) \($0.start) \($0.end) \($0.tokens) \($0.source) \($0.priority)" }
            }
        }
        let fast = try candidates(walking: false), walked = try candidates(walking: true)
        #expect(fast == walked)
        #expect(fast.joined().filter { $0.contains("rule:") }.count > 200)
    }
}
