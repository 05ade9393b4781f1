// Throughput of the batch engine on a folder of articles, end to end (walk, read, decode,
// full default pipeline, JSON Lines formatting), with the same engine as `wasim tag`. Run in
// release:
//   swift build -c release && .build/release/wasim-bench ../shared/corpora/ant-news
import Foundation
import Wasim

/// Peak resident memory since the last reset (VmHWM).
func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kb / 1024
    }
    return 0
}

/// Writing 5 to clear_refs resets VmHWM, so each run reports its own peak.
func resetPeakRSS() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

let args = Array(CommandLine.arguments.dropFirst())
guard let folder = args.first else {
    print("usage: wasim-bench FOLDER")
    exit(2)
}

@discardableResult
func measure(_ label: String, _ pipeline: Pipeline, jobs: Int) -> BatchSummary {
    var options = BatchOptions()
    options.jobs = jobs
    let items = InputWalker.items([folder])
    let output = DiscardingOutput()
    resetPeakRSS()
    let s = BatchRunner(pipeline: pipeline, options: options).run(ListSource(items), output: output, log: DiscardingOutput())
    let entities = EntityType.builtIn.map { "\($0.rawValue) \(s.entities[$0.rawValue] ?? 0)" }.joined(separator: ", ")
    print(String(format: "%@, %d job%@: %d documents (%d failed), %d tokens, %d entities (%@), %.2f s, %.1f MB/s, %.2fM tokens/s, output %.1f MB, peak RSS %.0f MB",
                 label, jobs, jobs == 1 ? "" : "s", s.files, s.failed, s.tokens, s.entityCount, entities, s.seconds,
                 Double(s.bytes) / s.seconds / 1e6, s.tokensPerSecond / 1e6, Double(output.bytes) / 1e6, peakRSSMegabytes()))
    return s
}

let full = try Wasim.pipeline()
// A first pass warms the page cache and the lists, so both timed runs read from memory.
_ = measure("warm-up (full pipeline)", full, jobs: 2)
measure("segmentation+normalization", try Pipeline.tokenizer(), jobs: 1)
let one = measure("full pipeline", full, jobs: 1)
let two = measure("full pipeline", full, jobs: 2)
print(String(format: "speed-up with 2 jobs: %.2f×", one.seconds / two.seconds))
