import Foundation
// `wasim explain`: the tokens, then each entity with what produced it and what it beat.

package enum Explanation {
    package static func render(_ d: Document, gazetteer: Gazetteer? = nil, labeller: Labeller? = nil, tokens showTokens: Bool = true) -> String {
        var out: [String] = []
        if showTokens {
            out.append("tokens:")
            for (i, t) in d.tokens.enumerated() {
                var line = "  \(i)\t\(d.codePointOffset(t.start))-\(d.codePointOffset(t.end))\t\(t.kind)\t\(d.text(of: t))"
                let readings = d.analyses(of: t).map { "\($0.proclitics)+\(d.substring(t.start + $0.prefixLength, t.end))" }
                if !readings.isEmpty { line += "\t" + readings.joined(separator: " ") }
                let lists = d.lookups.filter { $0.tokens.lowerBound == Int32(i) }
                if !lists.isEmpty {
                    line += "\tlists: " + Set(lists.map { l in
                        (gazetteer?.typeName(l.list) ?? "#\(l.list)") + (l.tokens.count > 1 ? "×\(l.tokens.count)" : "")
                    }).sorted().joined(separator: " ")
                }
                out.append(line)
            }
        }
        out.append("entities:")
        if d.entities.isEmpty { out.append("  (none)") }
        // NONE spans (names of events…) are not in the output but did beat candidates.
        for e in (d.entities + d.suppressed).sorted(by: { $0.start < $1.start }) {
            out.append("  \(e.type)\t\(d.codePointOffset(e.start))-\(d.codePointOffset(e.end))\t\(d.text(of: e))\t← \(e.source)"
                       + (e.priority != 0 ? " (priority \(e.priority))" : "") + (e.id.map { " id=\($0)" } ?? "")
                       + (e.low.map { " low=\(WasimJSON.number($0)) high=\(WasimJSON.number(e.high ?? $0))" } ?? "")
                       + (e.unit.map { " unit=\($0)" } ?? ""))
            if let labeller, e.source == labeller.source {
                let why = labeller.explain(d, entity: e)
                func show(_ fs: [(feature: String, weight: Float)]) -> String {
                    fs.map { "\($0.feature) \(String(format: "%+.2f", $0.weight))" }.joined(separator: ", ")
                }
                out.append("      for: " + (why.for.isEmpty ? "(nothing)" : show(why.for)))
                out.append("      against: " + (why.against.isEmpty ? "(nothing)" : show(why.against)))
            }
            if let r = d.resolutions.first(where: { $0.winner == e }) {
                for b in r.beaten {
                    out.append("      beat \(b.type) \(d.text(of: b)) ← \(b.source)" + (b.priority != 0 ? " (priority \(b.priority))" : ""))
                }
            }
        }
        return out.joined(separator: "\n")
    }
}

extension Explanation {
    /// What `render` prints, as one JSON object (the server's `/v1/explain`): the tokens with
    /// their proclitic readings and lists, then every entity, and the suppressed spans (type NONE,
    /// not in the output) that beat candidates, each with the candidates it beat. Offsets are
    /// code points, as in `wasim tag`.
    package static func json(_ d: Document, gazetteer: Gazetteer? = nil) -> String {
        var s = "{"
        if let id = d.id { s += "\"id\": \(WasimJSON.quote(id)), " }
        s += "\"tokens\": ["
        for (i, t) in d.tokens.enumerated() {
            if i > 0 { s += ", " }
            s += "{\"i\": \(i), \"start\": \(d.codePointOffset(t.start)), \"end\": \(d.codePointOffset(t.end)), "
            s += "\"text\": \(WasimJSON.quote(d.text(of: t))), \"kind\": \(WasimJSON.quote(t.kind.description))"
            let readings = d.analyses(of: t).map { WasimJSON.quote("\($0.proclitics)+\(d.substring(t.start + $0.prefixLength, t.end))") }
            if !readings.isEmpty { s += ", \"readings\": [" + readings.joined(separator: ", ") + "]" }
            let lists = Set(d.lookups.filter { $0.tokens.lowerBound == Int32(i) }.map { l in
                (gazetteer?.typeName(l.list) ?? "#\(l.list)") + (l.tokens.count > 1 ? "×\(l.tokens.count)" : "")
            }).sorted()
            if !lists.isEmpty { s += ", \"lists\": [" + lists.map(WasimJSON.quote).joined(separator: ", ") + "]" }
            s += "}"
        }
        s += "], \"entities\": ["
        func fields(_ e: Entity) -> String {
            var f = String(WasimJSON.entity(e, in: d).dropLast())
            if e.priority != 0 { f += ", \"priority\": \(e.priority)" }
            return f
        }
        let all = (d.entities.map { ($0, false) } + d.suppressed.map { ($0, true) }).sorted { $0.0.start < $1.0.start }
        for (k, (e, suppressed)) in all.enumerated() {
            if k > 0 { s += ", " }
            s += fields(e)
            if suppressed { s += ", \"suppressed\": true" }
            let beaten = d.resolutions.first(where: { $0.winner == e })?.beaten ?? []
            s += ", \"beat\": [" + beaten.map { fields($0) + "}" }.joined(separator: ", ") + "]}"
        }
        return s + "]}"
    }
}
