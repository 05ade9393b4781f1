import Testing
import Foundation
@testable import Wasim
@testable import WasimBatch
@testable import WasimEvaluation

func tokenize(_ text: String) throws -> Document {
    try Pipeline.tokenizer().tag(text)
}

func tokenTexts(_ d: Document) -> [String] { d.tokens.map { d.text(of: $0) } }

@Suite struct SegmentationTests {
    @Test func splitsProcliticFromDigits() throws {
        let d = try tokenize("قتل 5 وأصيب و23 ب2018 و١٬٥٠٠ وب12")
        #expect(tokenTexts(d) == ["قتل", "5", "وأصيب", "و", "23", "ب", "2018", "و", "١٬٥٠٠", "وب", "12"])
        #expect(d.tokens.map(\.kind) == [.word, .number, .word, .word, .number, .word, .number, .word, .number, .word, .number])
        #expect(d.tokens[4].start == 13 && d.tokens[4].end == 15)
    }

    @Test func splitsDigitsGluedToTheEndOfAWord() throws {
        // A results table: `المنستيري6 نقاط`. Latin letters and digits stay one token.
        let d = try tokenize("الإتحاد المنستيري6 نقاط وبنزرت١٢ F16")
        #expect(tokenTexts(d) == ["الإتحاد", "المنستيري", "6", "نقاط", "وبنزرت", "١٢", "F16"])
        #expect(d.tokens.map(\.kind) == [.word, .word, .number, .word, .word, .number, .number])
        #expect(d.tokens[1].start == 8 && d.tokens[1].end == 17 && d.tokens[2].start == 17 && d.tokens[2].end == 18)
        #expect(d.normalizedText(of: d.tokens[1]) == "المنستيري")
    }

    @Test func numbersKeepTheirSeparators() throws {
        let d = try tokenize("ارتفع 2.5% و٣٫٥٪ بين 1,500 و2,000 و۱۲۳")
        #expect(tokenTexts(d) == ["ارتفع", "2.5", "%", "و", "٣٫٥", "٪", "بين", "1,500", "و", "2,000", "و", "۱۲۳"])
        #expect(d.tokens.filter { $0.kind == .number }.map { d.normalizedText(of: $0) } == ["2.5", "3.5", "1,500", "2,000", "123"])
    }

    @Test func punctuationIsItsOwnToken() throws {
        let d = try tokenize("قال «نعم»، ثم سأل: لماذا؟ يوليو/تموز \"الحرب\"؛ انتهى")
        #expect(tokenTexts(d) == ["قال", "«", "نعم", "»", "،", "ثم", "سأل", ":", "لماذا", "؟", "يوليو", "/", "تموز", "\"", "الحرب", "\"", "؛", "انتهى"])
        #expect(d.tokens[1].kind == .punctuation && d.tokens[11].kind == .punctuation)
    }

    @Test func ellipsisIsOneTokenAndAbbreviationDoesNotEndASentence() throws {
        let d = try tokenize("قال د. محمد إن الوضع صعب... ثم غادر. وعاد أمس")
        #expect(tokenTexts(d) == ["قال", "د", ".", "محمد", "إن", "الوضع", "صعب", "...", "ثم", "غادر", ".", "وعاد", "أمس"])
        // `د.` stays inside the first sentence; ICU ends sentences after the ellipsis and the period.
        #expect(d.sentences.map(\.tokens) == [0..<8, 8..<11, 11..<13])
        #expect(d.tokens.map(\.sentence) == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2])
    }

    @Test func closingMarkAfterASpacedStopStaysInItsSentence() throws {
        // ICU breaks after `؟ ` and `. `, before the quote or bracket that closes the quotation.
        let d = try tokenize("ندوة بعنوان \" هل تنجح ؟ \" أمس . قال « نعم . » ثم ( غادر . ) وعاد \" لا \"")
        #expect(tokenTexts(d) == ["ندوة", "بعنوان", "\"", "هل", "تنجح", "؟", "\"", "أمس", ".", "قال", "«", "نعم", ".", "»",
                                  "ثم", "(", "غادر", ".", ")", "وعاد", "\"", "لا", "\""])
        #expect(d.sentences.map(\.tokens) == [0..<7, 7..<9, 9..<14, 14..<19, 19..<23])
        #expect(d.tokens.map(\.sentence) == [0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4])
        // A straight quote after a closed quotation opens the next sentence's.
        let e = try tokenize("قال \" نعم \" . \" لا \" رد")
        #expect(e.sentences.map(\.tokens) == [0..<5, 5..<9])
    }

    @Test func fullStopGluedToTheNextWordEndsTheSentence() throws {
        // A space lost after a full stop in scraped news; abbreviations keep their stops.
        let d = try tokenize("زار الوفد تونس.ويشارك فيه مدير سي.إن.إن وكيه.إيه.بي.سي بقيمة 5 م.د فقط")
        #expect(tokenTexts(d) == ["زار", "الوفد", "تونس", ".", "ويشارك", "فيه", "مدير", "سي.إن.إن", "وكيه.إيه.بي.سي",
                                  "بقيمة", "5", "م.د", "فقط"])
        #expect(d.tokens[2...4].map(\.kind) == [.word, .punctuation, .word])
        #expect(d.tokens[3].start == 14 && d.tokens[3].end == 15)
        let s = try tokenize("زار الوفد تونس.ويشارك فيه")
        #expect(s.sentences.map(\.tokens) == [0..<4, 4..<6])
        #expect(s.tokens.map(\.sentence) == [0, 0, 0, 0, 1, 1])
        let tagged = try defaultPipeline.tag("زار الوفد تونس.ويشارك فيه")
        #expect(tagged.entities.map { tagged.text(of: $0) } == ["تونس"])
    }

    @Test func newlinesEndSentencesAndOffsetsCountCodePoints() throws {
        // An emoji is two UTF-16 units but one code point: output offsets count code points.
        let d = try tokenize("عنوان 😀\nالنص هنا")
        #expect(tokenTexts(d) == ["عنوان", "😀", "النص", "هنا"])
        #expect(d.sentences.count == 2)
        #expect(d.tokens[2].start == 9)              // UTF-16
        #expect(d.codePointOffset(d.tokens[2].start) == 8)
    }

    @Test func emptyAndSpaceOnlyTextsHaveNoTokens() throws {
        #expect(try tokenize("").tokens.isEmpty)
        #expect(try tokenize("  \n\t ").tokens.isEmpty)
    }

    /// The word break reads most words without ICU (`plain_segment` in `wasim_icu.c`): on texts
    /// of every word-break class, in any order, the tokens must be ICU's, offsets and kinds.
    @Test func plainWordsAreICUsTokens() throws {
        let segmenter = try ICUSegmenter()
        // The whole Arabic block; spaces (U+0020, U+2003, U+00A0); ASCII letters, digits and
        // punctuation (`@` and `_` among them); the punctuation `plain_segment` reads; line ends
        // (LF, CR, U+0085); format characters and joiners (ZWJ, ZWNJ, RLM, soft hyphen); a Hebrew
        // letter, katakana, a Thai word (ICU's dictionary), a pictograph, a surrogate pair and an
        // unpaired surrogate.
        var alphabet: [[UInt16]] = (0x0600...0x06FF).map { [UInt16($0)] }
        alphabet += (0x21...0x7E).map { [UInt16($0)] }
        alphabet += [[0x2003], [0xA0], [0xAB], [0xBB], [0x2013], [0x2014], [0x2018], [0x2019], [0x201C], [0x201D], [0x2026],
                     [0x0A], [0x0D], [0x85], [0x09], [0x200D], [0x200C], [0x200F], [0xAD], [0x05D0], [0x30A2],
                     [0x0E01, 0x0E32, 0x0E23], [0xA9], [0xD83D, 0xDE00], [0xDC00]]
        // Most of news: letters, spaces, a comma or a period.
        let common: [[UInt16]] = [[0x0628], [0x0627], [0x0644], [0x0645], [0x064E], [0x20], [0x20], [0x20], [0x060C], [0x2E]]
        #expect(try differingTexts(segmenter, alphabet: alphabet, common: common, seed: 0x5EED_0002, maxLength: 40, rareOneIn: 3) == 0)
    }

    /// Numbers are read without ICU too: on texts mostly of digits (all three scripts), the
    /// separators and punctuation around numbers, letters and spaces, with every other class
    /// among them, the tokens must be ICU's, offsets and kinds.
    @Test func plainNumbersAreICUsTokens() throws {
        let segmenter = try ICUSegmenter()
        var alphabet: [[UInt16]] = (0x0600...0x06FF).map { [UInt16($0)] }
        alphabet += (0x21...0x7E).map { [UInt16($0)] }
        alphabet += [[0x2003], [0xA0], [0xAB], [0xBB], [0x2013], [0x2026], [0x0A], [0x0D], [0x200D], [0x200F], [0xAD],
                     [0x05D0], [0x30A2], [0xFF11], [0x0966], [0xD83D, 0xDE00]]
        let common: [[UInt16]] = [[0x30], [0x35], [0x39], [0x0660], [0x0665], [0x06F4], [0x06F9], [0x2C], [0x2E], [0x3A],
                                  [0x27], [0x25], [0x066B], [0x066C], [0x060C], [0x2D], [0x2F], [0x5F], [0x0628], [0x0645],
                                  [0x61], [0x651], [0x20], [0x20], [0x20], [0x0A]]
        #expect(try differingTexts(segmenter, alphabet: alphabet, common: common, seed: 0x5EED_0013, maxLength: 30, rareOneIn: 4) == 0)
    }

    /// How many of 50,000 random texts (under `maxLength` pieces, one in `rareOneIn` from
    /// `alphabet`, the others from `common`) the segmenter cuts otherwise than ICU; the first three
    /// are recorded.
    func differingTexts(_ segmenter: ICUSegmenter, alphabet: [[UInt16]], common: [[UInt16]], seed: UInt64, maxLength: Int,
                        rareOneIn: Int) throws -> Int {
        var random = SplitMix(state: seed)
        func next() -> Int { random.next() }
        var differing = 0
        for _ in 0..<50_000 {
            let text = (0..<(next() % maxLength)).flatMap { _ in
                next() % rareOneIn == 0 ? alphabet[next() % alphabet.count] : common[next() % common.count]
            }
            let tokens = try text.withUnsafeBufferPointer { try segmenter.wordTokens($0) }
            if tokens.segmented != tokens.icu {
                differing += 1
                if differing <= 3 { Issue.record("\(text.map { String($0, radix: 16) }): \(tokens.segmented) against ICU's \(tokens.icu)") }
            }
        }
        return differing
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedDirectory + "/corpora/ant-news"),
                   "../shared/corpora/ant-news is absent: tokens not compared over it"))
    func plainWordsAreICUsTokensOverAntNews() throws {
        let segmenter = try ICUSegmenter()
        var differing: [String] = []
        try forEachAntNewsArticle { file, text in
            let tokens = try text.withUnsafeBufferPointer { try segmenter.wordTokens($0) }
            if tokens.segmented != tokens.icu {
                differing.append(file)
                if differing.count <= 3 {
                    let k = zip(tokens.segmented, tokens.icu).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
                    let at = Int(tokens.icu[k - k % 3])
                    Issue.record("\(file) at \(at): \(text[max(0, at - 8)..<min(text.count, at + 8)].map { String($0, radix: 16) }), \(tokens.segmented[(k - k % 3)...].prefix(9)) against ICU's \(tokens.icu[(k - k % 3)...].prefix(9))")
                }
            }
        }
        #expect(differing.isEmpty, "\(differing.count) articles, among them \(differing.prefix(3))")
    }

    /// The sentence iterator reads runs of Arabic letters, harakat and spaces as their first
    /// letter alone (`wasim_icu.c`): on texts of every sentence-break class, in any order, the
    /// sentences must end exactly where ICU's iterator over the whole text ends them.
    @Test func shortenedRunsBreakSentencesAsICUDoes() throws {
        let segmenter = try ICUSegmenter()
        // Letters (OLetter; ـ too), harakat (Extend), spaces (Sp: U+0020, U+00A0), Latin capitals
        // and small letters, digits, terminators (ATerm . and STerm ! ? ؟ ۔), closing marks,
        // SContinue (, ، - :), format characters, paragraph separators and others (؛ %).
        let alphabet: [UInt16] = [0x0628, 0x0627, 0x0644, 0x0640, 0x06A9, 0x064E, 0x0651, 0x0670, 0x20, 0x20, 0x20, 0xA0, 0x41,
                                  0x61, 0x31, 0x0661, 0x2E, 0x21, 0x3F, 0x061F, 0x06D4, 0x22, 0x29, 0xBB, 0x2C, 0x060C, 0x2D,
                                  0x3A, 0x200F, 0x061C, 0x0301, 0x0A, 0x0D, 0x2029, 0x85, 0x09, 0x061B, 0x25]
        var random = SplitMix(state: 0x5EED)
        func next() -> Int { random.next() }
        var differing = 0
        for _ in 0..<20_000 {
            // Mostly letters and spaces, as news is, with the other classes among them.
            let text = (0..<(next() % 40)).map { _ in next() % 3 == 0 ? alphabet[next() % alphabet.count] : alphabet[next() % 9] }
            let ends = try text.withUnsafeBufferPointer { try segmenter.sentenceEnds($0) }
            if ends.segmented != ends.icu {
                differing += 1
                if differing <= 3 { Issue.record("\(text.map { String($0, radix: 16) }): \(ends.segmented) against ICU's \(ends.icu)") }
            }
        }
        #expect(differing == 0)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedDirectory + "/corpora/ant-news"),
                   "../shared/corpora/ant-news is absent: sentence breaks not compared over it"))
    func shortenedRunsBreakAntNewsAsICUDoes() throws {
        let segmenter = try ICUSegmenter()
        var differing: [String] = []
        try forEachAntNewsArticle { file, text in
            let ends = try text.withUnsafeBufferPointer { try segmenter.sentenceEnds($0) }
            if ends.segmented != ends.icu { differing.append(file) }
        }
        #expect(differing.isEmpty, "\(differing.count) articles, among them \(differing.prefix(3))")
    }
}

@Suite struct NormalizationTests {
    @Test func foldsVariantsForMatchingOnly() throws {
        let text = "أَحْمَد إبراهيم آمال مستشفى مدرسة الـعـراق"
        let d = try tokenize(text)
        #expect(d.tokens.map { d.normalizedText(of: $0) } == ["احمد", "ابراهيم", "امال", "مستشفي", "مدرسه", "العراق"])
        // The original text and offsets do not change.
        #expect(d.text == text)
        #expect(tokenTexts(d) == ["أَحْمَد", "إبراهيم", "آمال", "مستشفى", "مدرسة", "الـعـراق"])
        #expect(d.tokens[0].start == 0 && d.tokens[0].end == 7)
    }

    @Test func taMarbutaFoldingIsOptional() throws {
        let d = try Pipeline([Segmentation(), Normalization(Normalizer(foldTaMarbuta: false))]).tag("مدرسة")
        #expect(d.normalizedText(of: d.tokens[0]) == "مدرسة")
    }

    @Test func presentationFormsGoThroughNFKC() throws {
        // ﻻ (U+FEFB) is the lam-alef ligature: NFKC makes it لا.
        let d = try tokenize("\u{FEFB}")
        #expect(d.normalizedText(of: d.tokens[0]) == "لا")
    }

    @Test func hashesAgreeWithNormalizerKeys() throws {
        let d = try tokenize("والعراق")
        let n = Normalizer()
        #expect(d.tokens[0].hash == n.key("والعراق"))
        #expect(d.analyses(of: d.tokens[0]).first?.hash == n.key("العراق"))
    }
}

@Suite struct ProcliticTests {
    /// Each reading as proclitics + stem (the stem as the original text has it).
    func readings(_ word: String) throws -> [String] {
        let d = try tokenize(word)
        let t = d.tokens[0]
        return d.analyses(of: t).map { "\($0.proclitics)+\(d.substring(t.start + $0.prefixLength, t.end))" }
    }

    @Test func singleProclitics() throws {
        #expect(try readings("والعراق") == ["و+العراق"])
        #expect(try readings("فسوريا") == ["ف+سوريا"])
        #expect(try readings("بغداد") == ["ب+غداد"])
        #expect(try readings("لداعش") == ["ل+داعش"])
        #expect(try readings("كالعراق") == ["ك+العراق"])
        #expect(try readings("بالعراق") == ["ب+العراق"])
    }

    @Test func kafOnlyBeforeTheArticle() throws {
        // كنيس is a synagogue, not ك + نيس (Nice); كديما is Kadima, not ك + ديما.
        #expect(try readings("كنيس") == [])
        #expect(try readings("كديما") == [])
    }

    @Test func combinedProclitics() throws {
        #expect(try readings("وبغداد") == ["و+بغداد", "وب+غداد"])
        #expect(try readings("ولداعش") == ["و+لداعش", "ول+داعش"])
        #expect(try readings("فلسوريا") == ["ف+لسوريا", "فل+سوريا"])
        #expect(try readings("وكالة") == ["و+كالة", "وك+الة"])
    }

    @Test func lamBeforeTheArticleDropsItsAlef() throws {
        // للأمم = ل + الأمم: the stem starts after the first ل and reads as الأمم.
        // It may also be ل + a word that begins with ل (للبنان = ل + لبنان); that reading comes first,
        // and ل + ال stays the last (the labeller's stem).
        let d = try tokenize("للأمم")
        let a = d.analyses(of: d.tokens[0])
        #expect(a.map(\.prefixLength) == [1, 1])
        #expect(a.map(\.hash) == [Normalizer().key("لأمم"), Normalizer().key("الأمم")])
        let w = try tokenize("وللأمم")
        #expect(w.analyses(of: w.tokens[0]).map(\.prefixLength) == [1, 2, 2])
        #expect(w.analyses(of: w.tokens[0]).last?.hash == Normalizer().key("الأمم"))
        let l = try tokenize("للبنان وللبنان للطب")
        #expect(l.analyses(of: l.tokens[0]).map(\.hash) == [Normalizer().key("لبنان"), Normalizer().key("البنان")])
        #expect(l.analyses(of: l.tokens[1]).map(\.hash).contains(Normalizer().key("لبنان")))
        // A stem of three letters has only the article's reading (للطب is ل + الطب, never ل + لطب).
        #expect(l.analyses(of: l.tokens[2]).map(\.hash) == [Normalizer().key("الطب")])
    }

    @Test func shortWordsAndNonWordsHaveNoReadings() throws {
        #expect(try readings("بين") == [])
        #expect(try readings("فيه") == [])
        #expect(try readings("وبن") == ["و+بن"])
        let d = try tokenize("و23")
        #expect(d.tokens.allSatisfy { d.analyses(of: $0).isEmpty })
    }

    @Test func diacriticsOnAProcliticStayWithIt() throws {
        let d = try tokenize("وَالعراق")
        #expect(d.analyses(of: d.tokens[0]).first?.prefixLength == 2)
        #expect(d.analyses(of: d.tokens[0]).first?.hash == Normalizer().key("العراق"))
    }
}

@Suite struct DecodingTests {
    @Test func rejectsInvalidUTF8WithItsByteOffset() {
        #expect(throws: WasimError.input("invalid UTF-8 at byte 4")) {
            try DocumentDecoder.document(from: [0xD9, 0x82, 0x20, 0x20, 0xFF, 0x41])
        }
    }

    @Test func lossyReplacesInvalidBytes() throws {
        let d = try DocumentDecoder.document(from: [0x41, 0xFF, 0x42], lossy: true)
        #expect(d.text == "A\u{FFFD}B")
    }

    @Test func stripsByteOrderMarkAndRejectsEmptyAndBinary() throws {
        let d = try DocumentDecoder.document(from: [0xEF, 0xBB, 0xBF] + Array("مصر".utf8))
        #expect(d.text == "مصر")
        #expect(throws: WasimError.input("empty file")) { try DocumentDecoder.document(from: [0xEF, 0xBB, 0xBF]) }
        #expect(throws: WasimError.input("empty file")) { try DocumentDecoder.document(from: []) }
        #expect(throws: WasimError.input("binary content (NUL byte at byte 2)")) { try DocumentDecoder.document(from: [0x41, 0x42, 0x00]) }
    }
}

/// SplitMix64: the same pseudo-random texts at every run.
struct SplitMix {
    var state: UInt64
    mutating func next() -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
    }
}

/// Every article of ../shared/corpora/ant-news as UTF-16, with its path under the corpus.
func forEachAntNewsArticle(_ body: (String, [UInt16]) throws -> Void) throws {
    let root = sharedDirectory + "/corpora/ant-news"
    let files = try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".txt") }
    #expect(files.count > 10_000)
    for file in files { try body(file, Array(try String(contentsOfFile: root + "/" + file, encoding: .utf8).utf16)) }
}
