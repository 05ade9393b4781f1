// The rules stage: runs every rule over every sentence with a Pike VM (threads in lock-step,
// one per program position), leftmost-longest, and turns captures into candidates.
import Foundation

public struct RuleMatching: Stage {
    public let name = "rule-matching"
    public let requires: Set<Capability> = [.tokens, .normalizedForms, .lookups]
    public let provides: Set<Capability> = [.ruleCandidates]
    package let rules: [Rule]
    package let gazetteer: Gazetteer

    /// What the matcher reads of each rule, one reference each.
    private let codes: [RuleCode]
    /// The same, unretained, for the matching loop.
    private let codeRefs: [Unmanaged<RuleCode>]
    /// For each rule, its captures' types as small numbers, for the candidate keys.
    private let typeNumbers: [[Int32]]
    /// Which of the first 256 rules (`startRules`) can start at a token, from its lists and
    /// texts, a bit per rule in four words: computed once per token for all rules, so that each
    /// rule skips to its next start with a bit test. With one word, the rules past the 64th ran
    /// at every token: at 80 rules, sixteen of them cost the stage 15% more instructions; with
    /// two, the shipped rules' 129th to 131st cost it about a tenth more, and every user's rule
    /// beside them ran unanchored. The two words more cost about 5% below 128 rules.
    private let rulesByList: [RuleMask]
    /// By text: the rules of the first 256 that can start there (lanes 0–3), and the required
    /// text sets (`requiredGroups`) it is one of (lanes 4–7).
    private let byText: TextMasks
    /// Rules of the first 256 that can start at any token: they get no start list (a bit at
    /// every token, counted, sorted and walked, cost more than the rule) and run like the rules
    /// past 256, over every sentence that holds their required lists.
    private let rulesAnywhere: RuleMask
    /// A bit per rule of the first `startRules`.
    typealias RuleMask = SIMD4<UInt64>
    /// The rules that get start lists: the first 256.
    package static let startRules = 256
    /// Text sets that some rule's every match consumes one of (`RuleCode.requiredTexts`), a bit
    /// per set (256 at most, `requiredSets`). They once shared the start table's 64 bits, above the
    /// rules' own, so each rule added took a set's bit away, and the rule whose set lost it ran over
    /// every sentence: three rules more cost the rules stage an eighth of its instructions. With
    /// one word of their own (lane 4 of `byText`), the shipped rules' sets filled it: 43 of the 116
    /// rules with a required text ran over every sentence that held their lists. They are lanes
    /// 4–7 of `byText` now, as many sets as start bits.
    /// For each rule, the sets a sentence must hold for it to run there (zero: none).
    private let requiredGroups: [RuleMask]
    /// The most distinct required text sets that gate their rules; a rule whose set comes later
    /// runs over every sentence that holds its lists, as a rule with none does.
    package static let requiredSets = 256
    /// The rules (indices in `rules`) whose required text set is past `requiredSets`: each runs
    /// over every sentence that holds its lists. `wasim rules check` notes them.
    package let ungated: [Int]
    package var ungatedRules: Int { ungated.count }
    /// The rules past the first `startRules` that would have a start list: they run over every
    /// sentence, as an unanchored rule does. `wasim rules check` notes them.
    package var pastStartRules: [Int] {
        rules.indices.dropFirst(RuleMatching.startRules).filter { rules[$0].isAnchored }
    }
    /// Matchers kept from document to document: a new one for each allocated its seven buffers
    /// and marked every instruction of the longest program unvisited again, 5,700 instructions
    /// an article (4% of the stage).
    private let matchers = Pool<PikeVM, Never>(make: { PikeVM() }, dispose: { $0.free() })

    public init(_ ruleSet: RuleSet, gazetteer: Gazetteer) { self.init(ruleSet, gazetteer: gazetteer, walking: false) }

    /// `walking`: the matcher walks every instruction instead of following the precomputed
    /// closures (same matches; for tests).
    package init(_ ruleSet: RuleSet, gazetteer: Gazetteer, walking: Bool) {
        self.rules = ruleSet.rules
        self.gazetteer = gazetteer
        self.codes = ruleSet.rules.map { walking ? $0.code.walking() : $0.code }
        codeRefs = codes.map { Unmanaged.passUnretained($0) }
        var numbers: [EntityType: Int32] = [:]
        typeNumbers = codes.map { code in
            code.captureTypes.map { t in
                if let n = numbers[t] { return n }
                numbers[t] = Int32(numbers.count)
                return Int32(numbers.count - 1)
            }
        }
        var byList = [RuleMask](repeating: .zero, count: 64)
        var textMasks: [UInt64: SIMD8<UInt64>] = [:]
        var anywhere = RuleMask.zero
        for (r, code) in codes.prefix(RuleMatching.startRules).enumerated() {
            let bit = RuleMatching.bit(r)
            guard let lists = code.startLists else { anywhere |= bit; continue }
            for l in 0..<64 where lists & (1 << UInt64(l)) != 0 { byList[l] |= bit }
            for h in code.startTexts.hashes { textMasks[h, default: .zero].lowHalf |= bit }
        }
        // The distinct required sets, the first `requiredSets` of them.
        var groupOf: [[UInt64]: Int] = [:]
        var required = [RuleMask](repeating: .zero, count: codes.count)
        var ungated: [Int] = []
        for (r, code) in codes.enumerated() where !code.requiredTexts.isEmpty {
            let set = code.requiredTexts
            let g: Int
            if let known = groupOf[set] {
                g = known
            } else {
                guard groupOf.count < RuleMatching.requiredSets else { ungated.append(r); continue }
                g = groupOf.count
                groupOf[set] = g
                for h in set { textMasks[h, default: .zero].highHalf |= RuleMatching.bit(g) }
            }
            required[r] = RuleMatching.bit(g)
        }
        self.ungated = ungated
        rulesByList = byList
        byText = TextMasks(textMasks)
        rulesAnywhere = anywhere
        requiredGroups = required
    }

    /// The most candidates all rules together add to a document: four per token, and 64. Many
    /// rules that each mark other spans (`any{a} [any{b}]` for every a and b) would otherwise
    /// hold dozens of candidates per token, gigabytes on a long text; the rules of a file that
    /// comes near this are not finding names. Past it, rules find no new spans.
    static func candidateLimit(tokens: Int) -> Int { 4 * tokens + 64 }

    /// Rule r's bit in a four-word rule mask (r < `startRules`), or set g's in a sentence's
    /// required sets (g < `requiredSets`).
    @inline(__always) static func bit(_ r: Int) -> RuleMask {
        let b: UInt64 = 1 << UInt64(r & 63)
        switch r >> 6 {
        case 0: return RuleMask(b, 0, 0, 0)
        case 1: return RuleMask(0, b, 0, 0)
        case 2: return RuleMask(0, 0, b, 0)
        default: return RuleMask(0, 0, 0, b)
        }
    }

    /// For each token, a bit per rule (of the first 256) that can start there; and for each
    /// sentence, the required text sets it holds (bits as in `requiredGroups`).
    private func startMasks(_ ctx: MatchContext, sentences: Int) -> (masks: [RuleMask], groups: [RuleMask]) {
        var masks = [RuleMask](repeating: .zero, count: ctx.tokens.count)
        var groups = [RuleMask](repeating: .zero, count: sentences)
        for i in 0..<ctx.tokens.count {
            var lists = ctx.listMask[i]
            while lists != 0 {
                let b = lists.trailingZeroBitCount
                masks[i] |= rulesByList[b]
                lists &= lists - 1
            }
            let t = ctx.tokens[i]
            var both = byText.masks(t.hash)
            for r in 0..<Int(t.analysisCount) {
                both |= byText.masks(ctx.analyses[Int(t.firstAnalysis) + r].hash)
            }
            masks[i] |= both.lowHalf
            if Int(t.sentence) < sentences { groups[Int(t.sentence)] |= both.highHalf }
        }
        return (masks, groups)
    }

    public func process(_ document: Document) throws {
        // The matcher reads the document through raw buffers, valid for this call: an array
        // read in the hot loop costs a retain and a release each time.
        let lookups = MatchContext.lookupsInOrder(document)
        document.tokens.withUnsafeBufferPointer { tokens in
            document.analyses.withUnsafeBufferPointer { analyses in
                document.utf16.withUnsafeBufferPointer { utf16 in
                    lookups.withUnsafeBufferPointer { lookups in
                        let context = MatchContext(document, tokens: tokens, analyses: analyses, utf16: utf16, lookups: lookups)
                        defer { context.free() }
                        match(document, context)
                    }
                }
            }
        }
    }

    private func match(_ document: Document, _ context: MatchContext) {
        // Bit r: rule r of the stage can start at this token.
        let (startMask, sentenceTexts) = startMasks(context, sentences: document.sentences.count)
        var vm = matchers.take()
        defer { matchers.give(vm) }
        var found: [Entity] = []
        let tokens = context.tokens
        let sentences = document.sentences.map { Int($0.tokens.lowerBound)..<Int($0.tokens.upperBound) }
        // Where each of the first 256 rules can start, in token order: a rule visits only the
        // sentences that hold one of its starts, and jumps from start to start.
        // One flat array by rule (a counting sort): articles are short, and an array per rule
        // per article cost more in allocations than the matching itself.
        let ruleCount = min(codes.count, RuleMatching.startRules)
        // Raw buffers: each array element written here paid a uniqueness check (two a start).
        let offsets = UnsafeMutableBufferPointer<Int>.allocate(capacity: RuleMatching.startRules + 1)
        offsets.initialize(repeating: 0)
        defer { offsets.deallocate() }
        // The rules of the first 256 with a start in the article, and those that start anywhere:
        // the others are passed over without a test each.
        var active = rulesAnywhere
        // The four words by name, not by a lane index (a variable index went through memory).
        @inline(__always) func count(_ word: UInt64, _ base: Int) {
            var m = word
            while m != 0 {
                offsets[base + m.trailingZeroBitCount + 1] += 1
                m &= m - 1
            }
        }
        for mask in startMask {
            active |= mask
            count(mask.x, 0)
            if mask.y | mask.z | mask.w != 0 {
                count(mask.y, 64)
                count(mask.z, 128)
                count(mask.w, 192)
            }
        }
        for r in 0..<ruleCount { offsets[r + 1] += offsets[r] }
        let fill = UnsafeMutableBufferPointer<Int>.allocate(capacity: RuleMatching.startRules + 1)
        _ = fill.initialize(from: offsets)
        defer { fill.deallocate() }
        var matches: [Slots] = []
        // Starts go to the matcher as raw slices: an array slice costs a retain and a release
        // per sentence.
        let flatStarts = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, offsets[ruleCount]))
        defer { flatStarts.deallocate() }
        @inline(__always) func place(_ word: UInt64, _ base: Int, _ i: Int) {
            var m = word
            while m != 0 {
                let r = base + m.trailingZeroBitCount
                (flatStarts.baseAddress! + fill[r]).initialize(to: Int32(i))
                fill[r] += 1
                m &= m - 1
            }
        }
        for (i, mask) in startMask.enumerated() {
            place(mask.x, 0, i)
            if mask.y | mask.z | mask.w != 0 {
                place(mask.y, 64, i)
                place(mask.z, 128, i)
                place(mask.w, 192, i)
            }
        }
        // The lists each sentence has a lookup of: a rule that needs a list the sentence lacks
        // cannot match there, and is not run.
        // Summed in a local: an array element updated per token paid a uniqueness check each time.
        let sentenceLists = sentences.map { sentence in
            var lists: UInt64 = 0
            for i in sentence { lists |= context.listMask[i] }
            return lists
        }
        var seen = CandidateTable()
        defer { seen.free() }
        let limit = RuleMatching.candidateLimit(tokens: tokens.count)
        var r = -1
        while true {
            // The lowest rule left in `active`, word by word; past them, every rule after the 256th.
            if active.x != 0 {
                r = active.x.trailingZeroBitCount
                active.x &= active.x - 1
            } else if active.y != 0 {
                r = 64 + active.y.trailingZeroBitCount
                active.y &= active.y - 1
            } else if active.z != 0 {
                r = 128 + active.z.trailingZeroBitCount
                active.z &= active.z - 1
            } else if active.w != 0 {
                r = 192 + active.w.trailingZeroBitCount
                active.w &= active.w - 1
            } else {
                r = max(r + 1, RuleMatching.startRules)
            }
            if r >= codes.count { break }
            // A rule of the first 256 that has a start list is in `active` only if it has a start
            // in the article (`offsets[r] < offsets[r + 1]`): the others are never reached.
            let startsListed = r < RuleMatching.startRules && rulesAnywhere & RuleMatching.bit(r) == .zero
            // Guaranteed, not retained: `codes` holds the rule (a retain and a release a rule
            // and article).
            codeRefs[r]._withUnsafeGuaranteedRef { code in
                matches.removeAll(keepingCapacity: true)
                let required = code.requiredLists, texts = requiredGroups[r]
                if startsListed {
                    var k = offsets[r]
                    while k < offsets[r + 1] {
                        let s = Int(tokens[Int(flatStarts[k])].sentence)
                        var next = k + 1
                        while next < offsets[r + 1], tokens[Int(flatStarts[next])].sentence == s { next += 1 }
                        if required & ~sentenceLists[s] == 0, texts & ~sentenceTexts[s] == .zero {
                            vm.run(code, starts: UnsafeBufferPointer(rebasing: flatStarts[k..<next]), context, sentences[s], into: &matches)
                        }
                        k = next
                    }
                } else {
                    // With no start list the matcher tries every token, as a list of all of them
                    // would have it do.
                    for (s, sentence) in sentences.enumerated() where required & ~sentenceLists[s] == 0 && texts & ~sentenceTexts[s] == .zero {
                        vm.run(code, starts: nil, context, sentence, into: &matches)
                    }
                }
                for slots in matches {
                    for (c, type) in code.captureTypes.enumerated() {
                        let s = Int(slots[3 * c]), p = slots[3 * c + 1], e = Int(slots[3 * c + 2])
                        guard s >= 0, e > s, p >= 0 else { continue }
                        // One candidate per span and type, from the rule of highest priority (the
                        // first on a tie): many rules that find the same spans cost no more memory
                        // than one, and a repeat costs a lookup, not an entity.
                        let start = tokens[s].start + p, stop = tokens[e - 1].end
                        let key = CandidateKey(start: start, end: stop, type: typeNumbers[r][c])
                        let k = seen.find(key)
                        if k >= 0, code.priority <= found[k].priority { continue }
                        let entity = Entity(type: type, start: start, end: stop, tokens: Int32(s)..<Int32(e),
                                            source: code.source, priority: code.priority)
                        if k >= 0 {
                            found[k] = entity
                        } else if found.count < limit {
                            seen.insert(key, found.count)
                            found.append(entity)
                        }
                    }
                }
            }
        }
        document.candidates.append(contentsOf: found)
    }
}

private struct CandidateKey: Equatable {
    var start: Int32
    var end: Int32
    var type: Int32
}

/// Candidate keys to their place in the stage's list: open addressing, linear probing, at most
/// half full. A Dictionary hashed every key through SipHash and grew a few times an article.
private struct CandidateTable {
    private var keys: UnsafeMutablePointer<CandidateKey>
    /// The candidate's index, or -1 for an empty slot.
    private var values: UnsafeMutablePointer<Int>
    private var capacity: Int
    private var count = 0

    init() {
        capacity = 64
        keys = .allocate(capacity: capacity)
        values = .allocate(capacity: capacity)
        values.initialize(repeating: -1, count: capacity)
    }

    func free() {
        keys.deallocate()
        values.deallocate()
    }

    @inline(__always) private static func slot(_ k: CandidateKey, _ capacity: Int) -> Int {
        let h = (UInt64(UInt32(bitPattern: k.start)) << 32 | UInt64(UInt32(bitPattern: k.end))) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: (h ^ UInt64(UInt32(bitPattern: k.type)) &* 0xBF58_476D_1CE4_E5B9) >> 32) & (capacity - 1)
    }

    /// The index stored for `k`, or -1.
    @inline(__always) func find(_ k: CandidateKey) -> Int {
        var i = CandidateTable.slot(k, capacity)
        while values[i] >= 0 {
            if keys[i] == k { return values[i] }
            i = (i + 1) & (capacity - 1)
        }
        return -1
    }

    /// Adds a key that is not in the table.
    mutating func insert(_ k: CandidateKey, _ value: Int) {
        if (count + 1) * 2 > capacity { grow() }
        var i = CandidateTable.slot(k, capacity)
        while values[i] >= 0 { i = (i + 1) & (capacity - 1) }
        (keys + i).initialize(to: k)
        values[i] = value
        count += 1
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values, oldCapacity = capacity
        capacity *= 2
        keys = .allocate(capacity: capacity)
        values = .allocate(capacity: capacity)
        values.initialize(repeating: -1, count: capacity)
        for j in 0..<oldCapacity where oldValues[j] >= 0 {
            var i = CandidateTable.slot(oldKeys[j], capacity)
            while values[i] >= 0 { i = (i + 1) & (capacity - 1) }
            (keys + i).initialize(to: oldKeys[j])
            values[i] = oldValues[j]
        }
        oldKeys.deallocate()
        oldValues.deallocate()
    }
}

/// What conditions read, computed once per document: lookups by first token and a bit mask of
/// the lists present there. Raw buffers, valid while `RuleMatching.process` runs.
struct MatchContext {
    /// Unowned: the context is copied into every run of the matcher, and a reference counted
    /// field would cost a retain and a release each time (the caller holds the document).
    unowned(unsafe) let document: Document
    let tokens: UnsafeBufferPointer<Token>
    let analyses: UnsafeBufferPointer<ProcliticAnalysis>
    let utf16: UnsafeBufferPointer<UInt16>
    let lookups: UnsafeBufferPointer<Lookup>
    let lookupStart: UnsafeMutableBufferPointer<Int32>
    let listMask: UnsafeMutableBufferPointer<UInt64>
    /// What /regex/ tests may still cost in this document, in steps of ICU's engine (see
    /// `regexBudget(tokens:)`).
    let regexSteps: UnsafeMutablePointer<Int>

    /// Gazetteer matching writes lookups in token order; a custom stage may not.
    static func lookupsInOrder(_ d: Document) -> [Lookup] {
        let l = d.lookups
        for k in l.indices.dropFirst() where l[k - 1].tokens.lowerBound > l[k].tokens.lowerBound {
            return l.sorted { $0.tokens.lowerBound < $1.tokens.lowerBound }
        }
        return l
    }

    init(_ d: Document, tokens: UnsafeBufferPointer<Token>, analyses: UnsafeBufferPointer<ProcliticAnalysis>,
         utf16: UnsafeBufferPointer<UInt16>, lookups: UnsafeBufferPointer<Lookup>) {
        document = d
        self.tokens = tokens
        self.analyses = analyses
        self.utf16 = utf16
        self.lookups = lookups
        lookupStart = .allocate(capacity: tokens.count + 1)
        lookupStart.initialize(repeating: 0)
        listMask = .allocate(capacity: max(1, tokens.count))
        listMask.initialize(repeating: 0)
        regexSteps = .allocate(capacity: 1)
        regexSteps.initialize(to: MatchContext.regexBudget(tokens: tokens.count))
        for l in lookups {
            let i = Int(l.tokens.lowerBound)
            lookupStart[i + 1] += 1
            if l.list < 64 { listMask[i] |= 1 << UInt64(l.list) }
        }
        for i in 0..<tokens.count { lookupStart[i + 1] += lookupStart[i] }
    }

    func free() {
        lookupStart.deallocate()
        listMask.deallocate()
        regexSteps.deallocate()
    }

    /// Appends to `out` each way (tokens consumed, proclitic prefix) the condition matches at
    /// token `i`, for a condition that passes `passesTokenTests` there (the caller tests it: its
    /// tests are not made again). A buffer, not a callback: captured state in a callback costs
    /// exclusivity checks on the hottest path of the tagger. Read through a pointer: a copy of
    /// the condition cost more than most of its tests.
    func outcomes(_ cp: UnsafeMutablePointer<Condition>, at i: Int, into out: inout Scratch<(Int, Int32)>) {
        let t = tokens[i]
        let c = cp.pointee
        // Extras compare text: run them last, once a reading has matched.
        var extrasOK: Bool? = c.extras == nil ? true : nil
        func body(_ length: Int, _ prefix: Int32) {
            // Guaranteed, not retained: the rule keeps its extras alive.
            if extrasOK == nil { extrasOK = c.extras!._withUnsafeGuaranteedRef { extrasHold($0, t) } }
            if extrasOK == true { out.append((length, prefix)) }
        }

        if c.listA >= 0 {
            var last: (Int, Int32) = (-1, -1)
            let from = Int(lookupStart[i]), to = Int(lookupStart[i + 1])
            for k in from..<to where lookups[k].list == c.listA {
                let l = lookups[k]
                let length = l.tokens.count, prefix = l.prefixLength
                if (length, prefix) == last { continue }
                guard cliticAllowed(c, t, prefix) else { continue }
                if c.listB >= 0, !(from..<to).contains(where: {
                    lookups[$0].list == c.listB && lookups[$0].tokens.count == length && lookups[$0].prefixLength == prefix
                }) {
                    continue
                }
                if c.hasText, !c.textAccepts(hash(t, prefix)) { continue }
                last = (length, prefix)
                body(length, prefix)
            }
            return
        }
        // A single token: which reading? The whole form, unless the condition asks for a
        // proclitic or names a text that only a proclitic reading has.
        if c.clitic == nil, c.textAccepts(t.hash) {
            body(1, 0)
            return
        }
        if c.noClitic { return }
        for r in 0..<Int(t.analysisCount) {
            let a = analyses[Int(t.firstAnalysis) + r]
            if let required = c.clitic, !required.isEmpty, a.proclitics != required { continue }
            if c.textAccepts(a.hash) {
                body(1, a.prefixLength)
                return
            }
        }
    }

    /// Whether condition `c` can match at token `i` as far as the tests `outcomes` makes before
    /// any reading (kind, lists, length) and the token's own text (`starts:`, `ends:`) tell; false
    /// means it yields nothing there. Pure: no /regex/ runs, so the regex budget is untouched.
    /// Read through a pointer: a copy of the condition cost more than the tests.
    @inline(__always) func mayPass(_ c: UnsafeMutablePointer<Condition>, at i: Int) -> Bool {
        guard passesTokenTests(c, at: i) else { return false }
        let t = tokens[i]
        guard let extras = c.pointee.extras else { return true }
        return extras._withUnsafeGuaranteedRef { x in
            if x.startAffixes.isEmpty && x.endAffixes.isEmpty { return true }
            let units = UnsafeBufferPointer(rebasing: utf16[Int(t.start)..<Int(t.end)])
            if !x.startAffixes.isEmpty, !x.startAffixes.anyPrefix(of: units) { return false }
            if !x.endAffixes.isEmpty, !x.endAffixes.anySuffix(of: units) { return false }
            return true
        }
    }

    /// The tests `outcomes` makes first, on the token's kind, lists and length: false means it
    /// yields nothing there. Most conditions the matcher reaches fail here, and testing them
    /// through a pointer before the call spares the call and the copy of the condition.
    @inline(__always) func passesTokenTests(_ c: UnsafeMutablePointer<Condition>, at i: Int) -> Bool {
        let t = tokens[i]
        let kindBit: UInt8 = 1 << t.kind.rawValue
        let kinds = c.pointee.kinds
        if kinds != 0 && kinds & kindBit == 0 { return false }
        if c.pointee.excludedKinds & kindBit != 0 { return false }
        if listMask[i] & c.pointee.excludedLists != 0 { return false }
        if t.length < c.pointee.minLength || t.length > c.pointee.maxLength { return false }
        let listA = c.pointee.listA
        if listA >= 0, listMask[i] & (1 << UInt64(listA)) == 0 { return false }
        return true
    }

    /// For a condition on one token (no list) that names texts: whether the token or one of its
    /// readings is one of them. `outcomes` accepts no other reading, so false means it yields
    /// nothing there; the texts turn away most of the conditions that pass the token tests.
    @inline(__always) func mayHaveText(_ c: UnsafeMutablePointer<Condition>, at i: Int) -> Bool {
        guard c.pointee.listA < 0, c.pointee.hasText else { return true }
        let t = tokens[i]
        if c.pointee.textAccepts(t.hash) { return true }
        for r in 0..<Int(t.analysisCount) where c.pointee.textAccepts(analyses[Int(t.firstAnalysis) + r].hash) { return true }
        return false
    }

    @inline(__always) private func hash(_ t: Token, _ prefix: Int32) -> UInt64 {
        if prefix == 0 { return t.hash }
        for r in 0..<Int(t.analysisCount) where analyses[Int(t.firstAnalysis) + r].prefixLength == prefix {
            return analyses[Int(t.firstAnalysis) + r].hash
        }
        return 0
    }

    private func cliticAllowed(_ c: Condition, _ t: Token, _ prefix: Int32) -> Bool {
        if c.noClitic { return prefix == 0 }
        guard let required = c.clitic else { return true }
        guard prefix > 0 else { return false }
        if required.isEmpty { return true }
        for r in 0..<Int(t.analysisCount) {
            let a = analyses[Int(t.firstAnalysis) + r]
            if a.prefixLength == prefix && a.proclitics == required { return true }
        }
        return false
    }

    @inline(__always) static func has(_ units: UnsafeBufferPointer<UInt16>, suffix p: [UInt16]) -> Bool {
        guard units.count >= p.count else { return false }
        var i = units.count - p.count
        for u in p {
            if units[i] != u { return false }
            i += 1
        }
        return true
    }

    /// Tokens longer than this (UTF-16 code units) match no /regex/ (and pass every !/regex/).
    static let maximumRegexLength = 256

    /// The steps of ICU's engine all /regex/ tests of a document may take: a thousand per token,
    /// and a million more. Each test is charged what it could cost at most (`TokenRegex.cost`);
    /// once the budget is spent, the document's later tests match nothing (and pass every
    /// !/regex/), as on a token that is too long. A regex that backtracks on every word of a
    /// long document costs it seconds, not hours; ordinary regexes on words cost a few dozen
    /// steps a test and never come near it.
    static func regexBudget(tokens: Int) -> Int { 1_000 * tokens + 1_000_000 }

    private func extrasHold(_ x: ConditionExtras, _ t: Token) -> Bool {
        if !x.excludedTexts.isEmpty {
            if x.excludes(t.hash) { return false }
            for r in 0..<Int(t.analysisCount) where x.excludes(analyses[Int(t.firstAnalysis) + r].hash) { return false }
        }
        let units = UnsafeBufferPointer(rebasing: utf16[Int(t.start)..<Int(t.end)])
        if x.readsUnits {
            if !x.startAffixes.isEmpty, !x.startAffixes.anyPrefix(of: units) { return false }
            if !x.excludedStartAffixes.isEmpty, x.excludedStartAffixes.anyPrefix(of: units) { return false }
            if !x.endAffixes.isEmpty, !x.endAffixes.anySuffix(of: units) { return false }
            if !x.excludedEndAffixes.isEmpty, x.excludedEndAffixes.anySuffix(of: units) { return false }
            if !x.exactAffixes.allEqual(units) { return false }
            if !x.excludedExactAffixes.isEmpty, x.excludedExactAffixes.anyEqual(units) { return false }
        }
        if x.regexes.isEmpty && x.excludedRegexes.isEmpty { return true }
        // ICU's engine backtracks: even with the constructs `backtrackingRisk` refuses, several
        // quantifiers over one long token cost a power of its length. No word is this long.
        if t.length > MatchContext.maximumRegexLength { return x.regexes.isEmpty }
        for re in x.regexes where !test(re, units) { return false }
        for re in x.excludedRegexes where test(re, units) { return false }
        return true
    }

    /// A /regex/ test within the document's budget: false once it is spent.
    private func test(_ re: TokenRegex, _ units: UnsafeBufferPointer<UInt16>) -> Bool {
        let cost = re.cost(units.count)
        guard regexSteps.pointee >= cost else { return false }
        regexSteps.pointee -= cost
        return re.matches(units)
    }
}

/// Capture slots: for capture c, [3c] first token, [3c+1] proclitic prefix at that token
/// (-1 until the token is consumed), [3c+2] end token.
typealias Slots = SIMD16<Int32>

/// Walks a rule's start positions in order. A value with a mutating method, not a closure over
/// a variable: the compiler checks it statically.
struct StartCursor {
    let starts: UnsafeBufferPointer<Int32>?
    var next: Int

    init(starts: UnsafeBufferPointer<Int32>?) {
        self.starts = starts
        next = 0
    }

    /// The first start at or after `i`, or nil.
    @inline(__always) mutating func first(atOrAfter i: Int) -> Int? {
        guard let starts else { return nil }
        while next < starts.endIndex, Int(starts[next]) < i { next += 1 }
        return next < starts.endIndex ? Int(starts[next]) : nil
    }
}

struct PikeVM {
    struct Thread {
        var pc: Int
        var start: Int
        var slots: Slots
    }

    // Reused from sentence to sentence: threads at this token, at the next, and further on
    // (after a multi-token lookup).
    // Raw buffers, not arrays: emptying an array costs more than the work between two resets.
    private var current = Scratch<Thread>()
    private var next = Scratch<Thread>()
    private var later = Scratch<(at: Int, thread: Thread)>()
    private var visited = Scratch<Int>()
    private var generation = 0
    private var stack = Scratch<Thread>()
    private var outcomes = Scratch<(Int, Int32)>()

    func free() {
        current.free(); next.free(); later.free(); visited.free(); stack.free(); outcomes.free()
    }

    /// Positions of a sentence of `tokens` tokens a rule may work on before it takes matches
    /// as soon as it finds them: four visits per token, and a margin for short sentences.
    static func budget(_ tokens: Int) -> Int { 4 * tokens + 64 }

    /// Runs a rule over one sentence; appends to `matches` the slots of each leftmost-longest,
    /// non-overlapping match.
    /// `starts`: the tokens of the sentence where the rule can start, in order (nil: test each
    /// token).
    mutating func run(_ code: RuleCode, starts: UnsafeBufferPointer<Int32>?, _ ctx: MatchContext, _ sentence: Range<Int>,
                      into matches: inout [Slots]) {
        let program = code.program, conditions = code.conditions, captures = code.captureTypes.count
        let startLists = code.startLists, startTexts = code.startTexts, anyText = !code.startTexts.hashes.isEmpty
        let closures = code.hasClosures, closureStart = code.closureStart, closure = code.closure
        let firsts = code.firstConditions, firstCount = code.firstConditionCount, conditionBase = conditions.baseAddress!
        var cursor = StartCursor(starts: starts)
        @inline(__always) func canStartAnywhere(_ i: Int) -> Bool {
            guard let mask = startLists else { return true }
            if ctx.listMask[i] & mask != 0 { return true }
            if !anyText { return false }
            let t = ctx.tokens[i]
            if startTexts.contains(t.hash) { return true }
            for r in 0..<Int(t.analysisCount) where startTexts.contains(ctx.analyses[Int(t.firstAnalysis) + r].hash) { return true }
            return false
        }
        let end = sentence.upperBound
        visited.fill(to: program.count, with: -1)
        var best: (start: Int, end: Int, slots: Slots)? = nil
        var pos = starts?.first.map(Int.init) ?? sentence.lowerBound
        let empty = Slots(repeating: -1)
        next.removeAll()
        later.removeAll()
        // Leftmost-longest reads past a match for a longer one, and the search for the next
        // match starts over at the match's end: a pattern that keeps reading and matches short
        // (`any (any* "x")?`) would read the whole rest of the sentence at every token, so a
        // long sentence would cost its length squared. The positions worked on are counted: past
        // `budget`, a match is taken as soon as it is found (the leftmost, with no wait for a
        // longer one), and each position is worked on at most twice more. No rule that ends
        // where it stops matching comes near it.
        var budget = PikeVM.budget(sentence.count)
        var eager = false
        while pos <= end {
            swap(&current, &next)
            next.removeAll()
            var merged = false
            if !later.isEmpty {
                var k = 0
                while k < later.count {
                    if later[k].at == pos {
                        current.append(later[k].thread)
                        later[k] = later[later.count - 1]
                        later.count -= 1
                        merged = true
                    } else {
                        k += 1
                    }
                }
            }
            if best == nil, pos < end, starts != nil ? cursor.first(atOrAfter: pos) == pos : canStartAnywhere(pos) {
                var alive = firstCount == 0
                var k = 0
                while !alive, k < firstCount {
                    alive = ctx.mayPass(conditionBase + Int(firsts[k]), at: pos)
                    k += 1
                }
                if alive {
                    current.append(Thread(pc: 0, start: pos, slots: empty))
                } else if current.isEmpty, !eager {
                    // The position counts as worked on, as it was when a thread started here
                    // and died: the budget (and so the matches) stay as they were.
                    budget -= 1
                    eager = budget < 0
                }
            }
            if current.isEmpty {
                if later.isEmpty, let b = best {
                    matches.append(b.slots)
                    pos = b.end
                    best = nil
                    continue
                }
                pos += 1
                if later.isEmpty, starts != nil {
                    // Nothing in flight: jump to the next token where the rule can start.
                    guard let p = cursor.first(atOrAfter: pos) else { break }
                    pos = p
                } else if later.isEmpty, startLists != nil {
                    while pos < end, !canStartAnywhere(pos) { pos += 1 }
                    if pos >= end { break }
                }
                continue
            }
            if merged { current.sort { $0.start < $1.start } }
            if !eager {
                budget -= 1
                eager = budget < 0
            }
            generation += 1
            for k in 0..<current.count {
                let thread = current[k]
                if let b = best, thread.start > b.start { break }
                if closures {
                    // The closure's targets as the walk below would reach them; one reached
                    // already at this token by an earlier thread is skipped, as the walk prunes
                    // it (everything past an instruction seen is seen, targets included).
                    for s in Int(closureStart[thread.pc])..<Int(closureStart[thread.pc + 1]) {
                        let step = closure[s]
                        let pc = Int(step.pc)
                        if visited[pc] == generation { continue }
                        visited[pc] = generation
                        // The condition before the thread: four consumes in five yield nothing
                        // at the token, and then the thread's copy and captures are not needed.
                        let consumes: Bool
                        if case .consume(let ci) = program[pc] {
                            guard collect(conditions, ci, ctx, pos, end) else { continue }
                            consumes = true
                        } else {
                            consumes = false
                        }
                        var t = thread
                        t.pc = pc
                        var m = step.setToPosition
                        while m != 0 {
                            t.slots[m.trailingZeroBitCount] = Int32(pos)
                            m &= m - 1
                        }
                        m = step.setToNone
                        while m != 0 {
                            t.slots[m.trailingZeroBitCount] = -1
                            m &= m - 1
                        }
                        if consumes {
                            send(t, captures, pos, end)
                        } else {
                            arrive(t, program, conditions, captures, ctx, pos, end, &best)
                        }
                    }
                    continue
                }
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
                    case .match, .consume:
                        arrive(t, program, conditions, captures, ctx, pos, end, &best)
                    }
                }
            }
            current.removeAll()
            if eager, let b = best {
                matches.append(b.slots)
                pos = b.end
                best = nil
                next.removeAll()
                later.removeAll()
                continue
            }
            pos += 1
            if next.isEmpty, later.isEmpty, let b = best {
                matches.append(b.slots)
                pos = b.end
                best = nil
            }
        }
        if let b = best { matches.append(b.slots) }
    }

    /// A thread at a consume or match instruction at token `pos`: a match may become the best;
    /// a consume sends the thread on for each way the condition matches there.
    @inline(__always) private mutating func arrive(_ t: Thread, _ program: UnsafeMutableBufferPointer<Instruction>,
                                                   _ conditions: UnsafeMutableBufferPointer<Condition>, _ captures: Int,
                                                   _ ctx: MatchContext, _ pos: Int, _ end: Int,
                                                   _ best: inout (start: Int, end: Int, slots: Slots)?) {
        switch program[t.pc] {
        case .match:
            if best == nil || t.start < best!.start || (t.start == best!.start && pos > best!.end) {
                best = (t.start, pos, t.slots)
            }
        case .consume(let ci):
            if collect(conditions, ci, ctx, pos, end) { send(t, captures, pos, end) }
        default:
            break
        }
    }

    /// Fills `outcomes` with the ways condition `ci` matches at token `pos` (none at the
    /// sentence's end); false when there are none.
    @inline(__always) private mutating func collect(_ conditions: UnsafeMutableBufferPointer<Condition>, _ ci: Int,
                                                    _ ctx: MatchContext, _ pos: Int, _ end: Int) -> Bool {
        guard pos < end else { return false }
        outcomes.removeAll()
        let c = conditions.baseAddress! + ci
        guard ctx.passesTokenTests(c, at: pos), ctx.mayHaveText(c, at: pos) else { return false }
        ctx.outcomes(c, at: pos, into: &outcomes)
        return !outcomes.isEmpty
    }

    /// Sends a thread at a consume on, for each outcome `collect` found there.
    @inline(__always) private mutating func send(_ t: Thread, _ captures: Int, _ pos: Int, _ end: Int) {
        for o in 0..<outcomes.count {
            let (length, prefix) = outcomes[o]
            guard pos + length <= end else { continue }
            var n = t
            n.pc += 1
            for c in 0..<captures where n.slots[3 * c] == Int32(pos) && n.slots[3 * c + 1] < 0 {
                n.slots[3 * c + 1] = prefix
            }
            if length == 1 { next.append(n) } else { later.append((pos + length, n)) }
        }
    }
}

/// A growable buffer of plain values (no references inside) that empties in one store.
struct Scratch<T> {
    private(set) var base: UnsafeMutablePointer<T>
    var count = 0
    private var capacity: Int

    init(capacity: Int = 16) {
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    func free() { base.deallocate() }

    var isEmpty: Bool { count == 0 }

    @inline(__always) mutating func removeAll() { count = 0 }

    @inline(__always) mutating func append(_ x: T) {
        if count == capacity { grow() }
        (base + count).initialize(to: x)
        count += 1
    }

    /// Appends `x` until there are `n` values (one store a value: the matcher's marks were
    /// appended one by one, a loop as costly as a rule's start).
    mutating func fill(to n: Int, with x: T) {
        guard count < n else { return }
        while capacity < n { grow() }
        (base + count).initialize(repeating: x, count: n - count)
        count = n
    }

    @inline(__always) mutating func popLast() -> T? {
        guard count > 0 else { return nil }
        count -= 1
        return base[count]
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<T>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    @inline(__always) subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    mutating func sort(by less: (T, T) -> Bool) {
        var all = UnsafeMutableBufferPointer(start: base, count: count)
        all.sort(by: less)
    }
}
