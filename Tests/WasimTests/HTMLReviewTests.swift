// The HTML review pages: the index (natural order, headlines, counts, filter), a footer that
// reads right in a right-to-left page, and resumed runs that write the same bytes.
import Foundation
import FoundationXML
import Testing
@testable import Wasim
@testable import WasimBatch

@Suite struct HTMLReviewTests {
    @Test func naturalOrderComparesDigitRunsAsNumbers() {
        let names = ["10", "2", "100", "1", "a10b", "a2b", "a02b", "b", "A"]
        #expect(names.sorted(by: HTML.naturalOrder) == ["1", "2", "10", "100", "A", "a2b", "a02b", "a10b", "b"])
    }

    @Test func indexListsArticlesInNaturalOrderWithHeadlinesAndCounts() throws {
        let t = TempDir()
        t.write("in/10.txt", "أحمد في بغداد\nوصل أحمد إلى العراق")
        t.write("in/2.txt", "\n  الأمم في بغداد  \nنص")
        t.write("in/100.txt", "لا شيء هنا")
        t.write("in/1.txt", [0xFF])
        let run = try runBatch([t.path + "/in"]) { $0.format = .html; $0.outputDirectory = t.path + "/html" }
        #expect(run.summary.tagged == 3 && run.summary.failed == 1)
        let index = try XMLDocument(contentsOf: URL(fileURLWithPath: t.path + "/html/index.html"), options: [])
        let rows = try index.nodes(forXPath: "//tbody/tr") as! [XMLElement]
        #expect(rows.count == 4)
        #expect(rows[0].attribute(forName: "class")?.stringValue == "error")
        #expect(rows[0].stringValue == "\(t.path)/in/1.txt: invalid UTF-8 at byte 0")
        let links = try index.nodes(forXPath: "//tbody/tr/td/a") as! [XMLElement]
        #expect(links.map { $0.attribute(forName: "href")?.stringValue ?? "" } == ["2.html", "10.html", "100.html"])
        #expect(links.map { $0.stringValue ?? "" } == ["الأمم في بغداد", "أحمد في بغداد", "لا شيء هنا"])
        // Columns PER, ORG, LOC, NUMRANGE after the headline.
        let header = try index.nodes(forXPath: "//thead/tr/th").map { $0.stringValue ?? "" }
        #expect(header == ["العنوان · headline", "PER", "ORG", "LOC", "NUMRANGE"])
        func counts(_ row: XMLElement) throws -> [String] {
            try row.nodes(forXPath: "td[@class='n']").map { $0.stringValue ?? "" }
        }
        #expect(try counts(rows[1]) == ["", "1", "1", ""])
        #expect(try counts(rows[2]) == ["2", "", "2", ""])
        #expect(try counts(rows[3]) == ["", "", "", ""])
        #expect(rows[2].attribute(forName: "data-types")?.stringValue == "PER LOC")
        // The filter: a type list and a text box, and the script that hides rows.
        let options = try index.nodes(forXPath: "//select[@id='type']/option").map { $0.stringValue ?? "" }
        #expect(options == ["كل الأنواع · all types", "PER", "ORG", "LOC", "NUMRANGE"])
        #expect(try index.nodes(forXPath: "//input[@id='q']").count == 1)
        let script = try #require(try index.nodes(forXPath: "//script").first?.stringValue)
        #expect(script.contains("r.hidden = !ok"))
    }

    @Test func footerIsALeftToRightParagraphOfIsolatedCounts() throws {
        let t = TempDir()
        t.write("in/a.txt", "وصل أحمد إلى بغداد ثم العراق مع الأمم")
        _ = try runBatch([t.path + "/in"]) { $0.format = .html; $0.outputDirectory = t.path + "/html" }
        let page = try String(contentsOfFile: t.path + "/html/a.html", encoding: .utf8)
        #expect(page.contains("<footer>\n<p dir=\"ltr\">8 tokens · 4 entities: <bdi class=\"e t-LOC\">LOC 2</bdi> <bdi class=\"e t-ORG\">ORG 1</bdi> <bdi class=\"e t-PER\">PER 1</bdi></p>\n</footer>\n"))
        #expect(page.contains("<script type=\"application/json\" id=\"wasim-index\">{\"headline\": \"وصل أحمد إلى بغداد ثم العراق مع الأمم\", \"counts\": {\"LOC\": 2, \"ORG\": 1, \"PER\": 1}}</script>\n</body>"))
        // The legend's hint: two isolated, unbreakable pieces, Arabic then English.
        #expect(page.contains("<bdi class=\"hint\">مرّر المؤشر فوق كيان لرؤية مصدره</bdi> <bdi class=\"hint\" dir=\"ltr\">hover an entity for its source</bdi>"))
        #expect(page.contains(".legend bdi, footer bdi, td.n bdi { border-radius: 3px; padding: 0 4px; margin-inline-end: 0.5em; white-space: nowrap; }"))
    }

    @Test func headlineInAPageCannotCloseItsScript() throws {
        let data = HTML.indexData(headline: "</script><b>&", counts: ["PER": 1])
        #expect(data == "<script type=\"application/json\" id=\"wasim-index\">{\"headline\": \"\\u003c/script>\\u003cb>\\u0026\", \"counts\": {\"PER\": 1}}</script>\n")
        let t = TempDir()
        t.write("page.html", "<html><body>\n" + data + "</body>\n</html>\n")
        let read = try #require(HTML.readIndexData(page: t.path + "/page.html"))
        #expect(read.headline == "</script><b>&" && read.counts == ["PER": 1])
    }

    @Test func resumedHTMLRunWritesTheSameBytes() throws {
        let t = TempDir()
        for i in [1, 2, 3, 10, 11, 20, 100] {
            t.write("corpus/\(i).txt", "خبر \(i) عن بغداد\nزار أحمد العراق \(i) مرة مع الأمم")
        }
        t.write("corpus/bad.txt", [0xC3])
        _ = try runBatch([t.path + "/corpus"]) { $0.format = .html; $0.outputDirectory = t.path + "/full" }
        // An interrupted run: some pages written, no index yet.
        _ = try runBatch([t.path + "/corpus"]) { $0.format = .html; $0.outputDirectory = t.path + "/out"; $0.shard = Shard("1/2") }
        try FileManager.default.removeItem(atPath: t.path + "/out/index-1-of-2.html")
        let written = t.tree("out").count
        #expect(written > 0 && written < 7)
        let resumed = try runBatch([t.path + "/corpus"]) { $0.format = .html; $0.outputDirectory = t.path + "/out"; $0.resume = true }
        #expect(resumed.summary.skipped == written && resumed.summary.tagged == 7 - written)
        #expect(t.tree("out") == t.tree("full"))
        #expect(t.tree("full").count == 8)
    }
}
