// A rule's /regex/: ICU's regular expressions, run on one token with a step limit. ICU's engine
// backtracks, and `Condition.backtrackingRisk` refuses only the exponential constructs: a few
// quantifiers in a row (`\w*\w*\w*\w*!`) still cost a power of the token's length, minutes on
// one long word. With the limit, a match that gives up is no match.
import CWasimICU

final class TokenRegex: Sendable {
    /// ICU's time units one match may take: one, the least there is, about 10,000 steps of its
    /// engine (a quarter of a millisecond). A regex that needs more on one token is
    /// backtracking, not matching.
    static let timeLimit: Int32 = 1

    let source: String
    /// Quantifiers (`*` `+` `?` `{`) outside classes and escapes: with the nesting and
    /// alternation `Condition.backtrackingRisk` refuses, a test on n units tries at most about
    /// n^(q+1) paths (n starts, n splits per quantifier).
    let quantifiers: Int
    /// A compiled expression holds its matcher's state: each thread borrows a clone of `original`.
    private let clones: Pool<OpaquePointer, CloneFailed>
    private let original: UnsafeSendable<OpaquePointer>
    /// ICU could not clone the expression (out of memory): the test finds no match.
    struct CloneFailed: Error {}

    /// Nil when ICU refuses the pattern.
    init?(_ source: String) {
        let units = Array(source.utf16)
        var error: Int32 = 0
        guard let re = units.withUnsafeBufferPointer({ wasim_regex_open($0.baseAddress, Int32($0.count), &error) }) else { return nil }
        self.source = source
        let shared = UnsafeSendable(value: re)
        original = shared
        clones = Pool(make: { () throws(CloneFailed) -> OpaquePointer in
            var error: Int32 = 0
            guard let clone = wasim_regex_clone(shared.value, &error) else { throw CloneFailed() }
            return clone
        }, dispose: { wasim_regex_close($0) })
        var q = 0, escaped = false, inClass = false
        for ch in source {
            if escaped { escaped = false; continue }
            switch ch {
            case "\\": escaped = true
            case "[": inClass = true
            case "]": inClass = false
            case "*", "+", "?", "{": if !inClass { q += 1 }
            default: break
            }
        }
        quantifiers = q
    }

    /// The most steps a test on `length` units can take: n^(q+1) steps (and a few per unit),
    /// capped by the time limit, which is about 10,000 steps.
    func cost(_ length: Int) -> Int {
        let n = max(length, 1)
        var c = n
        for _ in 0..<quantifiers {
            c *= n
            if c >= 10_000 { return 10_000 }
        }
        return min(max(c, 8 * n), 10_000)
    }

    // The original is closed here, before `clones` goes and disposes of its clones: ICU counts
    // the references to the compiled pattern the clones share with it, so the order is free.
    deinit { wasim_regex_close(original.value) }

    /// Whether the expression finds a match in `text`; false when the match gave up.
    func matches(_ text: UnsafeBufferPointer<UInt16>) -> Bool {
        guard let re = try? clones.take() else { return false }
        defer { clones.give(re) }
        return wasim_regex_find(re, text.baseAddress, Int32(text.count), TokenRegex.timeLimit) == 1
    }
}
