import Foundation
import Testing
@testable import Wasim
@testable import WasimEvaluation

/// Gold records that point at a text file instead of holding the text (gold over a corpus that
/// is not copied into the repository).
@Suite struct StandoffGoldTests {
    @Test func readsTheTextFromTheFileRelativeToTheGoldFile() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wasim-standoff-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        // A BOM, then an emoji (one code point, two UTF-16 units) and a CRLF: offsets count code
        // points of the text after the BOM.
        let corpus = root.appendingPathComponent("corpus/sport")
        try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
        try Data([0xEF, 0xBB, 0xBF] + Array("😀 فاز الترجي\r\nفي تونس".utf8)).write(to: corpus.appendingPathComponent("1.txt"))
        let gold = try temporaryFile("g.jsonl", """
            {"id": "s1", "text_file": "../corpus/sport/1.txt", "entities": [{"type": "ORG", "start": 6, "end": 12, "text": "الترجي"}, {"type": "LOC", "start": 17, "end": 21, "text": "تونس"}]}
            """, in: root.appendingPathComponent("gold"))
        let corpusRead = try GoldReader.read(path: gold.path)
        guard case .records(let records) = corpusRead else {
            Issue.record("standoff gold should read as JSON Lines records")
            return
        }
        #expect(records.count == 1)
        #expect(records[0].id == "s1")
        #expect(records[0].text == "😀 فاز الترجي\r\nفي تونس")
        #expect(records[0].path == corpus.appendingPathComponent("1.txt").standardizedFileURL.path)
        #expect(records[0].entities == [GoldSpan(type: .organization, start: 6, end: 12), GoldSpan(type: .location, start: 17, end: 21)])
        #expect(records[0].location == gold.path + ":1")
        #expect(records[0].textFile == records[0].path)
    }

    /// The project's standoff gold over ant-news reads whole: every file is there and every
    /// entity's text is its slice (the reader checks both), and no article is in two files.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedDirectory + "/corpora/ant-news"),
                   "../shared/corpora/ant-news is absent (../shared is not next to this checkout): standoff gold not read"))
    func projectStandoffGoldReads() throws {
        let files = ["Models/training/ant-news.jsonl": 55, "Models/training/ant-news-2.jsonl": 150, "Models/training/ant-news-3.jsonl": 100,
                     "Models/training/ant-news-4.jsonl": 80, "Models/training/ant-news-5.jsonl": 80,
                     "Models/training/ant-news-6.jsonl": 80,
                     "Models/training/ant-news-7.jsonl": 80,
                     "Models/training/ant-news-8.jsonl": 80,
                     "Models/training/ant-news-9.jsonl": 80,
                     "Models/training/ant-news-10.jsonl": 80,
                     "Models/training/ant-news-11.jsonl": 80,
                     "Models/training/ant-news-12.jsonl": 80,
                     "Models/training/ant-news-13.jsonl": 80,
                     "Models/training/ant-news-14.jsonl": 80,
                     "Models/training/ant-news-15.jsonl": 80,
                     "Models/training/ant-news-16.jsonl": 80,
                     "Models/training/ant-news-17.jsonl": 80,
                     "Models/training/ant-news-18.jsonl": 80,
                     "Models/training/ant-news-19.jsonl": 80,
                     "Models/training/ant-news-20.jsonl": 80,
                     "Models/training/ant-news-21.jsonl": 80,
                     "Models/training/ant-news-22.jsonl": 80,
                     "Models/training/ant-news-23.jsonl": 80,
                     "Models/training/ant-news-24.jsonl": 80,
                     "Models/training/ant-news-25.jsonl": 80,
                     "Models/training/ant-news-26.jsonl": 80,
                     "Models/training/ant-news-27.jsonl": 80,
                     "Models/training/ant-news-28.jsonl": 80,
                     "Models/training/ant-news-29.jsonl": 80,
                     "Models/training/ant-news-30.jsonl": 80,
                     "Models/training/ant-news-31.jsonl": 80,
                     "Models/training/ant-news-32.jsonl": 80,
                     "Models/training/ant-news-33.jsonl": 80,
                     "Models/training/ant-news-34.jsonl": 80,
                     "Models/training/ant-news-35.jsonl": 80,
                     "Models/training/ant-news-36.jsonl": 80,
                     "Models/training/ant-news-37.jsonl": 80,
                     "Models/training/ant-news-38.jsonl": 80,
                     "Models/training/ant-news-39.jsonl": 80,
                     "Models/training/ant-news-40.jsonl": 80,
                     "Models/training/ant-news-41.jsonl": 80,
                     "Models/training/ant-news-42.jsonl": 80,
                     "Models/training/ant-news-43.jsonl": 80,
                     "Models/training/ant-news-44.jsonl": 80,
                     "Models/training/ant-news-45.jsonl": 80,
                     "Models/training/ant-news-46.jsonl": 80,
                     "Models/training/ant-news-47.jsonl": 80,
                     "Models/training/ant-news-48.jsonl": 80,
                     "Models/training/ant-news-49.jsonl": 80,
                     "Models/training/ant-news-50.jsonl": 80,
                     "Models/training/ant-news-51.jsonl": 80,
                     "Models/training/ant-news-52.jsonl": 80,
                     "Models/training/ant-news-53.jsonl": 80,
                     "Models/training/ant-news-54.jsonl": 80,
                     "Models/training/ant-news-55.jsonl": 80,
                     "Models/training/ant-news-56.jsonl": 80,
                     "Models/training/ant-news-57.jsonl": 80,
                     "Models/training/ant-news-58.jsonl": 80,
                     "Models/training/ant-news-59.jsonl": 80,
                     "Models/training/ant-news-60.jsonl": 80,
                     "Models/training/ant-news-61.jsonl": 80,
                     "Models/training/ant-news-62.jsonl": 80,
                     "Models/training/ant-news-63.jsonl": 80,
                     "Models/training/ant-news-64.jsonl": 80,
                     "Models/training/ant-news-65.jsonl": 80,
                     "Models/training/ant-news-66.jsonl": 80,
                     "Models/training/ant-news-67.jsonl": 80,
                     "Models/training/ant-news-68.jsonl": 80,
                     "Models/training/ant-news-69.jsonl": 80,
                     "Models/training/ant-news-70.jsonl": 80,
                     "Models/training/ant-news-71.jsonl": 80,
                     "Models/training/ant-news-72.jsonl": 80,
                     "Models/training/ant-news-73.jsonl": 80,
                     "Models/training/ant-news-74.jsonl": 80,
                     "Models/training/ant-news-75.jsonl": 80,
                     "Models/training/ant-news-76.jsonl": 80,
                     "Models/training/ant-news-77.jsonl": 80,
                     "Models/training/ant-news-78.jsonl": 80,
                     "Models/training/ant-news-79.jsonl": 80,
                     "Models/training/ant-news-80.jsonl": 80,
                     "Models/training/ant-news-81.jsonl": 80,
                     "Models/training/ant-news-82.jsonl": 80,
                     "Models/training/ant-news-83.jsonl": 80,
                     "Models/training/ant-news-84.jsonl": 80,
                     "Models/training/ant-news-85.jsonl": 80,
                     "Models/training/ant-news-86.jsonl": 80,
                     "Models/training/ant-news-87.jsonl": 80,
                     "Models/training/ant-news-88.jsonl": 80,
                     "Models/training/ant-news-89.jsonl": 80,
                     "Models/training/ant-news-90.jsonl": 80,
                     "Models/training/ant-news-91.jsonl": 80,
                     "Models/training/ant-news-92.jsonl": 80,
                     "Models/training/ant-news-93.jsonl": 80,
                     "Models/training/ant-news-94.jsonl": 80,
                     "Models/training/ant-news-95.jsonl": 80,
                     "Models/training/ant-news-96.jsonl": 80,
                     "Models/training/ant-news-97.jsonl": 80,
                     "Models/training/ant-news-98.jsonl": 80,
                     "Models/training/ant-news-99.jsonl": 80,
                     "Models/training/ant-news-100.jsonl": 80,
                     "Models/training/ant-news-101.jsonl": 80,
                     "Models/training/ant-news-102.jsonl": 80,
                     "Models/training/ant-news-103.jsonl": 80,
                     "Models/training/ant-news-104.jsonl": 80,
                     "Models/training/ant-news-105.jsonl": 80,
                     "Models/training/ant-news-106.jsonl": 80,
                     "Models/training/ant-news-107.jsonl": 80,
                     "Models/training/ant-news-108.jsonl": 33,
                     "Models/training/ant-news-109.jsonl": 80,
                     "Models/training/ant-news-110.jsonl": 40,
                     "Models/training/ant-news-111.jsonl": 80,
                     "Models/training/ant-news-112.jsonl": 80,
                     "Models/training/ant-news-113.jsonl": 80,
                     "Models/training/ant-news-114.jsonl": 80,
                     "Models/training/ant-news-115.jsonl": 80,
                     "Models/training/ant-news-116.jsonl": 40,
                     "Models/training/ant-news-117.jsonl": 80,
                     "Models/training/ant-news-118.jsonl": 80,
                     "Models/training/ant-news-119.jsonl": 80,
                     "Models/training/ant-news-120.jsonl": 80,
                     "Models/training/ant-news-121.jsonl": 80,
                     "Models/training/ant-news-122.jsonl": 80,
                     "Models/training/ant-news-123.jsonl": 80,
                     "Models/training/ant-news-124.jsonl": 80,
                     "Models/training/ant-news-125.jsonl": 80,
                     "Models/training/ant-news-126.jsonl": 80,
                     "Models/training/ant-news-127.jsonl": 60,
                     "Models/training/ant-news-128.jsonl": 22,
                     "Models/training/ant-news-129.jsonl": 23,
                     "Tests/Fixtures/ant-news-heldout.jsonl": 15]
        var articles: Set<String> = []
        for (file, count) in files.sorted(by: { $0.key < $1.key }) {
            let path = repositoryRoot.appendingPathComponent(file).path
            guard case .records(let records) = try GoldReader.read(path: path) else {
                Issue.record("\(file) should read as JSON Lines records")
                continue
            }
            #expect(records.count == count, "\(file)")
            #expect(records.allSatisfy { $0.textFile?.hasPrefix(sharedDirectory + "/corpora/ant-news/") == true && !$0.text.isEmpty })
            articles.formUnion(records.compactMap(\.textFile))
        }
        // No article is annotated twice: training never sees a held-out one.
        #expect(articles.count == files.values.reduce(0, +))
    }

    @Test func errorsNameTheGoldFileAndLine() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wasim-standoff-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data("زار العراق".utf8).write(to: root.appendingPathComponent("a.txt"))
        let ok = #"{"text_file": "a.txt", "entities": []}"#
        let missing = try temporaryFile("m.jsonl", ok + "\n" + #"{"text_file": "b.txt", "entities": []}"#, in: root)
        expectDataError("\(missing.path):2: \"text_file\" 'b.txt' does not exist (looked for \(root.appendingPathComponent("b.txt").standardizedFileURL.path))") {
            _ = try GoldReader.read(path: missing.path)
        }
        let wrongText = try temporaryFile("w.jsonl", #"{"text_file": "a.txt", "entities": [{"type": "LOC", "start": 4, "end": 9, "text": "العراق"}]}"#, in: root)
        expectDataError("\(wrongText.path):1: entity 1 (LOC 4..<9): \"text\" is 'العراق' but the slice is 'العرا'") {
            _ = try GoldReader.read(path: wrongText.path)
        }
        let pastEnd = try temporaryFile("p.jsonl", #"{"text_file": "a.txt", "entities": [{"type": "LOC", "start": 4, "end": 11}]}"#, in: root)
        expectDataError("\(pastEnd.path):1: entity 1 (LOC) ends at 11, past the text's 10 code points") {
            _ = try GoldReader.read(path: pastEnd.path)
        }
        let both = try temporaryFile("b.jsonl", #"{"text": "زار", "text_file": "a.txt", "entities": []}"#, in: root)
        expectDataError("\(both.path):1: a gold record has \"text\" or \"text_file\", not both") {
            _ = try GoldReader.read(path: both.path)
        }
        let notString = try temporaryFile("n.jsonl", #"{"text_file": 3, "entities": []}"#, in: root)
        expectDataError("\(notString.path):1: \"text_file\" must be a string") {
            _ = try GoldReader.read(path: notString.path)
        }
    }
}
