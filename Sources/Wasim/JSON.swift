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
        var bytes: [UInt8] = []
        appendRecord(document, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the record's UTF-8 bytes (without the trailing newline) to `out`: what `record`
    /// returns, written straight from the document's UTF-16 text, with no String per entity.
    public static func appendRecord(_ document: Document, to out: inout [UInt8]) {
        var w = ByteWriter(capacity: 256 + document.entities.count * 200)
        w.ascii("{")
        if let id = document.id { w.ascii("\"id\": "); w.quoted(id); w.ascii(", ") }
        if let path = document.path { w.ascii("\"path\": "); w.quoted(path); w.ascii(", ") }
        w.ascii("\"entities\": [")
        let entities = document.entities
        var inOrder = true
        for k in entities.indices.dropFirst() where (entities[k - 1].start, entities[k - 1].end) > (entities[k].start, entities[k].end) {
            inOrder = false
            break
        }
        let list = inOrder ? entities : entities.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
        // Each entity read in place: a copy of one (four Strings) cost retains and releases.
        document.utf16.withUnsafeBufferPointer { text in
            list.withUnsafeBufferPointer { all in
                for k in all.indices {
                    if k > 0 { w.ascii(", ") }
                    w.ascii("{\"type\": ")
                    w.quoted(all[k].type.rawValue)
                    w.ascii(", \"start\": ")
                    w.int(document.codePointOffset(all[k].start))
                    w.ascii(", \"end\": ")
                    w.int(document.codePointOffset(all[k].end))
                    w.ascii(", \"text\": ")
                    w.quoted(UnsafeBufferPointer(rebasing: text[Int(all[k].start)..<Int(all[k].end)]))
                    if let low = all[k].low { w.ascii(", \"low\": "); w.string(number(low)) }
                    if let high = all[k].high { w.ascii(", \"high\": "); w.string(number(high)) }
                    if let unit = all[k].unit { w.ascii(", \"unit\": "); w.quoted(unit) }
                    if let id = all[k].id { w.ascii(", \"id\": "); w.quoted(id) }
                    w.ascii(", \"source\": ")
                    w.quoted(all[k].source)
                    w.ascii("}")
                }
            }
        }
        w.ascii("]}")
        w.finish(into: &out)
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

/// UTF-8 bytes of JSON, written into raw memory that grows on demand: what
/// `JSON.append(quoted:to:)` writes, byte for byte, without a String in between, and without
/// an array's checks on every byte. Call `finish(into:)` once, which frees it.
struct ByteWriter {
    private var base: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    /// Appends what was written to `out` and frees the writer's memory.
    func finish(into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
        base.deallocate()
    }

    @inline(__always) private mutating func ensure(_ n: Int) {
        if count + n > capacity { grow(count + n) }
    }

    private mutating func grow(_ needed: Int) {
        let bigger = max(capacity * 2, needed)
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        b.update(from: base, count: count)
        base.deallocate()
        base = b
        capacity = bigger
    }

    @inline(__always) private mutating func put(_ b: UInt8) {
        base[count] = b
        count += 1
    }

    /// A literal made of ASCII characters.
    @inline(__always) mutating func ascii(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        ensure(n)
        (base + count).update(from: s.utf8Start, count: n)
        count += n
    }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { u in
            ensure(u.count)
            for b in u { put(b) }
        }
    }

    mutating func int(_ v: Int) {
        ensure(21)
        if v < 0 { put(0x2D) }
        var m = v.magnitude
        let first = count
        repeat {
            put(UInt8(truncatingIfNeeded: m % 10) + 0x30)
            m /= 10
        } while m > 0
        // Digits came out last first.
        var i = first, j = count - 1
        while i < j {
            let t = base[i]
            base[i] = base[j]
            base[j] = t
            i += 1
            j -= 1
        }
    }

    /// Room for the worst case is made by the caller (six bytes: \u00XX).
    @inline(__always) private mutating func escape(_ b: UInt8) {
        switch b {
        case 0x22: put(0x5C); put(0x22)
        case 0x5C: put(0x5C); put(0x5C)
        case 0x0A: put(0x5C); put(0x6E)
        case 0x0D: put(0x5C); put(0x72)
        case 0x09: put(0x5C); put(0x74)
        default:
            let hex: StaticString = "0123456789abcdef"
            put(0x5C); put(0x75); put(0x30); put(0x30)
            put(hex.utf8Start[Int(b >> 4)]); put(hex.utf8Start[Int(b & 15)])
        }
    }

    @inline(__always) private static func needsEscape(_ b: UInt8) -> Bool { b < 0x20 || b == 0x22 || b == 0x5C }

    /// A JSON string literal of a String.
    mutating func quoted(_ s: String) {
        var s = s
        s.withUTF8 { u in
            ensure(u.count * 6 + 2)
            put(0x22)
            // Paths, sources and ids seldom hold a character to escape: each run without one
            // is copied whole, found eight bytes at a time.
            var i = 0
            while i < u.count {
                let clean = ByteWriter.cleanPrefix(u, from: i)
                if clean > i {
                    (base + count).update(from: u.baseAddress! + i, count: clean - i)
                    count += clean - i
                    i = clean
                }
                if i < u.count { escape(u[i]); i += 1 }
            }
            put(0x22)
        }
    }

    /// The end of the run from `i` that needs no escape.
    @inline(__always) private static func cleanPrefix(_ u: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        let n = u.count, raw = UnsafeRawPointer(u.baseAddress!)
        while i + 8 <= n {
            let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            // A lane below 0x20, or equal to 0x22 or 0x5C, sets its high bit in `bad` (bytes of
            // 0x80 and above never do: the tests look at the low seven bits of ASCII lanes only).
            let low7 = w & 0x7F7F_7F7F_7F7F_7F7F
            let ascii = ~w & 0x8080_8080_8080_8080
            let control = (low7 &+ 0x6060_6060_6060_6060) ^ 0x8080_8080_8080_8080
            let quote = low7 ^ 0x2222_2222_2222_2222
            let slash = low7 ^ 0x5C5C_5C5C_5C5C_5C5C
            let zeroQuote = ~((quote & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) & 0x8080_8080_8080_8080
            let zeroSlash = ~((slash & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) & 0x8080_8080_8080_8080
            let bad = (control | zeroQuote | zeroSlash) & ascii & 0x8080_8080_8080_8080
            if bad != 0 { return i + bad.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < n, !needsEscape(u[i]) { i += 1 }
        return i
    }

    /// A JSON string literal of UTF-16 text, transcoded here; an unpaired surrogate becomes
    /// U+FFFD, as `String(decoding:as:)` makes it.
    mutating func quoted(_ units: UnsafeBufferPointer<UInt16>) {
        ensure(units.count * 6 + 2)
        put(0x22)
        var i = 0
        let n = units.count
        while i < n {
            let u = units[i]
            i += 1
            if u < 0x80 {
                let b = UInt8(u)
                if ByteWriter.needsEscape(b) { escape(b) } else { put(b) }
            } else if u < 0x800 {
                put(0xC0 | UInt8(u >> 6))
                put(0x80 | UInt8(u & 0x3F))
            } else if u & 0xF800 != 0xD800 {
                put(0xE0 | UInt8(u >> 12))
                put(0x80 | UInt8((u >> 6) & 0x3F))
                put(0x80 | UInt8(u & 0x3F))
            } else if u < 0xDC00, i < n, units[i] & 0xFC00 == 0xDC00 {
                let c = 0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(units[i]) - 0xDC00)
                i += 1
                put(0xF0 | UInt8(c >> 18))
                put(0x80 | UInt8((c >> 12) & 0x3F))
                put(0x80 | UInt8((c >> 6) & 0x3F))
                put(0x80 | UInt8(c & 0x3F))
            } else {
                put(0xEF); put(0xBF); put(0xBD)
            }
        }
        put(0x22)
    }
}
