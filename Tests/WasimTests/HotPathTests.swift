import Testing
@testable import Wasim
@testable import WasimBatch

/// The fast paths of issue 14 against the plain code they replace: same bytes, same forms.
@Suite struct HotPathTests {
    @Test func normalizationTableAgreesWithFoldForEveryCodeUnit() {
        for ta in [false, true] {
            let n = Normalizer(foldTaMarbuta: ta)
            Normalizer.arabicBlockTables[ta ? 1 : 0].withUnsafeBufferPointer { table in
                var out = [UInt16](repeating: 0, count: 4)
                for u in 0...0xFFFF where !Normalizer.needsNFKC(UInt16(u)) && !UTF16.isLeadSurrogate(UInt16(u)) {
                    let unit = [UInt16(u)]
                    let fast: [UInt16] = unit.withUnsafeBufferPointer { units in
                        out.withUnsafeMutableBufferPointer { dst in
                            let (count, _) = n.normalize(units, to: dst.baseAddress!, table: table.baseAddress!)!
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
        #expect(Condition.splitConditions("word&\"a&b\"&/x&y/&!@LOC") == ["word", "\"a&b\"", "/x&y/", "!@LOC"])
    }
}
