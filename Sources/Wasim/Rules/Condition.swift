// One token condition of a pattern, compiled: `word`, `@TITLE`, `"قال"`, `'قال'`, `/^[0-9]+$/`,
// `clitic`, `clitic:و`, `noclitic`, each possibly negated with `!`, joined by `&`.
import Foundation

struct Condition: @unchecked Sendable {
    var kinds: UInt8 = 0          // bit per TokenKind; 0 = any
    var excludedKinds: UInt8 = 0
    var lists: [Int32] = []       // all must match, over the same tokens
    var excludedLists: [Int32] = []
    var texts: [UInt64] = []      // normalized literals (hashes)
    var excludedTexts: [UInt64] = []
    var exact: [[UInt16]] = []
    var excludedExact: [[UInt16]] = []
    var regexes: [NSRegularExpression] = []
    var excludedRegexes: [NSRegularExpression] = []
    /// nil: no requirement; `[]`: some proclitic; a set: exactly those proclitics.
    var clitic: Proclitics? = nil
    var noClitic = false

    /// Bits of lists that must have a lookup at the first token, for skipping quickly.
    var requiredListMask: UInt64 { lists.reduce(0) { $1 < 64 ? $0 | (1 << UInt64($1)) : $0 } }

    static func compile(_ text: String, column: Int, gazetteer: Gazetteer, normalizer: Normalizer) throws -> Condition {
        var c = Condition()
        var offset = 0
        for part in splitConditions(text) {
            defer { offset += part.count + 1 }
            let at = column + offset
            var body = Substring(part)
            let negated = body.hasPrefix("!")
            if negated { body = body.dropFirst() }
            func fail(_ message: String) -> SyntaxError { SyntaxError(line: 0, column: at, message: message) }
            if body.isEmpty { throw fail("empty condition") }
            if let kind = kindBit(String(body)) {
                if negated { c.excludedKinds |= kind } else { c.kinds |= kind }
            } else if body == "any" {
                if negated { throw fail("'!any' never matches") }
            } else if body.hasPrefix("@") {
                let name = String(body.dropFirst())
                guard let id = gazetteer.typeID(name) else {
                    throw fail("unknown list '@\(name)' (lists: \(gazetteer.typeNames.map { "@" + $0 }.joined(separator: " ")))")
                }
                if negated { c.excludedLists.append(id) } else { c.lists.append(id) }
            } else if body.hasPrefix("\""), body.hasSuffix("\""), body.count >= 3 {
                let key = normalizer.key(String(body.dropFirst().dropLast()))
                if negated { c.excludedTexts.append(key) } else { c.texts.append(key) }
            } else if body.hasPrefix("'"), body.hasSuffix("'"), body.count >= 3 {
                let units = Array(body.dropFirst().dropLast().utf16)
                if negated { c.excludedExact.append(units) } else { c.exact.append(units) }
            } else if body.hasPrefix("/"), body.hasSuffix("/"), body.count >= 3 {
                let source = String(body.dropFirst().dropLast()).replacingOccurrences(of: "\\/", with: "/")
                if let problem = backtrackingRisk(source) { throw fail("regular expression rejected: \(problem)") }
                guard let re = try? NSRegularExpression(pattern: source) else { throw fail("invalid regular expression /\(source)/") }
                if negated { c.excludedRegexes.append(re) } else { c.regexes.append(re) }
            } else if body == "clitic" || body.hasPrefix("clitic:") {
                if body == "clitic" {
                    if negated { c.noClitic = true } else { c.clitic = [] }
                } else {
                    if negated { throw fail("write '!clitic' or 'clitic:LETTERS', not '!clitic:LETTERS'") }
                    var set: Proclitics = []
                    for u in body.dropFirst("clitic:".count).utf16 {
                        guard let p = Proclitics(letter: u) else { throw fail("a proclitic is one of و ف ب ل ك") }
                        set.insert(p)
                    }
                    c.clitic = set
                }
            } else if body == "noclitic" {
                if negated { throw fail("write 'clitic' instead of '!noclitic'") }
                c.noClitic = true
            } else {
                throw fail("unknown condition '\(body)' (conditions: word number punct symbol any @LIST \"normalized\" 'exact' /regex/ clitic clitic:و noclitic, negated with '!', joined with '&')")
            }
        }
        if c.noClitic && c.clitic != nil { throw SyntaxError(line: 0, column: column, message: "a condition cannot require and forbid a proclitic") }
        return c
    }

    /// Splits on '&' outside quotes and regexes.
    static func splitConditions(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character? = nil
        for ch in text {
            if let q = quote {
                current.append(ch)
                if ch == q { quote = nil }
            } else if ch == "&" {
                parts.append(current)
                current = ""
            } else {
                if ch == "\"" || ch == "'" || ch == "/" { quote = ch }
                current.append(ch)
            }
        }
        parts.append(current)
        return parts
    }

    static func kindBit(_ s: String) -> UInt8? {
        switch s {
        case "word": 1 << TokenKind.word.rawValue
        case "number": 1 << TokenKind.number.rawValue
        case "punct", "punctuation": 1 << TokenKind.punctuation.rawValue
        case "symbol": 1 << TokenKind.symbol.rawValue
        default: nil
        }
    }

    /// Token regexes run on one token at a time, but ICU's regex engine backtracks: refuse the
    /// constructs that make it exponential (nested quantifiers) or that are not regular at all.
    static func backtrackingRisk(_ source: String) -> String? {
        let chars = Array(source)
        if source.range(of: #"\\[1-9]|\\k<"#, options: .regularExpression) != nil { return "back-references cannot run in linear time" }
        if source.contains("(?=") || source.contains("(?!") || source.contains("(?<=") || source.contains("(?<!") {
            return "look-around cannot run in linear time"
        }
        var stack: [Bool] = []   // does the open group contain a quantifier?
        var i = 0
        var escaped = false
        var inClass = false
        while i < chars.count {
            let ch = chars[i]
            defer { i += 1 }
            if escaped { escaped = false; continue }
            if ch == "\\" { escaped = true; continue }
            if inClass { if ch == "]" { inClass = false }; continue }
            switch ch {
            case "[": inClass = true
            case "(": stack.append(false)
            case ")":
                let inner = stack.popLast() ?? false
                let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
                if inner, let n = next, "*+{".contains(n) {
                    return "a quantified group that contains a quantifier (as in (a+)+) can backtrack exponentially"
                }
                if inner, !stack.isEmpty { stack[stack.count - 1] = true }
                if let n = next, "*+?{".contains(n), !stack.isEmpty { stack[stack.count - 1] = true }
            case "*", "+", "{", "?":
                if !stack.isEmpty { stack[stack.count - 1] = true }
            default: break
            }
        }
        return nil
    }
}
