import Foundation
import Testing
@testable import Wasim
@testable import WasimEvaluation

@Suite struct WordClusterTests {
    static let file = """
        # source: crafted
        العراق\t0110\t50
        تونس\t0111\t40
        قال\t10\t90
        أكد\t1011011\t7

        """

    @Test func loadsExactCodes() throws {
        let clusters = try WordClusters(text: WordClusterTests.file, file: "c.tsv")
        #expect(clusters.count == 4)
        #expect(clusters.maxDepth == 7)
        #expect(clusters.header == ["source: crafted"])
        #expect(clusters.code(word: "العراق") == 0b1_0110)
        #expect(clusters.code(word: "تونس") == 0b1_0111)
        #expect(clusters.code(word: "قال") == 0b1_10)
        // Looked up normalized, as tokens are: أكد is stored as اكد.
        #expect(clusters.code(word: "اكد") == 0b1_1011011)
        #expect(clusters.code(word: "سوريا") == 0)
        #expect(WordClusters.path(clusters.code(word: "أكد")) == "1011011")
        #expect(WordClusters.length(0b1_1011011) == 7)
        #expect(WordClusters.length(0) == 0)
        #expect(WordClusters.prefix(0b1_1011011, bits: 4) == 0b1_1011)
        #expect(WordClusters.prefix(0b1_10, bits: 4) == 0b1_10)
        #expect(WordClusters.prefix(0, bits: 4) == 0)
        let n = Normalizer()
        #expect(clusters.code(ofHash: n.key("أكد"))! == (0b1011011, 7))
        #expect(clusters.code(ofHash: n.key("العراق"))! == (0b0110, 4))
        #expect(clusters.code(ofHash: n.key("سوريا")) == nil)
    }

    @Test func looksUpByTheHashesOfTheNormalizationStage() throws {
        let clusters = try WordClusters(text: WordClusterTests.file, file: "c.tsv")
        let document = Document(text: "وأكد في العراق")
        try Segmentation().process(document)
        try Normalization().process(document)
        let tokens = document.tokens
        #expect(tokens.count == 3)
        // والعراق-style readings: the whole token has no code, its proclitic reading has.
        #expect(clusters.code(tokens[0].hash) == 0)
        #expect(document.analyses(of: tokens[0]).map { clusters.code($0.hash) } == [0b1_1011011])
        #expect(clusters.code(tokens[1].hash) == 0)
        #expect(clusters.code(tokens[2].hash) == 0b1_0110)
    }

    @Test func badLinesNameFileAndLine() {
        func message(_ text: String) -> String {
            do {
                _ = try WordClusters(text: text, file: "c.tsv")
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message("# h\nالعراق\n") == "c.tsv:2: expected word<TAB>bits[<TAB>frequency], found 1 field")
        #expect(message("العراق\t012\n") == "c.tsv:1: the cluster must be 1 to 31 bits (0 and 1), found '012'")
        #expect(message("العراق\t\n") == "c.tsv:1: the cluster must be 1 to 31 bits (0 and 1), found ''")
        #expect(message("العراق\t" + String(repeating: "1", count: 32) + "\n").hasPrefix("c.tsv:1: the cluster must be 1 to 31 bits"))
        #expect(message("العراق\t01\tmany\n") == "c.tsv:1: the frequency must be a whole number, found 'many'")
        #expect(message("قال\t1\nأكد\t0\nاكد\t1\n") == "c.tsv:3: 'اكد' is listed twice (first at line 2 as 'أكد'; words are compared normalized)")
        #expect(message("عبد الله\t1\n") == "c.tsv:1: the word must be one token without spaces, found 'عبد الله'")
        #expect(message("") == "no error")
    }

    @Test func missingFileIsAnError() {
        #expect(throws: WasimError.data("/nonexistent/clusters.tsv: cannot read the word-cluster file")) {
            try WordClusters(contentsOf: "/nonexistent/clusters.tsv")
        }
    }

    /// Words that share their neighbours end in the same cluster, and the result is the same
    /// bytes every time.
    @Test func builderGroupsWordsByTheirNeighboursDeterministically() throws {
        var texts: [String] = []
        let towns = ["سوسة", "صفاقس", "بنزرت", "قابس"]
        let months = ["جانفي", "فيفري", "مارس", "أفريل"]
        for (i, town) in towns.enumerated() {
            for (j, month) in months.enumerated() where (i + j) % 2 == 0 || i == j {
                texts.append("وصل الوفد إلى مدينة \(town) يوم الأحد الماضي .")
                texts.append("انعقد الاجتماع في شهر \(month) من السنة الماضية .")
                texts.append("وقال الوزير إن مدينة \(town) ستستقبل الوفد في شهر \(month) .")
            }
        }
        let corpus = try WordClusterBuilder.read(texts: texts)
        var options = WordClusterOptions()
        options.minFrequency = 2
        options.contextWords = 30
        options.minSplit = 2
        let table = WordClusterBuilder.cluster(corpus, options: options)
        let again = WordClusterBuilder.cluster(try WordClusterBuilder.read(texts: texts), options: options)
        #expect(table.tsv(header: ["h"]) == again.tsv(header: ["h"]))
        let loaded = try WordClusters(text: table.tsv(header: ["h"]))
        #expect(loaded.count == table.words.count)
        let townCodes = towns.map { loaded.code(word: $0) }
        let monthCodes = months.map { loaded.code(word: $0) }
        #expect(!townCodes.contains(0) && !monthCodes.contains(0))
        // The towns share a longer prefix with each other than with any month.
        func common(_ a: UInt32, _ b: UInt32) -> Int {
            let pa = WordClusters.path(a), pb = WordClusters.path(b)
            return zip(pa, pb).prefix { $0 == $1 }.count
        }
        let townTown = townCodes.dropFirst().map { common(townCodes[0], $0) }.min()!
        let monthMonth = monthCodes.dropFirst().map { common(monthCodes[0], $0) }.min()!
        let across = townCodes.flatMap { t in monthCodes.map { common(t, $0) } }.max()!
        #expect(townTown > across, "towns \(townCodes.map(WordClusters.path)) months \(monthCodes.map(WordClusters.path))")
        #expect(monthMonth > across, "towns \(townCodes.map(WordClusters.path)) months \(monthCodes.map(WordClusters.path))")
    }
}

@Suite struct ShippedWordClusterTests {
    static let file = repositoryRoot.appendingPathComponent("Models/clusters.tsv").path

    /// The shipped file loads, and words of one kind share a long prefix: Tunisian towns,
    /// months, verbs of saying; a proclitic reading finds the stem's code.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: file), "Models/clusters.tsv is absent"))
    func shippedClustersGroupWordsOfOneKind() throws {
        let clusters = try WordClusters(contentsOf: ShippedWordClusterTests.file)
        #expect(clusters.count > 20_000)
        #expect(clusters.header.contains { $0.hasPrefix("command: wasim clusters --corpus ../shared/corpora/ant-news --out Models/clusters.tsv") })
        #expect(clusters.header.contains { $0.hasPrefix("licence: Apache-2.0") })
        func shared(_ a: String, _ b: String) -> Int {
            let pa = WordClusters.path(clusters.code(word: a)), pb = WordClusters.path(clusters.code(word: b))
            return zip(pa, pb).prefix { $0 == $1 }.count
        }
        #expect(shared("سوسة", "صفاقس") >= 8)
        #expect(shared("جانفي", "مارس") >= 8)
        #expect(shared("قال", "أكد") >= 8)
        #expect(shared("سوسة", "قال") < 4)
        let document = Document(text: "والقيروان")
        try Segmentation().process(document)
        try Normalization().process(document)
        let readings = document.analyses(of: document.tokens[0]).map { clusters.code($0.hash) }
        #expect(readings.contains(clusters.code(word: "القيروان")) && clusters.code(word: "القيروان") != 0)
    }
}
