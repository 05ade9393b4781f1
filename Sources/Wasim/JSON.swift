// JSON Lines output, written by hand: one record per document, entities sorted by start,
// offsets in code points.

public enum WasimJSON {
    /// A JSON string literal.
    package static func quote(_ s: String) -> String {
        var out = ""
        append(quoted: s, to: &out)
        return out
    }

    /// Appends a JSON string literal: most strings need no escaping and are copied whole.
    package static func append(quoted s: String, to out: inout String) {
        out += "\""
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out += s
        } else {
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// A number as JSON writes it: whole values without a fraction.
    package static func number(_ v: Double) -> String {
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return v.isFinite ? String(v) : "null"
    }

    /// One entity object, offsets in code points.
    public static func entity(_ e: Entity, in document: Document) -> String {
        var s = ""
        append(entity: e, in: document, to: &s)
        return s
    }

    static func append(entity e: Entity, in document: Document, to s: inout String) {
        s += "{\"type\": "
        append(quoted: e.type.rawValue, to: &s)
        s += ", \"start\": "
        s += String(document.codePointOffset(e.start))
        s += ", \"end\": "
        s += String(document.codePointOffset(e.end))
        s += ", \"text\": "
        append(quoted: document.text(of: e), to: &s)
        if let low = e.low { s += ", \"low\": " + number(low) }
        if let high = e.high { s += ", \"high\": " + number(high) }
        if let unit = e.unit { s += ", \"unit\": "; append(quoted: unit, to: &s) }
        if let id = e.id { s += ", \"id\": "; append(quoted: id, to: &s) }
        s += ", \"source\": "
        append(quoted: e.source, to: &s)
        s += "}"
    }

    /// The JSON Lines record of a tagged document (without the trailing newline).
    public static func record(_ document: Document) -> String {
        var s = "{"
        s.reserveCapacity(64 + document.entities.count * 120)
        if let id = document.id { s += "\"id\": "; append(quoted: id, to: &s); s += ", " }
        if let path = document.path { s += "\"path\": "; append(quoted: path, to: &s); s += ", " }
        s += "\"entities\": ["
        let entities = document.entities
        let inOrder = zip(entities, entities.dropFirst()).allSatisfy { ($0.start, $0.end) <= ($1.start, $1.end) }
        for (k, e) in (inOrder ? entities : entities.sorted { ($0.start, $0.end) < ($1.start, $1.end) }).enumerated() {
            if k > 0 { s += ", " }
            append(entity: e, in: document, to: &s)
        }
        return s + "]}"
    }

    /// The record for an input that could not be tagged.
    public static func errorRecord(path: String?, id: String? = nil, error: String) -> String {
        var s = "{"
        if let id { s += "\"id\": \(quote(id)), " }
        if let path { s += "\"path\": \(quote(path)), " }
        return s + "\"error\": \(quote(error))}"
    }

    /// One line per token: offsets, kind, normalized form and proclitic readings.
    package static func tokens(_ document: Document) -> String {
        let lines = document.tokens.indices.map { token(at: $0, in: document) }
        var head = "{"
        if let id = document.id { head += "\"id\": \(quote(id)), " }
        if let path = document.path { head += "\"path\": \(quote(path)), " }
        return head + "\"tokens\": [\n  " + lines.joined(separator: ",\n  ") + "\n]}"
    }

    /// A token's object. The bases shift offsets and numbers when a document is a piece of a
    /// larger article.
    package static func token(at i: Int, in d: Document, indexBase: Int = 0, offsetBase: Int = 0, sentenceBase: Int = 0) -> String {
        let t = d.tokens[i]
        var s = "{\"i\": \(i + indexBase), \"start\": \(d.codePointOffset(t.start) + offsetBase), \"end\": \(d.codePointOffset(t.end) + offsetBase), "
        s += "\"text\": \(quote(d.text(of: t))), \"kind\": \(quote(t.kind.description)), "
        s += "\"sentence\": \(Int(t.sentence) + sentenceBase), \"norm\": \(quote(d.normalizedText(of: t)))"
        let readings = d.analyses(of: t).map { a in
            "{\"proclitics\": \(quote(a.proclitics.description)), \"stem_start\": \(d.codePointOffset(t.start + a.prefixLength) + offsetBase), "
                + "\"stem\": \(quote(d.substring(t.start + a.prefixLength, t.end)))}"
        }
        if !readings.isEmpty { s += ", \"proclitics\": [" + readings.joined(separator: ", ") + "]" }
        return s + "}"
    }
}
