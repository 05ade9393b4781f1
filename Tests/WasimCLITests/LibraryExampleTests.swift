// The README's library example, built and run as written: its Package.swift and main.swift in a
// folder beside a checkout named `wasim`, outside this checkout.
import Foundation
import Testing
import WasimTestSupport

@Suite struct LibraryExampleTests {
    /// The README's fenced blocks, in order.
    static func readmeBlocks() throws -> [String] {
        let readme = try String(contentsOfFile: CLI.checkout + "/README.md", encoding: .utf8)
        var blocks: [String] = [], current: [String]? = nil
        for line in readme.components(separatedBy: "\n") {
            if line.hasPrefix("```") {
                if let c = current { blocks.append(c.joined(separator: "\n") + "\n"); current = nil } else { current = [] }
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["WASIM_SKIP_EXAMPLE"] == nil,
                   "WASIM_SKIP_EXAMPLE is set: the README's library example is not built"))
    func readmeLibraryExampleRunsAsWritten() throws {
        let blocks = try Self.readmeBlocks()
        let manifest = try #require(blocks.first { $0.hasPrefix("// swift-tools-version") && $0.contains("hello-wasim") })
        let main = try #require(blocks.first { $0.hasPrefix("// Sources/hello-wasim/main.swift") })
        let transcript = try #require(blocks.first { $0.hasPrefix("$ swift run hello-wasim\n") })
        let expected = transcript.components(separatedBy: "\n").dropFirst().filter { !$0.isEmpty }

        let root = try CLI.temporaryDirectory("library")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createSymbolicLink(atPath: root + "/wasim", withDestinationPath: CLI.checkout)
        try FileManager.default.createDirectory(atPath: root + "/hello-wasim/Sources/hello-wasim", withIntermediateDirectories: true)
        try manifest.write(toFile: root + "/hello-wasim/Package.swift", atomically: true, encoding: .utf8)
        try main.write(toFile: root + "/hello-wasim/Sources/hello-wasim/main.swift", atomically: true, encoding: .utf8)

        let run = try runProcess("/usr/bin/env", ["swift", "run", "hello-wasim"], in: root + "/hello-wasim",
                              environment: CLI.cleanEnvironment, timeout: 900)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.components(separatedBy: "\n").filter { !$0.isEmpty } == Array(expected))

        // The data folder passed explicitly, and a wrong one.
        let binary = root + "/hello-wasim/.build/debug/hello-wasim"
        let explicit = try runProcess(binary, [CLI.checkout], in: root, environment: CLI.cleanEnvironment)
        #expect(explicit.stdout.components(separatedBy: "\n").filter { !$0.isEmpty } == Array(expected))
        let wrong = try runProcess(binary, [root], in: root, environment: CLI.cleanEnvironment)
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("\(root): no Gazetteers/ and Models/ folders there"))
    }
}
