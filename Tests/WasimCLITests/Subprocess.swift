// Runs the built `wasim` as a user would: a separate process, its exit status, its standard
// output and standard error apart.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

struct Finished {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    /// The `wasim` that `swift build` / `swift test` put beside this test binary.
    static var binary: String? {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // Inside an .xctest bundle on some platforms the binary sits deeper.
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("wasim").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// The checkout: this file is Tests/WasimCLITests/Subprocess.swift in it.
    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs `executable` with `arguments`, killing it after `timeout` seconds.
    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil, in directory: String? = nil,
                    environment: [String: String]? = nil, timeout: Double = 300) throws -> Finished {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { process.environment = environment }
        // Output to files, not pipes: a pipe that nobody reads would block the child.
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("wasim-run-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let input = Pipe()
        process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        process.standardError = FileHandle(forWritingAtPath: base + ".err")
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Bounded: a hung child is killed, and the test fails on its status.
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return Finished(status: process.terminationStatus,
                        stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                        stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }

    /// Runs the built `wasim`; nil (and the test says why) when it has not been built.
    static func run(_ arguments: [String], stdin: String? = nil, in directory: String? = nil,
                    environment: [String: String]? = nil) throws -> Finished {
        guard let binary else {
            Issue.record("no wasim binary beside the test binary: run `swift build` first")
            return Finished(status: -1, stdout: "", stderr: "")
        }
        return try run(binary, arguments, stdin: stdin, in: directory, environment: environment)
    }

    static func temporaryDirectory(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wasim-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The environment without WASIM_DATA, so that the data search itself is what is tested.
    static var cleanEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["WASIM_DATA"] = nil
        return env
    }
}
