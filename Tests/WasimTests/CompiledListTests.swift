import Foundation
import Testing
@testable import Wasim

/// A big list's compiled form is a cache: the lists load the same with it, without it, from a
/// corrupt or stale one, and the cache is rewritten when it cannot be used.
@Suite struct CompiledListTests {
    /// A list just over the size that gets a cache: filler entries, then a few real ones.
    func bigList(extra: String = "") throws -> String {
        var tsv = "# priority: 45\n# declare-types: TEAM\n"
        var i = 0
        while tsv.utf8.count < CompiledList.threshold + 1000 {
            tsv += "ظظ\(String(i, radix: 26).map { Character(UnicodeScalar(0x0628 + Int(String($0), radix: 26)!)!) }.map(String.init).joined()) كلمة\tORG\tfiller:\(i)\n"
            i += 1
        }
        tsv += "شركة زمردة للبرمجيات\tORG\torg:zumurruda\nوادي الرمال\tLOC\nفريق النجوم\tTEAM\n" + extra
        return try temporaryFile(named: "big.tsv", tsv)
    }

    func cachePath(_ list: String) -> String {
        let url = URL(fileURLWithPath: list)
        return url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".wasim-cache").path
    }

    func load(_ path: String) throws -> Gazetteer {
        var b = GazetteerBuilder()
        try b.load(path: path, name: "big.tsv")
        return b.build()
    }

    func describe(_ g: Gazetteer) throws -> [String] {
        let d = try gazetteerPipeline(g).tag("وقعت شركة زمردة للبرمجيات عقدا في وادي الرمال مع ظظب كلمة")
        return found(d) + ["entries \(g.entryCount)", "priority \(g.files[0].priority)", "TEAM \(g.typeID("TEAM") != nil)"]
    }

    static let expected = ["ORG شركة زمردة للبرمجيات org:zumurruda", "LOC وادي الرمال", "ORG ظظب كلمة filler:0"]

    @Test func aCacheIsWrittenAndReadBack() throws {
        let list = try bigList()
        let parsed = try describe(load(list))
        #expect(Array(parsed.prefix(3)) == Self.expected)
        #expect(parsed[4] == "priority 45" && parsed[5] == "TEAM true")
        #expect(FileManager.default.fileExists(atPath: cachePath(list)))
        let cached = try describe(load(list))
        #expect(cached == parsed)
    }

    @Test func aCorruptOrTruncatedCacheIsNeverTrusted() throws {
        let list = try bigList()
        let parsed = try describe(load(list))
        let cache = cachePath(list)
        var bytes = try #require(FileManager.default.contents(atPath: cache))
        // A flipped byte in the payload: the checksum no longer matches.
        bytes[bytes.count / 2] ^= 0x5A
        try bytes.write(to: URL(fileURLWithPath: cache))
        #expect(try describe(load(list)) == parsed)
        // The load wrote a good cache again.
        #expect(FileManager.default.contents(atPath: cache) != bytes)
        // Cut in half.
        let whole = try #require(FileManager.default.contents(atPath: cache))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: cache))
        #expect(try describe(load(list)) == parsed)
        // Garbage of the right length.
        try Data(repeating: 0x41, count: whole.count).write(to: URL(fileURLWithPath: cache))
        #expect(try describe(load(list)) == parsed)
    }

    @Test func anEditedListIsParsedAgain() throws {
        let list = try bigList()
        _ = try load(list)
        // Same length as before would not fool it either: the whole content is hashed.
        let text = try String(contentsOfFile: list, encoding: .utf8)
        try text.replacingOccurrences(of: "وادي الرمال\tLOC", with: "وادي الجمال\tLOC").write(toFile: list, atomically: true, encoding: .utf8)
        let d = try gazetteerPipeline(load(list)).tag("في وادي الجمال وفي وادي الرمال")
        #expect(found(d) == ["LOC وادي الجمال"])
    }

    @Test func aCacheFromAnotherNormalizationIsNotUsed() throws {
        #expect(CompiledList.fingerprint(Normalizer(foldTaMarbuta: true)) != CompiledList.fingerprint(Normalizer(foldTaMarbuta: false)))
        let list = try bigList()
        _ = try load(list)
        var b = GazetteerBuilder(normalizer: Normalizer(foldTaMarbuta: false))
        try b.load(path: list, name: "big.tsv")
        let d = try Pipeline([Segmentation(), Normalization(Normalizer(foldTaMarbuta: false)), GazetteerMatching(b.build()), ConflictResolution()])
            .tag("وقعت شركة زمردة للبرمجيات عقدا")
        #expect(found(d) == ["ORG شركة زمردة للبرمجيات org:zumurruda"])
    }

    @Test func smallListsGetNoCache() throws {
        let list = try temporaryFile(named: "small.tsv", "العراق\tLOC\n")
        _ = try load(list)
        #expect(!FileManager.default.fileExists(atPath: cachePath(list)))
    }

    @Test func idsInternedAsBytes() {
        var ids = CanonicalIDs()
        let a = ids.intern("org:un"), b = ids.intern("country:IQ"), c = ids.intern("org:un")
        #expect(a == 0 && b == 1 && c == 0 && ids.count == 2)
        let bytes = Array("x:1y:22".utf8)
        let first = bytes.withUnsafeBufferPointer { ids.append(bytes: $0, lengths: [3, UInt32.max, 4]) }
        #expect(first == 2 && ids.count == 4)
        #expect(ids.string(2) == "x:1" && ids.string(3) == "y:22" && ids.string(0) == "org:un")
        // Appended ids are found again once the next intern indexes them.
        #expect(ids.intern("y:22") == 3)
        #expect(ids.intern("z") == 4)
    }
}
