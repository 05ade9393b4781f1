// Where bytes go: standard output, an article's output file (written atomically), or a
// buffer that keeps an article's output until its turn comes on standard output.
import Foundation
import Wasim
#if canImport(Glibc)
import Glibc
#endif

/// A destination for a batch's stream (standard output, or a counter in the benchmark). Used
/// by one thread at a time: the runner writes to it only under its lock.
public protocol BatchOutput: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
    func flush() throws
}

extension BatchOutput {
    func write(_ s: String) throws {
        var s = s
        try s.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }
}

/// A write to the batch's output failed (a closed pipe, a full disk): the output would silently
/// be incomplete, so the run stops and `BatchRunner.run` throws this. The caller decides what
/// it means; `wasim` exits 0 on a closed pipe (`wasim tag … | head`) and 1 otherwise.
public struct OutputWriteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The `errno` of the failed write.
    public let code: Int32
    public init(code: Int32) { self.code = code }
    public var isBrokenPipe: Bool { code == EPIPE }
    public var description: String { "cannot write output: \(String(cString: strerror(code)))" }
}

/// Buffered writes to a file descriptor; a failed write throws `OutputWriteError`.
public final class FileDescriptorOutput: BatchOutput {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let capacity = 1 << 16

    public init(fileDescriptor: Int32) { fd = fileDescriptor }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > capacity { try flush() }
        if bytes.count >= capacity {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        // Emptied first: after a failed write the rest of the buffer is lost anyway.
        defer { buffer.removeAll(keepingCapacity: true) }
        try buffer.withUnsafeBytes { try writeAll($0) }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputWriteError(code: errno)
            }
            done += n
        }
    }
}

/// Counts bytes and throws them away (the benchmark).
public final class DiscardingOutput: BatchOutput {
    public private(set) var bytes = 0
    public init() {}
    public func write(_ b: UnsafeRawBufferPointer) { bytes += b.count }
    public func flush() {}
}

/// The bytes of one article's output while it is made. In memory up to a limit, then in an
/// anonymous temporary file, so a huge article never sits in memory whole.
final class Spool {
    private var memory: [UInt8] = []
    private var file: UnsafeMutablePointer<FILE>? = nil
    private let limit: Int
    private(set) var count = 0

    init(limit: Int = 8 << 20) { self.limit = limit }
    deinit { if let file { fclose(file) } }

    func append(_ s: String) {
        var s = s
        s.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        count += bytes.count
        if file == nil, memory.count + bytes.count > limit, let f = tmpfile() {
            file = f
            memory.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, f) }
            memory = []
        }
        if let file {
            _ = fwrite(bytes.baseAddress, 1, bytes.count, file)
        } else {
            memory.append(contentsOf: bytes)
        }
    }

    /// Drops what was written (the article failed half-way).
    func reset() {
        if let file { fclose(file) }
        file = nil
        memory = []
        count = 0
    }

    func copy(to output: BatchOutput) throws {
        if let file {
            fflush(file)
            rewind(file)
            var block = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = block.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
                if n == 0 { break }
                try block.withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
        } else {
            try memory.withUnsafeBytes { try output.write($0) }
        }
    }
}

/// An output file written under a temporary name in the same folder and renamed into place
/// on `commit()`, so a reader (or `--resume` after `kill -9`) never sees a partial file. The
/// temporary name is fixed per target: a run resumed after a crash overwrites the leftover.
final class AtomicFile {
    let path: String
    private let temporary: String
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []

    init(path: String) throws {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporary = dir + "/." + name + ".wasim-tmp"
        try AtomicFile.makeFolder(dir)
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 {
            throw WasimError.input("cannot write \(path): \(AtomicFile.reason(errno))")
        }
    }

    deinit { abort() }

    func append(_ s: String) throws {
        var s = s
        try s.withUTF8 { try append(UnsafeRawBufferPointer($0)) }
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { try flush() }
    }

    private func flush() throws {
        var done = 0
        try buffer.withUnsafeBytes { b in
            while done < b.count {
                let n = Glibc.write(fd, b.baseAddress! + done, b.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw WasimError.input("cannot write \(path): \(AtomicFile.reason(errno))")
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func commit() throws {
        try flush()
        close(fd)
        fd = -1
        if rename(temporary, path) != 0 {
            let e = errno
            unlink(temporary)
            throw WasimError.input("cannot write \(path): \(AtomicFile.reason(e))")
        }
    }

    func abort() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(temporary)
    }

    /// Creates a folder and its parents, with an error in plain words that names the path
    /// (Foundation's `createDirectory` reports `Error Domain=NSCocoaErrorDomain Code=…`).
    static func makeFolder(_ dir: String) throws {
        var st = stat()
        if stat(dir, &st) == 0 {
            if st.st_mode & S_IFMT == S_IFDIR { return }
            throw WasimError.input("cannot create folder \(dir): a file of that name is in the way")
        }
        let e = errno
        guard e == ENOENT else { throw WasimError.input("cannot create folder \(dir): \(reason(e))") }
        if let slash = dir.lastIndex(of: "/"), slash > dir.startIndex {
            try makeFolder(String(dir[..<slash]))
        }
        if mkdir(dir, 0o755) != 0, errno != EEXIST {
            throw WasimError.input("cannot create folder \(dir): \(reason(errno))")
        }
    }

    /// An errno in plain words.
    static func reason(_ e: Int32) -> String {
        switch e {
        case EACCES, EPERM: "permission denied"
        case ENOSPC: "the disk is full"
        case EDQUOT: "the disk quota is used up"
        case EROFS: "the file system is read-only"
        case ENOTDIR: "a part of the path is a file, not a folder"
        case ENAMETOOLONG: "the name is too long"
        case EISDIR: "a folder of that name is in the way"
        default: String(cString: strerror(e)).lowercased()
        }
    }

    /// Refuses an output folder that cannot be used, once, before any article is read: it is
    /// created if missing, and must be a folder where files can be created.
    static func checkOutputFolder(_ dir: String) throws {
        do { try makeFolder(dir) } catch let error as WasimError {
            throw WasimError.input("--output \(dir): \(error.description.replacingOccurrences(of: "cannot create folder \(dir): ", with: "cannot create it: "))")
        }
        let probe = dir + "/.wasim-write-test-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw WasimError.input("--output \(dir): cannot create files there: \(reason(errno))") }
        close(fd)
        unlink(probe)
    }

    /// Writes a whole small file atomically.
    static func write(_ text: String, to path: String) throws {
        let f = try AtomicFile(path: path)
        try f.append(text)
        try f.commit()
    }
}

extension BatchRunner {
    /// Refuses an unusable `--output` folder up front, in plain words (see `AtomicFile`).
    public static func checkOutputFolder(_ dir: String) throws { try AtomicFile.checkOutputFolder(dir) }
}
