// swift-tools-version:6.0
import PackageDescription

// The layers, bottom up: CWasimICU (ICU behind a plain C header) → Wasim (the tagger: document,
// stages, pipeline, lists, rules) → WasimEvaluation (gold, scoring, reports) and WasimBatch
// (inputs, outputs, formats, the parallel runner) → the `wasim` and `wasim-bench` executables.
// A library target never exits the process or writes to the terminal: it throws or takes an
// output, and the executables decide.
let package = Package(
    name: "Wasim",
    products: [
        .library(name: "Wasim", targets: ["Wasim"]),
        .library(name: "WasimEvaluation", targets: ["WasimEvaluation"]),
        .library(name: "WasimBatch", targets: ["WasimBatch"]),
        .executable(name: "wasim", targets: ["WasimCLI"]),
        .executable(name: "wasim-bench", targets: ["WasimBench"]),
        .executable(name: "wasim-icu-floor", targets: ["WasimICUFloor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        // The system ICU (Debian's libicu-dev). Only the C wrapper below includes its headers:
        // a Swift module that sees both Foundation and ICU's C types does not compile.
        .systemLibrary(
            name: "CICU",
            path: "Sources/CICU",
            pkgConfig: "icu-i18n",
            providers: [.apt(["libicu-dev", "pkg-config"])]
        ),
        // Opaque handles and plain integer types only; no ICU type crosses this header.
        .target(name: "CWasimICU", dependencies: ["CICU"], path: "Sources/CWasimICU"),
        .target(name: "Wasim", dependencies: ["CWasimICU"], path: "Sources/Wasim"),
        .target(name: "WasimEvaluation", dependencies: ["Wasim"], path: "Sources/WasimEvaluation"),
        .target(name: "WasimBatch", dependencies: ["Wasim"], path: "Sources/WasimBatch"),
        // `wasim serve`: the HTTP service and its page, on Hummingbird.
        .target(
            name: "WasimServer",
            dependencies: [
                "Wasim",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/WasimServer"
        ),
        .executableTarget(
            name: "WasimCLI",
            dependencies: ["Wasim", "WasimEvaluation", "WasimBatch", "WasimServer",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/WasimCLI"
        ),
        // The bench reaches ICU's break iterator through the wrapper to measure the floor.
        .executableTarget(name: "WasimBench", dependencies: ["Wasim", "WasimBatch", "CWasimICU"], path: "Sources/WasimBench",
                          exclude: ["spacy_baseline.py"]),
        // The plain C program whole-process speed is compared with (see Sources/WasimICUFloor/main.c).
        .executableTarget(name: "WasimICUFloor", dependencies: ["CICU"], path: "Sources/WasimICUFloor"),
        // Finding the built `wasim` and running it as a process, for the three test targets.
        .target(name: "WasimTestSupport", path: "Tests/WasimTestSupport"),
        .testTarget(name: "WasimTests", dependencies: ["Wasim", "WasimEvaluation", "WasimBatch", "WasimTestSupport"], path: "Tests/WasimTests"),
        .testTarget(name: "WasimServerTests", dependencies: ["Wasim", "WasimServer", "WasimTestSupport"], path: "Tests/WasimServerTests"),
        // Runs the built `wasim` binary as a user would (it needs `swift build` to have made it,
        // which `swift test` does).
        .testTarget(name: "WasimCLITests", dependencies: ["WasimTestSupport"], path: "Tests/WasimCLITests"),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer harnesses, only when asked for: they call libFuzzer's driver, so they link only
// with the sanitizer flags of `.ci/fuzz` (README, "Fuzzing").
if Context.environment["WASIM_FUZZ"] == "1" {
    package.targets.append(.target(name: "WasimFuzzSupport", path: "Sources/WasimFuzzSupport"))
    for name in ["Pipeline", "Rules", "Gazetteer", "Gold"] {
        package.targets.append(.executableTarget(name: "WasimFuzz" + name, dependencies: ["Wasim", "WasimEvaluation", "WasimFuzzSupport"],
                                                 path: "Sources/WasimFuzz" + name))
    }
}
