// Runs the built `wasim` as a user would: a separate process, its exit status, its standard
// output and standard error apart.
import Foundation
import Testing
import WasimTestSupport

enum CLI {
    static var binary: String? { wasimExecutable() }

    /// The checkout: this file is Tests/WasimCLITests/Subprocess.swift in it.
    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs the built `wasim`; nil (and the test says why) when it has not been built.
    static func run(_ arguments: [String], stdin: String? = nil, in directory: String? = nil,
                    environment: [String: String]? = nil) throws -> Finished {
        guard let binary else {
            Issue.record("no wasim binary beside the test binary: run `swift build` first")
            return Finished(status: -1, stdout: "", stderr: "")
        }
        return try runProcess(binary, arguments, stdin: stdin, in: directory, environment: environment)
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
