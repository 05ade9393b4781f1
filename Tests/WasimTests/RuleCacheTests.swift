import Foundation
import Testing
@testable import Wasim

/// The data directory's compiled rules are a cache: the rules work the same from it, without
/// it, from a corrupt or stale one, and a cache that cannot be used is written again.
@Suite struct RuleCacheTests {
    static let files: [(String, String)] = [
        ("a.rules", """
            define name: word&!@COMMON
            rule after-title
              type: PER
              pattern: @TITLE [$name $name?]
              fires: قال الرئيس دونالد ترامب في بيان => دونالد ترامب

            rule regions
              priority: 60
              pattern: @LOC_DESIGNATOR [word&!"في"]:LOC [clitic:و&word&/^.{2,}$/]:LOC
              fires: في منطقتي الجليل والنقب => LOC الجليل ; LOC النقب

            """),
        ("b.rules", """
            rule council
              type: ORG
              pattern: ["مجلس" | "هيئة" | "لجنة"&!clitic] ("الأمن" | 'الوزراء' | ends:ية&starts:ال&!ends:اية&length:3-12)
              fires: قال إن مجلس الأمن اجتمع => مجلس
              skips: قال مجلس إدارة

            """),
    ]

    /// A folder with `rules/` holding the files; the cache goes in the folder.
    func folder() throws -> (dir: String, paths: [String]) {
        let dir = NSTemporaryDirectory() + "wasim-rules-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/rules", withIntermediateDirectories: true)
        for (name, text) in RuleCacheTests.files { try text.write(toFile: dir + "/rules/" + name, atomically: true, encoding: .utf8) }
        return (dir, try RuleSet.files(in: dir + "/rules"))
    }

    func cache(_ dir: String) -> String { dir + "/" + RuleCache.fileName }

    func load(_ dir: String, _ paths: [String], gazetteer: Gazetteer? = nil) throws -> (rules: RuleSet, cached: Bool) {
        let g = try gazetteer ?? ruleTestGazetteer()
        let p = RuleSet.prepare(shipped: paths, extra: [], cacheDirectory: dir, normalizer: g.normalizer)
        let cached = p.cached.map { $0.fits(g) } ?? false
        return (try RuleSet.load(prepared: p, gazetteer: g), cached)
    }

    /// Everything a rule set tells, as bytes (the cache's own encoding) and by what it finds.
    func describe(_ rules: RuleSet, _ paths: [String], gazetteer: Gazetteer? = nil) throws -> [String] {
        let g = try gazetteer ?? ruleTestGazetteer()
        let bytes = try #require(RuleCache.encode(rules.rules, paths: paths, typeNames: g.typeNames))
        let d = try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g), RuleMatching(rules, gazetteer: g)])
            .tag("قال الرئيس دونالد ترامب في منطقتي الجليل والنقب إن مجلس الأمن ولجنة الوزراء وهيئة الوطنية وهيئة الحماية اجتمعت")
        let found = d.candidates.filter { $0.source.hasPrefix("rule:") }.sorted { $0.start < $1.start }
            .map { "\($0.type) \(d.text(of: $0)) \($0.source)" }
        return found + rules.rules.map { "\($0.name) \($0.file):\($0.line) \($0.priority) \($0.size) \($0.fires.count) \($0.skips.count)" }
            + ["\(bytes.count) \(bytes.withUnsafeBytes { CompiledList.hash($0) })"]
    }

    @Test func aCacheIsWrittenAndReadBack() throws {
        let (dir, paths) = try folder()
        let (compiled, fromCache) = try load(dir, paths)
        #expect(!fromCache)
        let parsed = try describe(compiled, paths)
        #expect(Array(parsed.prefix(5)) == [
            "PER دونالد ترامب rule:after-title", "LOC الجليل rule:regions", "LOC النقب rule:regions",
            "ORG مجلس rule:council", "ORG هيئة rule:council",
        ])
        // Each rule's file, line, priority, size, examples; then the encoding's length and hash.
        #expect(Array(parsed[5...]) == [
            "after-title \(dir)/rules/a.rules:2 50 32 1 0", "regions \(dir)/rules/a.rules:7 60 132 1 0",
            "council \(dir)/rules/b.rules:1 50 39 1 1", "1960 12082958974854997222",
        ])
        #expect(FileManager.default.fileExists(atPath: cache(dir)))
        let (restored, warm) = try load(dir, paths)
        #expect(warm)
        #expect(try describe(restored, paths) == parsed)
        // The examples come back whole.
        #expect(restored.rules[1].fires.map { $0.expected.map(\.description) } == [["LOC الجليل", "LOC النقب"]])
        #expect(restored.rules[2].skips.map(\.text) == ["قال مجلس إدارة"])
        // Only the cache was added to the folder: no temporary file is left.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == [RuleCache.fileName, "rules"])
    }

    /// The shipped rules, from the cache and compiled, are the same bytes and find the same.
    @Test func theShippedRulesLoadTheSameFromTheCache() throws {
        let dir = NSTemporaryDirectory() + "wasim-shipped-rules-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repositoryRoot.path + "/Models/rules", toPath: dir + "/rules")
        let paths = try RuleSet.files(in: dir + "/rules")
        let g = try DefaultPipeline.loadGazetteer(PipelineOptions(dataDirectory: repositoryRoot.path))
        let (compiled, cold) = try load(dir, paths, gazetteer: g)
        let (restored, warm) = try load(dir, paths, gazetteer: g)
        #expect(!cold && warm)
        #expect(restored.rules.count == compiled.rules.count && compiled.rules.count > 50)
        #expect(try describe(restored, paths, gazetteer: g) == describe(compiled, paths, gazetteer: g))
    }

    @Test func aCorruptOrTruncatedCacheIsNeverTrusted() throws {
        let (dir, paths) = try folder()
        let parsed = try describe(load(dir, paths).rules, paths)
        let whole = try #require(FileManager.default.contents(atPath: cache(dir)))
        var bytes = whole
        bytes[bytes.count / 2] ^= 0x5A
        try bytes.write(to: URL(fileURLWithPath: cache(dir)))
        var (rules, cached) = try load(dir, paths)
        #expect(!cached)
        #expect(try describe(rules, paths) == parsed)
        // The load wrote the good cache again.
        #expect(FileManager.default.contents(atPath: cache(dir)) == whole)
        try whole.prefix(whole.count - 5).write(to: URL(fileURLWithPath: cache(dir)))
        (rules, cached) = try load(dir, paths)
        #expect(!cached)
        #expect(try describe(rules, paths) == parsed)
        try Data(repeating: 0x41, count: whole.count).write(to: URL(fileURLWithPath: cache(dir)))
        (rules, cached) = try load(dir, paths)
        #expect(!cached)
        #expect(try describe(rules, paths) == parsed)
        #expect(FileManager.default.contents(atPath: cache(dir)) == whole)
        (rules, cached) = try load(dir, paths)
        #expect(cached)
    }

    /// A checksum that matches bytes whose indices do not: the cache is refused whole.
    @Test func aCacheWithBadIndicesIsRefused() throws {
        let (dir, paths) = try folder()
        _ = try load(dir, paths)
        let good = try #require(FileManager.default.contents(atPath: cache(dir)))
        let header = RuleCache(directory: dir, files: [], normalizer: Normalizer()).file.headerSize
        #expect(good.withUnsafeBytes { RuleCache.decode($0, headerSize: header, paths: paths) } != nil)
        #expect(good.withUnsafeBytes { RuleCache.decode($0, headerSize: header, paths: [paths[0]]) } == nil)
        // The last rule's last required text count (the payload's last four bytes before its
        // texts) made larger than what is left, checksum fixed.
        var bytes = good
        let last = try #require(RuleCache.encode(load(dir, paths).rules.rules, paths: paths, typeNames: ruleTestGazetteer().typeNames))
        #expect(Data(last) == good[header...])
        let requiredCount = Int(try load(dir, paths).rules.rules[2].code.requiredTexts.count)
        bytes[bytes.count - 8 * requiredCount - 4] &+= 1
        let checksum = bytes.withUnsafeBytes { CompiledList.hash(UnsafeRawBufferPointer(rebasing: $0[header...])) }
        withUnsafeBytes(of: checksum.littleEndian) { bytes.replaceSubrange((header - 8)..<header, with: $0) }
        #expect(bytes.withUnsafeBytes { RuleCache.decode($0, headerSize: header, paths: paths) } == nil)
        try bytes.write(to: URL(fileURLWithPath: cache(dir)))
        let (rules, cached) = try load(dir, paths)
        #expect(!cached)
        #expect(rules.rules.map(\.name) == ["after-title", "regions", "council"])
    }

    @Test func anEditedAddedOrRemovedRuleFileIsCompiledAgain() throws {
        let (dir, paths) = try folder()
        _ = try load(dir, paths)
        // The same length: the whole content is hashed.
        let text = try String(contentsOfFile: paths[1], encoding: .utf8)
        try text.replacingOccurrences(of: "\"الأمن\"", with: "\"الأمم\"").write(toFile: paths[1], atomically: true, encoding: .utf8)
        var (rules, cached) = try load(dir, paths)
        #expect(!cached)
        // مجلس الأمن is no longer the council's.
        #expect(try Array(describe(rules, paths).prefix(5)) == [
            "PER دونالد ترامب rule:after-title", "LOC الجليل rule:regions", "LOC النقب rule:regions", "ORG هيئة rule:council",
            "after-title \(dir)/rules/a.rules:2 50 32 1 0",
        ])
        (rules, cached) = try load(dir, paths)
        #expect(cached)
        #expect(try Array(describe(rules, paths).prefix(5)) == [
            "PER دونالد ترامب rule:after-title", "LOC الجليل rule:regions", "LOC النقب rule:regions", "ORG هيئة rule:council",
            "after-title \(dir)/rules/a.rules:2 50 32 1 0",
        ])
        // A file added, then removed.
        try "rule more\n  type: LOC\n  pattern: \"في\" [\"منطقتي\"]\n".write(toFile: dir + "/rules/c.rules", atomically: true, encoding: .utf8)
        let three = try RuleSet.files(in: dir + "/rules")
        (rules, cached) = try load(dir, three)
        #expect(!cached && rules.rules.map(\.name) == ["after-title", "regions", "council", "more"])
        try FileManager.default.removeItem(atPath: dir + "/rules/c.rules")
        (rules, cached) = try load(dir, paths)
        #expect(!cached && rules.rules.map(\.name) == ["after-title", "regions", "council"])
    }

    /// Made by another executable, another normalization, or against lists whose types do not
    /// begin with the same names: compiled again.
    @Test func aCacheFromAnotherBuildNormalizationOrListsIsNotUsed() throws {
        let (dir, paths) = try folder()
        _ = try load(dir, paths)
        let files = try paths.map { (URL(fileURLWithPath: $0).lastPathComponent, [UInt8](try #require(FileManager.default.contents(atPath: $0)))) }
        #expect(RuleCache(directory: dir, files: files, normalizer: Normalizer()).read(paths: paths) != nil)
        #expect(RuleCache(directory: dir, files: files, normalizer: Normalizer(), executable: [1, 2, 3, 4]).read(paths: paths) == nil)
        #expect(RuleCache(directory: dir, files: files, normalizer: Normalizer(foldTaMarbuta: false)).read(paths: paths) == nil)
        // Lists with one type more at the end: the same indices, the cache fits.
        var b = GazetteerBuilder()
        try b.add("الرئيس", type: "TITLE")
        try b.add("منطقتي", type: "LOC_DESIGNATOR")
        try b.add("في", type: "COMMON")
        b.declare(type: "ZZZ_EXTRA")
        let more = b.build()
        let base = try ruleTestGazetteer().typeNames
        #expect(more.typeNames.starts(with: base) && more.typeNames.count > base.count)
        #expect(try load(dir, paths, gazetteer: more).cached)
        // Lists without the helper types: @TITLE has another index, compiled again, and the cache
        // rewritten for these lists.
        var c = GazetteerBuilder()
        c.typeNames = Gazetteer.entityTypes + ["ZZZ"] + Gazetteer.helperTypes
        c.typeIndex = Dictionary(uniqueKeysWithValues: c.typeNames.enumerated().map { ($1, $0) })
        let shifted = c.build()
        let title = try ruleTestGazetteer().typeID("TITLE")
        #expect(shifted.typeID("TITLE") != title)
        var (rules, cached) = try load(dir, paths, gazetteer: shifted)
        #expect(!cached)
        #expect(rules.rules[0].code.conditions[0].listA == shifted.typeID("TITLE"))
        (rules, cached) = try load(dir, paths, gazetteer: shifted)
        #expect(cached)
        #expect(rules.rules[0].code.conditions[0].listA == shifted.typeID("TITLE"))
    }

    /// A cache that cannot be written (its place taken by a folder) is no error and leaves no
    /// temporary file behind; an extra rule file goes on top of cached rules as on top of compiled ones.
    @Test func anUnwritableCacheIsNoErrorAndExtraFilesStillLoad() throws {
        let (dir, paths) = try folder()
        try FileManager.default.createDirectory(atPath: cache(dir), withIntermediateDirectories: false)
        let (rules, cached) = try load(dir, paths)
        #expect(!cached && rules.rules.count == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == [RuleCache.fileName, "rules"])
        try FileManager.default.removeItem(atPath: cache(dir))
        _ = try load(dir, paths)
        let extra = try temporaryFile(named: "mine.rules", "rule mine\n  type: LOC\n  pattern: \"في\" [word]\n")
        let g = try ruleTestGazetteer()
        let p = RuleSet.prepare(shipped: paths, extra: [extra], cacheDirectory: dir, normalizer: g.normalizer)
        #expect(p.cached != nil)
        #expect(try RuleSet.load(prepared: p, gazetteer: g).rules.map(\.name) == ["after-title", "regions", "council", "mine"])
        // A name defined twice, across the cached and the extra rules, is still refused.
        let twice = try temporaryFile(named: "twice.rules", "rule council\n  type: LOC\n  pattern: \"في\" [word]\n")
        let q = RuleSet.prepare(shipped: paths, extra: [twice], cacheDirectory: dir, normalizer: g.normalizer)
        #expect(q.cached != nil)
        #expect(throws: WasimError.self) { try RuleSet.load(prepared: q, gazetteer: g) }
    }
}
