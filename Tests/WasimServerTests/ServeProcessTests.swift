// The `wasim serve` process: it prints its port, logs one line per request, and on SIGTERM
// finishes the request in flight before it exits 0.
import Foundation
import Testing
import WasimTestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct ServeProcessTests {
    @Test func sigtermFinishesTheRequestInFlight() throws {
        let binary = try #require(wasimExecutable(), "no wasim beside the test binary: run `swift build` first")
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("wasim-serve-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0"]
        process.standardError = FileHandle(forWritingAtPath: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }

        // Wait (bounded) for "listening on http://127.0.0.1:PORT/".
        var port: Int?
        for _ in 0..<1200 where port == nil {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let r = text.range(of: #"listening on http://127\.0\.0\.1:\d+/"#, options: .regularExpression) {
                port = Int(text[r].split(separator: ":").last!.dropLast())
            } else if !process.isRunning {
                break
            } else {
                usleep(50_000)
            }
        }
        let bound = try #require(port, "the server did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")

        // A request whose body is half sent when SIGTERM arrives.
        let body = Array("زار الوفد القاهرة".utf8)
        let fd = try HTTP.connect(port: bound)
        defer { close(fd) }
        let head = Array("POST /v1/tag HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
        let first = head + body[0..<10]
        _ = first.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        usleep(300_000)
        kill(process.processIdentifier, SIGTERM)
        usleep(300_000)
        let rest = Array(body[10...])
        _ = rest.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        let reply = try HTTP.parse(HTTP.receiveAll(fd))
        #expect(reply.status == 200)
        #expect(reply.body.hasPrefix("{\"entities\": [{\"type\": \"LOC\", \"start\": 10, \"end\": 17, \"text\": \"القاهرة\""))

        for _ in 0..<600 where process.isRunning { usleep(50_000) }
        #expect(!process.isRunning, "still running 30 s after SIGTERM")
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        let lines = try String(contentsOfFile: log, encoding: .utf8).components(separatedBy: "\n")
        let requests = lines.filter { $0.contains(" POST /v1/tag ") }
        #expect(requests.count == 1)
        #expect(requests.first?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ POST /v1/tag 200 \d+B \d+\.\d\dms$"#, options: .regularExpression) != nil)
        #expect(lines.contains("wasim serve: stopped"))
    }
}
