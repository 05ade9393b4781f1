// The endpoints. Every answer is JSON except the page; every error is {"error": "…"} with the
// HTTP status that fits it.
import Foundation
import Hummingbird
import NIOCore
import Wasim

struct Routes: Sendable {
    let tagger: Tagger
    let maxBytes: Int
    let watch: Bool

    func add(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: Page.html)))
        }
        router.get("/v1/health") { _, _ in json(.ok, "{\"status\": \"ok\"}") }
        router.get("/v1/info") { _, _ in json(.ok, info()) }
        router.post("/v1/tag") { request, _ in
            try await tagged(request) { document, _ in WasimJSON.record(document) }
        }
        router.post("/v1/explain") { request, _ in
            try await tagged(request, explain: true) { document, loaded in
                Explanation.json(document, gazetteer: loaded.gazetteer)
            }
        }
    }

    /// Reads the body (413 beyond `maxBytes`, 400 when it is not text), tags it and renders it.
    private func tagged(_ request: Request, explain: Bool = false,
                        render: (Document, Loaded) -> String) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBytes {
            return tooLarge(length)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            return tooLarge(nil)
        }
        do {
            let document = try RequestText.document(from: Array(buffer.readableBytesView),
                                                    contentType: request.headers[.contentType])
            document.recordsResolutions = explain
            let loaded = tagger.current
            try loaded.pipeline.run(document)
            return json(.ok, render(document, loaded) + "\n")
        } catch let error as BadRequest {
            return json(.badRequest, errorBody(error.description))
        } catch {
            return json(.internalServerError, errorBody("\(error)"))
        }
    }

    private func tooLarge(_ length: Int?) -> Response {
        json(.contentTooLarge, errorBody("request body too large (" + (length.map { "\($0) bytes; " } ?? "")
                                         + "--max-request-bytes is \(maxBytes))"))
    }

    private func info() -> String {
        let loaded = tagger.current
        var s = "{\"version\": \(WasimJSON.quote(wasimVersion))"
        s += ", \"data\": " + (tagger.dataDirectory.map(WasimJSON.quote) ?? "null")
        s += ", \"stages\": [" + loaded.pipeline.stages.map { WasimJSON.quote($0.name) }.joined(separator: ", ") + "]"
        if let g = loaded.gazetteer {
            s += ", \"lists\": {\"entries\": \(g.entryCount), \"files\": ["
                + g.files.map { WasimJSON.quote($0.name) }.joined(separator: ", ") + "]}"
        } else {
            s += ", \"lists\": null"
        }
        s += ", \"rules\": {\"count\": \(loaded.ruleCount), \"files\": ["
            + loaded.ruleFiles.map(WasimJSON.quote).joined(separator: ", ") + "]}"
        s += ", \"model\": " + (model().map(WasimJSON.quote) ?? "null")
        s += ", \"loaded\": \(WasimJSON.quote(loaded.loadedAt.ISO8601Format()))"
        s += ", \"watch\": \(watch)"
        if let error = tagger.error {
            s += ", \"error\": {\"message\": \(WasimJSON.quote(error.message)), \"at\": \(WasimJSON.quote(error.at.ISO8601Format()))}"
        } else {
            s += ", \"error\": null"
        }
        return s + "}\n"
    }

    /// The learned model file in use, if the data has one.
    private func model() -> String? {
        guard let data = tagger.dataDirectory,
              let names = try? FileManager.default.contentsOfDirectory(atPath: data + "/Models") else { return nil }
        return names.filter { $0.hasSuffix(".model") }.sorted().first.map { "Models/" + $0 }
    }
}

func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
    Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
             body: .init(byteBuffer: ByteBuffer(string: body)))
}

func errorBody(_ message: String) -> String { "{\"error\": \(WasimJSON.quote(message))}\n" }
