// What every harness shares: libFuzzer's driver, started from the harness's own `main`.
// SwiftPM links an executable with `main` defined as the module's entry point, so the harness
// cannot use libFuzzer's `main`; it calls the driver behind it instead.
import Foundation

public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>, Int) -> Int32

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                                 _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                                 _ callback: FuzzCallback) -> Int32

/// Runs libFuzzer with the process's arguments (corpus folders, -max_total_time=…) and exits.
public func runFuzzer(_ callback: FuzzCallback) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}

/// The repository's data (Gazetteers/, Models/): $WASIM_DATA, else the checkout this file is in.
public func fuzzDataDirectory() -> String {
    ProcessInfo.processInfo.environment["WASIM_DATA"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}
