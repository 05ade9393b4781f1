import ArgumentParser
import Foundation
import Wasim
import WasimBatch
#if canImport(Glibc)
import Glibc
#endif

struct Tag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Tag articles: files, folders (every *.txt below them), standard input ('-') or JSON Lines records.",
        discussion: """
            By default one JSON Lines record per article goes to standard output, in
            input order, whatever --jobs:
              {"path": "news/a.txt", "entities": [{"type": "LOC", "start": 78,
               "end": 84, "text": "العراق", "source": "gazetteer:countries.tsv"}]}
            Offsets are Unicode code points into the text, end exclusive (Python's
            text[start:end]). A UTF-8 byte-order mark is dropped and offsets count
            from after it; a CR LF line end stays in the text (two code points).

            With --output DIR each article gets its own file, at its path under the
            folder given (news/2017/a.txt → DIR/2017/a.jsonl), written under a
            temporary name and renamed: an interrupted run never leaves a partial
            file, and --resume skips the articles whose output is newer than their
            input. Standard output then carries only the error records.

            Formats (--format):
              jsonl   one record per article (the default)
              tokens  every token: offsets, kind, normalized form, proclitics
              conll   token TAB tag (B-LOC, I-PER, O), a blank line after each
                      sentence; a proclitic gets its own line (و O, العراق B-LOC)
              brat    DIR/a.ann (T lines) beside a copy DIR/a.txt, and
                      DIR/annotation.conf: open DIR in brat
              html    DIR/a.html, a right-to-left page with the entities in
                      colour (hover for their source), and DIR/index.html
            brat and html need --output.

            A file that cannot be tagged (invalid UTF-8, NUL bytes, empty,
            unreadable, vanished, a symlink loop) gets {"path": ..., "error": ...}
            on standard output and a line on standard error, and the batch goes on.
            A file of any size is tagged in pieces of about 1 MB cut at line or
            sentence ends, in bounded memory.
            Exit status: 0 if every article was tagged (or skipped by --resume),
            1 if any failed, 2 for a usage error.

            Examples:
              wasim tag corpus/ > corpus.jsonl        every *.txt below corpus/
              wasim tag --glob '*.md' notes/          other file names
              wasim tag -f html -o review/ corpus/    then open review/index.html
              wasim tag -f brat -o brat-data/ corpus/ standoff files for brat
              wasim tag -o out/ --resume corpus/      finish an interrupted run
              wasim tag --shard 3/8 -o out/ corpus/   machine 3 of 8, no coordinator
              echo 'وصل الرئيس إلى بغداد' | wasim tag -
              echo '{"id": "a1", "text": "زار الوفد القاهرة"}' | wasim tag --jsonl-input
            """
    )

    @Argument(help: ArgumentHelp("Files, folders or '-' for standard input.", valueName: "path"))
    var paths: [String] = []

    @Option(name: [.short, .long], help: "jsonl, tokens, conll, brat or html.")
    var format: BatchFormat = .jsonl

    @Option(name: [.short, .long], help: ArgumentHelp("Write one file per article below this folder, mirroring the input tree.", valueName: "dir"))
    var output: String?

    @Flag(help: "With --output: skip articles whose output exists and is newer than the input.")
    var resume = false

    @Option(help: ArgumentHelp("Which files below a folder to tag (fnmatch pattern on the name, or on the path below the folder if it has a '/').", valueName: "pattern"))
    var glob = "*.txt"

    @Flag(help: "Read {\"id\": ..., \"text\": ...} records, one per line, from standard input; each output record carries the id.")
    var jsonlInput = false

    @Option(help: ArgumentHelp("Tag only shard I of N (1 ≤ I ≤ N), chosen by a stable hash of each article's path: N machines can split a corpus with no coordinator.", valueName: "I/N"))
    var shard: String?

    // Unconditional parsing, so that `--jobs -3` reaches validate() and gets a message about
    // jobs rather than ArgumentParser's "Missing value" (it takes -3 for an option). Optional,
    // so that the help shows the default once, as words.
    @Option(name: [.short, .long], parsing: .unconditional,
            help: ArgumentHelp("Worker threads (default: the number of cores).", valueName: "n"))
    var jobs: Int?

    @Flag(help: "Replace invalid UTF-8 with U+FFFD instead of failing the file.")
    var lossy = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Fail files larger than this many bytes (default: no limit; large files are tagged in pieces of about 1 MB, cut at line or sentence ends).", valueName: "bytes"))
    var maxBytes: Int?

    @Option(help: .hidden)
    var chunkBytes: Int?

    @Flag(name: [.short, .long], help: "No progress bar and no summary on standard error (errors are still reported).")
    var quiet = false

    @OptionGroup var pipelineArguments: PipelineArguments

    func validate() throws {
        if jsonlInput && !paths.isEmpty { throw ValidationError("--jsonl-input reads standard input: give no paths") }
        if !jsonlInput && paths.isEmpty { throw ValidationError("give files, folders or '-' (or --jsonl-input)") }
        if resume && output == nil { throw ValidationError("--resume needs --output DIR") }
        if format.needsOutputDirectory && output == nil {
            throw ValidationError("--format \(format.rawValue) writes one file per article: give --output DIR")
        }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be 1 or more (got \(jobs))") }
        if let shard, Shard(shard) == nil { throw ValidationError("--shard must be I/N with 1 ≤ I ≤ N, e.g. --shard 2/8") }
        if let maxBytes, maxBytes < 1 { throw ValidationError("--max-bytes must be positive") }
        if paths.filter({ $0 == "-" }).count > 1 { throw ValidationError("'-' (standard input) can be given once") }
    }

    mutating func run() throws {
        let pipeline = try DefaultPipeline.make(pipelineArguments.options())
        var options = BatchOptions()
        options.format = format
        options.outputDirectory = output.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        options.resume = resume
        options.jobs = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        options.lossy = lossy
        options.glob = glob
        options.shard = shard.flatMap(Shard.init)
        options.maxBytes = maxBytes
        if let chunkBytes { options.chunkBytes = max(16, chunkBytes) }
        options.progress = !quiet && isatty(2) == 1
        if let dir = options.outputDirectory {
            do { try BatchRunner.checkOutputFolder(dir) } catch {
                FileHandle.standardError.write(Data("wasim: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }

        let source: BatchSource = jsonlInput
            ? JSONLSource(shard: options.shard, checkNames: output != nil)
            : ListSource(InputWalker.items(paths, glob: glob, shard: options.shard, checkNames: output != nil))
        let log = FileDescriptorOutput(fileDescriptor: 2)
        let summary: BatchSummary
        do {
            summary = try BatchRunner(pipeline: pipeline, options: options)
                .run(source, output: FileDescriptorOutput(fileDescriptor: 1), log: log)
        } catch let error as OutputWriteError {
            // A closed pipe (`wasim tag … | head`) is the reader's choice, not a failure.
            if error.isBrokenPipe { throw ExitCode.success }
            try? log.write("wasim: \(error)\n")
            try? log.flush()
            throw ExitCode(1)
        }
        if !quiet {
            try? log.write("wasim: \(summary)\n")
            try? log.flush()
        }
        if summary.failed > 0 { throw ExitCode(1) }
    }
}

extension BatchFormat: ExpressibleByArgument {}

extension FileDescriptorOutput {
    func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }
}
