import Foundation
import Testing
@testable import Wasim
@testable import WasimBatch
@testable import WasimEvaluation

func temporaryFile(named name: String, _ content: String) throws -> String {
    let dir = NSTemporaryDirectory() + "wasim-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/" + name
    try content.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// A gazetteer of these (surface, type) entries, as `GazetteerBuilder.add` takes them.
func gazetteer(_ entries: [(String, String)]) throws -> Gazetteer {
    var b = GazetteerBuilder()
    for (surface, type) in entries { try b.add(surface, type: type) }
    return b.build()
}

/// Segmentation, normalization and matching of the given lists only.
func gazetteerPipeline(_ g: Gazetteer) throws -> Pipeline {
    try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g), ConflictResolution()])
}

func found(_ d: Document) -> [String] {
    d.entities.map { "\($0.type) \(d.text(of: $0))" + ($0.id.map { " " + $0 } ?? "") }
}

/// What loading `content` as a list file says: its error with the path written `bad.tsv`, or "no error".
func gazetteerLoadError(_ content: String) throws -> String {
    let path = try temporaryFile(named: "bad.tsv", content)
    var b = GazetteerBuilder()
    do {
        try b.load(path: path, name: "bad.tsv")
    } catch let e as WasimError {
        return e.description.replacingOccurrences(of: path, with: "bad.tsv")
    }
    return "no error"
}

@Suite struct GazetteerTests {
    func small() throws -> Gazetteer {
        var b = GazetteerBuilder()
        try b.add("الأمم المتحدة", type: "ORG", id: "org:un")
        try b.add("العراق", type: "LOC", id: "country:IQ")
        try b.add("الولايات", type: "LOC")
        try b.add("الولايات المتحدة", type: "LOC", id: "country:US")
        try b.add("داعش", type: "ORG", id: "org:isis")
        try b.add("تنظيم الدولة الإسلامية", type: "ORG", id: "org:isis")
        try b.add("سلام", type: "PER")
        try b.add("سلام", type: "AMBIGUOUS")
        try b.add("بريطانيا", type: "LOC")
        return b.build()
    }

    @Test func proclitcsStayOutsideTheSpan() throws {
        let d = try gazetteerPipeline(small()).tag("قال للأمم المتحدة إن والعراق وبتنظيم الدولة الإسلامية ولداعش")
        #expect(found(d) == ["ORG لأمم المتحدة org:un", "LOC العراق country:IQ", "ORG تنظيم الدولة الإسلامية org:isis", "ORG داعش org:isis"])
    }

    @Test func longestMatchAndWholeWordFirst() throws {
        // بريطانيا begins with ب but is matched whole; الولايات المتحدة beats الولايات.
        let d = try gazetteerPipeline(small()).tag("بين بريطانيا والولايات المتحدة")
        #expect(found(d) == ["LOC بريطانيا", "LOC الولايات المتحدة country:US"])
    }

    @Test func ambiguousEntriesAreNeverTaggedAlone() throws {
        let d = try gazetteerPipeline(small()).tag("حل سلام في العراق")
        #expect(found(d) == ["LOC العراق country:IQ"])
        // The lookup is still there for the rules to read.
        let g = try small()
        #expect(d.lookups.contains { $0.list == g.typeID("PER")! && d.text(of: d.tokens[Int($0.tokens.lowerBound)]) == "سلام" })
    }

    @Test func variantsShareAnIdAcrossFiles() throws {
        var b = GazetteerBuilder()
        let a = try temporaryFile(named: "a.tsv", "داعش\tORG\torg:isis\n")
        let c = try temporaryFile(named: "c.tsv", "# priority: 40\nداعش\tORG\n")
        try b.load(path: a, name: "a.tsv")
        try b.load(path: c, name: "c.tsv")
        let d = try gazetteerPipeline(b.build()).tag("هاجم داعش")
        #expect(d.entities.map(\.source) == ["gazetteer:c.tsv"])
        #expect(d.entities.map(\.id) == ["org:isis"])
    }

    @Test func malformedLinesNameTheFileAndLine() throws {
        let error = gazetteerLoadError
        #expect(try error("# header\nالعراق\n") == "bad.tsv:2:1: missing type: expected surface<TAB>TYPE[<TAB>id]\n    العراق\n    ^")
        #expect(try error("مصر\tLOC\nسوريا\tCITY\n").hasPrefix("bad.tsv:2:7: unknown type 'CITY' (known: PER, ORG, LOC, GIVEN_NAME"))
        #expect(try error("مصر\tLOC\n  \tLOC\n") == "bad.tsv:2:1: empty surface\n       LOC\n    ^")
        #expect(try error("مصر\tLOC\tid\textra\n") == "bad.tsv:1:1: too many fields: expected surface<TAB>TYPE[<TAB>id]\n    مصر LOC id extra\n    ^")
        #expect(try error("مصر\t\n") == "bad.tsv:1:5: missing type\n    مصر \n        ^")
    }

    @Test func declaredHelperTypesLoad() throws {
        let path = try temporaryFile(named: "units.tsv", "# declare-types: CURRENCY\nدينار\tCURRENCY\n")
        var b = GazetteerBuilder()
        try b.load(path: path, name: "units.tsv")
        let g = b.build()
        #expect(g.typeID("CURRENCY") != nil)
        let d = try gazetteerPipeline(g).tag("مليون دينار")
        #expect(d.entities.isEmpty)
        #expect(d.lookups.map { g.typeName($0.list) } == ["CURRENCY"])
    }

    /// More lookups at one token than matching first makes room for (two a token, and sixteen):
    /// they are all kept, in the order of their entries.
    @Test func manyLookupsOnOneTokenAreAllKept() throws {
        var b = GazetteerBuilder()
        let types = ["LOC", "TITLE", "NISBA", "GIVEN_NAME"]
        for k in 0..<40 { try b.add("مصر", type: types[k % types.count], file: "list\(k).tsv") }
        let d = try gazetteerPipeline(b.build()).tag("مصر")
        #expect(d.lookups.map(\.entry) == (0..<40).map(Int32.init))
        #expect(d.lookups.allSatisfy { $0.tokens == 0..<1 && $0.prefixLength == 0 })
        #expect(d.entities.map(\.type) == [.location])
    }

    @Test func shippedListsLoadWithoutErrors() throws {
        let g = try Gazetteer.load(directory: repositoryRoot.path + "/Gazetteers")
        #expect(g.entryCount > 30_000)
        for name in ["PER", "ORG", "LOC", "TITLE", "VOCAB"] { #expect(g.typeID(name) != nil) }
        let d = try gazetteerPipeline(g).tag("زار وفد من الأمم المتحدة مدينة الموصل")
        #expect(found(d).contains("ORG الأمم المتحدة org:un"))
    }

    @Test func userListsOnTheCommandLine() throws {
        let list = try temporaryFile(named: "mine.tsv", "شركة واسم للبرمجيات\tORG\tmy:wasim\n")
        let text = try temporaryFile(named: "a.txt", "أعلنت شركة واسم للبرمجيات نتائجها")
        let r = try runCLI(["tag", "--gazetteer", list, text], cwd: repositoryRoot.path)
        #expect(r.status == 0)
        #expect(r.stdout.contains(#"{"type": "ORG", "start": 6, "end": 25, "text": "شركة واسم للبرمجيات", "id": "my:wasim", "source": "gazetteer:mine.tsv"}"#))
        let bad = try temporaryFile(named: "bad.tsv", "كلمة\n")
        let e = try runCLI(["tag", "--gazetteer", bad, text], cwd: repositoryRoot.path)
        #expect(e.status != 0)
        #expect(e.stderr.contains("bad.tsv:1:1: missing type"))
    }
}
