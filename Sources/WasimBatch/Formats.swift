// The four output formats (and `tokens`), written one piece of an article at a time: an
// article larger than `BatchOptions.chunkBytes` arrives as several documents, each with the
// code-point offset of its start in the whole article.
import Foundation
import Wasim

protocol TextSink: AnyObject {
    func put(_ s: String) throws
    func put(bytes: UnsafeRawBufferPointer) throws
}

extension Spool: TextSink {
    func put(_ s: String) { append(s) }
    func put(bytes: UnsafeRawBufferPointer) { append(bytes) }
}

extension AtomicFile: TextSink {
    func put(_ s: String) throws { try append(s) }
    func put(bytes: UnsafeRawBufferPointer) throws { try append(bytes) }
}

/// Writes one article in the chosen format.
final class ArticleWriter {
    let format: BatchFormat
    let path: String?
    let id: String?
    /// Output name under `--output` (for the HTML page's link back to the index).
    let name: String
    let sink: TextSink
    /// brat: the text the offsets count in, written next to the `.ann`.
    let textSink: TextSink?

    private var codePointBase = 0
    private var tokenBase = 0
    private var sentenceBase = 0
    private var entityNumber = 0
    private var wroteItem = false
    private(set) var tokens = 0
    /// Entities by type, in the order the types first appear: a few entries, searched in place
    /// (a dictionary per article hashed each type's name, and grew, for two or three types).
    private(set) var typeCounts: [(type: String, count: Int)] = []
    var entityCounts: [String: Int] { Dictionary(typeCounts, uniquingKeysWith: +) }
    /// The article's first non-blank line, for the HTML index.
    private(set) var headline: String?
    private var record: [UInt8] = []

    init(format: BatchFormat, path: String?, id: String?, name: String, sink: TextSink, textSink: TextSink? = nil) {
        self.format = format
        self.path = path
        self.id = id
        self.name = name
        self.sink = sink
        self.textSink = textSink
    }

    /// Adds a tagged piece; `first` and `last` say where it lies in the article.
    func add(_ doc: Document, first: Bool, last: Bool) throws {
        tokens += doc.tokens.count
        // Only the HTML index shows it; and only the first line is made a String, never the text.
        if first, format == .html { headline = HTML.headline(of: doc) }
        // Counted in a local, taken out of the object and put back: the property, read and
        // written at each entity, cost an exclusivity check each time (80 instructions), and
        // room for four types saves the regrowths of an array made for each article.
        var counts: [(type: String, count: Int)] = []
        swap(&counts, &typeCounts)
        if counts.isEmpty { counts.reserveCapacity(4) }
        doc.entities.withUnsafeBufferPointer { all in
            for i in all.indices {
                let type = all[i].type.rawValue
                if let k = counts.firstIndex(where: { $0.type == type }) { counts[k].count += 1 } else { counts.append((type, 1)) }
            }
        }
        typeCounts = counts
        switch format {
        case .jsonl: try jsonl(doc, first: first, last: last)
        case .tokens: try tokenLines(doc, first: first, last: last)
        case .conll: try conll(doc, first: first)
        case .brat: try brat(doc)
        case .html: try html(doc, first: first, last: last)
        }
        codePointBase += doc.codePointOffset(Int32(doc.utf16.count))
        tokenBase += doc.tokens.count
        sentenceBase += doc.sentences.count
    }

    private var header: String {
        var s = "{"
        if let id { s += "\"id\": \(WasimJSON.quote(id)), " }
        if let path { s += "\"path\": \(WasimJSON.quote(path)), " }
        return s
    }

    // MARK: jsonl

    private func jsonl(_ doc: Document, first: Bool, last: Bool) throws {
        if first && last {
            // The usual case, a whole article: bytes written straight from its UTF-16 text.
            record.removeAll(keepingCapacity: true)
            WasimJSON.appendRecord(doc, to: &record)
            record.append(0x0A)
            return try record.withUnsafeBytes { try sink.put(bytes: $0) }
        }
        var s = first ? header + "\"entities\": [" : ""
        for e in doc.entities {
            let start = doc.codePointOffset(e.start), end = doc.codePointOffset(e.end)
            var json = WasimJSON.entity(e, in: doc)
            // Same fields as a whole article's record; only the offsets move.
            if let r = json.range(of: "\"start\": \(start), \"end\": \(end),") {
                json.replaceSubrange(r, with: "\"start\": \(start + codePointBase), \"end\": \(end + codePointBase),")
            }
            s += (wroteItem ? ", " : "") + json
            wroteItem = true
        }
        if last { s += "]}\n" }
        try sink.put(s)
    }

    // MARK: tokens

    private func tokenLines(_ doc: Document, first: Bool, last: Bool) throws {
        if first && last { return try sink.put(WasimJSON.tokens(doc) + "\n") }
        var s = first ? header + "\"tokens\": [\n  " : ""
        let base = codePointBase
        for i in doc.tokens.indices {
            let line = WasimJSON.token(at: i, in: doc, indexBase: tokenBase, offsetBase: base, sentenceBase: sentenceBase)
            s += (wroteItem ? ",\n  " : "") + line
            wroteItem = true
        }
        if last { s += "\n]}\n" }
        try sink.put(s)
    }

    // MARK: conll

    /// One line per token, `text TAB tag`, tags B-TYPE, I-TYPE or O, a blank line after each
    /// sentence. Entity spans leave proclitics out, so a token such as `والعراق` is written as
    /// two lines, `و O` and `العراق B-LOC`: the tags then give back exactly the entities' spans.
    private func conll(_ doc: Document, first: Bool) throws {
        var s = ""
        if first {
            if let id { s += "# id = \(id.replacingOccurrences(of: "\n", with: " "))\n" }
            if let path { s += "# path = \(path.replacingOccurrences(of: "\n", with: " "))\n" }
        }
        let entities = doc.entities
        var next = 0
        for sentence in doc.sentences {
            for k in Int(sentence.tokens.lowerBound)..<Int(sentence.tokens.upperBound) {
                let t = doc.tokens[k]
                while next < entities.count, entities[next].end <= t.start { next += 1 }
                var cuts: [Int32] = [t.start, t.end]
                var j = next
                while j < entities.count, entities[j].start < t.end {
                    for c in [entities[j].start, entities[j].end] where c > t.start && c < t.end { cuts.append(c) }
                    j += 1
                }
                cuts.sort()
                for p in 0..<(cuts.count - 1) where cuts[p] < cuts[p + 1] {
                    let a = cuts[p], b = cuts[p + 1]
                    var tag = "O"
                    var m = next
                    while m < entities.count, entities[m].start <= a {
                        if a < entities[m].end {
                            tag = (a == entities[m].start ? "B-" : "I-") + entities[m].type.rawValue
                            break
                        }
                        m += 1
                    }
                    s += doc.substring(a, b) + "\t" + tag + "\n"
                }
            }
            s += "\n"
        }
        try sink.put(s)
    }

    // MARK: brat

    /// `T1<TAB>LOC 78 84<TAB>العراق`, offsets in code points of the `.txt` written beside it.
    /// brat's spans may not cross a line break: such an entity is written as fragments
    /// (`LOC 0 5;6 11`), its text the fragments joined by a space, as brat expects.
    private func brat(_ doc: Document) throws {
        try textSink?.put(doc.text)
        var s = ""
        for e in doc.entities {
            entityNumber += 1
            var fragments: [(Int32, Int32)] = []
            var start = e.start
            for i in e.start..<e.end {
                let u = doc.utf16[Int(i)]
                if u == 0x0A || u == 0x0D || u == 0x2028 || u == 0x2029 {
                    if start < i { fragments.append((start, i)) }
                    start = i + 1
                }
            }
            if start < e.end { fragments.append((start, e.end)) }
            let spans = fragments.map { "\(doc.codePointOffset($0.0) + codePointBase) \(doc.codePointOffset($0.1) + codePointBase)" }
            let text = fragments.map { doc.substring($0.0, $0.1) }.joined(separator: " ")
            s += "T\(entityNumber)\t\(e.type.rawValue) \(spans.joined(separator: ";"))\t\(text)\n"
        }
        try sink.put(s)
    }

    // MARK: html

    private func html(_ doc: Document, first: Bool, last: Bool) throws {
        var s = ""
        if first {
            let title = HTML.escape(path ?? id ?? name)
            let depth = name.split(separator: "/").count - 1
            s += HTML.head(title: title)
            s += "<body>\n<header>\n<p><a href=\"\(String(repeating: "../", count: depth))index.html\">الفهرس · index</a></p>\n"
            s += "<h1 dir=\"auto\">\(title)</h1>\n" + HTML.legend + "</header>\n<article>"
        }
        var at: Int32 = 0
        for e in doc.entities {
            s += HTML.escape(doc.substring(at, e.start))
            var tip = "\(e.type.rawValue) · \(e.source)"
            if let id = e.id { tip += " · id \(id)" }
            if e.low != nil || e.high != nil || e.unit != nil {
                tip += " · " + [e.low.map(WasimJSON.number), e.high.map(WasimJSON.number)].compactMap { $0 }.joined(separator: "–")
                if let unit = e.unit { tip += " " + unit }
            }
            s += "<mark class=\"\(HTML.cssClass(e.type))\" data-type=\"\(HTML.escape(e.type.rawValue))\" title=\"\(HTML.escape(tip))\">"
            s += HTML.escape(doc.text(of: e)) + "</mark>"
            at = e.end
        }
        s += HTML.escape(doc.substring(at, Int32(doc.utf16.count)))
        if last {
            // A left-to-right paragraph in the right-to-left page, each count isolated: the
            // numbers stay beside their words ("303 tokens · 17 entities: LOC 2 ORG 5 PER 10").
            let entityCounts = self.entityCounts
            let counts = entityCounts.keys.sorted().map { "<bdi class=\"\(HTML.cssClass(EntityType($0)))\">\(HTML.escape($0)) \(entityCounts[$0]!)</bdi>" }
            s += "</article>\n<footer>\n<p dir=\"ltr\">\(tokens) tokens · \(entityCounts.values.reduce(0, +)) entities"
            s += counts.isEmpty ? "" : ": " + counts.joined(separator: " ")
            s += "</p>\n</footer>\n" + HTML.indexData(headline: headline, counts: entityCounts) + "</body>\n</html>\n"
        }
        try sink.put(s)
    }
}

enum HTML {
    static let colors: [(String, String, String)] = [
        ("PER", "#ffd6a5", "شخص · person"),
        ("ORG", "#bde0fe", "منظمة · organization"),
        ("LOC", "#caffbf", "مكان · location"),
        ("NUMRANGE", "#ffc6ff", "نطاق عددي · numeric range"),
    ]

    static func head(title: String) -> String {
        var css = """
            body { font-family: "Noto Naskh Arabic", "Amiri", "Geeza Pro", serif; font-size: 1.2em; line-height: 1.9; max-width: 50em; margin: 2em auto; padding: 0 1em; color: #222; }
            article { white-space: pre-wrap; }
            mark.e { background: #e0e0e0; border-radius: 3px; padding: 0 2px; cursor: help; }
            mark.e::after { content: attr(data-type); font: 0.55em sans-serif; vertical-align: super; margin-inline-start: 2px; color: #555; }
            .legend bdi, footer bdi, td.n bdi { border-radius: 3px; padding: 0 4px; margin-inline-end: 0.5em; white-space: nowrap; }
            .legend .hint { color: #555; }
            table { border-collapse: collapse; width: 100%; }
            th, td { padding: 0.15em 0.5em; border-bottom: 1px solid #eee; text-align: start; vertical-align: top; }
            td.n, th.n { text-align: center; font-family: sans-serif; font-size: 0.8em; }
            .file { font-family: sans-serif; font-size: 0.7em; color: #666; }
            .filter { font-family: sans-serif; font-size: 0.8em; }
            header a, li.error { font-family: sans-serif; font-size: 0.8em; }
            li.error { color: #a00; }

            """
        for (type, color, _) in colors { css += ".t-\(type) { background: \(color) !important; }\n" }
        return "<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>\(title)</title>\n<style>\n\(css)</style>\n</head>\n"
    }

    static var legend: String {
        // Each item isolated (bdi), so that Latin type names and Arabic glosses keep their order.
        "<p class=\"legend\">" + colors.map { "<bdi class=\"t-\($0.0)\">\($0.0): \($0.2)</bdi>" }.joined(separator: " ")
            + " <bdi class=\"hint\">مرّر المؤشر فوق كيان لرؤية مصدره</bdi> <bdi class=\"hint\" dir=\"ltr\">hover an entity for its source</bdi></p>\n"
    }

    /// `e t-LOC`; a custom type keeps only characters a class name may hold.
    static func cssClass(_ type: EntityType) -> String {
        "e t-" + String(type.rawValue.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }.map(Character.init))
    }

    /// Text or attribute value; control characters (not allowed in HTML or XML) become U+FFFD.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    struct IndexEntry {
        var name: String
        var label: String
        var error: String?
        var headline: String? = nil
        var counts: [String: Int] = [:]
    }

    /// The first non-blank line of a document, trimmed, at most 120 characters.
    static func headline(of doc: Document) -> String? {
        let units = doc.utf16
        var start = 0
        while start < units.count {
            var end = start
            // Line ends: LF, CR, NEL, LS, PS (what Character.isNewline takes, but for VT/FF).
            while end < units.count, ![0x0A, 0x0D, 0x85, 0x2028, 0x2029, 0x0B, 0x0C].contains(units[end]) { end += 1 }
            if end > start, let line = headline(of: doc.substring(Int32(start), Int32(end))) { return line }
            start = end + 1
        }
        return nil
    }

    /// The first non-blank line, trimmed, at most 120 characters.
    static func headline(of text: String) -> String? {
        guard let line = text.split(whereSeparator: { $0.isNewline }).lazy
            .map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: { !$0.isEmpty }) else { return nil }
        return line.count > 120 ? String(line.prefix(119)) + "…" : line
    }

    /// What the index shows of an article, kept in its page so that a resumed run, which skips
    /// the article, writes the same index as a run that tagged it.
    static func indexData(headline: String?, counts: [String: Int]) -> String {
        var json = "{\"headline\": " + (headline.map(WasimJSON.quote) ?? "null") + ", \"counts\": {"
        json += counts.keys.sorted().map { "\(WasimJSON.quote($0)): \(counts[$0]!)" }.joined(separator: ", ") + "}}"
        // "<" and "&" only occur inside strings; escaped, no "</script>" ends the element early
        // and the page stays well-formed XML.
        let safe = json.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: "&", with: "\\u0026")
        return "<script type=\"application/json\" id=\"wasim-index\">" + safe + "</script>\n"
    }

    /// Reads back `indexData` from the end of a page written before.
    static func readIndexData(page path: String) -> (headline: String?, counts: [String: Int])? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 4096 ? size - 4096 : 0)
        guard let tail = try? handle.readToEnd() else { return nil }
        let text = String(decoding: tail, as: UTF8.self)
        guard let open = text.range(of: "<script type=\"application/json\" id=\"wasim-index\">", options: .backwards),
              let close = text.range(of: "</script>", range: open.upperBound..<text.endIndex),
              let object = try? JSONSerialization.jsonObject(with: Data(text[open.upperBound..<close.lowerBound].utf8)) as? [String: Any]
        else { return nil }
        let counts = (object["counts"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }
        return (object["headline"] as? String, counts)
    }

    /// Natural order: runs of digits compare as numbers (2 before 10), the rest by code point.
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        var i = a.unicodeScalars.makeIterator(), j = b.unicodeScalars.makeIterator()
        var x = i.next(), y = j.next()
        func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { ("0"..."9").contains($0) } ?? false }
        while let p = x, let q = y {
            if isDigit(p) && isDigit(q) {
                var m = "", n = ""
                while let c = x, isDigit(c) { m.unicodeScalars.append(c); x = i.next() }
                while let c = y, isDigit(c) { n.unicodeScalars.append(c); y = j.next() }
                let mm = m.drop { $0 == "0" }, nn = n.drop { $0 == "0" }
                if mm.count != nn.count { return mm.count < nn.count }
                if mm != nn { return mm < nn }
                if m.count != n.count { return m.count < n.count }
            } else {
                if p != q { return p.value < q.value }
                x = i.next()
                y = j.next()
            }
        }
        return x == nil && y != nil
    }

    /// The index: every article in natural order of its name, with its headline and its
    /// entities per type, and a filter by type or text (a few lines of script; without script
    /// the table is all there).
    static func index(_ unsorted: [IndexEntry], title: String) -> String {
        let entries = unsorted.sorted { naturalOrder($0.name, $1.name) }
        let builtIn = EntityType.builtIn.map(\.rawValue)
        let types = builtIn + Set(entries.flatMap(\.counts.keys)).subtracting(builtIn).sorted()
        var s = head(title: escape(title)) + "<body>\n<header>\n<h1>\(escape(title))</h1>\n" + legend
        s += "<p class=\"filter\"><label>تصفية · filter <input id=\"q\" type=\"search\" dir=\"auto\"/></label> "
        s += "<select id=\"type\"><option value=\"\">كل الأنواع · all types</option>"
            + types.map { "<option>\(escape($0))</option>" }.joined() + "</select> <bdi id=\"shown\"></bdi></p>\n"
        s += "</header>\n<table id=\"articles\">\n<thead><tr><th>العنوان · headline</th>"
            + types.map { "<th class=\"n\">\(escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for e in entries {
            if let error = e.error {
                s += "<tr class=\"error\" data-types=\"\"><td colspan=\"\(types.count + 1)\"><bdi>\(escape(e.label))</bdi>: \(escape(error))</td></tr>\n"
                continue
            }
            let href = e.name.split(separator: "/").map {
                String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#;"))) ?? String($0)
            }.joined(separator: "/")
            let present = types.filter { (e.counts[$0] ?? 0) > 0 }
            s += "<tr data-types=\"\(escape(present.joined(separator: " ")))\"><td><a href=\"\(escape(href)).html\" dir=\"auto\">"
                + escape(e.headline ?? e.label) + "</a><br/><bdi class=\"file\" dir=\"ltr\">\(escape(e.label))</bdi></td>"
            for type in types {
                let n = e.counts[type] ?? 0
                s += n > 0 ? "<td class=\"n\"><bdi class=\"t-\(escape(type))\">\(n)</bdi></td>" : "<td class=\"n\"></td>"
            }
            s += "</tr>\n"
        }
        let ok = entries.filter { $0.error == nil }.count
        s += "</tbody>\n</table>\n<footer><p dir=\"ltr\">\(ok) articles, \(entries.count - ok) errors</p></footer>\n"
        s += """
            <script>
            // Kept free of the characters XML reserves, so that the page stays well-formed XHTML.
            const q = document.getElementById("q"), type = document.getElementById("type"), rows = document.querySelectorAll("#articles tbody tr");
            function filter() {
              const text = q.value.trim().toLowerCase(); let shown = 0;
              rows.forEach(r => {
                const ok = [!type.value || r.dataset.types.split(" ").includes(type.value), r.textContent.toLowerCase().includes(text)].every(Boolean);
                r.hidden = !ok; shown += ok ? 1 : 0;
              });
              document.getElementById("shown").textContent = shown + " / " + rows.length;
            }
            q.addEventListener("input", filter); type.addEventListener("change", filter);
            </script>

            """
        return s + "</body>\n</html>\n"
    }
}
