// `wasim serve` on a loopback port: every endpoint, the bad inputs, and reloading under --watch.
import Foundation
import Testing
import Wasim
import WasimServer

/// Starts a server on 127.0.0.1 and a free port, runs `body`, stops the server.
func withServer(_ configure: (inout ServerOptions) -> Void = { _ in },
                _ body: (Int) async throws -> Void) async throws {
    var options = ServerOptions()
    options.host = "127.0.0.1"
    options.port = 0
    options.log = false
    configure(&options)
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let stop = StopSignal()
    let server = Task { [options] in
        defer { continuation.finish() }
        try await WasimServer.run(options, stop: stop) { continuation.yield($0) }
    }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else {
        Issue.record("the server did not start: \(String(describing: await server.result))")
        return
    }
    do {
        try await body(port)
    } catch {
        await stop.stop()
        _ = await server.result
        throw error
    }
    await stop.stop()
    try await server.value
}

/// The blocking socket calls run on a thread of their own, never on the pool the server uses.
func call(_ port: Int, _ method: String, _ path: String, body: [UInt8] = [], headers: [String: String] = [:],
          chunked: Bool = false) async throws -> HTTPReply {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            continuation.resume(with: Result {
                try HTTP.request(port: port, method, path, body: body, headers: headers, chunked: chunked)
            })
        }.start()
    }
}

let article = "وقال الأمين العام للأمم المتحدة أنطونيو غوتيريش إن ما بين 200 و300 ألف مدني نزحوا من إدلب"
let json = ["Content-Type": "application/json"]

@Suite(.serialized) struct ServerTests {
    @Test func healthAndInfo() async throws {
        try await withServer { port in
            let health = try await call(port, "GET", "/v1/health")
            #expect(health.status == 200)
            #expect(health.body == "{\"status\": \"ok\"}")
            let info = try await call(port, "GET", "/v1/info")
            #expect(info.status == 200)
            #expect(info.headers["content-type"] == "application/json; charset=utf-8")
            let object = try JSONSerialization.jsonObject(with: Data(info.body.utf8)) as! [String: Any]
            #expect(object["version"] as? String == wasimVersion)
            #expect(object["data"] as? String == (try DefaultPipeline.dataDirectory()))
            #expect(object["stages"] as? [String] == (try DefaultPipeline.make()).stages.map(\.name))
            let rules = try #require(object["rules"] as? [String: Any])
            let expectedRules = try DefaultPipeline.loadRules(PipelineOptions(), gazetteer: DefaultPipeline.loadGazetteer(PipelineOptions()))
            #expect(rules["count"] as? Int == expectedRules.rules.count)
            let lists = try #require(object["lists"] as? [String: Any])
            #expect(lists["entries"] as? Int == (try DefaultPipeline.loadGazetteer(PipelineOptions())).entryCount)
            #expect(object["error"] is NSNull)
            #expect(object["watch"] as? Bool == false)
        }
    }

    @Test func tagAnswersWhatWasimTagWrites() async throws {
        let expected = WasimJSON.record(try DefaultPipeline.make().tag(article)) + "\n"
        #expect(expected.contains("{\"type\": \"LOC\", \"start\": 85, \"end\": 89, \"text\": \"إدلب\""))
        try await withServer { port in
            let plain = try await call(port, "POST", "/v1/tag", body: Array(article.utf8))
            #expect(plain.status == 200)
            #expect(plain.body == expected)

            let record = "{\"id\": \"a1\", \"text\": \(WasimJSON.quote(article))}"
            let withID = try await call(port, "POST", "/v1/tag", body: Array(record.utf8), headers: json)
            #expect(withID.status == 200)
            #expect(withID.body == "{\"id\": \"a1\", " + expected.dropFirst())

            let numeric = try await call(port, "POST", "/v1/tag", body: Array("{\"id\": 7, \"text\": \"زار الوفد القاهرة\"}".utf8), headers: json)
            #expect(numeric.body.hasPrefix("{\"id\": \"7\", \"entities\": [{\"type\": \"LOC\", \"start\": 10, \"end\": 17"))

            let chunked = try await call(port, "POST", "/v1/tag", body: Array(article.utf8), chunked: true)
            #expect(chunked.body == expected)
        }
    }

    @Test func explainAnswersWhatWasimExplainFinds() async throws {
        let document = Document(text: article)
        document.recordsResolutions = true
        let pipeline = try DefaultPipeline.make()
        try pipeline.run(document)
        let gazetteer = pipeline.stages.lazy.compactMap { ($0 as? GazetteerMatching)?.gazetteer }.first
        try await withServer { port in
            let reply = try await call(port, "POST", "/v1/explain", body: Array(article.utf8))
            #expect(reply.status == 200)
            #expect(reply.body == Explanation.json(document, gazetteer: gazetteer) + "\n")
            let object = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as! [String: Any]
            let entities = try #require(object["entities"] as? [[String: Any]])
            let un = try #require(entities.first { $0["text"] as? String == "لأمم المتحدة" })
            #expect(un["type"] as? String == "ORG")
            #expect(un["source"] as? String == "gazetteer:organizations.tsv")
            #expect(un["beat"] is [Any])
            let tokens = try #require(object["tokens"] as? [[String: Any]])
            #expect(tokens.count == document.tokens.count)
            #expect(tokens[0]["text"] as? String == "وقال")
        }
    }

    @Test func pageIsSelfContainedRightToLeft() async throws {
        try await withServer { port in
            let page = try await call(port, "GET", "/")
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.body.contains("<html lang=\"ar\" dir=\"rtl\">"))
            #expect(page.body.contains("fetch(\"/v1/explain\""))
            #expect(page.body.contains("<bdi class=\"t-PER\">PER: شخص · person</bdi>"))
            // No external file: no src or href attribute, no URL but the server's own paths.
            #expect(!page.body.contains("src="))
            #expect(!page.body.contains("href="))
            #expect(!page.body.contains("http://") && !page.body.contains("https://"))
        }
    }

    @Test func badInputsGetFourHundredWithAMessage() async throws {
        try await withServer({ $0.maxRequestBytes = 1000 }) { port in
            let badUTF8 = try await call(port, "POST", "/v1/tag", body: [0xD8, 0xA8, 0x20, 0xFF, 0x41])
            #expect(badUTF8.status == 400)
            #expect(badUTF8.body == "{\"error\": \"body: invalid UTF-8 at byte 3\"}\n")

            let badUTF8JSON = try await call(port, "POST", "/v1/tag", body: Array("{\"text\": \"".utf8) + [0xC3, 0x28] + Array("\"}".utf8), headers: json)
            #expect(badUTF8JSON.status == 400)
            #expect(badUTF8JSON.body == "{\"error\": \"body: invalid UTF-8 at byte 10\"}\n")

            let badJSON = try await call(port, "POST", "/v1/explain", body: Array("{\"text\": ".utf8), headers: json)
            #expect(badJSON.status == 400)
            #expect(badJSON.body.hasPrefix("{\"error\": \"body: invalid JSON ("))

            let noText = try await call(port, "POST", "/v1/tag", body: Array("{\"id\": \"a\"}".utf8), headers: json)
            #expect(noText.status == 400)
            #expect(noText.body == "{\"error\": \"body: \\\"text\\\" must be a string\"}\n")

            let array = try await call(port, "POST", "/v1/tag", body: Array("[1]".utf8), headers: json)
            #expect(array.body == "{\"error\": \"body: expected a JSON object {\\\"text\\\": …, \\\"id\\\": …}\"}\n")

            let badID = try await call(port, "POST", "/v1/tag", body: Array("{\"id\": [], \"text\": \"نص\"}".utf8), headers: json)
            #expect(badID.body == "{\"error\": \"body: \\\"id\\\" must be a string or a number\"}\n")

            let empty = try await call(port, "POST", "/v1/tag")
            #expect(empty.status == 400)
            #expect(empty.body == "{\"error\": \"body: empty text\"}\n")

            let nul = try await call(port, "POST", "/v1/tag", body: Array("{\"text\": \"a\\u0000b\"}".utf8), headers: json)
            #expect(nul.status == 400)
            #expect(nul.body == "{\"error\": \"text: binary content (NUL byte at byte 1)\"}\n")

            let missing = try await call(port, "GET", "/v1/nothing")
            #expect(missing.status == 404)
        }
    }

    @Test func oversizedBodiesGetFourHundredThirteen() async throws {
        try await withServer({ $0.maxRequestBytes = 1000 }) { port in
            let big = Array(String(repeating: "نص ", count: 400).utf8)  // 2000 bytes
            let declared = try await call(port, "POST", "/v1/tag", body: big)
            #expect(declared.status == 413)
            #expect(declared.body == "{\"error\": \"request body too large (2000 bytes; --max-request-bytes is 1000)\"}\n")

            let streamed = try await call(port, "POST", "/v1/tag", body: big, chunked: true)
            #expect(streamed.status == 413)
            #expect(streamed.body == "{\"error\": \"request body too large (--max-request-bytes is 1000)\"}\n")

            let atLimit = try await call(port, "POST", "/v1/tag", body: Array(big[0..<1000]))
            #expect(atLimit.status == 200)
        }
    }

    @Test func watchReloadsRulesAndKeepsTheOldOnesOnError() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wasim-watch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/my.rules"
        let first = "rule my-person\n  type: PER\n  pattern: \"قال\" [word]\n  fires: قال زيد => زيد\n"
        try first.write(toFile: file, atomically: false, encoding: .utf8)
        let text = Array("قال زيد في شركة سونطراك".utf8)
        try await withServer({
            $0.pipeline.ruleFiles = [file]
            $0.pipeline.defaultRules = false
            // Reloading is the point here, not how a rule of priority 50 fares against the model.
            $0.pipeline.useModel = false
            $0.watch = true
            $0.watchInterval = .milliseconds(50)
        }) { port in
            let before = try await call(port, "POST", "/v1/tag", body: text)
            #expect(before.body.contains("\"text\": \"زيد\", \"source\": \"rule:my-person\""))

            // A broken file: the old rule stays, and the error shows on /v1/info.
            try "rule broken\n  type: PER\n  pattern: @NO_SUCH_LIST [word]\n  fires: قال زيد => زيد\n"
                .write(toFile: file, atomically: false, encoding: .utf8)
            var info: [String: Any] = [:]
            for _ in 0..<200 {
                let reply = try await call(port, "GET", "/v1/info")
                info = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as! [String: Any]
                if !(info["error"] is NSNull) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let error = try #require(info["error"] as? [String: Any])
            #expect((error["message"] as? String)?.hasPrefix("\(file):3:12: unknown list '@NO_SUCH_LIST'") == true)
            #expect(info["watch"] as? Bool == true)
            let during = try await call(port, "POST", "/v1/tag", body: text)
            #expect(during.body == before.body)

            // A fixed file: the new rule replaces the old one and the error goes.
            try "rule my-company\n  type: ORG\n  pattern: \"شركة\" [word]\n  fires: في شركة سونطراك => سونطراك\n"
                .write(toFile: file, atomically: false, encoding: .utf8)
            var after = HTTPReply(status: 0, headers: [:], body: "")
            for _ in 0..<200 {
                after = try await call(port, "POST", "/v1/tag", body: text)
                if after.body.contains("rule:my-company") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(after.body.contains("\"text\": \"سونطراك\", \"source\": \"rule:my-company\""))
            #expect(!after.body.contains("rule:my-person"))
            let fixed = try await call(port, "GET", "/v1/info")
            #expect(fixed.body.contains("\"error\": null"))
        }
    }
}
