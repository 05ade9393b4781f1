// A compiled rule: its pattern as a Thompson NFA over tokens, run by a Pike VM, so matching
// is linear in the sentence's length with no backtracking, whatever the pattern.
import Foundation

enum Instruction {
    case consume(Int)          // a condition index
    case split(Int, Int)       // try the first, then the second
    case jump(Int)
    case open(Int)             // a capture starts
    case close(Int)            // a capture ends
    case match
}

/// A rule ready to run.
package struct Rule: Sendable {
    package let name: String
    package let file: String
    package let line: Int
    package let priority: Int
    package let fires: [RuleExample]
    package let skips: [RuleExample]
    /// The type of each capture.
    package let captureTypes: [EntityType]
    let code: RuleCode
    /// A start is possible only where one of these lists has a lookup or one of the texts
    /// the first conditions name (nil: anywhere).
    let startLists: UInt64?
    package let source: String
    /// Whether the rule starts only where a list or a text occurs; an unanchored rule is tried
    /// at every token.
    package var isAnchored: Bool { startLists != nil }
    /// Whether every match consumes one of a set of texts: an unanchored rule is then tried only
    /// in the sentences that hold one (`RuleMatching.requiredGroups`).
    package var hasRequiredText: Bool { !code.requiredTexts.isEmpty }

    static let maximumCaptures = 5
    /// The most instructions one rule compiles to. The matcher's work at a token is at most one
    /// step per instruction of each rule, so this and `RuleSet.maximumSize` bound the cost per
    /// token; a bounded repetition is copied, so `(…){1,12}` nested costs 12× per level.
    package static let maximumSize = 2_000
    /// What trying a rule at a token costs beyond its instructions (a thread, a start test, a
    /// candidate), in instructions: a thousand one-word rules cost as much as their count says.
    package static let overhead = 25
    /// What one /regex/ in a condition counts, in instructions: a match of ICU's engine on one
    /// token may take up to `TokenRegex.timeLimit` (thousands of steps), where another condition
    /// is a few comparisons. It caps a set at about 80 regexes.
    package static let regexCost = 100
    /// Instructions of this rule's compiled pattern, plus `overhead`, plus `regexCost - 1` for
    /// each /regex/ a consuming instruction tests.
    package let size: Int

    /// A rule as compiling it left it, rebuilt from the rules' cache (`RuleCache`).
    init(name: String, file: String, line: Int, priority: Int, fires: [RuleExample], skips: [RuleExample],
         captureTypes: [EntityType], code: RuleCode, startLists: UInt64?, size: Int) {
        self.name = name
        source = "rule:" + name
        self.file = file
        self.line = line
        self.priority = priority
        self.fires = fires
        self.skips = skips
        self.captureTypes = captureTypes
        self.code = code
        self.startLists = startLists
        self.size = size
    }

    /// `cache`: conditions already compiled for the rules before this one (see `ConditionCache`).
    init(_ src: RuleSource, gazetteer: Gazetteer, normalizer: Normalizer, cache: ConditionCache = ConditionCache()) throws {
        name = src.name
        source = "rule:" + src.name
        file = src.file
        line = src.line
        priority = src.priority
        skips = src.skips
        var types: [EntityType] = []
        var program: [Instruction] = []
        var conditions: [Condition] = []
        var extras: [AnyObject] = []
        let valid = Set((EntityType.builtIn + [.suppressed]).map(\.rawValue))
        if let t = src.type, !valid.contains(t) {
            throw WasimError.data("\(src.file):\(src.typeLine):1: unknown entity type '\(t)' (types: \((EntityType.builtIn + [.suppressed]).map(\.rawValue).joined(separator: ", ")))")
        }
        // Alternative patterns of one rule are one alternation.
        var alternatives: [Int] = []  // split positions to patch
        var jumps: [Int] = []
        var estimate = 1
        for (k, pattern) in src.patterns.enumerated() {
            func fail(_ column: Int, _ message: String) -> WasimError {
                RuleParser.error(file: src.file, line: pattern.line, column: column, message: message, text: pattern.text)
            }
            if pattern.node.matchesEmpty { throw fail(pattern.column, "this pattern matches the empty sequence; every rule must consume at least one token") }
            // Checked on the syntax tree, before anything is emitted: the program itself could
            // take gigabytes.
            let (sum, overflow) = estimate.addingReportingOverflow(pattern.size &+ 4)
            estimate = overflow || sum < 0 ? Int.max : sum
            if estimate > Rule.maximumSize {
                let found = estimate == Int.max ? "more than \(Int.max)" : "\(estimate)"
                throw fail(pattern.column, "rule '\(src.name)' compiles to \(found) instructions; the limit is \(Rule.maximumSize) per rule (a bounded repetition {m,n} is copied n times, so nesting multiplies; a /regex/ counts \(Rule.regexCost))")
            }
            if k < src.patterns.count - 1 {
                alternatives.append(program.count)
                program.append(.split(program.count + 1, -1))
            }
            var node = pattern.node
            if !node.hasCapture { node = .capture(node, type: nil, column: 1) }
            do {
                try Rule.emit(node, into: &program, conditions: &conditions, extras: &extras, compiled: cache, types: &types,
                              ruleType: src.type, inRepetition: false, gazetteer: gazetteer, normalizer: normalizer)
            } catch let e as SyntaxError {
                if e.line > 0, let text = src.definitions[e.line] {
                    throw RuleParser.error(file: src.file, line: e.line, column: e.column, message: e.message, text: text)
                }
                throw fail(e.column, e.message)
            }
            if k < src.patterns.count - 1 {
                jumps.append(program.count)
                program.append(.jump(-1))
                if case .split(let a, _) = program[alternatives.last!] { program[alternatives.last!] = .split(a, program.count) }
            }
        }
        program.append(.match)
        let regexes = conditions.reduce(0) { n, c in
            n + (c.extras.map { e in e.takeUnretainedValue().regexes.count + e.takeUnretainedValue().excludedRegexes.count } ?? 0)
        }
        size = program.count + Rule.overhead + regexes * (Rule.regexCost - 1)
        for j in jumps { program[j] = .jump(program.count - 1) }
        self.captureTypes = types
        // An example's entity without a type has the rule's only type; a rule that marks
        // several types says which one each example expects.
        let marked = Array(Set(types)).sorted { $0.rawValue < $1.rawValue }
        fires = try src.fires.map { example in
            RuleExample(text: example.text, expected: try example.expected.map { e in
                // A written type the rule never marks is no load error: `RuleCheck` reports it
                // with what the rule found, as for any other wrong example.
                if let type = e.type { return ExpectedEntity(type: type, text: e.text) }
                guard marked.count == 1 else {
                    throw RuleParser.error(file: src.file, line: example.line, column: e.column, message:
                        "this rule marks \(marked.map(\.rawValue).joined(separator: " and ")): write the type before the entity ('\(marked[0]) \(e.text)')", text: example.raw)
                }
                return ExpectedEntity(type: marked[0], text: e.text)
            }, line: example.line)
        }
        // Which conditions can come first: follow epsilons from the start.
        var seen = Set<Int>()
        var stack = [0]
        var mask: UInt64 = 0
        var texts: [UInt64] = []
        var anywhere = false
        while let pc = stack.popLast() {
            guard seen.insert(pc).inserted else { continue }
            switch program[pc] {
            case .consume(let c):
                let m = conditions[c].requiredListMask
                if m != 0 {
                    mask |= m
                } else if let t = conditions[c].text {
                    texts.append(t)
                } else if let set = conditions[c].textSet {
                    texts += set.takeUnretainedValue().hashes
                } else {
                    anywhere = true
                }
            case .split(let a, let b): stack.append(a); stack.append(b)
            case .jump(let a): stack.append(a)
            case .open, .close: stack.append(pc + 1)
            case .match: anywhere = true
            }
        }
        startLists = anywhere ? nil : mask
        let required = RuleCode.requiredTexts(program, conditions) { normalizer.key(String(decoding: $0, as: UTF16.self)) }
        code = RuleCode(program: program, conditions: conditions, extras: extras, captureTypes: types,
                        source: source, priority: priority, startLists: startLists, startTexts: anywhere ? [] : texts,
                        requiredTexts: required)
    }

    /// `compiled`: conditions by text, compiled once each. A definition used in several places
    /// (or several rules), or in a repetition that is copied, is the same condition every time,
    /// and compiling conditions was most of the cost of loading the rules.
    private static func emit(_ node: PatternNode, into p: inout [Instruction], conditions: inout [Condition],
                             extras: inout [AnyObject], compiled: ConditionCache, types: inout [EntityType],
                             ruleType: String?, inRepetition: Bool, gazetteer: Gazetteer, normalizer: Normalizer) throws {
        func recurse(_ n: PatternNode, _ rep: Bool) throws {
            try emit(n, into: &p, conditions: &conditions, extras: &extras, compiled: compiled, types: &types, ruleType: ruleType,
                     inRepetition: rep, gazetteer: gazetteer, normalizer: normalizer)
        }
        func compile(_ text: String, _ column: Int) throws -> Condition {
            try compiled.condition(text, keep: &extras) {
                try Condition.compile(text, column: column, gazetteer: gazetteer, normalizer: normalizer, keep: &$0, keys: compiled)
            }
        }
        switch node {
        case .atom(let text, let column, let line):
            do {
                conditions.append(try compile(text, column))
            } catch var e as SyntaxError {
                e.line = line
                throw e
            }
            p.append(.consume(conditions.count - 1))
        case .sequence(let items):
            for item in items { try recurse(item, inRepetition) }
        case .literalSet(let words, let rest, let column, let line):
            // "a" | "b" | "c" (each with the same further conditions): one condition, one test.
            var c: Condition
            do {
                c = try compile(rest.isEmpty ? "any" : rest, column)
            } catch var e as SyntaxError {
                e.line = line
                throw e
            }
            let set = TextSet(words.map { compiled.key($0, normalizer) })
            extras.append(set)
            c.textSet = Unmanaged.passUnretained(set)
            conditions.append(c)
            p.append(.consume(conditions.count - 1))
        case .alternation(var options):
            let merged = mergeLiterals(options)
            if merged.count < options.count {
                // Merging again finds nothing new unless an option is itself an alternation (the
                // one level spliced in may hold more): each text's group is one option already.
                // Merging every list twice was a sixth of loading the rules.
                if merged.count == 1 || merged.contains(where: { if case .alternation = $0 { true } else { false } }) {
                    try recurse(merged.count == 1 ? merged[0] : .alternation(merged), inRepetition)
                    return
                }
                options = merged
            }
            var jumps: [Int] = []
            for (k, option) in options.enumerated() {
                if k < options.count - 1 {
                    let split = p.count
                    p.append(.split(split + 1, -1))
                    try recurse(option, inRepetition)
                    jumps.append(p.count)
                    p.append(.jump(-1))
                    p[split] = .split(split + 1, p.count)
                } else {
                    try recurse(option, inRepetition)
                }
            }
            for j in jumps { p[j] = .jump(p.count) }
        case .repetition(let inner, let min, let max):
            let repeats = max.map { $0 > 1 } ?? true
            for _ in 0..<min { try recurse(inner, inRepetition || repeats) }
            if let max {
                // Optional copies, nested so that a later copy needs the earlier one.
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(p.count)
                    p.append(.split(p.count + 1, -1))
                    try recurse(inner, inRepetition || repeats)
                }
                for s in splits { p[s] = .split(s + 1, p.count) }
            } else {
                let loop = p.count
                p.append(.split(loop + 1, -1))
                try recurse(inner, true)
                p.append(.jump(loop))
                p[loop] = .split(loop + 1, p.count)
            }
        case .capture(let inner, let type, let column):
            if inRepetition {
                throw SyntaxError(line: 0, column: column, message: "a capture [..] cannot be repeated ('*', '+', '{m,n}'): write one capture per entity")
            }
            guard types.count < maximumCaptures else {
                throw SyntaxError(line: 0, column: column, message: "at most \(maximumCaptures) captures in a rule")
            }
            guard let name = type ?? ruleType else {
                throw SyntaxError(line: 0, column: column, message: "no entity type: add 'type: PER' (or ORG, LOC) to the rule, or write [..]:TYPE")
            }
            guard (EntityType.builtIn + [.suppressed]).map(\.rawValue).contains(name) else {
                throw SyntaxError(line: 0, column: column, message: "unknown entity type '\(name)' (types: \((EntityType.builtIn + [.suppressed]).map(\.rawValue).joined(separator: ", ")))")
            }
            let index = types.count
            types.append(EntityType(name))
            p.append(.open(index))
            try recurse(inner, inRepetition)
            p.append(.close(index))
        }
    }
}

/// A text keyed by an FNV-1a hash of its bytes: `String`'s own hashing normalizes non-ASCII
/// text to NFC first, and hashing the long condition texts (a definition can be a thousand
/// bytes of Arabic) cost more than the lookups saved. Equal keys are equal bytes, which is
/// stricter than `String`'s `==` (canonical equivalence): where that matters, `StringGroups`
/// asks `String` once per distinct byte string.
struct TextKey: Hashable {
    let hash: UInt64
    let text: String
    init(_ text: String) {
        var copy = text
        hash = copy.withUTF8 { u in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in u { h = (h ^ UInt64(b)) &* 0x0100_0000_01b3 }
            return h
        }
        self.text = text
    }
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    /// The bytes compared with `memcmp`: walking a `UTF8View` cost as much as the hashing.
    static func == (a: TextKey, b: TextKey) -> Bool {
        guard a.hash == b.hash else { return false }
        var x = a.text, y = b.text
        return x.withUTF8 { u in y.withUTF8 { v in u.count == v.count && (u.isEmpty || memcmp(u.baseAddress!, v.baseAddress!, u.count) == 0) } }
    }
}

/// Strings numbered by `String` equality (canonical equivalence, as a `[String: …]` groups
/// them), with each distinct byte string looked up by its `TextKey` first: an alternation's
/// options mostly repeat a few texts, and hashing a `String` (NFC first) for every option was
/// a third of merging and sizing the alternations.
struct StringGroups {
    private var byBytes: [TextKey: Int] = [:]
    private var byString: [String: Int] = [:]
    private(set) var count = 0

    /// The group of `text`, and whether this call made it.
    mutating func group(_ text: String) -> (index: Int, isNew: Bool) {
        let key = TextKey(text)
        if let k = byBytes[key] { return (k, false) }
        var isNew = false
        let k = byString[text] ?? {
            byString[text] = count
            count += 1
            isNew = true
            return count - 1
        }()
        byBytes[key] = k
        return (k, isNew)
    }
}

/// The conditions compiled while loading one file's rules, by text, with the objects each one
/// points to: a definition is spliced into every rule that names it, and compiling its
/// conditions again for each rule was a seventh of loading the rules. A condition depends only on
/// its text, the lists and the normalizer, which are the same for every rule of a file.
final class ConditionCache {
    private var conditions: [TextKey: (condition: Condition, kept: [AnyObject])] = [:]
    private var keys: [TextKey: UInt64] = [:]

    /// `normalizer.key(text)`, worked out once per text: the same words come back in every
    /// rule a definition is spliced into (`$adj&…` is a condition of its own each time), and
    /// normalizing them again was a tenth of compiling the rules.
    func key(_ text: String, _ normalizer: Normalizer) -> UInt64 {
        let k = TextKey(text)
        if let known = keys[k] { return known }
        let key = normalizer.key(text)
        keys[k] = key
        return key
    }

    /// The condition compiled from `text`, by `make` the first time; what it points to is added
    /// to `keep` (the rule's own objects) every time.
    func condition(_ text: String, keep: inout [AnyObject], _ make: (inout [AnyObject]) throws -> Condition) rethrows -> Condition {
        let key = TextKey(text)
        if let hit = conditions[key] {
            keep += hit.kept
            return hit.condition
        }
        var kept: [AnyObject] = []
        let c = try make(&kept)
        keep += kept
        conditions[key] = (c, kept)
        return c
    }
}

/// Alternatives with nested alternations spliced in, and the options that are one normalized
/// text with the same further conditions (`"حزب"&!clitic | "جيش"&!clitic`) merged into one set.
private func mergeLiterals(_ options: [PatternNode]) -> [PatternNode] {
    var flat: [PatternNode] = []
    for option in options {
        if case .alternation(let inner) = option { flat += inner } else { flat.append(option) }
    }
    var names = StringGroups()
    var groups: [(rest: String, words: [String], column: Int, line: Int, first: Int)] = []
    var others: [(Int, PatternNode)] = []
    func add(_ words: [String], rest: String, column: Int, line: Int, first: Int) {
        let g = names.group(rest)
        if g.isNew { groups.append((rest, [], column, line, first)) }
        groups[g.index].words += words
    }
    for (k, option) in flat.enumerated() {
        // A text with a space is left alone for the condition parser to reject (a text is one token).
        if case .atom(let text, let column, let line) = option, let head = Condition.quotedHead(text, tail: false), !head.innerQuote,
           !Condition.hasWhitespace(head.word) {
            add([head.word], rest: head.rest, column: column, line: line, first: k)
            continue
        }
        if case .literalSet(let words, let rest, let column, let line) = option {
            add(words, rest: rest, column: column, line: line, first: k)
            continue
        }
        others.append((k, option))
    }
    var result = others
    for g in groups {
        let rest = g.rest
        result.append((g.first, g.words.count == 1 ? .atom("\"" + g.words[0] + "\"" + (rest.isEmpty ? "" : "&" + rest), column: g.column, line: g.line)
                                                   : .literalSet(g.words, rest: rest, column: g.column, line: g.line)))
    }
    // Keep the written order of the options (it decides which capture wins a tie).
    return result.sorted { $0.0 < $1.0 }.map(\.1)
}

/// A rule's program and conditions in memory of their own: the matcher reads them through raw
/// buffers, so threads sharing a rule never touch a reference count on the hot path.
/// Unchecked Sendable because of the two buffers: they are filled in `init`, before the object
/// is shared, never written again (every field is a `let`) and freed in `deinit`; `extras`
/// holds only `TextSet` and `ConditionExtras`, themselves immutable.
final class RuleCode: @unchecked Sendable {
    let program: UnsafeMutableBufferPointer<Instruction>
    let conditions: UnsafeMutableBufferPointer<Condition>
    /// Owns what the conditions point to without retaining it.
    let extras: [AnyObject]
    /// How many `conditions` holds (its buffer has room for one at least).
    let conditionCount: Int
    let captureTypes: [EntityType]
    let source: String
    let priority: Int
    /// Where a match can start: a token with a lookup of one of these lists, or whose text (or a
    /// proclitic reading of it) is one of these; nil when anywhere.
    let startLists: UInt64?
    let startTexts: TextSet
    /// Lists every match consumes a lookup of (a condition `@L` on every path to a match): a
    /// sentence without a lookup of each of them holds no match, and the matcher skips it.
    let requiredLists: UInt64
    /// Texts every match consumes one of (`requiredTexts(_:_:exactKey:)`), by hash; empty when
    /// none is known. A sentence with no token (or reading) of these holds no match.
    let requiredTexts: [UInt64]
    /// For each instruction a thread can wait at, the consume and match instructions its
    /// epsilon closure reaches (`closure[closureStart[pc] ..< closureStart[pc + 1]]`), in the
    /// order the matcher's depth-first walk reaches them, with the captures opened and closed on
    /// the way: the matcher follows these instead of walking splits, jumps and captures one by
    /// one at every token. Empty (no instruction) when the lists would pass `closureLimit`:
    /// then the matcher walks.
    let closureStart: UnsafeMutableBufferPointer<Int32>
    let closure: UnsafeMutableBufferPointer<ClosureStep>
    /// The conditions a match can start with (the consumes the start's closure reaches); empty
    /// when none is required. The matcher starts no thread at a token that fails all of them on
    /// the tests that need no reading (`MatchContext.mayPass`): such a thread dies at once.
    let firstConditions: UnsafeMutableBufferPointer<Int32>

    init(program: [Instruction], conditions: [Condition], extras: [AnyObject], captureTypes: [EntityType],
         source: String, priority: Int, startLists: UInt64?, startTexts: [UInt64], requiredTexts: [UInt64] = [],
         closures: Bool = true) {
        self.requiredLists = RuleCode.requiredLists(program, conditions)
        self.requiredTexts = requiredTexts
        self.startTexts = TextSet(startTexts)
        self.captureTypes = captureTypes
        self.source = source
        self.priority = priority
        self.startLists = startLists
        self.program = .allocate(capacity: program.count)
        _ = self.program.initialize(from: program)
        self.conditions = .allocate(capacity: max(conditions.count, 1))
        _ = self.conditions.initialize(from: conditions)
        conditionCount = conditions.count
        self.extras = extras
        let (starts, steps) = closures ? RuleCode.closures(program) : ([], [])
        closureStart = .allocate(capacity: max(starts.count, 1))
        _ = closureStart.initialize(from: starts)
        closure = .allocate(capacity: max(steps.count, 1))
        _ = closure.initialize(from: steps)
        hasClosures = !starts.isEmpty
        let firsts = RuleCode.firstConditions(program)
        firstConditions = .allocate(capacity: max(firsts.count, 1))
        _ = firstConditions.initialize(from: firsts)
        firstConditionCount = firsts.count
    }

    let firstConditionCount: Int

    /// The conditions of the consumes reachable from the start without consuming; none when a
    /// match is (no rule matches the empty sequence, but then nothing can be ruled out).
    static func firstConditions(_ program: [Instruction]) -> [Int32] {
        guard !program.isEmpty else { return [] }
        var seen = Set<Int>()
        var stack = [0]
        var found: [Int32] = []
        while let pc = stack.popLast() {
            guard seen.insert(pc).inserted else { continue }
            switch program[pc] {
            case .consume(let c): if !found.contains(Int32(c)) { found.append(Int32(c)) }
            case .split(let a, let b): stack.append(a); stack.append(b)
            case .jump(let a): stack.append(a)
            case .open, .close: stack.append(pc + 1)
            case .match: return []
            }
        }
        return found
    }

    /// Whether `closureStart` and `closure` hold the program's closures.
    let hasClosures: Bool

    /// The same rule for a matcher that walks every instruction (tests compare the two ways).
    func walking() -> RuleCode {
        RuleCode(program: Array(program), conditions: Array(conditions), extras: extras, captureTypes: captureTypes,
                 source: source, priority: priority, startLists: startLists, startTexts: startTexts.hashes,
                 requiredTexts: requiredTexts, closures: false)
    }

    deinit {
        program.deallocate()
        conditions.deallocate()
        closureStart.deallocate()
        closure.deallocate()
        firstConditions.deallocate()
    }

    /// The most closure steps a rule keeps, against its instruction count: a chain of n
    /// optional tokens has closures of n, n-1, … steps, n²/2 in all; past this the matcher walks.
    static func closureLimit(_ instructions: Int) -> Int { 32 * instructions + 1024 }

    /// Each instruction's closure, as the matcher's walk finds it: a stack, the first branch of a
    /// split popped first, an instruction seen once. Threads wait only at 0 and after a consume,
    /// but every instruction gets its list (most are empty), so that a thread's pc indexes it.
    /// Empty arrays when the total passes `closureLimit`.
    static func closures(_ program: [Instruction]) -> (starts: [Int32], steps: [ClosureStep]) {
        var waits = [Bool](repeating: false, count: program.count)
        if !program.isEmpty { waits[0] = true }
        for (pc, instruction) in program.enumerated() {
            if case .consume = instruction, pc + 1 < program.count { waits[pc + 1] = true }
        }
        var starts: [Int32] = [0]
        var steps: [ClosureStep] = []
        let limit = closureLimit(program.count)
        var seen = [Int](repeating: -1, count: program.count)
        var stack: [(pc: Int, open: UInt16, reset: UInt16)] = []
        for root in program.indices {
            if waits[root] {
                stack.append((root, 0, 0))
                while let (pc, open, reset) = stack.popLast() {
                    if seen[pc] == root { continue }
                    seen[pc] = root
                    switch program[pc] {
                    case .jump(let target): stack.append((target, open, reset))
                    case .split(let a, let b):
                        stack.append((b, open, reset))
                        stack.append((a, open, reset))
                    case .open(let c): stack.append((pc + 1, open | 1 << UInt16(3 * c), reset | 1 << UInt16(3 * c + 1)))
                    case .close(let c): stack.append((pc + 1, open | 1 << UInt16(3 * c + 2), reset))
                    case .consume, .match:
                        steps.append(ClosureStep(pc: Int32(pc), setToPosition: open, setToNone: reset))
                        if steps.count > limit { return ([], []) }
                    }
                }
            }
            starts.append(Int32(steps.count))
        }
        return (starts, steps)
    }

    /// The lists consumed on every path from the start to `.match`: for each instruction, what
    /// every path from it to a match consumes, as the greatest fixed point (loops included).
    /// The hashes of `requiredTexts`. Each instruction gets what every path from it to a match
    /// consumes one of: a consume, what follows it when that is known, else its own text (a
    /// literal, a merged alternation, or an exact text by its normalized key); a split, the union
    /// of its two sides (an alternation of exact texts is such splits); a match, nothing. Worked
    /// out to a fixpoint, which is sound for every path to a match (each is finite and ends at a
    /// match). A program that does not settle within its bound gets nothing.
    static func requiredTexts(_ program: [Instruction], _ conditions: [Condition],
                              exactKey: ([UInt16]) -> UInt64) -> [UInt64] {
        enum Need: Equatable {
            case unknown
            case nothing
            case oneOf(Set<UInt64>)
        }
        let own: [Set<UInt64>?] = conditions.map { c in
            if let t = c.text { return [t] }
            if let set = c.textSet { return Set(set.takeUnretainedValue().hashes) }
            if let x = c.extras?.takeUnretainedValue(), let e = x.exact.first { return [exactKey(e)] }
            return nil
        }
        var need = [Need](repeating: .unknown, count: program.count)
        var changed = true
        var rounds = 0
        while changed {
            changed = false
            rounds += 1
            if rounds > 4 * program.count + 8 { return [] }
            for pc in program.indices.reversed() {
                let n: Need
                switch program[pc] {
                case .match: n = .nothing
                case .consume(let c):
                    let next = need[pc + 1]
                    if case .oneOf = next { n = next } else if let mine = own[c] { n = .oneOf(mine) } else { n = next }
                case .split(let a, let b):
                    switch (need[a], need[b]) {
                    case (.nothing, _), (_, .nothing): n = .nothing
                    case (.unknown, let x), (let x, .unknown): n = x
                    case (.oneOf(let x), .oneOf(let y)): n = .oneOf(x.union(y))
                    }
                case .jump(let a): n = need[a]
                case .open, .close: n = need[pc + 1]
                }
                if n != need[pc] {
                    need[pc] = n
                    changed = true
                }
            }
        }
        if case .oneOf(let set) = need.first ?? .nothing { return set.sorted() }
        return []
    }

    static func requiredLists(_ program: [Instruction], _ conditions: [Condition]) -> UInt64 {
        var required = [UInt64](repeating: ~0, count: program.count)
        var changed = true
        while changed {
            changed = false
            for pc in program.indices.reversed() {
                let r: UInt64
                switch program[pc] {
                case .match: r = 0
                case .consume(let c):
                    var own: UInt64 = 0
                    if conditions[c].listA >= 0 { own |= 1 << UInt64(conditions[c].listA) }
                    if conditions[c].listB >= 0 { own |= 1 << UInt64(conditions[c].listB) }
                    r = own | required[pc + 1]
                case .split(let a, let b): r = required[a] & required[b]
                case .jump(let a): r = required[a]
                case .open, .close: r = required[pc + 1]
                }
                if r != required[pc] {
                    required[pc] = r
                    changed = true
                }
            }
        }
        return required.first ?? 0
    }
}

/// A consume or match instruction an epsilon closure reaches, and what the captures on the way
/// write: slots whose bit is in `setToPosition` take the token position, those in `setToNone` -1.
struct ClosureStep: Equatable {
    var pc: Int32
    var setToPosition: UInt16
    var setToNone: UInt16
}

/// Rule files parsed and compiled together: all or nothing.
public struct RuleSet: Sendable {
    package let rules: [Rule]

    /// The most instructions a set's rules compile to together beside the data directory's own
    /// (`Models/rules/*.rules`): it bounds the work and memory that rule files from anyone
    /// (`--rules`, `rules check`) can add per token. The shipped rules are not counted: they
    /// are the project's, tested with their examples and measured by `wasim-bench` (counted, they
    /// had grown to 9,287 of these 10,000 and left a user some 700).
    package static let maximumSize = 10_000

    package init(rules: [Rule]) { self.rules = rules }

    /// What makes rules unusable together, in order: a name defined twice (across files, or
    /// a built-in rule redefined), and rules past `maximumSize` beside the data directory's own
    /// (`shipped(i)`: rule i is one of those), named at the rule that crosses the limit. `tag --rules` and `rules check`
    /// both apply it.
    package static func problems(_ rules: [Rule], shipped: (Int) -> Bool = { _ in false }) -> [WasimError] {
        var errors: [WasimError] = []
        var seen: [String: Rule] = [:]
        for r in rules {
            if let other = seen[r.name] {
                errors.append(.data("\(r.file):\(r.line):6: rule '\(r.name)' is already defined at \(other.file):\(other.line)"))
            } else {
                seen[r.name] = r
            }
        }
        let counted = rules.indices.filter { !shipped($0) }.map { rules[$0] }
        var total = 0
        for r in counted {
            total += r.size
            if total > maximumSize {
                let all = counted.reduce(0) { $0 + $1.size }
                errors.append(.data("\(r.file):\(r.line):1: the rules compile to \(all) instructions, counting \(Rule.overhead) for each of the \(counted.count) rules; the limit is \(maximumSize) for all rules together beside the data directory's own (Models/rules), and rule '\(r.name)' crosses it"))
                break
            }
        }
        return errors
    }

    /// The rules of one file, parsed and compiled.
    package static func read(file path: String, gazetteer: Gazetteer) throws -> [Rule] {
        try parse(text(ofFile: path), file: path, gazetteer: gazetteer)
    }

    /// A rule file's text, or why it cannot be read.
    private static func text(ofFile path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WasimError.data("\(path): cannot read rule file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw WasimError.data("\(path): not UTF-8") }
        return text
    }

    /// One file's parsed rules, compiled with one cache of conditions (see `ConditionCache`).
    private static func compile(_ sources: [RuleSource], gazetteer: Gazetteer) throws -> [Rule] {
        let cache = ConditionCache()
        return try sources.map { try Rule($0, gazetteer: gazetteer, normalizer: gazetteer.normalizer, cache: cache) }
    }

    /// Loads rule files; any error rejects the whole set, naming file:line:column.
    /// `shipped`: the data directory's own rule files, loaded first and not counted against
    /// `maximumSize`.
    public static func load(files: [String], shipped: [String] = [], gazetteer: Gazetteer) throws -> RuleSet {
        try load(parsed: parse(files: shipped, shipped: true) + parse(files: files), gazetteer: gazetteer)
    }

    /// A rule file read and parsed, not yet compiled, or why it could not be.
    struct ParsedFile: Sendable {
        let path: String
        let rules: Result<[RuleSource], any Error>
        /// One of the data directory's own files (see `maximumSize`).
        var shipped = false
    }

    /// Reads and parses rule files, each on its own: parsing needs no lists, so
    /// `DefaultPipeline.make` does it while it loads them.
    static func parse(files: [String], shipped: Bool = false) -> [ParsedFile] {
        files.map { path in
            ParsedFile(path: path, rules: Result { try RuleParser.parse(text(ofFile: path), file: path) }, shipped: shipped)
        }
    }

    /// Compiles parsed files in order; the first error, of reading, parsing or compiling, is the
    /// one `read(file:gazetteer:)` file after file would have met.
    /// `shippedCompiled` is given the rules compiled so far once the last of the shipped files (which
    /// come first) is compiled: what the rules' cache keeps.
    static func load(parsed: [ParsedFile], gazetteer: Gazetteer,
                     shippedCompiled: ([Rule]) -> Void = { _ in }) throws -> RuleSet {
        var rules: [Rule] = []
        var shipped: [Bool] = []
        for (i, file) in parsed.enumerated() {
            let compiled = try compile(file.rules.get(), gazetteer: gazetteer)
            rules += compiled
            shipped += repeatElement(file.shipped, count: compiled.count)
            if file.shipped, i + 1 == parsed.count || !parsed[i + 1].shipped { shippedCompiled(rules) }
        }
        if let first = problems(rules, shipped: { shipped[$0] }).first { throw first }
        return RuleSet(rules: rules)
    }

    /// The rule files `DefaultPipeline.make` reads on a thread of its own while the lists load:
    /// the data directory's own (`shipped`), from their cache when it holds them (`RuleCache`),
    /// else parsed; then the extra files, parsed.
    struct Prepared: Sendable {
        var shipped: [String] = []
        var cache: RuleCache? = nil
        var cached: RuleCache.Decoded? = nil
        /// The shipped files when they did not come from the cache, then the extra files.
        var parsed: [ParsedFile] = []
    }

    /// `cacheDirectory`: where the shipped rules' cache lives (nil: no cache).
    static func prepare(shipped: [String], extra: [String], cacheDirectory: String?, normalizer: Normalizer) -> Prepared {
        var p = Prepared(shipped: shipped)
        if let cacheDirectory, !shipped.isEmpty {
            var files: [(name: String, data: [UInt8])] = []
            for path in shipped {
                guard let data = FileManager.default.contents(atPath: path) else { break }
                files.append((URL(fileURLWithPath: path).lastPathComponent, [UInt8](data)))
            }
            if files.count == shipped.count {
                let cache = RuleCache(directory: cacheDirectory, files: files, normalizer: normalizer)
                p.cache = cache
                p.cached = cache.read(paths: shipped)
            }
        }
        p.parsed = (p.cached == nil ? parse(files: shipped, shipped: true) : []) + parse(files: extra)
        return p
    }

    /// Compiles what `prepare` read, taking the shipped rules from the cache when it fits the
    /// lists, and writing the cache when they had to be compiled. Errors as `load(parsed:gazetteer:)`.
    static func load(prepared p: Prepared, gazetteer: Gazetteer) throws -> RuleSet {
        if let cached = p.cached, cached.fits(gazetteer) {
            var rules = cached.rules
            let shippedCount = rules.count
            for file in p.parsed { rules += try compile(file.rules.get(), gazetteer: gazetteer) }
            if let first = problems(rules, shipped: { $0 < shippedCount }).first { throw first }
            return RuleSet(rules: rules)
        }
        let parsed = p.cached == nil ? p.parsed : parse(files: p.shipped, shipped: true) + p.parsed
        return try load(parsed: parsed, gazetteer: gazetteer) { rules in
            p.cache?.write(rules, paths: p.shipped, typeNames: gazetteer.typeNames)
        }
    }

    package static func parse(_ text: String, file: String, gazetteer: Gazetteer) throws -> [Rule] {
        try compile(RuleParser.parse(text, file: file), gazetteer: gazetteer)
    }

    /// The *.rules files of a folder, sorted.
    public static func files(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".rules") }.sorted()
            .map { directory + "/" + $0 }
    }
}
