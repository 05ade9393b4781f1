// What `wasim eval` prints: a table (percentages, as conlleval prints them), the same numbers
// as JSON (fractions in 0…1, as seqeval returns them), and the error listing.
import Foundation
import Wasim

public enum EvaluationReport {
    static func pct(_ v: Double) -> String { String(format: "%6.2f", v * 100) }
    static func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
        let n = s.count
        if n >= width { return s }
        return left ? s + String(repeating: " ", count: width - n) : String(repeating: " ", count: width - n) + s
    }

    /// The readable table.
    public static func table(_ r: EvaluationResult) -> String {
        var lines: [String] = []
        let header = [pad("type", 9, left: true), pad("gold", 7), pad("pred", 7), pad("correct", 8),
                      pad("P", 7), pad("R", 7), pad("F1", 7)].joined(separator: " ")
        lines.append(header)
        lines.append(String(repeating: "-", count: header.count))
        func row(_ name: String, _ c: ScoreCounts) -> String {
            [pad(name, 9, left: true), pad("\(c.gold)", 7), pad("\(c.predicted)", 7), pad("\(c.correct)", 8),
             " " + pct(c.precision), " " + pct(c.recall), " " + pct(c.f1)].joined(separator: " ")
        }
        for (type, c) in r.types { lines.append(row(type.rawValue, c)) }
        lines.append(String(repeating: "-", count: header.count))
        lines.append(row("micro", r.micro))
        lines.append([pad("macro", 9, left: true), pad("", 7), pad("", 7), pad("", 8),
                      " " + pct(r.macroPrecision), " " + pct(r.macroRecall), " " + pct(r.macroF1)].joined(separator: " "))
        lines.append("")
        let m = r.micro
        lines.append("partial (overlap with the same type, one to one): \(m.partial) matched; P \(pct(m.partialPrecision).trimmingCharacters(in: .whitespaces))  R \(pct(m.partialRecall).trimmingCharacters(in: .whitespaces))  F1 \(pct(m.partialF1).trimmingCharacters(in: .whitespaces))")
        if r.numrangeChecked > 0 {
            lines.append("NUMRANGE values (low and high right, of exact matches with gold values): \(r.numrangeRight)/\(r.numrangeChecked) = \(pct(r.numrangeValueAccuracy).trimmingCharacters(in: .whitespaces))%")
        } else if r.types.contains(where: { $0.type == .numericRange }) {
            lines.append("NUMRANGE values: no exact NUMRANGE match with gold values to check")
        }
        lines.append("\(r.units.count) \(r.format == "conll" ? "sentences" : "records"); exact-span scores as conlleval computes them (percent)")
        return lines.joined(separator: "\n")
    }

    /// The same numbers as one JSON object (fractions), with the errors when asked for.
    public static func json(_ r: EvaluationResult, gold: String, errors: Bool) -> String {
        func num(_ v: Double) -> String {
            let rounded = (v * 1_000_000).rounded() / 1_000_000
            return WasimJSON.number(rounded)
        }
        func counts(_ c: ScoreCounts) -> String {
            "{\"gold\": \(c.gold), \"predicted\": \(c.predicted), \"correct\": \(c.correct), "
                + "\"precision\": \(num(c.precision)), \"recall\": \(num(c.recall)), \"f1\": \(num(c.f1)), "
                + "\"partial\": {\"matched\": \(c.partial), \"precision\": \(num(c.partialPrecision)), "
                + "\"recall\": \(num(c.partialRecall)), \"f1\": \(num(c.partialF1))}}"
        }
        var s = "{\"gold\": \(WasimJSON.quote(gold)), \"format\": \(WasimJSON.quote(r.format)), \"units\": \(r.units.count),\n"
        s += " \"types\": {" + r.types.map { "\n  \(WasimJSON.quote($0.type.rawValue)): \(counts($0.counts))" }.joined(separator: ",") + "},\n"
        s += " \"micro\": \(counts(r.micro)),\n"
        s += " \"macro\": {\"precision\": \(num(r.macroPrecision)), \"recall\": \(num(r.macroRecall)), \"f1\": \(num(r.macroF1))},\n"
        s += " \"numrange_values\": {\"checked\": \(r.numrangeChecked), \"right\": \(r.numrangeRight), \"accuracy\": \(num(r.numrangeValueAccuracy))}"
        if errors {
            s += ",\n \"errors\": [" + r.errors.map { "\n  " + errorJSON($0, r) }.joined(separator: ",") + "]"
        }
        return s + "}"
    }

    static func errorJSON(_ e: ScoringError, _ r: EvaluationResult) -> String {
        let unit = r.units[e.unit]
        var s = "{\"kind\": \"\(e.kind.rawValue)\", \"location\": \(WasimJSON.quote(place(e.span, unit))), "
        if let id = unit.id { s += "\"id\": \(WasimJSON.quote(id)), " }
        s += "\"type\": \(WasimJSON.quote(e.span.type.rawValue)), \"start\": \(e.span.start), \"end\": \(e.span.end), "
        s += "\"text\": \(WasimJSON.quote(surface(e.span, unit.context)))"
        if let c = e.counterpart {
            s += ", \"\(e.kind == .falsePositive ? "gold" : "predicted")\": {\"type\": \(WasimJSON.quote(c.type.rawValue)), "
                + "\"start\": \(c.start), \"end\": \(c.end), \"text\": \(WasimJSON.quote(surface(c, unit.context)))}"
        }
        return s + ", \"context\": \(WasimJSON.quote(context(e.span, unit.context)))}"
    }

    /// False positives and false negatives, each with the sentence around it, the span in ⟦ ⟧.
    public static func errors(_ r: EvaluationResult) -> String {
        let fp = r.errors.filter { $0.kind == .falsePositive }.count
        var lines = ["errors: \(fp) false positives (FP: predicted, not in the gold), \(r.errors.count - fp) false negatives (FN: in the gold, missed)"]
        let unitWord = r.format == "conll" ? "tokens" : "code points"
        for e in r.errors {
            let unit = r.units[e.unit]
            var line = "\(e.kind.rawValue) \(e.span.type.rawValue) «\(surface(e.span, unit.context))» \(place(e.span, unit))"
            if let id = unit.id { line += " (\(id))" }
            line += " \(unitWord) \(e.span.start)..<\(e.span.end)"
            if let c = e.counterpart {
                line += e.kind == .falsePositive ? "; gold has " : "; predicted "
                line += "\(c.type.rawValue) «\(surface(c, unit.context))» \(c.start)..<\(c.end)"
            }
            lines.append(line)
            lines.append("    " + context(e.span, unit.context))
        }
        return lines.joined(separator: "\n")
    }

    /// "file:line": for a CoNLL sentence, the line of the span's first token (one token a line).
    static func place(_ span: GoldSpan, _ unit: ScoringUnit) -> String {
        guard case .tokens = unit.context, let colon = unit.location.lastIndex(of: ":"),
              let line = Int(unit.location[unit.location.index(after: colon)...]) else { return unit.location }
        return unit.location[..<colon] + ":\(line + span.start)"
    }

    static func surface(_ span: GoldSpan, _ context: ScoringUnit.Context) -> String {
        switch context {
        case .tokens(let tokens):
            return tokens[max(0, min(span.start, tokens.count))..<max(0, min(span.end, tokens.count))].joined(separator: " ")
        case .text(let text):
            let scalars = text.unicodeScalars
            let count = scalars.count
            let a = scalars.index(scalars.startIndex, offsetBy: min(span.start, count))
            let b = scalars.index(scalars.startIndex, offsetBy: min(span.end, count))
            return String(scalars[a..<b])
        }
    }

    /// The sentence around a span: for tokens, up to 12 on each side; for text, back and forward
    /// to the nearest sentence end (at most 120 code points each way).
    static func context(_ span: GoldSpan, _ context: ScoringUnit.Context) -> String {
        switch context {
        case .tokens(let tokens):
            let s = min(span.start, tokens.count), e = min(span.end, tokens.count)
            let from = max(0, s - 12), to = min(tokens.count, e + 12)
            var parts: [String] = []
            if from > 0 { parts.append("…") }
            parts += tokens[from..<s]
            parts.append("⟦" + tokens[s..<e].joined(separator: " ") + "⟧")
            parts += tokens[e..<to]
            if to < tokens.count { parts.append("…") }
            return parts.joined(separator: " ")
        case .text(let text):
            let scalars = Array(text.unicodeScalars)
            let s = min(span.start, scalars.count), e = min(span.end, scalars.count)
            let stops: Set<Unicode.Scalar> = [".", "!", "?", "؟", "\n", "؛"]
            var from = s
            while from > 0, s - from < 120, !stops.contains(scalars[from - 1]) { from -= 1 }
            var to = e
            while to < scalars.count, to - e < 120, !stops.contains(scalars[to]) { to += 1 }
            if to < scalars.count, scalars[to] != "\n" { to += 1 }
            func str(_ r: Range<Int>) -> String {
                var v = String.UnicodeScalarView()
                v.append(contentsOf: scalars[r])
                return String(v)
            }
            let head = (from > 0 && !stops.contains(scalars[from - 1]) ? "…" : "")
            let tail = (to < scalars.count && !stops.contains(scalars[to - 1]) ? "…" : "")
            return (head + str(from..<s) + "⟦" + str(s..<e) + "⟧" + str(e..<to) + tail)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
