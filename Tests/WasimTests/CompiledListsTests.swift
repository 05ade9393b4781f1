import Foundation
import Testing
@testable import Wasim

/// A folder's compiled lists and the clusters' compiled table are caches: everything loads the
/// same with them, without them, from a corrupt or stale one, and a cache that cannot be used
/// is written again.
@Suite struct CompiledListsTests {
    static let lists: [(String, String)] = [
        ("a-people.tsv", "# priority: 40\n# declare-types: TEAM\nمحمد الصالح\tPER\tper:salih\nنادي النجوم\tTEAM\nجدة\tLOC\n"),
        ("b-orgs.tsv", "# precedence: user\nالأمم المتحدة\tORG\torg:un\nمنظمة (الأمم) المتحدة\tORG\n\n# a comment\nشركة زمردة\tORG\n"),
        ("c-places.tsv", "# also-types: COUNTRY\nالعراق\tLOC\tcountry:iq\nتونس\tLOC\n"),
        ("d-more.tsv", "الأمم المتحدة\tORG\nوادي الرمال\tLOC\n"),
    ]

    func folder() throws -> String {
        let dir = NSTemporaryDirectory() + "wasim-lists-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in CompiledListsTests.lists { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return dir
    }

    func cache(_ dir: String) -> String { dir + "/" + CompiledLists.fileName }

    /// Everything a loaded gazetteer tells, and what it finds in a sentence.
    func describe(_ g: Gazetteer) throws -> [String] {
        let d = try gazetteerPipeline(g).tag("قال محمد الصالح في جدة إن الأمم المتحدة وشركة زمردة ومنظمة (الأمم) المتحدة في العراق وتونس ووادي الرمال")
        var out = found(d) + ["types " + g.typeNames.joined(separator: ",")]
        out += g.files.enumerated().map { "file \($0.element.name) \($0.element.priority) \(g.userFirst[$0.offset])" }
        for e in 0..<Int32(g.entryCount) {
            out.append("\(g.typeName(Int32(g.entryType[Int(e)]))) \(g.fileName(ofEntry: e)):\(g.entryLine[Int(e)]) \(g.canonicalID(ofEntry: e) ?? "-") \(g.entryEndsInTaMarbuta[Int(e)])")
        }
        return out
    }

    @Test func aFolderCacheIsWrittenAndReadBack() throws {
        let dir = try folder()
        let parsed = try describe(Gazetteer.load(directory: dir))
        #expect(parsed.prefix(7) == [
            "PER محمد الصالح per:salih", "LOC جدة", "ORG الأمم المتحدة org:un", "ORG شركة زمردة",
            "LOC العراق country:iq", "LOC تونس", "LOC وادي الرمال",
        ])
        #expect(parsed.contains("file a-people.tsv 40 false") && parsed.contains("file b-orgs.tsv 10 true"))
        // An entry without an id took another list's (d-more's الأمم المتحدة), also-types made a
        // second entry, a segmented surface is one entry.
        #expect(parsed.contains("ORG d-more.tsv:1 org:un true") && parsed.contains("LOC a-people.tsv:5 - true"))
        #expect(parsed.contains("COUNTRY c-places.tsv:2 - false") && parsed.contains("ORG b-orgs.tsv:3 - true"))
        #expect(FileManager.default.fileExists(atPath: cache(dir)))
        #expect(try describe(Gazetteer.load(directory: dir)) == parsed)
        // Only the cache was added to the folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == [CompiledLists.fileName] + CompiledListsTests.lists.map(\.0))
    }

    /// The shipped lists, from the cache and list by list without one, tell exactly the same.
    @Test func theShippedListsLoadTheSameFromTheCache() throws {
        let dir = NSTemporaryDirectory() + "wasim-shipped-" + UUID().uuidString
        try FileManager.default.copyItem(atPath: repositoryRoot.path + "/Gazetteers", toPath: dir)
        try? FileManager.default.removeItem(atPath: cache(dir))
        var b = GazetteerBuilder()
        for name in try FileManager.default.contentsOfDirectory(atPath: dir).filter({ $0.hasSuffix(".tsv") }).sorted() {
            try b.load(path: dir + "/" + name, name: name)
        }
        let parsed = try describe(b.build())
        #expect(try describe(Gazetteer.load(directory: dir)) == parsed)
        #expect(FileManager.default.fileExists(atPath: cache(dir)))
        #expect(try describe(Gazetteer.load(directory: dir)) == parsed)
    }

    @Test func aCorruptOrTruncatedCacheIsNeverTrusted() throws {
        let dir = try folder()
        let parsed = try describe(Gazetteer.load(directory: dir))
        var bytes = try #require(FileManager.default.contents(atPath: cache(dir)))
        bytes[bytes.count / 2] ^= 0x5A
        try bytes.write(to: URL(fileURLWithPath: cache(dir)))
        #expect(try describe(Gazetteer.load(directory: dir)) == parsed)
        // The load wrote a good cache again.
        let whole = try #require(FileManager.default.contents(atPath: cache(dir)))
        #expect(whole != bytes)
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: cache(dir)))
        #expect(try describe(Gazetteer.load(directory: dir)) == parsed)
        try Data(repeating: 0x41, count: whole.count).write(to: URL(fileURLWithPath: cache(dir)))
        #expect(try describe(Gazetteer.load(directory: dir)) == parsed)
        #expect(FileManager.default.contents(atPath: cache(dir)) == whole)
    }

    /// A checksum that matches bytes whose counts and indices do not: the cache is refused whole.
    @Test func aCacheWithBadIndicesIsRefused() throws {
        let dir = try folder()
        let parsed = try describe(Gazetteer.load(directory: dir))
        var bytes = try #require(FileManager.default.contents(atPath: cache(dir)))
        // The last id offset (the payload's last four bytes) past the ids' bytes, checksum fixed.
        bytes[bytes.count - 4] &+= 1
        let checksum = bytes.withUnsafeBytes { CompiledList.hash(UnsafeRawBufferPointer(rebasing: $0[CompiledLists.headerSize...])) }
        withUnsafeBytes(of: checksum.littleEndian) { bytes.replaceSubrange((CompiledLists.headerSize - 8)..<CompiledLists.headerSize, with: $0) }
        var b = GazetteerBuilder()
        let restored = b.restore(bytes)
        #expect(!restored)
        #expect(b.entryType.isEmpty && b.files.isEmpty)
        try bytes.write(to: URL(fileURLWithPath: cache(dir)))
        #expect(try describe(Gazetteer.load(directory: dir)) == parsed)
    }

    @Test func anEditedAddedOrRemovedListIsParsedAgain() throws {
        let dir = try folder()
        _ = try Gazetteer.load(directory: dir)
        // The same length: the whole content is hashed.
        let path = dir + "/d-more.tsv"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "وادي الرمال", with: "وادي الجمال").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(found(try gazetteerPipeline(Gazetteer.load(directory: dir)).tag("في وادي الجمال وفي وادي الرمال")) == ["LOC وادي الجمال"])
        try "سوسة\tLOC\n".write(toFile: dir + "/e-new.tsv", atomically: true, encoding: .utf8)
        #expect(found(try gazetteerPipeline(Gazetteer.load(directory: dir)).tag("في سوسة")) == ["LOC سوسة"])
        try FileManager.default.removeItem(atPath: dir + "/e-new.tsv")
        #expect(found(try gazetteerPipeline(Gazetteer.load(directory: dir)).tag("في سوسة")) == [])
        // A renamed list: another file name in every lookup's source.
        try FileManager.default.moveItem(atPath: dir + "/a-people.tsv", toPath: dir + "/a-persons.tsv")
        let g = try Gazetteer.load(directory: dir)
        #expect(g.files.map(\.name).contains("a-persons.tsv") && !g.files.map(\.name).contains("a-people.tsv"))
    }

    @Test func aCacheFromAnotherNormalizationIsNotUsed() throws {
        let dir = try folder()
        _ = try Gazetteer.load(directory: dir)
        let other = Normalizer(foldTaMarbuta: false)
        let g = try Gazetteer.load(directory: dir, normalizer: other)
        #expect(g.normalizer.foldTaMarbuta == false)
        let d = try Pipeline([Segmentation(), Normalization(other), GazetteerMatching(g), ConflictResolution()]).tag("في جده وفي جدة")
        #expect(found(d) == ["LOC جدة"])
    }

    /// A cache that cannot be written (here its place is taken by a folder; root writes to any
    /// read-only folder) is no error, and leaves no temporary file behind.
    @Test func anUnwritableCacheIsNoError() throws {
        let dir = try folder()
        try FileManager.default.createDirectory(atPath: cache(dir), withIntermediateDirectories: false)
        let parsed = try describe(Gazetteer.load(directory: dir))
        #expect(try describe(Gazetteer.load(directory: dir)) == parsed)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == [CompiledLists.fileName] + CompiledListsTests.lists.map(\.0))
        try FileManager.default.removeItem(atPath: cache(dir))
        if getuid() != 0 {
            chmod(dir, 0o555)
            defer { chmod(dir, 0o755) }
            #expect(try describe(Gazetteer.load(directory: dir)) == parsed)
            #expect(!FileManager.default.fileExists(atPath: cache(dir)))
        }
    }

    /// `--gazetteer` files go on top of the cached folder as on top of the parsed one: their ids
    /// are interned among the folder's, and their entries adopt the folder's ids.
    @Test func extraFilesOnTopOfTheCache() throws {
        let dir = try folder()
        let extra = try temporaryFile(named: "mine.tsv", "الأمم المتحدة\tORG\nشركة زمردة\tORG\torg:un\nجدة\tLOC\tcity:jeddah\n")
        let cold = try describe(Gazetteer.load(directory: dir, extraFiles: [extra]))
        #expect(cold.contains("ORG mine.tsv:1 org:un true") && cold.contains("ORG mine.tsv:2 org:un true"))
        #expect(cold.contains("LOC mine.tsv:3 city:jeddah true") && cold.contains("LOC a-people.tsv:5 city:jeddah true"))
        let warm = try describe(Gazetteer.load(directory: dir, extraFiles: [extra]))
        #expect(warm == cold)
    }

    // MARK: Word clusters

    /// A clusters file big enough for a cache: filler words, then a few real ones.
    func clustersFile() throws -> String {
        var tsv = "# source: crafted\n"
        var i = 0
        while tsv.utf8.count < WordClusters.Compiled.threshold + 100 {
            // Letters that no fold makes equal: every word is another.
            let letters = Array("بتثجحخدذرزسشصضطظ")
            tsv += "ظظ" + String(String(i, radix: 16).map { letters[Int(String($0), radix: 16)!] }) + "\t\(String(i % 64, radix: 2))\t3\n"
            i += 1
        }
        return try temporaryFile(named: "clusters.tsv", tsv + "العراق\t0110\t50\nأكد\t1011011\t7\n")
    }

    func describe(_ c: WordClusters) -> [String] {
        ["\(c.count) \(c.maxDepth) \(c.header)"] + ["العراق", "اكد", "ظظب", "ظظتب", "سوريا"].map { "\($0) \(c.code(word: $0))" }
    }

    @Test func aClustersCacheIsWrittenAndReadBack() throws {
        let file = try clustersFile()
        let parsed = describe(try WordClusters(contentsOf: file))
        #expect(parsed == describe(try WordClusters(text: String(contentsOfFile: file, encoding: .utf8))))
        #expect(parsed[1...] == ["العراق 22", "اكد 219", "ظظب 2", "ظظتب 48", "سوريا 0"])
        let cache = (file as NSString).deletingLastPathComponent + "/.clusters.tsv.wasim-cache"
        #expect(FileManager.default.fileExists(atPath: cache))
        #expect(describe(try WordClusters(contentsOf: file)) == parsed)
        // Corrupt, then truncated: parsed again, and the cache written again.
        var bytes = try #require(FileManager.default.contents(atPath: cache))
        bytes[bytes.count - 3] ^= 0x21
        try bytes.write(to: URL(fileURLWithPath: cache))
        #expect(describe(try WordClusters(contentsOf: file)) == parsed)
        let whole = try #require(FileManager.default.contents(atPath: cache))
        #expect(whole != bytes)
        try whole.prefix(whole.count - 8).write(to: URL(fileURLWithPath: cache))
        #expect(describe(try WordClusters(contentsOf: file)) == parsed)
        #expect(FileManager.default.contents(atPath: cache) == whole)
        // An edited file is parsed again.
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try text.replacingOccurrences(of: "العراق\t0110", with: "العراق\t0111").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try WordClusters(contentsOf: file).code(word: "العراق") == 0b1_0111)
        // An unwritable cache is no error.
        try FileManager.default.removeItem(atPath: cache)
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: false)
        #expect(try WordClusters(contentsOf: file).code(word: "العراق") == 0b1_0111)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: ShippedWordClusterTests.file), "Models/clusters.tsv is absent"))
    func theShippedClustersLoadTheSameFromTheCache() throws {
        let dir = NSTemporaryDirectory() + "wasim-clusters-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ShippedWordClusterTests.file, toPath: dir + "/clusters.tsv")
        let text = try String(contentsOfFile: dir + "/clusters.tsv", encoding: .utf8)
        let parsed = try WordClusters(text: text)
        let cold = try WordClusters(contentsOf: dir + "/clusters.tsv"), warm = try WordClusters(contentsOf: dir + "/clusters.tsv")
        #expect(FileManager.default.fileExists(atPath: dir + "/.clusters.tsv.wasim-cache"))
        let words = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { String($0.split(separator: "\t")[0]) }
        for c in [cold, warm] {
            #expect(c.count == parsed.count && c.maxDepth == parsed.maxDepth && c.header == parsed.header)
            #expect(words.allSatisfy { c.code(word: $0) == parsed.code(word: $0) })
        }
    }
}
