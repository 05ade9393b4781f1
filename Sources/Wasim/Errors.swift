#if canImport(Glibc)
import Glibc
#endif

/// Errors the library reports. Each names the file and the place where there is one.
public enum WasimError: Error, CustomStringConvertible, Equatable {
    /// Input that is not text: `invalid UTF-8 at byte N`, `binary content (NUL byte at N)`, `empty file`.
    case input(String)
    /// A data file (gazetteer, rules) that cannot be used: "file:line:column: message".
    case data(String)
    /// A pipeline whose stages are out of order, or a stage that failed.
    case pipeline(String)
    case icu(String)

    public var description: String {
        switch self {
        case .input(let m), .data(let m), .pipeline(let m), .icu(let m): m
        }
    }
}

/// Turning bytes into a `Document`: what is an error and what is quietly mended.
package enum DocumentDecoder {
    /// The largest document tagged in one piece; larger inputs are rejected with a clear error
    /// (offsets are 32-bit internally and a document is held in memory whole).
    package static let maximumBytes = 256 * 1024 * 1024

    /// Decodes UTF-8 bytes. A UTF-8 byte-order mark is dropped, and offsets count from the text
    /// after it. Invalid UTF-8 is an error naming the byte offset, unless `lossy`, which puts
    /// U+FFFD in its place. NUL bytes mean binary content; an empty (or BOM-only) input is an error.
    /// `dropBOM`: only a file's own start may hold a byte-order mark to drop; a later piece of
    /// a file, or a record's text, keeps its U+FEFF (or every later offset would be one short).
    package static func document(from bytes: UnsafeBufferPointer<UInt8>, path: String? = nil, id: String? = nil,
                                lossy: Bool = false, dropBOM: Bool = true) throws -> Document {
        var body = bytes
        if dropBOM, body.count >= 3, body[0] == 0xEF, body[1] == 0xBB, body[2] == 0xBF {
            body = UnsafeBufferPointer(rebasing: body[3...])
        }
        if body.isEmpty { throw WasimError.input("empty file") }
        if body.count > maximumBytes {
            throw WasimError.input("file too large (\(body.count) bytes; the limit is \(maximumBytes))")
        }
        // memchr: a byte at a time this loop cost as much as decoding the text.
        if let nul = memchr(body.baseAddress!, 0, body.count) {
            let at = UnsafeRawPointer(nul) - UnsafeRawPointer(body.baseAddress!)
            throw WasimError.input("binary content (NUL byte at byte \(at + (bytes.count - body.count)))")
        }
        switch ICU.decode(body, lossy: lossy) {
        case .failure(let f):
            throw WasimError.input("invalid UTF-8 at byte \(f.byteOffset + (bytes.count - body.count))")
        case .success(let decoded):
            return Document(utf16: decoded.units, path: path, id: id, hasSurrogates: decoded.surrogates)
        }
    }

    package static func document(from bytes: [UInt8], path: String? = nil, id: String? = nil,
                                lossy: Bool = false, dropBOM: Bool = true) throws -> Document {
        try bytes.withUnsafeBufferPointer { try document(from: $0, path: path, id: id, lossy: lossy, dropBOM: dropBOM) }
    }

    /// A JSON text with every raw U+FEFF written as the escape `\ufeff`: Foundation's JSON
    /// parser drops a raw U+FEFF inside a string, which would change a record's text and shift
    /// every later offset. With `dropLeading`, a byte-order mark at the very start (a file's
    /// own) is dropped instead.
    package static func escapingBOMs(inJSON line: [UInt8], dropLeading: Bool = false) -> [UInt8] {
        var i = dropLeading && line.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        guard line[i...].contains(0xEF) else { return i == 0 ? line : Array(line[i...]) }
        var out: [UInt8] = []
        out.reserveCapacity(line.count + 8)
        while i < line.count {
            if line[i] == 0xEF, i + 2 < line.count, line[i + 1] == 0xBB, line[i + 2] == 0xBF {
                out += Array(#"\ufeff"#.utf8)
                i += 3
            } else {
                out.append(line[i])
                i += 1
            }
        }
        return out
    }
}
