// Where articles come from: files and folders (walked here, names only: contents are read by
// the workers, one article at a time), standard input, or JSON Lines records on standard input.
import Foundation
import Wasim
#if canImport(Glibc)
import Glibc
#endif

/// One article to tag, or an input that failed before it could be read.
public struct BatchItem: Sendable {
    public enum Source: Sendable {
        case file(String)
        case standardInput
        case text([UInt8])
        /// Found during the walk: a symlink loop, an unreadable folder, a missing file.
        case failed(String)
    }

    public var source: Source
    /// The path as found (reported in every record).
    public var path: String?
    /// The record id (`--jsonl-input`), carried to the output.
    public var id: String?
    /// Its output's path under `--output`, without extension; also its shard key.
    public var name: String

    public init(source: Source, path: String?, id: String? = nil, name: String) {
        self.source = source
        self.path = path
        self.id = id
        self.name = name
    }
}

/// A stream of articles. `next()` is called by one thread at a time.
public protocol BatchSource: AnyObject {
    func next() -> BatchItem?
    /// How many there are, when known in advance (for the progress bar).
    var total: Int? { get }
}

/// Articles from a list, e.g. a walk of files and folders.
public final class ListSource: BatchSource {
    private let items: [BatchItem]
    private var position = 0
    public init(_ items: [BatchItem]) { self.items = items }
    public var total: Int? { items.count }
    public func next() -> BatchItem? {
        guard position < items.count else { return nil }
        defer { position += 1 }
        return items[position]
    }
}

public enum InputWalker {
    /// Files as given (whatever their name), the files below folders whose name matches `glob`
    /// (recursively, following symlinks, each folder's entries in byte order of name), and "-"
    /// for standard input. Problems become `.failed` items, so they are reported in order and
    /// never silently dropped. With `shard`, only that shard's items are kept. With
    /// `checkNames`, two items that would write the same output file make the second one fail.
    public static func items(_ paths: [String], glob: String = "*.txt", shard: Shard? = nil,
                             checkNames: Bool = false) -> [BatchItem] {
        var out: [BatchItem] = []
        for path in paths {
            if path == "-" {
                out.append(BatchItem(source: .standardInput, path: "-", name: "stdin"))
                continue
            }
            var st = stat()
            if stat(path, &st) != 0 {
                let e = errno
                out.append(BatchItem(source: .failed(describe(errno: e, path: path)), path: path, name: fileName(path)))
                continue
            }
            if st.st_mode & S_IFMT == S_IFDIR {
                let base = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
                var ancestors: [(dev_t, ino_t, String)] = [(st.st_dev, st.st_ino, base)]
                let before = out.count
                walk(base, relative: "", glob: glob, ancestors: &ancestors, into: &out)
                // A folder that yields nothing is almost always the wrong --glob (notes in .md,
                // a corpus in .text): say so rather than report "0 files" and succeed.
                if out.count == before {
                    out.append(BatchItem(source: .failed(noMatch(base, glob: glob)), path: path, name: fileName(base)))
                }
            } else {
                out.append(BatchItem(source: .file(path), path: path, name: stripExtension(fileName(path))))
            }
        }
        if let shard { out = out.filter { shard.contains($0.name) } }
        if checkNames { markCollisions(&out) }
        return out
    }

    private static func walk(_ dir: String, relative: String, glob: String,
                             ancestors: inout [(dev_t, ino_t, String)], into out: inout [BatchItem]) {
        guard let handle = opendir(dir) else {
            let e = errno
            out.append(BatchItem(source: .failed("cannot read folder: \(String(cString: strerror(e)))"), path: dir,
                                 name: relative.isEmpty ? fileName(dir) : relative))
            return
        }
        // Each name with its UTF-8, taken once: comparing the Strings in place cost 600
        // instructions a comparison, more than the rest of the walk.
        var names: [(bytes: [UInt8], name: String, regular: Bool)] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            // The folder says what a plain file is (not a link, a folder or a device): no stat
            // of it needed (a system call and a path lookup an article).
            let regular = entry.pointee.d_type == UInt8(truncatingIfNeeded: DT_REG)
            if name != "." && name != ".." { names.append((Array(name.utf8), name, regular)) }
        }
        closedir(handle)
        // Byte order, so that the order (and stdout) is the same on every machine and locale.
        names.sort { bytewise($0.bytes, $1.bytes) }
        for (_, name, regular) in names {
            let full = dir + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            if regular {
                if matches(glob, name: name, relative: rel) {
                    out.append(BatchItem(source: .file(full), path: full, name: stripExtension(rel)))
                }
                continue
            }
            var st = stat()
            if stat(full, &st) != 0 {
                let e = errno
                var link = stat()
                let isLink = lstat(full, &link) == 0 && link.st_mode & S_IFMT == S_IFLNK
                // A loop is reported whatever its name (it may have been meant as a folder);
                // a dangling link only when it looks like an article.
                if e == ELOOP || matches(glob, name: name, relative: rel) {
                    let message = e == ELOOP ? "symlink loop (too many levels of symbolic links)"
                        : isLink && e == ENOENT ? "broken symbolic link" : describe(errno: e, path: full)
                    out.append(BatchItem(source: .failed(message), path: full, name: stripExtension(rel)))
                }
                continue
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                if let loop = ancestors.first(where: { $0.0 == st.st_dev && $0.1 == st.st_ino }) {
                    out.append(BatchItem(source: .failed("symlink loop (leads back to \(loop.2))"), path: full, name: rel))
                    continue
                }
                ancestors.append((st.st_dev, st.st_ino, full))
                walk(full, relative: rel, glob: glob, ancestors: &ancestors, into: &out)
                ancestors.removeLast()
            case S_IFREG:
                if matches(glob, name: name, relative: rel) {
                    out.append(BatchItem(source: .file(full), path: full, name: stripExtension(rel)))
                }
            default:
                if matches(glob, name: name, relative: rel) {
                    out.append(BatchItem(source: .failed("not a regular file"), path: full, name: stripExtension(rel)))
                }
            }
        }
    }

    /// Byte order of UTF-8 (the walk sorts names on their UTF-8 taken out once, below).
    static func bytewise(_ a: String, _ b: String) -> Bool {
        bytewise(Array(a.utf8), Array(b.utf8))
    }

    /// Byte order of UTF-8 already taken out of the strings.
    static func bytewise(_ x: [UInt8], _ y: [UInt8]) -> Bool {
        x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                let n = min(x.count, y.count)
                if n > 0, let p = x.baseAddress, let q = y.baseAddress {
                    let r = memcmp(p, q, n)
                    if r != 0 { return r < 0 }
                }
                return x.count < y.count
            }
        }
    }

    /// Case is ignored (GNU FNM_CASEFOLD), so that the default `*.txt` also takes `A.TXT` from
    /// a Windows or camera-era archive; a folder holding both `a.txt` and `a.TXT` gets both.
    static func matches(_ glob: String, name: String, relative: String) -> Bool {
        let caseFold: Int32 = 1 << 4
        if glob.utf8.contains(0x2F) { return fnmatch(glob, relative, caseFold) == 0 }
        return fnmatch(glob, name, caseFold) == 0
    }

    /// The error for a folder with no matching file: what it holds instead, by extension, and
    /// the --glob that would take the commonest.
    static func noMatch(_ dir: String, glob: String) -> String {
        var all: [BatchItem] = []
        var ancestors: [(dev_t, ino_t, String)] = []
        walk(dir, relative: "", glob: "*", ancestors: &ancestors, into: &all)
        var counts: [String: Int] = [:]
        for item in all {
            guard case .file(let file) = item.source else { continue }
            let name = fileName(file)
            let ext = name.lastIndex(of: ".").map { name[$0...] }.map(String.init) ?? ""
            counts["*" + ext, default: 0] += 1
        }
        let base = "no file matches --glob '\(glob)' below this folder"
        if counts.isEmpty { return base + " (it holds no files)" }
        let ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let shown = ranked.prefix(3).map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            + (ranked.count > 3 ? ", …" : "")
        return base + " (it holds \(shown)); tag them with --glob '\(ranked[0].key)'"
    }

    static func markCollisions(_ items: inout [BatchItem]) {
        var seen: [String: String] = [:]
        for i in items.indices {
            let key = items[i].name
            if let first = seen[key] {
                if case .failed = items[i].source { continue }
                items[i].source = .failed("its output would overwrite that of \(first) (same name under --output)")
            } else {
                seen[key] = items[i].path ?? items[i].id ?? key
            }
        }
    }

    static func describe(errno e: Int32, path: String) -> String {
        switch e {
        case ENOENT: "no such file or folder"
        case ELOOP: "symlink loop (too many levels of symbolic links)"
        case EACCES: "cannot read: permission denied"
        default: "cannot read: \(String(cString: strerror(e)))"
        }
    }

    static func fileName(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        return trimmed.split(separator: "/").last.map(String.init) ?? trimmed
    }

    /// `a/b.txt` → `a/b`; a dot at the start of the name is not an extension.
    static func stripExtension(_ rel: String) -> String {
        // Byte positions: '/' and '.' are ASCII, so they never sit inside a character.
        let u = rel.utf8
        let slash = u.lastIndex(of: 0x2F).map { u.index(after: $0) } ?? u.startIndex
        if let dot = u[slash...].lastIndex(of: 0x2E), dot > slash { return String(rel[..<dot]) }
        return rel
    }

    /// An output name for a record id: letters and digits (any script), '.', '_' and '-' stay;
    /// every other byte is percent-encoded, so no id can climb out of the output folder.
    package static func safeName(_ id: String) -> String {
        var s = ""
        for scalar in id.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_" || scalar == "-"
                || (scalar == "." && !s.isEmpty) {
                s.unicodeScalars.append(scalar)
            } else {
                for b in String(scalar).utf8 { s += String(format: "%%%02X", b) }
            }
        }
        return s.isEmpty ? "%" : s
    }
}

/// `--jsonl-input`: one `{"id": …, "text": …}` record per line. A line that is not such a
/// record becomes a failed item naming its line number.
public final class JSONLSource: BatchSource {
    private let reader: LineReader
    private var lineNumber = 0
    private let shard: Shard?
    private var seen: [String: Int]? = nil

    /// Reads from a file descriptor (standard input by default).
    public init(fileDescriptor: Int32 = 0, shard: Shard? = nil, checkNames: Bool = false) {
        reader = LineReader(fileDescriptor: fileDescriptor)
        self.shard = shard
        if checkNames { seen = [:] }
    }

    public var total: Int? { nil }

    public func next() -> BatchItem? {
        while let line = reader.next() {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            var item = parse(line)
            if let shard, !shard.contains(item.name) { continue }
            if seen != nil, case .text = item.source {
                if let first = seen![item.name] {
                    item.source = .failed("its output would overwrite that of line \(first) (same id under --output)")
                } else {
                    seen![item.name] = lineNumber
                }
            }
            return item
        }
        return nil
    }

    private func parse(_ raw: [UInt8]) -> BatchItem {
        let fallback = "line-\(lineNumber)"
        let line = DocumentDecoder.escapingBOMs(inJSON: raw, dropLeading: lineNumber == 1)
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            return BatchItem(source: .failed("line \(lineNumber): not a JSON object"), path: nil, id: nil, name: fallback)
        }
        var id: String? = nil
        switch object["id"] {
        case let s as String: id = s
        case let n as NSNumber: id = n.stringValue
        case nil, is NSNull: id = nil
        default:
            return BatchItem(source: .failed("line \(lineNumber): \"id\" must be a string or a number"), path: nil, id: nil, name: fallback)
        }
        let name = id.map(InputWalker.safeName) ?? fallback
        guard let text = object["text"] as? String else {
            return BatchItem(source: .failed("line \(lineNumber): no string \"text\""), path: nil, id: id ?? fallback, name: name)
        }
        return BatchItem(source: .text(Array(text.utf8)), path: nil, id: id ?? fallback, name: name)
    }
}

/// Lines of a file descriptor, read in blocks; a line may be as long as memory allows.
final class LineReader {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false

    init(fileDescriptor: Int32) { fd = fileDescriptor }

    func next() -> [UInt8]? {
        var searchFrom = start
        while true {
            if let nl = buffer[searchFrom...].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<nl])
                start = nl + 1
                return line
            }
            if eof {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            if start > 0 {
                buffer.removeSubrange(0..<start)
                start = 0
            }
            searchFrom = buffer.count
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: 1 << 16))
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + old, 1 << 16) }
            buffer.removeSubrange((old + max(n, 0))...)
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                eof = true
            }
        }
    }
}
