import Foundation
import Testing
@testable import Wasim
@testable import WasimBatch
@testable import WasimEvaluation
#if canImport(Glibc)
import Glibc
#endif

// Issue #12's reproducers for inputs: byte-order marks, JSON Lines records, pipes, output folders.

@Suite struct InputEdgeTests {
    /// The entities of a one-record batch as (start, text).
    private func found(_ r: (out: MemoryOutput, log: MemoryOutput, summary: BatchSummary)) -> [String] {
        r.out.lines.flatMap { entities(ofRecord: $0).map { "\($0.start) \($0.text)" } }
    }

    @Test func aByteOrderMarkAtAPieceBoundaryKeepsItsPlace() throws {
        let t = TempDir()
        let n = 1 << 20
        let f = t.write("big.txt", Array(repeating: 0x61, count: n - 1) + [0x0A] + Array("\u{FEFF}بغداد".utf8))
        #expect(try found(runBatch([f])) == ["1048577 بغداد"])
        // A mark whose bytes straddle the end of the read buffer.
        for k in [1, 2] {
            let g = t.write("straddle\(k).txt", Array(repeating: 0x61, count: n - k) + Array("\u{FEFF}بغداد".utf8))
            #expect(try found(runBatch([g])) == ["\(n - k + 1) بغداد"])
        }
        // Only the file's own first mark is dropped.
        let h = t.write("small.txt", Array("\u{FEFF}بغداد\n\u{FEFF}بغداد".utf8))
        #expect(try found(runBatch([h]) { $0.chunkBytes = 16 }) == ["0 بغداد", "7 بغداد"])
    }

    @Test func jsonlInputNeverChangesTheText() throws {
        let t = TempDir()
        let f = t.write("in.jsonl", Array("\u{FEFF}".utf8) + Array(#"""
            {"id": "a", "text": "\n\#u{FEFF}بغداد"}
            {"id": "b", "text": "\#u{FEFF}بغداد"}
            {"id": "c", "text": "\ufeff"}
            {"id": "d", "text": "\ufeffبغداد"}
            {"id": "e", "text": "بغداد"}

            """#.utf8))
        let fd = open(f, O_RDONLY)
        defer { close(fd) }
        let out = MemoryOutput(), log = MemoryOutput()
        let summary = try BatchRunner(pipeline: testPipeline, options: BatchOptions())
            .run(JSONLSource(fileDescriptor: fd), output: out, log: log)
        #expect(out.lines == [
            #"{"id": "a", "entities": [{"type": "LOC", "start": 2, "end": 7, "text": "بغداد", "source": "list:test"}]}"#,
            #"{"id": "b", "entities": [{"type": "LOC", "start": 1, "end": 6, "text": "بغداد", "source": "list:test"}]}"#,
            #"{"id": "c", "entities": []}"#,
            #"{"id": "d", "entities": [{"type": "LOC", "start": 1, "end": 6, "text": "بغداد", "source": "list:test"}]}"#,
            #"{"id": "e", "entities": [{"type": "LOC", "start": 0, "end": 5, "text": "بغداد", "source": "list:test"}]}"#,
        ])
        #expect(summary.failed == 0)
    }

    @Test func goldRecordsKeepARawByteOrderMarkInTheirText() throws {
        let records = try GoldReader.parseJSONLines(#"{"text": "\#u{FEFF}بغداد", "entities": [{"type": "LOC", "start": 1, "end": 6, "text": "بغداد"}]}"#,
                                                    file: "g.jsonl")
        #expect(records.map { Array($0.text.unicodeScalars).count } == [6])
        #expect(records.map { $0.entities.map { "\($0.start)..<\($0.end)" } } == [["1..<6"]])
    }

    @Test func aNamedPipeIsReadAsAStream() throws {
        let t = TempDir()
        let fifo = t.path + "/pipe.txt"
        #expect(mkfifo(fifo, 0o600) == 0)
        // The writer comes after the reader has started: the reader waits for it.
        let writer = Thread {
            usleep(200_000)
            let fd = open(fifo, O_WRONLY)
            let bytes = Array("زار أحمد بغداد".utf8)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        writer.start()
        #expect(try found(runBatch([fifo])) == ["4 أحمد", "9 بغداد"])
    }

    @Test func processSubstitutionIsReadAsAStream() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let bytes = Array("زار أحمد بغداد".utf8)
        _ = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        defer { close(fds[0]) }
        let r = try runBatch(["/dev/fd/\(fds[0])"])
        #expect(found(r) == ["4 أحمد", "9 بغداد"])
        #expect(r.summary.failed == 0)
    }

    @Test func anUnusableOutputFolderIsRefusedOnceInPlainWords() throws {
        let t = TempDir()
        t.write("in/a.txt", "زار أحمد بغداد")
        t.write("in/b.txt", "زار أحمد بغداد")
        t.write("taken", "a file")
        let r = try runCLI(["tag", "--output", "taken", "in"], cwd: t.path)
        #expect(r.status == 2)
        #expect(r.stdout == "")
        #expect(r.stderr == "wasim: --output taken: cannot create it: a file of that name is in the way\n")
        let below = try runCLI(["tag", "--output", "taken/out", "in"], cwd: t.path)
        #expect(below.stderr == "wasim: --output taken/out: cannot create it: a part of the path is a file, not a folder\n")
        #expect(!below.stderr.contains("NSCocoaErrorDomain"))
    }

    @Test func aWriteErrorForOneArticleSaysWhatAndWhere() throws {
        let t = TempDir()
        t.write("in/sub/a.txt", "زار أحمد بغداد")
        t.write("in/b.txt", "زار أحمد بغداد")
        t.write("out/sub", "a file where a folder should be")
        let r = try runBatch([t.path + "/in"]) { $0.outputDirectory = t.path + "/out" }
        #expect(r.summary.failed == 1)
        #expect(r.out.lines == [#"{"path": "\#(t.path)/in/sub/a.txt", "error": "cannot create folder \#(t.path)/out/sub: a file of that name is in the way"}"#])
    }
}
