// Gold data for `wasim eval`: CoNLL two-column files (ANERcorp and the like) and JSON Lines
// records with code-point offsets (the project's fixtures), plus the prediction files that
// `wasim tag` writes. Every reader reports malformed input as `WasimError.data("file:line: …")`.
import Foundation
import Wasim

/// An annotated span. In a JSON Lines record, `start`/`end` are code points into the record's
/// text; in a CoNLL sentence, token indices. End exclusive either way.
public struct GoldSpan: Sendable, Hashable {
    public var type: EntityType
    public var start: Int
    public var end: Int
    public var low: Double?
    public var high: Double?
    public var unit: String?

    public init(type: EntityType, start: Int, end: Int, low: Double? = nil, high: Double? = nil, unit: String? = nil) {
        self.type = type
        self.start = start
        self.end = end
        self.low = low
        self.high = high
        self.unit = unit
    }

    /// What exact matching compares: type and offsets, not the NUMRANGE attributes.
    public var key: SpanKey { SpanKey(type: type, start: start, end: end) }
    public func overlaps(_ other: GoldSpan) -> Bool { start < other.end && other.start < end }
}

public struct SpanKey: Hashable, Sendable {
    public var type: EntityType
    public var start: Int
    public var end: Int
}

/// One JSON Lines gold record.
public struct GoldRecord: Sendable {
    public var id: String?
    public var path: String?
    public var text: String
    public var entities: [GoldSpan]
    /// "file:line", for messages.
    public var location: String
    /// The file the text was read from, for a standoff record (`"text_file"`, resolved).
    public var textFile: String? = nil
}

/// One CoNLL sentence: tokens and their tags as written (types renamed, see `GoldReader.typeName`).
public struct CoNLLSentence: Sendable {
    public var tokens: [String]
    public var tags: [String]
    /// "file:line" of its first token.
    public var location: String
    /// A `-DOCSTART-` line (or the start of a file) came before it: document grouping never
    /// crosses this.
    public var startsDocument: Bool
}

public enum GoldCorpus: Sendable {
    case records([GoldRecord])
    case conll([CoNLLSentence])

    public var formatName: String {
        switch self {
        case .records: "jsonl"
        case .conll: "conll"
        }
    }
}

/// A record of a prediction file: what `wasim tag` writes.
public struct PredictionRecord: Sendable {
    public var id: String?
    public var path: String?
    /// Code points into the gold record's text.
    public var entities: [GoldSpan]
    public var location: String
}

public enum GoldReader {
    /// File extensions read from a folder. Which format a file is in is decided by its content,
    /// not its name: a file whose first non-blank line starts with `{` is JSON Lines, any other
    /// is CoNLL. (ANERcorp's files are `.txt`; a fixture may be `.json`.)
    package static let extensions: Set<String> = ["jsonl", "json", "conll", "txt", "iob", "iob2", "bio", "tsv"]

    /// Reads a file, or every file with one of `extensions` below a folder (sorted by path).
    /// All files of a folder must be in the same format, since the two are scored differently.
    public static func read(path: String) throws -> GoldCorpus {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
            throw WasimError.data("\(path): no such file or folder")
        }
        var files = [path]
        if isDir.boolValue {
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            files = (fm.enumerator(atPath: path)?.compactMap { $0 as? String } ?? [])
                .filter { name in
                    !name.split(separator: "/").contains { $0.hasPrefix(".") }
                        && extensions.contains((name as NSString).pathExtension.lowercased())
                }
                .sorted().map { base + "/" + $0 }
            if files.isEmpty {
                throw WasimError.data("\(path): no gold files there (looked for *.\(extensions.sorted().joined(separator: ", *.")))")
            }
        }
        var records: [GoldRecord] = []
        var sentences: [CoNLLSentence] = []
        var firstOfEach: [String: String] = [:]
        for file in files {
            let text = try readText(file)
            if looksLikeJSONLines(text) {
                records += try parseJSONLines(text, file: file)
                firstOfEach["jsonl"] = firstOfEach["jsonl"] ?? file
            } else {
                sentences += try parseCoNLL(text, file: file)
                firstOfEach["conll"] = firstOfEach["conll"] ?? file
            }
        }
        if let j = firstOfEach["jsonl"], let c = firstOfEach["conll"] {
            throw WasimError.data("\(path): mixes JSON Lines (\(j)) and CoNLL (\(c)) gold; evaluate them separately")
        }
        return firstOfEach["jsonl"] != nil ? .records(records) : .conll(sentences)
    }

    static func readText(_ file: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw WasimError.data("\(file): cannot read file")
        }
        var bytes = Array(data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw WasimError.data("\(file): not valid UTF-8")
        }
        return text
    }

    /// Lines by "\n"; a "\r\n" is one Character in Swift, so it must be named too.
    static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    static func looksLikeJSONLines(_ text: String) -> Bool {
        for line in text.split(whereSeparator: \.isNewline) {
            let t = line.drop { $0 == " " || $0 == "\t" }
            if t.isEmpty { continue }
            return t.first == "{"
        }
        return false
    }

    /// ANERcorp's and other corpora's type names, mapped onto Wasim's.
    public static func typeName(_ raw: Substring) -> EntityType {
        switch raw.uppercased() {
        case "PER", "PERS", "PERSON": .person
        case "LOC", "LOCATION": .location
        case "ORG", "ORGANIZATION", "ORGANISATION": .organization
        case "NUMRANGE": .numericRange
        default: EntityType(String(raw))
        }
    }

    // MARK: CoNLL

    /// Two or more columns separated by tabs or spaces: the first is the token, the last the tag
    /// (so CoNLL-2003's four columns work too). A blank line ends a sentence; a `-DOCSTART-` line
    /// ends a document. Tags are O or B-/I-/E-/S- and a type.
    package static func parseCoNLL(_ text: String, file: String) throws -> [CoNLLSentence] {
        var out: [CoNLLSentence] = []
        var tokens: [String] = [], tags: [String] = []
        var firstLine = 0
        var docStart = true
        func flush() {
            if !tokens.isEmpty {
                out.append(CoNLLSentence(tokens: tokens, tags: tags, location: "\(file):\(firstLine)", startsDocument: docStart))
                docStart = false
            }
            tokens = []
            tags = []
        }
        var lineNumber = 0
        for rawLine in lines(text) {
            lineNumber += 1
            let fields = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { flush(); continue }
            if fields[0] == "-DOCSTART-" { flush(); docStart = true; continue }
            guard fields.count >= 2 else {
                throw WasimError.data("\(file):\(lineNumber): expected a token and a tag separated by a tab or spaces, found '\(rawLine)'")
            }
            let tag = try normalizedTag(fields[fields.count - 1], at: "\(file):\(lineNumber)")
            if tokens.isEmpty { firstLine = lineNumber }
            tokens.append(String(fields[0]))
            tags.append(tag)
        }
        flush()
        return out
    }

    /// `B-PERS` → `B-PER`; refuses what is not a BIO(ES) tag.
    static func normalizedTag(_ tag: Substring, at location: String) throws -> String {
        if tag == "O" { return "O" }
        let parts = tag.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, ["B", "I", "E", "S"].contains(parts[0]), !parts[1].isEmpty else {
            throw WasimError.data("\(location): '\(tag)' is not a tag (expected O, or B-, I-, E-, S- and a type such as B-PER)")
        }
        return parts[0] + "-" + typeName(parts[1]).rawValue
    }

    // MARK: JSON Lines

    /// `{"id"?, "path"?, "text", "entities": [{"type", "start", "end", "text"?, "low"?, "high"?, "unit"?}]}`,
    /// offsets in code points. An entity's `text`, when given, must be the slice it names: that
    /// catches offsets counted in UTF-16 or bytes.
    ///
    /// Standoff records name a file instead of holding the text, so gold over a corpus that may
    /// not be copied stays out of the repository: `"text_file"` is a path relative to the gold
    /// file's folder, and the text is that file's content after a leading byte-order mark, as
    /// `wasim tag` reads it. The record's `path` is then the resolved file unless it gives one.
    package static func parseJSONLines(_ text: String, file: String) throws -> [GoldRecord] {
        var out: [GoldRecord] = []
        var lineNumber = 0
        for line in lines(text) {
            lineNumber += 1
            let at = "\(file):\(lineNumber)"
            guard let object = try jsonObject(line, at: at) else { continue }
            let body: String
            var path = try optionalString(object, "path", at: at)
            var source: String?
            if let textFile = try optionalString(object, "text_file", at: at) {
                guard object["text"] == nil else {
                    throw WasimError.data("\(at): a gold record has \"text\" or \"text_file\", not both")
                }
                let resolved = resolve(textFile, besides: file)
                guard FileManager.default.fileExists(atPath: resolved) else {
                    throw WasimError.data("\(at): \"text_file\" '\(textFile)' does not exist (looked for \(resolved))")
                }
                do {
                    body = try readText(resolved)
                } catch {
                    throw WasimError.data("\(at): \"text_file\" '\(textFile)': \(error)")
                }
                path = path ?? resolved
                source = resolved
            } else {
                guard let text = object["text"] as? String else {
                    throw WasimError.data("\(at): a gold record needs \"text\" (a string) or \"text_file\" (a path relative to the gold file's folder)")
                }
                body = text
            }
            let scalars = Array(body.unicodeScalars)
            let spans = try entities(object, at: at, textLength: scalars.count, text: scalars, required: true)
            out.append(GoldRecord(id: try optionalString(object, "id", at: at), path: path,
                                  text: body, entities: spans, location: at, textFile: source))
        }
        return out
    }

    /// A standoff record's text file: relative to the folder of the gold file naming it.
    static func resolve(_ textFile: String, besides goldFile: String) -> String {
        if textFile.hasPrefix("/") { return textFile }
        let folder = URL(fileURLWithPath: goldFile).deletingLastPathComponent()
        return folder.appendingPathComponent(textFile).standardizedFileURL.path
    }

    /// A prediction file: JSON Lines records with "id" or "path" and "entities" (code points).
    /// A record with "error" (a file `wasim tag` could not read) is refused: its gold would be
    /// scored as all missed without saying why.
    package static func parsePredictions(path: String) throws -> [PredictionRecord] {
        let text = try readText(path)
        var out: [PredictionRecord] = []
        var lineNumber = 0
        for line in lines(text) {
            lineNumber += 1
            let at = "\(path):\(lineNumber)"
            guard let object = try jsonObject(line, at: at) else { continue }
            if let error = object["error"] {
                throw WasimError.data("\(at): the prediction record is an error record (\(error)); fix or drop it")
            }
            out.append(PredictionRecord(id: try optionalString(object, "id", at: at), path: try optionalString(object, "path", at: at),
                                        entities: try entities(object, at: at, textLength: nil, text: nil, required: true),
                                        location: at))
        }
        return out
    }

    static func jsonObject(_ line: Substring, at: String) throws -> [String: Any]? {
        if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { return nil }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(DocumentDecoder.escapingBOMs(inJSON: Array(line.utf8))), options: [])
        } catch {
            throw WasimError.data("\(at): not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw WasimError.data("\(at): expected a JSON object")
        }
        return object
    }

    static func optionalString(_ object: [String: Any], _ key: String, at: String) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let s = value as? String else { throw WasimError.data("\(at): \"\(key)\" must be a string") }
        return s
    }

    /// An integer from WasimJSON. On Linux `1 is Bool` holds for an NSNumber, so booleans are told
    /// apart by objCType instead.
    static func integer(_ value: Any?) -> Int? {
        guard let n = value as? NSNumber, !isBoolean(n) else { return nil }
        let d = n.doubleValue
        guard d == d.rounded(), abs(d) < 1e15 else { return nil }
        return Int(d)
    }

    /// JSONSerialization gives `true` as an NSNumber too; its objCType tells it apart.
    static func isBoolean(_ n: NSNumber) -> Bool {
        String(cString: n.objCType) == "c"
    }

    static func number(_ value: Any?) -> Double? {
        guard let n = value as? NSNumber, !isBoolean(n) else { return nil }
        return n.doubleValue
    }

    static func entities(_ object: [String: Any], at: String, textLength: Int?, text: [Unicode.Scalar]?,
                         required: Bool) throws -> [GoldSpan] {
        guard let list = object["entities"] else {
            throw WasimError.data("\(at): the record needs \"entities\" (a list, possibly empty)")
        }
        guard let items = list as? [Any] else { throw WasimError.data("\(at): \"entities\" must be a list") }
        var spans: [GoldSpan] = []
        spans.reserveCapacity(items.count)
        for (k, item) in items.enumerated() {
            let which = "\(at): entity \(k + 1)"
            guard let e = item as? [String: Any] else { throw WasimError.data("\(which) is not an object") }
            guard let type = e["type"] as? String, !type.isEmpty else { throw WasimError.data("\(which) needs \"type\" (a string)") }
            guard let start = integer(e["start"]), let end = integer(e["end"]) else {
                throw WasimError.data("\(which) needs integer \"start\" and \"end\" (code points)")
            }
            guard 0 <= start, start < end else { throw WasimError.data("\(which) (\(type)) has start \(start) and end \(end): need 0 ≤ start < end") }
            if let n = textLength, end > n {
                throw WasimError.data("\(which) (\(type)) ends at \(end), past the text's \(n) code points")
            }
            if let text, let expected = e["text"] as? String {
                var slice = String.UnicodeScalarView()
                slice.append(contentsOf: text[start..<end])
                let found = String(slice)
                if found != expected {
                    throw WasimError.data("\(which) (\(type) \(start)..<\(end)): \"text\" is '\(expected)' but the slice is '\(found)' (offsets must count code points)")
                }
            }
            var span = GoldSpan(type: typeName(Substring(type)), start: start, end: end)
            for key in ["low", "high"] {
                guard let v = e[key], !(v is NSNull) else { continue }
                guard let d = number(v) else { throw WasimError.data("\(which): \"\(key)\" must be a number") }
                if key == "low" { span.low = d } else { span.high = d }
            }
            if let u = e["unit"], !(u is NSNull) {
                guard let s = u as? String else { throw WasimError.data("\(which): \"unit\" must be a string") }
                span.unit = s
            }
            spans.append(span)
        }
        return spans
    }
}
