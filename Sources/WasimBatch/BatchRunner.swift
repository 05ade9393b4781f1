// The batch engine: N worker threads pull articles from a source, read and tag each one in
// bounded pieces, and hand the results back in input order. Memory is bounded by the number
// of articles in flight (`jobs × queueDepthPerJob`), whatever the size of the corpus.
import Foundation
import Wasim
#if canImport(Glibc)
import Glibc
#endif

/// Immutable once made (a pipeline and options, both Sendable), so one runner may serve several
/// threads; each `run` keeps its own state.
public final class BatchRunner: Sendable {
    public let pipeline: Pipeline
    public let options: BatchOptions

    public init(pipeline: Pipeline, options: BatchOptions) {
        self.pipeline = pipeline
        self.options = options
    }

    /// What happened to one article.
    struct Outcome {
        var seq: Int
        var item: BatchItem
        var spool: Spool?
        var error: String?
        var skipped = false
        var tokens = 0
        var bytes = 0
        var entities: [(type: String, count: Int)] = []
        var headline: String?
    }

    /// Runs the batch. Records go to `output` in input order: the articles themselves in
    /// stdout mode, and in either mode an error record for each article that failed, with a
    /// line on `log`. Progress (when asked for) and nothing else goes to `log` too; the caller
    /// prints the summary. A failed write to `output` stops the run and is thrown
    /// (`OutputWriteError`); a failed write to `log` is ignored (there is nowhere left to say it).
    /// `source`, `output` and `log` are used only under the run's lock, one thread at a time.
    public func run(_ source: BatchSource, output: BatchOutput, log: BatchOutput) throws -> BatchSummary {
        let started = DispatchTime.now().uptimeNanoseconds
        let jobs = max(1, options.jobs)
        let run = Run(runner: self, source: source, output: output, log: log,
                      window: jobs * max(1, options.queueDepthPerJob))
        if jobs == 1 {
            run.work()
        } else {
            let group = DispatchGroup()
            for _ in 0..<jobs {
                group.enter()
                let thread = Thread {
                    run.work()
                    group.leave()
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            group.wait()
        }
        run.progress?.clear()
        run.finish()
        if let error = run.writeError {
            try? log.flush()
            throw error
        }
        var summary = run.summary
        if let dir = options.outputDirectory {
            finishTree(dir, index: run.index, types: run.seenTypes, log: log, summary: &summary)
        }
        try output.flush()
        try? log.flush()
        summary.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return summary
    }

    /// The state the workers share. Unchecked because the compiler cannot see the lock: every
    /// `var` here, and `source`, `output`, `log` and `progress` (non-Sendable objects), are only
    /// touched between `lock.lock()` and `lock.unlock()` in `work()` (and `emit`, called there),
    /// or by `run` after every worker has finished (`group.wait()`); `runner`, `window` and `lock`
    /// are immutable and Sendable.
    private final class Run: @unchecked Sendable {
        let runner: BatchRunner
        let source: BatchSource
        let output: BatchOutput
        let log: BatchOutput
        let window: Int
        let lock = NSCondition()
        var nextSeq = 0
        /// The next article to hand to the output: results wait in `ready` until their turn.
        var emitted = 0
        var sourceDone = false
        var ready: [Int: Outcome] = [:]
        var summary = BatchSummary()
        var index: [HTML.IndexEntry] = []
        var seenTypes = Set(EntityType.builtIn.map(\.rawValue))
        /// Entities by type over the run, added to `summary` and `seenTypes` once at its end
        /// (`finish()`), not hashed into them at every article.
        var typeTotals: [(type: String, count: Int)] = []
        /// The first failed write to `output`: the run stops taking articles.
        var writeError: OutputWriteError? = nil
        let progress: Progress?

        init(runner: BatchRunner, source: BatchSource, output: BatchOutput, log: BatchOutput, window: Int) {
            self.runner = runner
            self.source = source
            self.output = output
            self.log = log
            self.window = window
            progress = runner.options.progress ? Progress(total: source.total, log: log) : nil
        }

        func work() {
            while true {
                lock.lock()
                while !sourceDone && nextSeq - emitted >= window { lock.wait() }
                guard !sourceDone, let item = source.next() else {
                    sourceDone = true
                    lock.broadcast()
                    lock.unlock()
                    return
                }
                let seq = nextSeq
                nextSeq += 1
                lock.unlock()

                let outcome = runner.process(item, seq: seq)

                lock.lock()
                ready[seq] = outcome
                while let o = ready.removeValue(forKey: emitted) {
                    emit(o)
                    emitted += 1
                }
                lock.broadcast()
                lock.unlock()
            }
        }

        private func emit(_ o: Outcome) {
            summary.files += 1
            summary.tokens += o.tokens
            summary.bytes += o.bytes
            if let error = o.error {
                summary.failed += 1
                write(WasimJSON.errorRecord(path: o.item.path, id: o.item.id, error: error) + "\n")
                progress?.clear()
                try? log.write("wasim: \(o.item.path ?? o.item.id ?? "standard input"): \(error)\n")
                try? log.flush()
            } else if o.skipped {
                summary.skipped += 1
            } else {
                summary.tagged += 1
                for (k, v) in o.entities {
                    if let i = typeTotals.firstIndex(where: { $0.type == k }) { typeTotals[i].count += v } else { typeTotals.append((k, v)) }
                }
                if writeError == nil, let spool = o.spool {
                    do { try spool.copy(to: output) } catch { fail(error) }
                }
            }
            if runner.options.format == .html {
                var entry = HTML.IndexEntry(name: o.item.name, label: o.item.path ?? o.item.id ?? o.item.name, error: o.error,
                                            headline: o.headline, counts: Dictionary(o.entities, uniquingKeysWith: +))
                if o.skipped, let dir = runner.options.outputDirectory,
                   let kept = HTML.readIndexData(page: runner.outputPath(o.item, in: dir)) {
                    entry.headline = kept.headline
                    entry.counts = kept.counts
                }
                index.append(entry)
            }
            progress?.update(done: summary.files, tokens: summary.tokens)
        }

        /// Adds the run's counts by type to the summary (after every worker has finished).
        func finish() {
            for (k, v) in typeTotals {
                summary.entities[k, default: 0] += v
                seenTypes.insert(k)
            }
            typeTotals = []
        }

        private func write(_ s: String) {
            guard writeError == nil else { return }
            do { try output.write(s) } catch { fail(error) }
        }

        /// Stops the run: no worker takes another article (the caller holds `lock`).
        private func fail(_ error: any Error) {
            if writeError == nil { writeError = error as? OutputWriteError ?? OutputWriteError(code: EIO) }
            sourceDone = true
        }
    }

    /// What only exists once per output tree: the HTML index, brat's type configuration.
    private func finishTree(_ dir: String, index: [HTML.IndexEntry], types: Set<String>, log: BatchOutput,
                            summary: inout BatchSummary) {
        do {
            switch options.format {
            case .html:
                let name = options.shard.map { "index-\($0.index)-of-\($0.count).html" } ?? "index.html"
                try AtomicFile.write(HTML.index(index, title: "Wasim · واسم"), to: dir + "/" + name)
            case .brat:
                let builtIn = EntityType.builtIn.map(\.rawValue)
                let all = builtIn + types.subtracting(builtIn).sorted()
                try AtomicFile.write("[entities]\n" + all.joined(separator: "\n") + "\n[relations]\n[events]\n[attributes]\n",
                                     to: dir + "/annotation.conf")
                var visual = "[labels]\n" + all.map { "\($0) | \($0)" }.joined(separator: "\n") + "\n[drawing]\n"
                for (type, color, _) in HTML.colors { visual += "\(type)\tbgColor:\(color)\n" }
                try AtomicFile.write(visual, to: dir + "/visual.conf")
            default: break
            }
        } catch {
            summary.failed += 1
            try? log.write("wasim: \(dir): \(error)\n")
        }
    }

    // MARK: one article

    func outputPath(_ item: BatchItem, in dir: String) -> String {
        dir + "/" + item.name + "." + options.format.fileExtension
    }

    func process(_ item: BatchItem, seq: Int) -> Outcome {
        var outcome = Outcome(seq: seq, item: item)
        let reader: ByteReader
        switch item.source {
        case .failed(let message):
            outcome.error = message
            return outcome
        case .text(let bytes):
            reader = ByteReader(bytes: bytes)
        case .standardInput:
            reader = ByteReader(fileDescriptor: 0, size: nil)
        case .file(let path):
            // Not blocking: opening a named pipe would wait here for its writer.
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            if fd < 0 {
                let e = errno
                outcome.error = e == ENOENT ? "file vanished during the run" : InputWalker.describe(errno: e, path: path)
                return outcome
            }
            var st = stat()
            fstat(fd, &st)
            let kind = st.st_mode & S_IFMT
            if kind != S_IFREG && kind != S_IFIFO && kind != S_IFCHR && kind != S_IFSOCK {
                close(fd)
                outcome.error = kind == S_IFDIR ? "is a folder" : "not a regular file"
                return outcome
            }
            if kind != S_IFREG {
                // Reads of a regular file never wait, O_NONBLOCK or not: only a stream needs it
                // cleared (two system calls an article saved on the usual path).
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
                // A named pipe or a process substitution (`<(…)`): a stream, read to its end
                // like standard input. A pipe nobody has opened for writing yet reads as empty,
                // so wait for its writer first.
                if kind == S_IFIFO {
                    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    while poll(&p, 1, -1) < 0 && errno == EINTR {}
                }
                reader = ByteReader(fileDescriptor: fd, size: nil)
                break
            }
            if let max = options.maxBytes, Int(st.st_size) > max {
                close(fd)
                outcome.error = "file too large (\(st.st_size) bytes; --max-bytes is \(max))"
                return outcome
            }
            if options.resume, let dir = options.outputDirectory {
                var out = stat()
                if stat(outputPath(item, in: dir), &out) == 0,
                   (out.st_mtim.tv_sec, out.st_mtim.tv_nsec) > (st.st_mtim.tv_sec, st.st_mtim.tv_nsec) {
                    close(fd)
                    outcome.skipped = true
                    return outcome
                }
            }
            reader = ByteReader(fileDescriptor: fd, size: Int(st.st_size))
        }
        if options.resume, let dir = options.outputDirectory, !isFile(item.source),
           access(outputPath(item, in: dir), F_OK) == 0 {
            outcome.skipped = true
            return outcome
        }
        defer { reader.close() }

        // Where the article's output goes while it is made.
        var file: AtomicFile? = nil
        var textFile: AtomicFile? = nil
        let spool: Spool?
        let sink: TextSink
        do {
            if let dir = options.outputDirectory {
                let f = try AtomicFile(path: outputPath(item, in: dir))
                file = f
                sink = f
                spool = nil
                if options.format == .brat, case .file(let input) = item.source {
                    let txt = dir + "/" + item.name + ".txt"
                    if !sameFile(txt, input) { textFile = try AtomicFile(path: txt) }
                } else if options.format == .brat {
                    textFile = try AtomicFile(path: dir + "/" + item.name + ".txt")
                }
            } else {
                let s = Spool()
                spool = s
                sink = s
            }
        } catch {
            outcome.error = "\(error)"
            return outcome
        }

        let writer = ArticleWriter(format: options.format, path: item.path, id: item.id, name: item.name,
                                   sink: sink, textSink: textFile)
        do {
            var first = true
            try reader.chunks(limit: options.chunkBytes) { bytes, base, last in
                let doc: Document
                do {
                    doc = try DocumentDecoder.document(from: bytes, path: item.path, id: item.id, lossy: options.lossy,
                                                   dropBOM: base == 0 && !isText(item.source))
                } catch let error as WasimError {
                    throw base == 0 ? error : BatchRunner.shift(error, by: base)
                }
                try pipeline.run(doc)
                try writer.add(doc, first: first, last: last)
                first = false
            }
            outcome.bytes = reader.bytesRead
            // The text first: the .ann, whose time --resume checks, must be the last to appear.
            try textFile?.commit()
            try file?.commit()
            outcome.spool = spool
            outcome.tokens = writer.tokens
            outcome.entities = writer.typeCounts
            outcome.headline = writer.headline
        } catch {
            file?.abort()
            textFile?.abort()
            outcome.bytes = reader.bytesRead
            outcome.error = "\(error)"
        }
        return outcome
    }

    private func isText(_ s: BatchItem.Source) -> Bool {
        if case .text = s { return true }
        return false
    }

    private func isFile(_ s: BatchItem.Source) -> Bool {
        if case .file = s { return true }
        return false
    }

    private func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// A decoding error in a later piece of an article names the byte in the whole file.
    static func shift(_ error: WasimError, by base: Int) -> WasimError {
        guard case .input(let message) = error,
              let r = message.range(of: #"byte \d+"#, options: .regularExpression),
              let n = Int(message[r].dropFirst(5)) else { return error }
        return .input(message.replacingCharacters(in: r, with: "byte \(n + base)"))
    }
}

/// Reads an article in pieces of at most `limit` bytes, each cut after a line end, else a
/// sentence end, else a space, else between two characters.
final class ByteReader {
    private var fd: Int32 = -1
    private var bytes: [UInt8] = []
    private var offset = 0
    private let size: Int?
    private(set) var bytesRead = 0

    init(fileDescriptor: Int32, size: Int?) {
        fd = fileDescriptor
        self.size = size
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
        size = bytes.count
    }

    func close() {
        if fd > 0 { Glibc.close(fd) }
        fd = -1
    }

    private func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if fd < 0 {
            let n = min(buffer.count, bytes.count - offset)
            bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + n])) }
            offset += n
            return n
        }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw WasimError.input("cannot read: \(String(cString: strerror(errno)))")
        }
    }

    func chunks(limit: Int, _ body: (UnsafeBufferPointer<UInt8>, Int, Bool) throws -> Void) throws {
        // Room for the whole article when it is small (plus one byte to see the end).
        let capacity = max(16, min(limit, (size ?? limit) + 1))
        var buffer = [UInt8](repeating: 0, count: capacity)
        var filled = 0
        var base = 0
        var eof = false
        var first = true
        while true {
            while !eof, filled < buffer.count {
                let n = try buffer.withUnsafeMutableBytes { try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
                if n == 0 { eof = true } else { filled += n; bytesRead += n }
                // A file read up to the size it had when opened is read whole, as the C floor
                // reads it: no further read only to be told so (a system call an article).
                if fd >= 0, let size, size > 0, bytesRead == size { eof = true }
            }
            if filled == 0 && !first { return }
            let cut = eof ? filled : ByteReader.cutPoint(buffer, filled)
            let last = eof && cut == filled
            try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<cut]), base, last) }
            if last { return }
            buffer.withUnsafeMutableBufferPointer { b in
                for i in cut..<filled { b[i - cut] = b[i] }
            }
            filled -= cut
            base += cut
            first = false
            if buffer.count < limit { buffer.append(contentsOf: repeatElement(0, count: limit - buffer.count)) }
        }
    }

    /// Where to end a full buffer's piece: after the last line feed, else after the last
    /// sentence-ending mark followed by a space, else after the last space, else at the last
    /// character boundary.
    static func cutPoint(_ b: [UInt8], _ n: Int) -> Int {
        let floor = n / 2
        var cut = 0
        if let i = b[floor..<n].lastIndex(of: 0x0A) {
            cut = i + 1
        } else if let i = (floor..<(n - 1)).reversed().first(where: { k in
            b[k + 1] == 0x20 && (b[k] == 0x2E || b[k] == 0x21 || b[k] == 0x3F || (b[k] == 0x9F && k > 0 && b[k - 1] == 0xD8))
        }) {
            cut = i + 2
        } else if let i = b[floor..<n].lastIndex(of: 0x20) {
            cut = i + 1
        } else {
            cut = n - 1
            while cut > 1, b[cut] & 0xC0 == 0x80 { cut -= 1 }
        }
        return max(1, cut)
    }
}

/// The progress bar: files done of total, tokens/s, ETA; redrawn at most ten times a second.
final class Progress {
    private let total: Int?
    private let log: BatchOutput
    private let started = DispatchTime.now().uptimeNanoseconds
    private var lastDraw: UInt64 = 0
    private var drawn = false

    init(total: Int?, log: BatchOutput) {
        self.total = total
        self.log = log
    }

    func update(done: Int, tokens: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastDraw > 100_000_000 || done == total else { return }
        lastDraw = now
        let seconds = Double(now - started) / 1e9
        let rate = seconds > 0 ? Double(tokens) / seconds : 0
        var line = "\r\u{1B}[K"
        if let total, total > 0 {
            let width = 30
            let full = min(width, done * width / total)
            line += "[" + String(repeating: "█", count: full) + String(repeating: "·", count: width - full) + "] "
            line += "\(done)/\(total) files · \(BatchSummary.human(rate)) tokens/s"
            if done > 0, done < total {
                let eta = Int(seconds / Double(done) * Double(total - done))
                line += String(format: " · ETA %d:%02d", eta / 60, eta % 60)
            }
        } else {
            line += "\(done) files · \(BatchSummary.human(rate)) tokens/s"
        }
        try? log.write(line)
        try? log.flush()
        drawn = true
    }

    func clear() {
        guard drawn else { return }
        try? log.write("\r\u{1B}[K")
        try? log.flush()
        drawn = false
    }
}
