// `wasim serve`: the pipeline behind HTTP, loaded once and shared by every connection. Requests
// are tagged on the thread that reads them: a 2 KB article takes well under a millisecond, less
// than handing it to another thread would cost.
import Foundation
import Synchronization
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Wasim
#if canImport(Glibc)
import Glibc
#endif

public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (reported through `onListening`).
    public var port = 8080
    public var maxRequestBytes = 1_048_576
    public var pipeline = PipelineOptions()
    /// Reload the rules and lists when their files change.
    public var watch = false
    /// How often `watch` looks at the files.
    public var watchInterval: Duration = .seconds(1)
    /// Log one line per request on standard error.
    public var log = true

    public init() {}
}

public enum WasimServer {
    /// Loads the pipeline, then serves until SIGTERM or SIGINT, finishing the requests in
    /// flight first. `onListening` gets the port actually bound.
    public static func run(_ options: ServerOptions, stop: StopSignal? = nil,
                           onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let tagger = try Tagger(options: options.pipeline)
        let app = application(options, tagger: tagger, onListening: onListening)
        var groupLogger = Logger(label: "wasim-serve")
        groupLogger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: groupLogger))
        stop?.attach(group)
        let watcher = options.watch ? Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: options.watchInterval)
                if let line = tagger.reloadIfChanged() { logLine("wasim serve: " + line) }
            }
        } : nil
        defer { watcher?.cancel() }
        try await group.run()
    }

    static func application(_ options: ServerOptions, tagger: Tagger,
                            onListening: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = Router()
        if options.log { router.add(middleware: RequestLog()) }
        Routes(tagger: tagger, maxBytes: options.maxRequestBytes, watch: options.watch).add(to: router)
        var logger = Logger(label: "wasim-serve")
        logger.logLevel = .warning
        return Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "wasim/\(wasimVersion)"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? options.port) },
            logger: logger
        )
    }
}

/// Stops a server as SIGTERM does (finishing the requests in flight), from the program that
/// started it.
public final class StopSignal: Sendable {
    private let group = Mutex<ServiceGroup?>(nil)
    private let requested = Mutex(false)
    public init() {}

    func attach(_ serviceGroup: ServiceGroup) {
        group.withLock { $0 = serviceGroup }
        if requested.withLock({ $0 }) { Task { await serviceGroup.triggerGracefulShutdown() } }
    }

    public func stop() async {
        requested.withLock { $0 = true }
        if let g = group.withLock({ $0 }) { await g.triggerGracefulShutdown() }
    }
}

/// One write(2) per line, so that lines from several threads never interleave.
func logLine(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

/// `2026-11-30T07:01:02Z POST /v1/tag 200 1834B 0.41ms`
struct RequestLog<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func log(_ status: Int, _ bytes: Int?) {
            let elapsed = ContinuousClock.now - start
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            let size = bytes.map { "\($0)B" } ?? "-"
            logLine("\(Date().ISO8601Format()) \(request.method) \(request.uri.path) \(status) \(size) \(String(format: "%.2f", ms))ms")
        }
        do {
            let response = try await next(request, context)
            log(response.status.code, response.body.contentLength)
            return response
        } catch let error as HTTPResponseError {
            log(error.status.code, nil)
            throw error
        } catch {
            log(500, nil)
            throw error
        }
    }
}
