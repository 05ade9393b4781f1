import Foundation
import Testing

// What several test files share: where the repository and ../shared are, and running the CLI.

/// The repository's root, from this file's path (…/Tests/WasimTests/TestSupport.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// ../shared holds corpora that are never copied into the repository; a fresh clone elsewhere
/// does not have it, and the tests that read it are skipped.
let sharedDirectory = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared").path
let anercorpTest = sharedDirectory + "/corpora/anercorp/test.txt"

/// The built `wasim` executable: in the build products folder, next to the test bundle.
func wasimExecutable() -> String? {
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

struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

func runCLI(_ arguments: [String], stdin: String? = nil, cwd: String) throws -> CLIResult {
    let exe = try #require(wasimExecutable(), "the wasim executable is not next to the test bundle: run `swift build` first")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = arguments
    p.currentDirectoryURL = URL(fileURLWithPath: cwd)
    // Output to files, not pipes: a pipe that nobody reads would block the child.
    let outPath = NSTemporaryDirectory() + "wasim-cli-" + UUID().uuidString
    _ = FileManager.default.createFile(atPath: outPath + ".out", contents: nil)
    _ = FileManager.default.createFile(atPath: outPath + ".err", contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: outPath + ".out")
        try? FileManager.default.removeItem(atPath: outPath + ".err")
    }
    let input = Pipe()
    p.standardOutput = FileHandle(forWritingAtPath: outPath + ".out")
    p.standardError = FileHandle(forWritingAtPath: outPath + ".err")
    p.standardInput = input
    try p.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    p.waitUntilExit()
    return CLIResult(status: p.terminationStatus,
                     stdout: try String(contentsOfFile: outPath + ".out", encoding: .utf8),
                     stderr: try String(contentsOfFile: outPath + ".err", encoding: .utf8))
}

