import Foundation
import FoundationXML
import Testing
@testable import Wasim
@testable import WasimBatch
@testable import WasimEvaluation
#if canImport(Glibc)
import Glibc
import WasimTestSupport
#endif

/// Tags the listed words (and their forms with proclitics) as entities, so that batch tests
/// have entities whatever the default lists hold.
struct WordListStage: Stage {
    let name = "word-list"
    let requires: Set<Capability> = [.normalizedForms]
    let provides: Set<Capability> = [.gazetteerCandidates]
    let types: [UInt64: EntityType]

    init(_ words: [String: EntityType]) {
        var t: [UInt64: EntityType] = [:]
        for (w, type) in words { t[Normalizer().key(w)] = type }
        types = t
    }

    func process(_ document: Document) throws {
        for (i, token) in document.tokens.enumerated() {
            var start = token.start
            var type = types[token.hash]
            if type == nil, let a = document.analyses(of: token).first(where: { types[$0.hash] != nil }) {
                type = types[a.hash]
                start = token.start + a.prefixLength
            }
            if let type {
                document.candidates.append(Entity(type: type, start: start, end: token.end,
                                                  tokens: Int32(i)..<Int32(i + 1), source: "list:test"))
            }
        }
    }
}

let testPipeline = try! Pipeline([Segmentation(), Normalization(),
                                  WordListStage(["بغداد": .location, "العراق": .location, "أحمد": .person, "الأمم": .organization]),
                                  ConflictResolution()])

final class MemoryOutput: BatchOutput {
    var bytes: [UInt8] = []
    func write(_ b: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: b) }
    func flush() {}
    var text: String { String(decoding: bytes, as: UTF8.self) }
    var lines: [String] { text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
}

/// A fresh folder under the system's temporary folder.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "wasim-batch-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ rel: String, _ bytes: [UInt8]) -> String {
        let full = path + "/" + rel
        try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: full, contents: Data(bytes)))
        return full
    }

    @discardableResult
    func write(_ rel: String, _ text: String) -> String { write(rel, Array(text.utf8)) }

    /// Every file below a folder (hidden ones too), relative path → contents.
    func tree(_ rel: String) -> [String: [UInt8]] {
        let root = path + "/" + rel
        var out: [String: [UInt8]] = [:]
        for case let f as String in FileManager.default.enumerator(atPath: root) ?? FileManager.default.enumerator(atPath: "/nonexistent")! {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + f, isDirectory: &isDir), !isDir.boolValue {
                out[f] = Array(FileManager.default.contents(atPath: root + "/" + f)!)
            }
        }
        return out
    }
}

func runBatch(_ paths: [String], _ configure: (inout BatchOptions) -> Void = { _ in },
              pipeline: Pipeline = testPipeline) throws -> (out: MemoryOutput, log: MemoryOutput, summary: BatchSummary) {
    var options = BatchOptions()
    options.jobs = 1
    configure(&options)
    let out = MemoryOutput(), log = MemoryOutput()
    let source = ListSource(InputWalker.items(paths, glob: options.glob, shard: options.shard,
                                              checkNames: options.outputDirectory != nil))
    let summary = try BatchRunner(pipeline: pipeline, options: options).run(source, output: out, log: log)
    return (out, log, summary)
}

/// Code-point slice, as Python's text[start:end].
func slice(_ text: String, _ start: Int, _ end: Int) -> String {
    let scalars = Array(text.unicodeScalars)
    var s = String.UnicodeScalarView()
    s.append(contentsOf: scalars[start..<end])
    return String(s)
}

struct ParsedEntity: Equatable {
    var type: String
    var start: Int
    var end: Int
    var text: String
}

func entities(ofRecord line: String) -> [ParsedEntity] {
    let object = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    return (object["entities"] as! [[String: Any]]).map {
        ParsedEntity(type: $0["type"] as! String, start: $0["start"] as! Int, end: $0["end"] as! Int, text: $0["text"] as! String)
    }
}

/// An output that fails every write the way a closed pipe does.
final class ClosedPipeOutput: BatchOutput {
    var attempts = 0
    func write(_ b: UnsafeRawBufferPointer) throws { attempts += 1; throw OutputWriteError(code: EPIPE) }
    func flush() throws {}
}

@Suite struct BatchTests {
    // MARK: output errors

    @Test func aFailedOutputWriteStopsTheRunAndIsThrownNotExited() throws {
        let t = TempDir()
        for i in 0..<20 { t.write("c/\(i).txt", "زار أحمد بغداد") }
        let out = ClosedPipeOutput(), log = MemoryOutput()
        var options = BatchOptions()
        options.jobs = 2
        #expect(throws: OutputWriteError(code: EPIPE)) {
            try BatchRunner(pipeline: testPipeline, options: options)
                .run(ListSource(InputWalker.items([t.path + "/c"])), output: out, log: log)
        }
        // The first failed write stops the stream: no retry for every later article.
        #expect(out.attempts == 1)
        #expect(log.lines == [])
    }

    // MARK: bad input

    @Test func everyBadInputClassGivesAnErrorRecordAndTheBatchGoesOn() throws {
        let t = TempDir()
        t.write("c/a-good.txt", "زار أحمد بغداد")
        t.write("c/b-empty.txt", "")
        t.write("c/c-invalid.txt", Array("سلام".utf8) + [0xFF] + Array("x".utf8))
        t.write("c/d-nul.txt", Array("abc".utf8) + [0] + Array("d".utf8))
        t.write("c/e-bom-only.txt", [0xEF, 0xBB, 0xBF])
        t.write("c/z-good.txt", "بغداد")
        try FileManager.default.createSymbolicLink(atPath: t.path + "/c/f-loop.txt", withDestinationPath: "f-loop.txt")
        try FileManager.default.createSymbolicLink(atPath: t.path + "/c/sub", withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(atPath: t.path + "/c/g-dangling.txt", withDestinationPath: "nowhere.txt")
        let r = try runBatch([t.path + "/c"])
        let c = t.path + "/c"
        #expect(r.out.lines == [
            #"{"path": "\#(c)/a-good.txt", "entities": [{"type": "PER", "start": 4, "end": 8, "text": "أحمد", "source": "list:test"}, {"type": "LOC", "start": 9, "end": 14, "text": "بغداد", "source": "list:test"}]}"#,
            #"{"path": "\#(c)/b-empty.txt", "error": "empty file"}"#,
            #"{"path": "\#(c)/c-invalid.txt", "error": "invalid UTF-8 at byte 8"}"#,
            #"{"path": "\#(c)/d-nul.txt", "error": "binary content (NUL byte at byte 3)"}"#,
            #"{"path": "\#(c)/e-bom-only.txt", "error": "empty file"}"#,
            #"{"path": "\#(c)/f-loop.txt", "error": "symlink loop (too many levels of symbolic links)"}"#,
            #"{"path": "\#(c)/g-dangling.txt", "error": "broken symbolic link"}"#,
            #"{"path": "\#(c)/sub", "error": "symlink loop (leads back to \#(c))"}"#,
            #"{"path": "\#(c)/z-good.txt", "entities": [{"type": "LOC", "start": 0, "end": 5, "text": "بغداد", "source": "list:test"}]}"#,
        ])
        #expect(r.log.lines == [
            "wasim: \(c)/b-empty.txt: empty file",
            "wasim: \(c)/c-invalid.txt: invalid UTF-8 at byte 8",
            "wasim: \(c)/d-nul.txt: binary content (NUL byte at byte 3)",
            "wasim: \(c)/e-bom-only.txt: empty file",
            "wasim: \(c)/f-loop.txt: symlink loop (too many levels of symbolic links)",
            "wasim: \(c)/g-dangling.txt: broken symbolic link",
            "wasim: \(c)/sub: symlink loop (leads back to \(c))",
        ])
        #expect(r.summary.files == 9 && r.summary.tagged == 2 && r.summary.failed == 7)
        #expect(r.summary.entities == ["PER": 1, "LOC": 2])
    }

    @Test func lossyReplacesInvalidBytes() throws {
        let t = TempDir()
        let f = t.write("bad.txt", Array("بغداد ".utf8) + [0xFF] + Array(" بغداد".utf8))
        let r = try runBatch([f]) { $0.lossy = true }
        #expect(r.summary.failed == 0)
        #expect(entities(ofRecord: r.out.lines[0]).map(\.start) == [0, 8])
    }

    @Test func byteOrderMarkIsStrippedAndOffsetsCountFromAfterIt() throws {
        let t = TempDir()
        let f = t.write("bom.txt", [0xEF, 0xBB, 0xBF] + Array("وصل إلى بغداد".utf8))
        let r = try runBatch([f])
        #expect(entities(ofRecord: r.out.lines[0]) == [ParsedEntity(type: "LOC", start: 8, end: 13, text: "بغداد")])
    }

    @Test func crlfOffsetsCountTheCarriageReturnAndNoTokenHoldsIt() throws {
        let t = TempDir()
        let text = "سطر أول\r\nزار بغداد\r\n"
        let f = t.write("crlf.txt", text)
        let r = try runBatch([f])
        let found = entities(ofRecord: r.out.lines[0])
        #expect(found == [ParsedEntity(type: "LOC", start: 13, end: 18, text: "بغداد")])
        #expect(slice(text, 13, 18) == "بغداد")
        let conll = try runBatch([f]) { $0.format = .conll }.out.text
        #expect(conll == "# path = \(f)\nسطر\tO\nأول\tO\n\nزار\tO\nبغداد\tB-LOC\n\n")
        let tokens = try runBatch([f]) { $0.format = .tokens }.out.text
        #expect(!tokens.contains("\\r"))
    }

    @Test func aHugeLineIsTaggedInPiecesWithWholeFileOffsets() throws {
        // The same logic as a 100 MB file with no line end, at a scale a test can afford:
        // pieces of 64 bytes instead of 1 MB.
        let t = TempDir()
        let unit = "زار أحمد بغداد ثم عاد. "
        let text = String(repeating: unit, count: 200)
        let f = t.write("long.txt", text)
        let whole = try runBatch([f])
        let pieces = try runBatch([f]) { $0.chunkBytes = 64 }
        let found = entities(ofRecord: pieces.out.lines[0])
        #expect(found.count == 400)
        #expect(pieces.out.text == whole.out.text)
        for e in found { #expect(slice(text, e.start, e.end) == e.text) }
        for format in [BatchFormat.tokens, .conll] {
            let a = try runBatch([f]) { $0.format = format }.out.text
            let b = try runBatch([f]) { $0.format = format; $0.chunkBytes = 64 }.out.text
            if format == .conll {
                #expect(a == b)
            } else {
                // Pieces may split a sentence ICU would have kept; only the token offsets must agree.
                let offsets = { (s: String) in s.split(separator: "\n").compactMap { l -> String? in
                    l.range(of: #""start": \d+, "end": \d+"#, options: .regularExpression).map { String(l[$0]) } } }
                #expect(offsets(a) == offsets(b))
            }
        }
    }

    @Test func anErrorInALaterPieceNamesTheByteInTheWholeFile() throws {
        let t = TempDir()
        let f = t.write("late.txt", Array(String(repeating: "بغداد ", count: 30).utf8) + [0xC3] + Array(" بغداد".utf8))
        let r = try runBatch([f]) { $0.chunkBytes = 64 }
        #expect(r.out.lines == [#"{"path": "\#(f)", "error": "invalid UTF-8 at byte 330"}"#])
        let limited = try runBatch([f]) { $0.maxBytes = 100 }
        #expect(limited.out.lines == [#"{"path": "\#(f)", "error": "file too large (342 bytes; --max-bytes is 100)"}"#])
    }

    @Test func unreadableAndVanishedFiles() throws {
        let t = TempDir()
        let gone = t.write("c/gone.txt", "بغداد")
        let unreadable: String
        let expected: String
        if getuid() == 0 {
            // root reads any file: a file whose read fails stands in for an unreadable one.
            unreadable = t.path + "/c/io.txt"
            try FileManager.default.createSymbolicLink(atPath: unreadable, withDestinationPath: "/proc/self/mem")
            expected = "cannot read: Input/output error"
        } else {
            unreadable = t.write("c/io.txt", "بغداد")
            chmod(unreadable, 0)
            expected = "cannot read: permission denied"
        }
        let items = InputWalker.items([t.path + "/c"])
        try FileManager.default.removeItem(atPath: gone)
        let out = MemoryOutput(), log = MemoryOutput()
        var options = BatchOptions()
        options.jobs = 2
        let summary = try BatchRunner(pipeline: testPipeline, options: options).run(ListSource(items), output: out, log: log)
        #expect(out.lines == [
            #"{"path": "\#(gone)", "error": "file vanished during the run"}"#,
            #"{"path": "\#(unreadable)", "error": "\#(expected)"}"#,
        ])
        #expect(log.lines.count == 2)
        #expect(summary.failed == 2)
    }

    // MARK: order, shards, resume

    @Test func stdoutOrderIsInputOrderWithTwoJobs() throws {
        let t = TempDir()
        for i in 0..<120 {
            // Uneven sizes so that workers finish out of order.
            t.write(String(format: "d%d/%03d.txt", i % 3, i), String(repeating: "زار أحمد بغداد. ", count: (i * 37) % 50 + 1))
        }
        let one = try runBatch([t.path]) { $0.jobs = 1 }
        let two = try runBatch([t.path]) { $0.jobs = 2; $0.queueDepthPerJob = 2 }
        #expect(two.out.text == one.out.text)
        let paths = two.out.lines.map { ($0.split(separator: "\"")[3]) }
        #expect(paths == paths.sorted())
        #expect(paths.count == 120)
    }

    @Test func shardsCoverTheCorpusExactlyOnce() throws {
        let t = TempDir()
        for i in 0..<60 { t.write("corpus/\(i % 4)/\(i).txt", "بغداد \(i)") }
        let all = Set(InputWalker.items([t.path + "/corpus"]).map(\.name))
        var union: [String] = []
        for i in 1...3 {
            union += InputWalker.items([t.path + "/corpus"], shard: Shard(index: i, count: 3)).map(\.name)
        }
        #expect(union.count == 60)
        #expect(Set(union) == all)
        // Stable: a new file does not move the others.
        let before = Set(InputWalker.items([t.path + "/corpus"], shard: Shard("2/3")).map(\.name))
        t.write("corpus/9/new.txt", "بغداد")
        let after = Set(InputWalker.items([t.path + "/corpus"], shard: Shard("2/3")).map(\.name))
        #expect(after.subtracting(["9/new"]) == before)
        // Three shards into one folder = one run.
        for i in 1...3 { _ = try runBatch([t.path + "/corpus"]) { $0.outputDirectory = t.path + "/sharded"; $0.shard = Shard(index: i, count: 3) } }
        _ = try runBatch([t.path + "/corpus"]) { $0.outputDirectory = t.path + "/whole" }
        #expect(t.tree("sharded") == t.tree("whole"), "shards and one run differ")
        #expect(t.tree("whole").count == 61)
        #expect(Shard("0/3") == nil && Shard("4/3") == nil && Shard("a/b") == nil)
    }

    @Test func resumeAfterAPartialRunCompletesExactlyTheRest() throws {
        let t = TempDir()
        for i in 0..<30 { t.write("corpus/\(i % 3)/\(i).txt", "زار أحمد بغداد \(i)") }
        _ = try runBatch([t.path + "/corpus/1"]) { $0.outputDirectory = t.path + "/out/1"; $0.format = .brat }
        let resumed = try runBatch([t.path + "/corpus"]) { $0.outputDirectory = t.path + "/out"; $0.format = .brat; $0.resume = true }
        #expect(resumed.summary.skipped == 10 && resumed.summary.tagged == 20)
        _ = try runBatch([t.path + "/corpus"]) { $0.outputDirectory = t.path + "/full"; $0.format = .brat }
        // annotation.conf of the partial run sits in out/1; everything else must agree.
        var partial = t.tree("out")
        partial["1/annotation.conf"] = nil
        partial["1/visual.conf"] = nil
        #expect(partial == t.tree("full"), "resumed and full runs differ")
        // A newer input is tagged again.
        let input = t.path + "/corpus/0/0.txt"
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: input)
        let again = try runBatch([t.path + "/corpus"]) { $0.outputDirectory = t.path + "/out"; $0.format = .brat; $0.resume = true }
        #expect(again.summary.tagged == 1 && again.summary.skipped == 29)
    }

    @Test func resumeAfterKill9EqualsAnUninterruptedRun() throws {
        let t = TempDir()
        let count = 1500
        for i in 0..<count {
            t.write(String(format: "corpus/%02d/%04d.txt", i % 20, i), String(repeating: "زار أحمد بغداد والعراق. ", count: 20 + i % 30))
        }
        let exe = try #require(wasimExecutable(), "run `swift build` first")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["tag", "--quiet", "--jobs", "2", "--output", "out", "corpus"]
        p.currentDirectoryURL = URL(fileURLWithPath: t.path)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Kill it once some outputs exist.
        var done = 0
        while p.isRunning {
            done = (FileManager.default.enumerator(atPath: t.path + "/out")?.allObjects.count ?? 0)
            if done >= 60 { break }
            usleep(2000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let partial = t.tree("out").keys.filter { $0.hasSuffix(".jsonl") }.count
        #expect(partial > 0 && partial < count, "the run must be killed half-way (it wrote \(partial) of \(count))")

        let resumed = try runCLI(["tag", "--jobs", "2", "--resume", "--output", "out", "corpus"], cwd: t.path)
        #expect(resumed.status == 0)
        #expect(resumed.stderr.contains("\(count) files (\(count - partial) tagged, \(partial) skipped as up to date, 0 failed)"))
        let full = try runCLI(["tag", "--quiet", "--output", "full", "corpus"], cwd: t.path)
        #expect(full.status == 0)
        let a = t.tree("out"), b = t.tree("full")
        #expect(a.count == count && b.count == count)
        let differing = Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
        #expect(differing.isEmpty, "outputs differ: \(differing.prefix(5))")
    }

    // MARK: formats

    @Test func bratFilesParseBackToTheSameSpans() throws {
        let t = TempDir()
        t.write("in/a.txt", [0xEF, 0xBB, 0xBF] + Array("قالت الأمم المتحدة إن أحمد\r\nوصل إلى بغداد والعراق 😀 بغداد".utf8))
        t.write("in/deep/b.txt", "للأمم وبغداد")
        let jsonl = try runBatch([t.path + "/in"])
        let brat = try runBatch([t.path + "/in"]) { $0.format = .brat; $0.outputDirectory = t.path + "/brat" }
        #expect(brat.summary.failed == 0)
        #expect(t.tree("brat").keys.sorted() == ["a.ann", "a.txt", "annotation.conf", "deep/b.ann", "deep/b.txt", "visual.conf"])
        for (k, rel) in ["a", "deep/b"].enumerated() {
            let text = try String(contentsOfFile: t.path + "/brat/\(rel).txt", encoding: .utf8)
            let ann = try String(contentsOfFile: t.path + "/brat/\(rel).ann", encoding: .utf8)
            var parsed: [ParsedEntity] = []
            for (n, line) in ann.split(separator: "\n").enumerated() {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                #expect(fields.count == 3 && fields[0] == "T\(n + 1)")
                let span = fields[1].split(separator: " ")
                let e = ParsedEntity(type: String(span[0]), start: Int(span[1])!, end: Int(span[2])!, text: String(fields[2]))
                #expect(slice(text, e.start, e.end) == e.text)
                parsed.append(e)
            }
            #expect(parsed == entities(ofRecord: jsonl.out.lines[k]))
        }
        #expect(entities(ofRecord: jsonl.out.lines[0]).count == 5)
        #expect(try String(contentsOfFile: t.path + "/brat/annotation.conf", encoding: .utf8)
                == "[entities]\nPER\nORG\nLOC\nNUMRANGE\n[relations]\n[events]\n[attributes]\n")
    }

    @Test func htmlPagesAreWellFormedAndHoldEveryEntity() throws {
        let t = TempDir()
        t.write("in/a.txt", "قالت الأمم <b>&\"المتحدة\"</b> إن أحمد\nوصل إلى بغداد\u{1}.")
        t.write("in/sub/ب c.txt", "زار أحمد العراق")
        t.write("in/bad.txt", [0xFF])
        let jsonl = try runBatch([t.path + "/in"])
        let html = try runBatch([t.path + "/in"]) { $0.format = .html; $0.outputDirectory = t.path + "/html" }
        #expect(html.summary.failed == 1)
        #expect(t.tree("html").keys.sorted() == ["a.html", "index.html", "sub/ب c.html"])
        for (line, rel) in [(jsonl.out.lines[0], "a"), (jsonl.out.lines[2], "sub/ب c")] {
            let doc = try XMLDocument(contentsOf: URL(fileURLWithPath: t.path + "/html/\(rel).html"), options: [])
            let root = try #require(doc.rootElement())
            #expect(root.name == "html" && root.attribute(forName: "dir")?.stringValue == "rtl")
            let marks = try doc.nodes(forXPath: "//mark") as! [XMLElement]
            let expected = entities(ofRecord: line)
            #expect(expected.count >= 2)
            #expect(marks.map { $0.stringValue ?? "" } == expected.map(\.text))
            #expect(marks.map { $0.attribute(forName: "data-type")?.stringValue ?? "" } == expected.map(\.type))
            #expect(marks.allSatisfy { $0.attribute(forName: "title")?.stringValue?.contains("list:test") == true })
            let article = try #require(try doc.nodes(forXPath: "//article").first)
            let source = try String(contentsOfFile: t.path + "/in/\(rel).txt", encoding: .utf8)
            #expect(article.stringValue == source.replacingOccurrences(of: "\u{1}", with: "\u{FFFD}"))
            // A legend item per type, and the hover hint.
            #expect(try doc.nodes(forXPath: "//p[@class='legend']/bdi[starts-with(@class, 't-')]").count == 4)
            #expect(try doc.nodes(forXPath: "//p[@class='legend']/bdi[@class='hint']").count == 2)
        }
        let index = try XMLDocument(contentsOf: URL(fileURLWithPath: t.path + "/html/index.html"), options: [])
        let links = try index.nodes(forXPath: "//td/a") as! [XMLElement]
        #expect(links.map { $0.attribute(forName: "href")?.stringValue ?? "" } == ["a.html", "sub/%D8%A8%20c.html"])
        let errors = try index.nodes(forXPath: "//tr[@class='error']")
        #expect(errors.map { $0.stringValue ?? "" } == ["\(t.path)/in/bad.txt: invalid UTF-8 at byte 0"])
    }

    @Test func conllSplitsProcliticsOffEntities() throws {
        let t = TempDir()
        let f = t.write("a.txt", "زار أحمد والعراق. ثم بغداد")
        let r = try runBatch([f]) { $0.format = .conll }
        #expect(r.out.text == "# path = \(f)\nزار\tO\nأحمد\tB-PER\nو\tO\nالعراق\tB-LOC\n.\tO\n\nثم\tO\nبغداد\tB-LOC\n\n")
    }

    // MARK: JSON Lines input

    @Test func jsonlInputCarriesIds() throws {
        let t = TempDir()
        let f = t.write("in.jsonl", """
            {"id": "doc/1", "text": "زار أحمد بغداد"}
            {"id": 42, "text": "العراق"}

            not json
            {"id": "x"}
            {"id": "dup", "text": "بغداد"}
            {"id": "dup", "text": "بغداد"}

            """)
        let fd = open(f, O_RDONLY)
        defer { close(fd) }
        let out = MemoryOutput(), log = MemoryOutput()
        var options = BatchOptions()
        options.jobs = 2
        let summary = try BatchRunner(pipeline: testPipeline, options: options)
            .run(JSONLSource(fileDescriptor: fd), output: out, log: log)
        #expect(out.lines == [
            #"{"id": "doc/1", "entities": [{"type": "PER", "start": 4, "end": 8, "text": "أحمد", "source": "list:test"}, {"type": "LOC", "start": 9, "end": 14, "text": "بغداد", "source": "list:test"}]}"#,
            #"{"id": "42", "entities": [{"type": "LOC", "start": 0, "end": 6, "text": "العراق", "source": "list:test"}]}"#,
            #"{"error": "line 4: not a JSON object"}"#,
            #"{"id": "x", "error": "line 5: no string \"text\""}"#,
            #"{"id": "dup", "entities": [{"type": "LOC", "start": 0, "end": 5, "text": "بغداد", "source": "list:test"}]}"#,
            #"{"id": "dup", "entities": [{"type": "LOC", "start": 0, "end": 5, "text": "بغداد", "source": "list:test"}]}"#,
        ])
        #expect(summary.failed == 2)
        #expect(InputWalker.safeName("../a b/ج") == "%2E.%2Fa%20b%2Fج")
    }

    // MARK: the command

    @Test func cliTagsAFolderWithBadFilesAndExitsWithOne() throws {
        let t = TempDir()
        t.write("news/good.txt", "وصل الرئيس إلى بغداد")
        t.write("news/empty.txt", "")
        t.write("news/invalid.txt", Array("abc".utf8) + [0xC3, 0x28])
        let r = try runCLI(["tag", "news"], cwd: t.path)
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == #"{"path": "news/empty.txt", "error": "empty file"}"#)
        #expect(lines[1].hasPrefix(#"{"path": "news/good.txt", "entities": ["#))
        #expect(lines[2] == #"{"path": "news/invalid.txt", "error": "invalid UTF-8 at byte 3"}"#)
        #expect(r.stderr.contains("wasim: news/empty.txt: empty file\n"))
        #expect(r.stderr.contains("wasim: news/invalid.txt: invalid UTF-8 at byte 3\n"))
        #expect(r.stderr.contains("3 files (1 tagged, 2 failed)"))
        #expect(!r.stderr.contains("\r"))

        let ok = try runCLI(["tag", "-q", "--jobs", "2", "news/good.txt", "-"], stdin: "وصل الرئيس إلى بغداد", cwd: t.path)
        #expect(ok.status == 0 && ok.stderr == "")
        let records = ok.stdout.split(separator: "\n").map(String.init)
        #expect(records.count == 2 && records[1].hasPrefix(#"{"path": "-", "entities": ["#))

        let jsonl = try runCLI(["tag", "-q", "--jsonl-input"], stdin: #"{"id": "a1", "text": "زار الوفد القاهرة"}"# + "\n", cwd: t.path)
        #expect(jsonl.status == 0 && jsonl.stdout.hasPrefix(#"{"id": "a1", "entities": ["#))

        for usage in [["tag", "--format", "brat", "news"], ["tag", "--resume", "news"], ["tag", "--shard", "4/3", "news"], ["tag"]] {
            #expect(try runCLI(usage, cwd: t.path).status == 2, "\(usage)")
        }
    }
}
