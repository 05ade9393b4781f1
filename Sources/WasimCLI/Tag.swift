import ArgumentParser
import Foundation
import Wasim

struct Tag: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tag files, folders (every *.txt below them) or standard input ('-').",
        discussion: """
            Writes one JSON Lines record per document to standard output:
              {"path": "news/a.txt", "entities": [{"type": "LOC", "start": 78, "end": 84, "text": "العراق", "source": "gazetteer:countries.tsv"}]}
            A file that cannot be read as text gets {"path": ..., "error": ...} and a line on
            standard error; the other files are still tagged. Exit status: 0 if every file was
            tagged, 1 if any failed, 2 for a usage error.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl, tokens
    }

    @Argument(help: ArgumentHelp("Files, folders or '-' for standard input.", valueName: "path"))
    var paths: [String]

    @Option(help: "Output: jsonl (entities) or tokens (segmentation, normalized forms, proclitics).")
    var format: Format = .jsonl

    @Flag(help: "Replace invalid UTF-8 with U+FFFD instead of failing the file.")
    var lossy = false

    @OptionGroup var pipelineArguments: PipelineArguments

    mutating func run() throws {
        let pipeline = try Wasim.pipeline(pipelineArguments.options())
        var failed = false
        for input in try Inputs.expand(paths) {
            let line: String
            do {
                let bytes = try Inputs.read(input)
                let document = try TextDecoder.document(from: bytes, path: input, lossy: lossy)
                try pipeline.run(document)
                line = format == .tokens ? JSON.tokens(document) : JSON.record(document)
            } catch {
                failed = true
                line = JSON.errorRecord(path: input, error: "\(error)")
                FileHandle.standardError.write(Data("wasim: \(input): \(error)\n".utf8))
            }
            print(line)
        }
        if failed { throw ExitCode(1) }
    }
}

enum Inputs {
    /// Files as given, and the *.txt files below folders, sorted by path.
    static func expand(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDir: ObjCBool = false
            if path != "-", fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
                let base = path.hasSuffix("/") ? String(path.dropLast()) : path
                let found = (fm.enumerator(atPath: path)?.compactMap { $0 as? String } ?? [])
                    .filter { $0.hasSuffix(".txt") }.sorted().map { base + "/" + $0 }
                out.append(contentsOf: found)
            } else {
                out.append(path)
            }
        }
        return out
    }

    static func read(_ path: String) throws -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WasimError.input("cannot read file")
        }
        return Array(data)
    }
}
