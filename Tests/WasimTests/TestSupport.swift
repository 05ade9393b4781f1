import Foundation
import Testing
import WasimTestSupport

// What several test files share: where the repository and ../shared are, and running the CLI.

/// The repository's root, from this file's path (…/Tests/WasimTests/TestSupport.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// ../shared holds corpora that are never copied into the repository; a fresh clone elsewhere
/// does not have it, and the tests that read it are skipped.
let sharedDirectory = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared").path
let anercorpTest = sharedDirectory + "/corpora/anercorp/test.txt"

typealias CLIResult = Finished

func runCLI(_ arguments: [String], stdin: String? = nil, cwd: String) throws -> CLIResult {
    let exe = try #require(wasimExecutable(), "the wasim executable is not next to the test bundle: run `swift build` first")
    return try runProcess(exe, arguments, stdin: stdin, in: cwd)
}

