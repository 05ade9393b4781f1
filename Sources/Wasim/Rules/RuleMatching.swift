// The rules stage: runs every rule over every sentence with a Pike VM (threads in lock-step,
// one per program position), leftmost-longest, and turns captures into candidates.
import Foundation

public struct RuleMatching: Stage {
    public let name = "rule-matching"
    public let requires: Set<Capability> = [.tokens, .normalizedForms, .lookups]
    public let provides: Set<Capability> = [.ruleCandidates]
    public let rules: [Rule]
    public let gazetteer: Gazetteer

    public init(_ ruleSet: RuleSet, gazetteer: Gazetteer) {
        self.rules = ruleSet.rules
        self.gazetteer = gazetteer
    }

    public func process(_ document: Document) throws {
        let context = MatchContext(document)
        var vm = PikeVM()
        for k in rules.indices {
            let rule = rules[k]
            for sentence in document.sentences {
                vm.run(rule.code, captures: rule.captureTypes.count, startLists: rule.startLists, context,
                       Int(sentence.tokens.lowerBound)..<Int(sentence.tokens.upperBound)) { slots in
                    for (c, type) in rule.captureTypes.enumerated() {
                        let s = Int(slots[3 * c]), p = slots[3 * c + 1], e = Int(slots[3 * c + 2])
                        guard s >= 0, e > s, p >= 0 else { continue }
                        let tokens = document.tokens
                        document.candidates.append(Entity(type: type, start: tokens[s].start + p, end: tokens[e - 1].end,
                                                          tokens: Int32(s)..<Int32(e), source: rule.source, priority: rule.priority))
                    }
                }
            }
        }
    }
}

/// What conditions read, computed once per document: lookups by first token and a bit mask of
/// the lists present there.
struct MatchContext {
    let document: Document
    let tokens: ContiguousArray<Token>
    let lookups: [Lookup]
    var lookupStart: [Int32]
    var listMask: [UInt64]

    init(_ d: Document) {
        document = d
        tokens = d.tokens
        lookups = d.lookups.sorted { $0.tokens.lowerBound < $1.tokens.lowerBound }
        lookupStart = [Int32](repeating: 0, count: d.tokens.count + 1)
        listMask = [UInt64](repeating: 0, count: d.tokens.count)
        for l in lookups {
            let i = Int(l.tokens.lowerBound)
            lookupStart[i + 1] += 1
            if l.list < 64 { listMask[i] |= 1 << UInt64(l.list) }
        }
        for i in 0..<d.tokens.count { lookupStart[i + 1] += lookupStart[i] }
    }

    @inline(__always) func lookups(at i: Int) -> ArraySlice<Lookup> {
        lookups[Int(lookupStart[i])..<Int(lookupStart[i + 1])]
    }

    /// Calls `emit(length, prefix)` for each way the condition matches at token `i`.
    func outcomes(_ c: Condition, at i: Int, _ emit: (Int, Int32) -> Void) {
        let t = tokens[i]
        let kindBit: UInt8 = 1 << t.kind.rawValue
        if c.kinds != 0 && c.kinds & kindBit == 0 { return }
        if c.excludedKinds & kindBit != 0 { return }
        if listMask[i] & c.excludedLists != 0 { return }
        if t.length < c.minLength || t.length > c.maxLength { return }
        // Extras compare text: run them last, once a reading has matched.
        var extrasOK: Bool? = c.extras == nil ? true : nil
        func body(_ length: Int, _ prefix: Int32) {
            if extrasOK == nil { extrasOK = extrasHold(c.extras!.takeUnretainedValue(), t) }
            if extrasOK == true { emit(length, prefix) }
        }

        if c.listA >= 0 {
            if listMask[i] & (1 << UInt64(c.listA)) == 0 { return }
            var last: (Int, Int32) = (-1, -1)
            for l in lookups(at: i) where l.list == c.listA {
                let length = l.tokens.count, prefix = l.prefixLength
                if (length, prefix) == last { continue }
                guard cliticAllowed(c, t, prefix) else { continue }
                if c.listB >= 0, !lookups(at: i).contains(where: { $0.list == c.listB && $0.tokens.count == length && $0.prefixLength == prefix }) {
                    continue
                }
                if let text = c.text, text != hash(t, prefix) { continue }
                last = (length, prefix)
                body(length, prefix)
            }
            return
        }
        // A single token: which reading? The whole form, unless the condition asks for a
        // proclitic or names a text that only a proclitic reading has.
        if c.clitic == nil {
            if c.text == nil || c.text == t.hash {
                body(1, 0)
                return
            }
            if c.noClitic { return }
        }
        if c.noClitic { return }
        for a in document.analyses(of: t) {
            if let required = c.clitic, !required.isEmpty, a.proclitics != required { continue }
            if c.text == nil || c.text == a.hash {
                body(1, a.prefixLength)
                return
            }
        }
    }

    @inline(__always) private func hash(_ t: Token, _ prefix: Int32) -> UInt64 {
        if prefix == 0 { return t.hash }
        return document.analyses(of: t).first { $0.prefixLength == prefix }?.hash ?? 0
    }

    private func cliticAllowed(_ c: Condition, _ t: Token, _ prefix: Int32) -> Bool {
        if c.noClitic { return prefix == 0 }
        guard let required = c.clitic else { return true }
        guard prefix > 0 else { return false }
        if required.isEmpty { return true }
        return document.analyses(of: t).contains { $0.prefixLength == prefix && $0.proclitics == required }
    }

    private func extrasHold(_ x: ConditionExtras, _ t: Token) -> Bool {
        if !x.excludedTexts.isEmpty {
            if x.excludedTexts.contains(t.hash) { return false }
            for a in document.analyses(of: t) where x.excludedTexts.contains(a.hash) { return false }
        }
        let units = document.utf16[Int(t.start)..<Int(t.end)]
        if !x.starts.isEmpty, !x.starts.contains(where: { units.starts(with: $0) }) { return false }
        if x.excludedStarts.contains(where: { units.starts(with: $0) }) { return false }
        if !x.ends.isEmpty, !x.ends.contains(where: { units.reversed().starts(with: $0.reversed()) }) { return false }
        if x.excludedEnds.contains(where: { units.reversed().starts(with: $0.reversed()) }) { return false }
        for e in x.exact where !units.elementsEqual(e) { return false }
        for e in x.excludedExact where units.elementsEqual(e) { return false }
        if x.regexes.isEmpty && x.excludedRegexes.isEmpty { return true }
        let text = document.text(of: t)
        let range = NSRange(location: 0, length: text.utf16.count)
        for re in x.regexes where re.firstMatch(in: text, range: range) == nil { return false }
        for re in x.excludedRegexes where re.firstMatch(in: text, range: range) != nil { return false }
        return true
    }
}

/// Capture slots: for capture c, [3c] first token, [3c+1] proclitic prefix at that token
/// (-1 until the token is consumed), [3c+2] end token.
typealias Slots = SIMD16<Int32>

struct PikeVM {
    struct Thread {
        var pc: Int
        var start: Int
        var slots: Slots
    }

    private var lists: [[Thread]] = []
    private var visited: [Int] = []
    private var generation = 0
    private var stack: [Thread] = []

    /// Runs a rule over one sentence; calls `emit` with the slots of each leftmost-longest,
    /// non-overlapping match.
    mutating func run(_ code: RuleCode, captures: Int, startLists: UInt64?, _ ctx: MatchContext, _ sentence: Range<Int>,
                      emit: (Slots) -> Void) {
        let program = code.program, conditions = code.conditions
        let end = sentence.upperBound
        let window = 64
        if lists.count < window { lists = Array(repeating: [], count: window) }
        if visited.count < program.count { visited = Array(repeating: -1, count: program.count) }
        var pending = 0
        var best: (start: Int, end: Int, slots: Slots)? = nil
        var pos = sentence.lowerBound
        let empty = Slots(repeating: -1)
        while pos <= end {
            var current = lists[pos % window]
            lists[pos % window] = []
            pending -= current.count
            if best == nil, pos < end, startLists.map({ ctx.listMask[pos] & $0 != 0 }) ?? true {
                current.append(Thread(pc: 0, start: pos, slots: empty))
            }
            if current.isEmpty {
                if pending == 0, let b = best {
                    emit(b.slots)
                    pos = b.end
                    best = nil
                    continue
                }
                if pending == 0, startLists != nil {
                    // Nothing in flight: jump to the next token where the rule can start.
                    pos += 1
                    while pos < end, ctx.listMask[pos] & startLists! == 0 { pos += 1 }
                    if pos >= end { break }
                    continue
                }
                pos += 1
                continue
            }
            if current.count > 1 { current.sort { $0.start < $1.start } }
            generation += 1
            for thread in current {
                if let b = best, thread.start > b.start { break }
                stack.append(thread)
                while var t = stack.popLast() {
                    if visited[t.pc] == generation { continue }
                    visited[t.pc] = generation
                    switch program[t.pc] {
                    case .jump(let target):
                        t.pc = target; stack.append(t)
                    case .split(let a, let b):
                        var u = t
                        u.pc = b
                        stack.append(u)
                        t.pc = a
                        stack.append(t)
                    case .open(let c):
                        t.slots[3 * c] = Int32(pos); t.slots[3 * c + 1] = -1; t.pc += 1; stack.append(t)
                    case .close(let c):
                        t.slots[3 * c + 2] = Int32(pos); t.pc += 1; stack.append(t)
                    case .match:
                        if best == nil || t.start < best!.start || (t.start == best!.start && pos > best!.end) {
                            best = (t.start, pos, t.slots)
                        }
                    case .consume(let ci):
                        guard pos < end else { continue }
                        let thread = t
                        ctx.outcomes(conditions[ci], at: pos) { length, prefix in
                            guard pos + length <= end, length < window else { return }
                            var next = thread
                            next.pc += 1
                            for c in 0..<captures where next.slots[3 * c] == Int32(pos) && next.slots[3 * c + 1] < 0 {
                                next.slots[3 * c + 1] = prefix
                            }
                            lists[(pos + length) % window].append(next)
                            pending += 1
                        }
                    }
                }
            }
            pos += 1
            if pending == 0, let b = best {
                emit(b.slots)
                pos = b.end
                best = nil
            }
        }
        if let b = best { emit(b.slots) }
        for i in 0..<window { lists[i].removeAll(keepingCapacity: true) }
    }
}
