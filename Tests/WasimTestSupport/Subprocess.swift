// What the three test targets share: finding the built `wasim` and running a program as a user
// would, as a separate process with its exit status and its two outputs apart.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `wasim` that `swift build` / `swift test` put beside the test binary.
public func wasimExecutable() -> String? {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    // On Linux the test binary is …/debug/WasimPackageTests.xctest; elsewhere it sits deeper in a bundle.
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("wasim").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return nil
}

/// A finished process.
public struct Finished: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs `executable` with `arguments`, killing it after `timeout` seconds.
public func runProcess(_ executable: String, _ arguments: [String], stdin: String? = nil, in directory: String? = nil,
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
                    stdout: try String(contentsOfFile: base + ".out", encoding: .utf8),
                    stderr: try String(contentsOfFile: base + ".err", encoding: .utf8))
}
