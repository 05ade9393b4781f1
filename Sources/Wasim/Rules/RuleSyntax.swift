// The rule language's parser: rule files → rules with patterns (an AST), or errors that name
// file:line:column with the line and a caret. Models/README.md is the language reference.

/// A pattern, as written.
indirect enum PatternNode: Sendable {
    /// A token condition; `line` is set when it comes from a `define` on that line.
    case atom(String, column: Int, line: Int = 0)
    case sequence([PatternNode])
    case alternation([PatternNode])
    case repetition(PatternNode, min: Int, max: Int?)
    case capture(PatternNode, type: String?, column: Int)
    /// Alternatives that are plain texts with the same further conditions, merged by the compiler.
    case literalSet([String], rest: String, column: Int, line: Int)

    var matchesEmpty: Bool {
        switch self {
        case .atom, .literalSet: false
        case .sequence(let items): items.allSatisfy(\.matchesEmpty)
        case .alternation(let items): items.contains(where: \.matchesEmpty)
        case .repetition(let node, let min, _): min == 0 || node.matchesEmpty
        case .capture(let node, _, _): node.matchesEmpty
        }
    }

    /// How deeply groups, captures and repetitions nest (an atom is 0).
    var depth: Int {
        switch self {
        case .atom, .literalSet: 0
        case .sequence(let items), .alternation(let items): items.map(\.depth).max() ?? 0
        case .repetition(let node, _, _), .capture(let node, _, _): node.depth + 1
        }
    }

    /// An upper bound on the instructions the compiler emits for this node, saturating: a
    /// bounded repetition is copied, so nesting multiplies.
    var compiledSize: Int {
        func add(_ a: Int, _ b: Int) -> Int { let (r, o) = a.addingReportingOverflow(b); return o ? Int.max : r }
        func mul(_ a: Int, _ b: Int) -> Int { let (r, o) = a.multipliedReportingOverflow(by: b); return o ? Int.max : r }
        switch self {
        case .atom(let text, _, _): return 1 + Condition.regexCount(text) * (Rule.regexCost - 1)
        case .literalSet(_, let rest, _, _): return 1 + Condition.regexCount(rest) * (Rule.regexCost - 1)
        case .sequence(let items): return items.reduce(0) { add($0, $1.compiledSize) }
        case .alternation(let items):
            // Plain texts with the same further conditions become one set (see mergeLiterals).
            var rests = StringGroups()
            var size = 0, options = 0
            for item in items {
                if case .atom(let text, _, _) = item, let tail = Condition.quotedTail(text) {
                    if rests.group(tail).isNew { size = add(size, 1); options += 1 }
                } else {
                    size = add(size, item.compiledSize)
                    options += 1
                }
            }
            return add(size, 2 * (options - 1))
        case .repetition(let node, let min, let max):
            let s = node.compiledSize
            if let max { return add(mul(min, s), mul(max - min, add(s, 1))) }
            return add(mul(min, s), add(s, 2))
        case .capture(let node, _, _): return add(node.compiledSize, 2)
        }
    }

    var hasCapture: Bool {
        switch self {
        case .atom, .literalSet: false
        case .sequence(let items), .alternation(let items): items.contains(where: \.hasCapture)
        case .repetition(let node, _, _): node.hasCapture
        case .capture: true
        }
    }
}

/// An example that documents and tests a rule: a sentence and the entities the rule must find
/// there (`fires`), or a sentence where it must find nothing (`skips`).
package struct RuleExample: Sendable {
    package var text: String
    package var expected: [ExpectedEntity]
    package var line: Int
}

/// An entity a `fires:` example expects: `PER دونالد ترامب`, or the text alone when the rule
/// can mark only one type (its `type:`, or the one type all its captures have).
package struct ExpectedEntity: Sendable, Equatable, CustomStringConvertible {
    package var type: EntityType
    package var text: String
    package var description: String { "\(type) \(text)" }
}

/// A `fires:` example as written, before the rule's types are known.
struct WrittenExample: Sendable {
    var text: String
    /// Each expected entity with its type if written, and its column (for errors).
    var expected: [(type: EntityType?, text: String, column: Int)]
    var line: Int
    var raw: String
}

/// A rule as parsed, before compilation.
struct RuleSource: Sendable {
    var name: String
    var file: String
    var line: Int
    var priority = 50
    var type: String?
    var typeLine = 0
    /// Each pattern with its line, the line as written, the column where the pattern starts and
    /// its `compiledSize`, worked out as it is parsed: `DefaultPipeline.make` parses the rules on
    /// a thread of its own while the lists load, and compiles them only once they have.
    var patterns: [(node: PatternNode, line: Int, text: String, column: Int, size: Int)] = []
    var fires: [WrittenExample] = []
    var skips: [RuleExample] = []
    /// The `define` lines before the rule, by line number: errors inside a definition point there.
    var definitions: [Int: String] = [:]
}

struct SyntaxError: Error {
    var line: Int
    var column: Int
    var message: String
}

enum RuleParser {
    /// The types a rule may mark, and so the types an example may name.
    static let exampleTypes = (EntityType.builtIn + [.suppressed]).map(\.rawValue)

    /// Parses a whole rule file.
    static func parse(_ content: String, file: String) throws -> [RuleSource] {
        var rules: [RuleSource] = []
        var macros: [String: PatternNode] = [:]
        var definitions: [Int: String] = [:]
        let lines = RuleParser.lines(content)
        func fail(_ line: Int, _ column: Int, _ message: String) -> WasimError {
            RuleParser.error(file: file, line: line, column: column, message: message, text: lines[line - 1])
        }
        for (index, raw) in lines.enumerated() {
            let lineNumber = index + 1
            // A control character is never meant in a rule (and a NUL inside a /regex/ makes
            // Foundation's regex constructor leak).
            func isControl(_ u: Unicode.Scalar) -> Bool { (u.value < 0x20 && u != "\t") || (0x7F...0x9F).contains(u.value) }
            // Bytes first: a control character is a byte below 0x20 but tab, 0x7F, or C2 80…9F.
            var mayHaveControl = false
            var previous: UInt8 = 0
            for b in raw.utf8 {
                if (b < 0x20 && b != 0x09) || b == 0x7F || (previous == 0xC2 && b >= 0x80 && b <= 0x9F) { mayHaveControl = true; break }
                previous = b
            }
            if mayHaveControl, let k = raw.firstIndex(where: { $0.unicodeScalars.contains(where: isControl) }),
               let u = raw[k].unicodeScalars.first(where: isControl) {
                throw fail(lineNumber, raw.distance(from: raw.startIndex, to: k) + 1,
                           "a control character (U+\(String(format: "%04X", u.value))) in a rule file")
            }
            let indent = raw.prefix(while: { $0 == " " || $0 == "\t" }).count
            let line = raw.dropFirst(indent)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("define ") {
                // define NAME: FRAGMENT — a named pattern fragment, used as $NAME in later patterns.
                let body = line.dropFirst("define ".count)
                guard let colon = body.firstIndex(of: ":") else { throw fail(lineNumber, indent + 8, "expected 'define NAME: PATTERN'") }
                let name = body[..<colon].trimmingBlanks()
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw fail(lineNumber, indent + 8, "a definition needs a name of letters, digits or '_'")
                }
                let valueStart = body.index(after: colon)
                let column = indent + "define ".count + body.distance(from: body.startIndex, to: valueStart)
                    + body[valueStart...].prefix(while: { $0 == " " }).count + 1
                do {
                    var parser = PatternParser(String(body[valueStart...]).trimmingBlanks(), columnOffset: column - 1,
                                               definitionLine: lineNumber)
                    definitions[lineNumber] = raw
                    let node = try expand(parser.parse(), macros)
                    try checkDepth(node, column: column)
                    macros[name] = node
                } catch let e as SyntaxError {
                    throw fail(lineNumber, e.column, e.message)
                }
                continue
            }
            if line.hasPrefix("rule ") || line == "rule" {
                let name = line.dropFirst(4).trimmingBlanks()
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                    throw fail(lineNumber, indent + 6, "a rule needs a name of letters, digits, '-', '_' or '.'")
                }
                if let other = rules.first(where: { $0.name == name }) {
                    throw fail(lineNumber, indent + 6, "rule '\(name)' is already defined at line \(other.line)")
                }
                rules.append(RuleSource(name: name, file: file, line: lineNumber, definitions: definitions))
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw fail(lineNumber, indent + 1, "expected 'rule NAME', 'define NAME: PATTERN' or 'key: value' (keys: priority, type, pattern, fires, skips, note)")
            }
            let key = line[..<colon].trimmingBlanks()
            let valueStart = line.index(after: colon)
            let value = String(line[valueStart...]).trimmingBlanks()
            let valueColumn = indent + line.distance(from: line.startIndex, to: valueStart) + 1
                + (line[valueStart...].prefix(while: { $0 == " " || $0 == "\t" }).count)
            guard !rules.isEmpty else { throw fail(lineNumber, indent + 1, "'\(key):' outside a rule: start one with 'rule NAME'") }
            switch key {
            case "priority":
                guard let p = Int(value) else { throw fail(lineNumber, valueColumn, "priority must be a whole number") }
                rules[rules.count - 1].priority = p
            case "type":
                rules[rules.count - 1].type = value
                rules[rules.count - 1].typeLine = lineNumber
            case "pattern":
                do {
                    var parser = PatternParser(value, columnOffset: valueColumn - 1)
                    let node = try expand(parser.parse(), macros)
                    try checkDepth(node, column: valueColumn)
                    rules[rules.count - 1].patterns.append((node, lineNumber, raw, valueColumn, node.compiledSize))
                } catch let e as SyntaxError {
                    throw fail(lineNumber, e.column, e.message)
                }
            case "fires":
                // Split on the bytes of "=>": Foundation's `components(separatedBy:)` was an
                // eighth of parsing the rules.
                let parts = RuleParser.arrowParts(value)
                guard parts.count == 2, !parts[0].trimmingBlanks().isEmpty else {
                    throw fail(lineNumber, valueColumn, "expected 'fires: SENTENCE => [TYPE] ENTITY [; [TYPE] ENTITY…]'")
                }
                var expected: [(type: EntityType?, text: String, column: Int)] = []
                // Columns count characters from the start of the entity list after '=>'.
                var column = valueColumn + parts[0].count + 2
                for item in parts[1].split(separator: ";", omittingEmptySubsequences: false) {
                    defer { column += item.count + 1 }
                    let text = item.trimmingBlanks()
                    if text.isEmpty { continue }
                    let at = column + item.prefix(while: { $0 == " " || $0 == "\t" }).count
                    let words = text.split(separator: " ", maxSplits: 1)
                    // A leading word in capital Latin letters is a type; entity text is Arabic.
                    if words.count == 2, words[0].allSatisfy({ $0.isASCII && ($0.isUppercase || $0 == "_") }) {
                        guard RuleParser.exampleTypes.contains(String(words[0])) else {
                            throw fail(lineNumber, at, "unknown entity type '\(words[0])' (types: \(RuleParser.exampleTypes.joined(separator: ", ")))")
                        }
                        expected.append((EntityType(String(words[0])), words[1].trimmingBlanks(), at))
                    } else {
                        expected.append((nil, text, at))
                    }
                }
                guard !expected.isEmpty else { throw fail(lineNumber, valueColumn, "a 'fires' example names the entities after '=>'") }
                rules[rules.count - 1].fires.append(WrittenExample(text: parts[0].trimmingBlanks(),
                                                                   expected: expected, line: lineNumber, raw: raw))
            case "skips":
                guard !value.isEmpty else { throw fail(lineNumber, valueColumn, "expected 'skips: SENTENCE'") }
                rules[rules.count - 1].skips.append(RuleExample(text: value, expected: [], line: lineNumber))
            case "note":
                break
            default:
                throw fail(lineNumber, indent + 1, "unknown key '\(key)' (keys: priority, type, pattern, fires, skips, note)")
            }
        }
        for rule in rules where rule.patterns.isEmpty {
            throw fail(rule.line, 1, "rule '\(rule.name)' has no pattern")
        }
        return rules
    }

    /// The lines of a file, whatever its line ends: in Swift "\r\n" is one Character, so
    /// splitting on "\n" alone would see a CRLF file as one line.
    /// Bytes, not Characters: LF and CR never join another character but each other, so the
    /// Characters "\n", "\r\n" and "\r" are exactly LF, CR LF and a CR without LF after it.
    /// The bytes are read from a buffer: stepping `String.UTF8View` indices made this cost twice
    /// as much (3.7M instructions for the built-in rules).
    static func lines(_ content: String) -> [String] {
        var copy = content
        return copy.withUTF8 { u in
            func line(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: u[r]), as: UTF8.self) }
            var lines: [String] = []
            var start = 0
            var i = 0
            while i < u.count {
                let b = u[i]
                if b == 0x0A || b == 0x0D {
                    lines.append(line(start..<i))
                    var next = i + 1
                    if b == 0x0D, next < u.count, u[next] == 0x0A { next += 1 }
                    start = next
                    i = next
                } else {
                    i += 1
                }
            }
            lines.append(line(start..<u.count))
            return lines
        }
    }

    /// `text` cut at each "=>" (ASCII: it never sits inside another character's bytes).
    static func arrowParts(_ text: String) -> [String] {
        var copy = text
        return copy.withUTF8 { u in
            var parts: [String] = []
            var start = 0, i = 0
            while i + 1 < u.count {
                if u[i] == 0x3D, u[i + 1] == 0x3E {
                    parts.append(String(decoding: UnsafeBufferPointer(rebasing: u[start..<i]), as: UTF8.self))
                    i += 2
                    start = i
                } else {
                    i += 1
                }
            }
            parts.append(String(decoding: UnsafeBufferPointer(rebasing: u[start...]), as: UTF8.self))
            return parts
        }
    }

    /// Groups, captures and repetitions nest at most this deep, definitions included: the
    /// parser, the compiler and the size estimate recurse once per level.
    static let maximumNesting = 32

    /// Refuses a pattern that nests deeper than `maximumNesting` once its definitions are
    /// spliced in (each definition was checked alone, so this recursion is bounded too).
    static func checkDepth(_ node: PatternNode, column: Int) throws {
        let depth = node.depth
        if depth > maximumNesting {
            throw SyntaxError(line: 0, column: column, message: "this pattern nests \(depth) levels deep (groups, captures and repetitions, definitions included); the limit is \(maximumNesting)")
        }
    }

    /// Replaces `$NAME` atoms by their definitions.
    static func expand(_ node: PatternNode, _ macros: [String: PatternNode]) throws -> PatternNode {
        switch node {
        case .atom(var text, let column, let line):
            // `word&$name` splices in a definition that is one token condition.
            // Bytes: `contains` with a String argument is Foundation's search, a Character walk.
            if text.utf8.withContiguousStorageIfAvailable({ u in u.indices.dropLast().contains { u[$0] == 0x26 && u[$0 + 1] == 0x24 } }) ?? text.contains("&$") {
                var parts = Condition.splitConditions(text)
                for k in parts.indices.dropFirst() where parts[k].hasPrefix("$") {
                    guard case .atom(let body, _, _)? = macros[String(parts[k].dropFirst())] else {
                        throw SyntaxError(line: 0, column: column, message: "'\(parts[k])' inside a condition must name a definition of one token condition")
                    }
                    parts[k] = body
                }
                text = parts.joined(separator: "&")
                if !text.hasPrefix("$") { return .atom(text, column: column, line: line) }
            }
            guard text.hasPrefix("$") else { return node }
            // `$name&more` adds conditions to a definition that is one token condition (or
            // alternatives of them).
            let parts = Condition.splitConditions(String(text.dropFirst()))
            let name = parts[0]
            guard let body = macros[name] else {
                throw SyntaxError(line: 0, column: column, message: "unknown definition '$\(name)' (define it above with 'define \(name): PATTERN')")
            }
            guard parts.count > 1 else { return body }
            let more = parts.dropFirst().joined(separator: "&")
            func add(_ n: PatternNode) throws -> PatternNode {
                switch n {
                case .atom(let t, let c, let l): return .atom(t + "&" + more, column: c, line: l)
                case .alternation(let options): return .alternation(try options.map(add))
                default:
                    throw SyntaxError(line: 0, column: column, message: "'$\(name)&…' adds conditions to a definition of one token; '\(name)' is a sequence")
                }
            }
            return try add(body)
        case .sequence(let items): return .sequence(try items.map { try expand($0, macros) })
        case .alternation(let items): return .alternation(try items.map { try expand($0, macros) })
        case .repetition(let inner, let min, let max): return .repetition(try expand(inner, macros), min: min, max: max)
        case .capture(let inner, let type, let column): return .capture(try expand(inner, macros), type: type, column: column)
        case .literalSet: return node
        }
    }

    static func error(file: String, line: Int, column: Int, message: String, text: String) -> WasimError {
        let shown = text.replacingOccurrences(of: "\t", with: " ")
        return WasimError.data("\(file):\(line):\(column): \(message)\n    \(shown)\n    \(String(repeating: " ", count: max(0, column - 1)))^")
    }
}

/// Recursive descent over one pattern line. Columns count characters from the line's start.
struct PatternParser {
    /// The pattern's UTF-8.
    let utf8: [UInt8]
    /// Where each Character starts in `utf8`, and its end last: an atom is a run of them,
    /// copied out at once; building it a Character at a time was a ninth of parsing.
    let offsets: [Int]
    /// Each Character as its byte when it is one ASCII byte, else 0xFF. The pattern's syntax is
    /// ASCII, and comparing Characters (a string comparison each) was a tenth of parsing.
    let bytes: [UInt8]
    let columnOffset: Int
    let definitionLine: Int
    var i = 0
    /// Open groups and brackets: refused past `RuleParser.maximumNesting`, before the
    /// recursion can exhaust the stack.
    var nesting = 0

    init(_ text: String, columnOffset: Int, definitionLine: Int = 0) {
        let utf8 = Array(text.utf8)
        // String's grapheme breaking cost a few hundred instructions a Character, most of the
        // cost of this init. Between two scalars that are each ASCII (but CR) or an Arabic
        // letter (U+0621–U+063A, U+0641–U+064A) there is always a break: none of them is Extend,
        // SpacingMark, ZWJ, Prepend, a regional indicator or pictographic. String decides the
        // rest, from the Character's start.
        func plainScalar(at o: Int) -> Int {
            guard o < utf8.count else { return 0 }
            let b = utf8[o]
            if b < 0x80 { return b == 0x0D ? 0 : 1 }
            guard o + 1 < utf8.count else { return 0 }
            let c = utf8[o + 1]
            return Condition.isArabicLetter(b, c) ? 2 : 0
        }
        var offsets: [Int] = []
        var bytes: [UInt8] = []
        offsets.reserveCapacity(utf8.count + 1)
        bytes.reserveCapacity(utf8.count)
        var o = 0
        while o < utf8.count {
            let n = plainScalar(at: o)
            let next: Int
            if n > 0, o + n == utf8.count || plainScalar(at: o + n) > 0 {
                next = o + n
            } else {
                let start = text.utf8.index(text.utf8.startIndex, offsetBy: o)
                next = text.utf8.distance(from: text.utf8.startIndex, to: text.index(after: start))
            }
            offsets.append(o)
            bytes.append(next - o == 1 ? utf8[o] : 0xFF)
            o = next
        }
        offsets.append(utf8.count)
        self.utf8 = utf8
        self.offsets = offsets
        self.bytes = bytes
        self.columnOffset = columnOffset
        self.definitionLine = definitionLine
    }

    var column: Int { columnOffset + i + 1 }

    /// The text of Characters `from ..< to`.
    func text(_ from: Int, _ to: Int) -> String { String(decoding: utf8[offsets[from]..<offsets[to]], as: UTF8.self) }

    func character(_ k: Int) -> Character { Character(text(k, k + 1)) }

    // Comparisons, not String.contains: that walks the string's Characters at every call.
    static func isRepetition(_ c: UInt8) -> Bool { c == UInt8(ascii: "?") || c == UInt8(ascii: "*") || c == UInt8(ascii: "+") || c == UInt8(ascii: "{") }
    static func endsAtom(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == UInt8(ascii: "[") || c == UInt8(ascii: "]") || c == UInt8(ascii: "|") || isRepetition(c)
    }

    /// Whether the character at `k` is the ASCII character `c`.
    func has(_ c: Unicode.Scalar, at k: Int) -> Bool { bytes[k] == UInt8(ascii: c) }

    mutating func parse() throws -> PatternNode {
        let node = try alternation()
        skipSpace()
        if i < bytes.count {
            throw SyntaxError(line: 0, column: column, message: has(")", at: i) || has("]", at: i) ? "unbalanced '\(character(i))'" : "unexpected '\(character(i))'")
        }
        return node
    }

    mutating func skipSpace() { while i < bytes.count, has(" ", at: i) || has("\t", at: i) { i += 1 } }

    mutating func alternation() throws -> PatternNode {
        var options = [try sequence()]
        skipSpace()
        while i < bytes.count, has("|", at: i) {
            i += 1
            options.append(try sequence())
            skipSpace()
        }
        return options.count == 1 ? options[0] : .alternation(options)
    }

    mutating func sequence() throws -> PatternNode {
        var items: [PatternNode] = []
        while true {
            skipSpace()
            guard i < bytes.count, !has(")", at: i), !has("]", at: i), !has("|", at: i) else { break }
            items.append(try item())
        }
        if items.isEmpty { throw SyntaxError(line: 0, column: column, message: "expected a token condition here") }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    mutating func item() throws -> PatternNode {
        var node = try primary()
        while i < bytes.count {
            if PatternParser.isRepetition(bytes[i]), nesting + node.depth >= RuleParser.maximumNesting {
                throw SyntaxError(line: 0, column: column, message: "repetitions nest more than \(RuleParser.maximumNesting) levels deep here")
            }
            switch bytes[i] {
            case UInt8(ascii: "?"): node = .repetition(node, min: 0, max: 1); i += 1
            case UInt8(ascii: "*"): node = .repetition(node, min: 0, max: nil); i += 1
            case UInt8(ascii: "+"): node = .repetition(node, min: 1, max: nil); i += 1
            case UInt8(ascii: "{"):
                let at = column
                guard let close = bytes[i...].firstIndex(of: UInt8(ascii: "}")) else { throw SyntaxError(line: 0, column: at, message: "unclosed '{'") }
                let body = text(i + 1, close)
                let parts = body.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingBlanks() }
                let lo = Int(parts[0])
                let hi: Int?? = parts.count == 1 ? .some(lo) : parts.count == 2 ? (parts[1].isEmpty ? .some(nil) : Int(parts[1]).map { .some($0) }) : nil
                guard let min = lo, let max = hi, min >= 0, max.map({ $0 >= min && $0 > 0 }) ?? true else {
                    throw SyntaxError(line: 0, column: at, message: "a repetition is {m}, {m,n} or {m,} with 0 ≤ m ≤ n, n > 0")
                }
                if let m = max, m > 12 {
                    throw SyntaxError(line: 0, column: at, message: "repetition bound \(m) is too large (at most 12): a bounded repetition is copied into the matcher; use '*' or '+' for long runs")
                }
                node = .repetition(node, min: min, max: max)
                i = close + 1
            default:
                return node
            }
        }
        return node
    }

    mutating func primary() throws -> PatternNode {
        let at = column
        func group(_ close: UInt8) throws -> PatternNode {
            nesting += 1
            defer { nesting -= 1 }
            if nesting > RuleParser.maximumNesting {
                throw SyntaxError(line: 0, column: at, message: "groups nest more than \(RuleParser.maximumNesting) levels deep here")
            }
            i += 1
            let inner = try alternation()
            skipSpace()
            guard i < bytes.count, bytes[i] == close else {
                throw SyntaxError(line: 0, column: at, message: "unclosed '\(close == UInt8(ascii: ")") ? "(" : "[")'")
            }
            i += 1
            return inner
        }
        if has("(", at: i) { return try group(UInt8(ascii: ")")) }
        if has("[", at: i) {
            let inner = try group(UInt8(ascii: "]"))
            var type: String? = nil
            if i < bytes.count, has(":", at: i) {
                i += 1
                let start = i
                while i < bytes.count, character(i).isLetter || has("_", at: i) { i += 1 }
                guard i > start else { throw SyntaxError(line: 0, column: column, message: "expected an entity type after ':'") }
                type = text(start, i)
            }
            return .capture(inner, type: type, column: at)
        }
        // An atom: conditions joined by '&', up to white space or pattern punctuation. Quoted
        // text and /regex/ may hold anything.
        let start = i
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "/") {
                let open = column
                guard let close = bytes[(i + 1)...].firstIndex(of: c) else {
                    throw SyntaxError(line: 0, column: open, message: "unclosed \(character(i))")
                }
                var j = close
                while c == UInt8(ascii: "/"), has("\\", at: j - 1) {  // an escaped slash inside a regex
                    guard let next = bytes[(j + 1)...].firstIndex(of: UInt8(ascii: "/")) else { throw SyntaxError(line: 0, column: open, message: "unclosed /") }
                    j = next
                }
                i = j + 1
                continue
            }
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || PatternParser.endsAtom(c) { break }
            i += 1
        }
        if i == start { throw SyntaxError(line: 0, column: at, message: "expected a token condition here") }
        return .atom(text(start, i), column: at, line: definitionLine)
    }
}

extension StringProtocol {
    /// What `trimmingCharacters(in: .whitespaces)` returns (tabs and space separators off both
    /// ends), without Foundation's detour through NSString, which dominated loading the rules.
    func trimmingBlanks() -> String {
        var whole = String(self)
        // Most values have nothing to trim: an ASCII scalar that is no blank, or an Arabic one
        // (U+0600–U+06FF, lead bytes D8–DB; no space separator among them), at each end says
        // so from the bytes, and reading the scalars' properties was most of the cost.
        let untrimmed = whole.withUTF8 { u -> Bool in
            guard let first = u.first, let last = u.last else { return false }
            func plain(_ b: UInt8) -> Bool { b < 0x80 && b != 0x20 && b != 0x09 }
            return (plain(first) || (0xD8...0xDB).contains(first))
                && (plain(last) || (last >= 0x80 && u.count >= 2 && (0xD8...0xDB).contains(u[u.count - 2])))
        }
        if untrimmed { return whole }
        let scalars = whole.unicodeScalars
        func blank(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" || (s.value > 0x7F && s.properties.generalCategory == .spaceSeparator) }
        guard let first = scalars.firstIndex(where: { !blank($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !blank($0) })!
        return String(scalars[first...last])
    }
}
