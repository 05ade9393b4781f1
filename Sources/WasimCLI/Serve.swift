import ArgumentParser
import Foundation
import WasimServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the tagger over HTTP, with a page to try it in a browser.",
        discussion: """
            Endpoints (JSON in, JSON out; errors are {"error": "…"}):
              POST /v1/tag      plain UTF-8 text, or with Content-Type: application/json
                                {"text": "…", "id": "…"}; answers the record `wasim tag` writes
              POST /v1/explain  the same input; answers what `wasim explain` prints, as JSON
              GET  /v1/health   {"status": "ok"}
              GET  /v1/info     version, data folder, stages, lists, rules, model, reload error
              GET  /            a page: paste Arabic text, see the entities, click one for its source
            A body over --max-request-bytes gets 413; invalid UTF-8 or JSON gets 400.
            The pipeline is loaded once and shared by every core. One log line per request goes
            to standard error. SIGTERM or SIGINT stops it after the requests in flight.

            With --watch, a change to a --rules or --gazetteer file (or to the built-in rules
            and lists) reloads them; if they fail to load, the rules loaded before stay in use
            and the error shows on /v1/info and the page.

            Examples:
              wasim serve
              wasim serve --rules my.rules --watch        then edit my.rules, reload the page
              curl -s --data-binary @article.txt localhost:8080/v1/tag
              curl -s -H 'Content-Type: application/json' -d '{"id": "a1", "text": "زار الوفد القاهرة"}' localhost:8080/v1/tag
            """
    )

    @Option(help: ArgumentHelp("Address to listen on (0.0.0.0 for every interface).", valueName: "address"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("Port to listen on (0: any free port, printed at start).", valueName: "n"))
    var port = 8080

    @Option(parsing: .unconditional, help: ArgumentHelp("Largest request body accepted; a larger one gets 413.", valueName: "bytes"))
    var maxRequestBytes = 1_048_576

    @Flag(help: "Reload the rules and lists when their files change.")
    var watch = false

    @Flag(help: "No log line per request.")
    var quiet = false

    @OptionGroup var pipelineArguments: PipelineArguments

    func validate() throws {
        if maxRequestBytes < 1 { throw ValidationError("--max-request-bytes must be 1 or more (got \(maxRequestBytes))") }
        if !(0...65535).contains(port) { throw ValidationError("--port must be 0 to 65535 (got \(port))") }
    }

    func run() async throws {
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.maxRequestBytes = maxRequestBytes
        options.pipeline = pipelineArguments.options()
        options.watch = watch
        options.log = !quiet
        let host = self.host
        try await WasimServer.run(options) { port in
            printError("wasim serve: listening on http://\(host):\(port)/")
        }
        printError("wasim serve: stopped")
    }
}
