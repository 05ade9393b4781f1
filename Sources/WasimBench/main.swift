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

func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

let full = try Wasim.pipeline()
// A first pass warms the page cache and the lists, so both timed runs read from memory.
_ = measure("warm-up (full pipeline)", full, jobs: 2)
measure("segmentation+normalization", try Pipeline.tokenizer(), jobs: 1)
let one = measure("full pipeline", full, jobs: 1)
let two = measure("full pipeline", full, jobs: 2)
print(String(format: "speed-up with 2 jobs: %.2f×", one.seconds / two.seconds))

// The learned labeller: the same run without it, and the model's load time.
var withoutModelOptions = PipelineOptions()
withoutModelOptions.useModel = false
let (model, modelSeconds) = try timed { try Wasim.loadModel(PipelineOptions()) }
if let model {
    print(String(format: "model %@: %d features, loaded in %.3f s", model.name, model.featureCount, modelSeconds))
    let without = measure("full pipeline without the model", try Wasim.pipeline(withoutModelOptions), jobs: 1)
    let with = measure("full pipeline with the model", full, jobs: 1)
    print(String(format: "throughput with the model: %.1f%% of without (%.0f ns/token more)",
                 100 * with.tokensPerSecond / without.tokensPerSecond,
                 (with.seconds - without.seconds) / Double(max(with.tokens, 1)) * 1e9))
}

// Gazetteers: load time and memory of the shipped lists and of a million synthetic entries,
// and matching speed with each (the same corpus; matching should not slow down with size).
func residentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
    return 0
}


let dataDirectory = try Wasim.dataDirectory()
let before = residentMegabytes()
let (shipped, shippedSeconds) = try timed { try Gazetteer.load(directory: dataDirectory + "/Gazetteers") }
print(String(format: "shipped lists: %d entries, loaded in %.3f s, +%.0f MB resident", shipped.entryCount, shippedSeconds,
             residentMegabytes() - before))

// A million entries of one to three pseudo-words over the Arabic alphabet, each word starting
// with ظظ so that they never collide with real words: the shipped lists plus these should tag
// the corpus exactly as the shipped lists alone, at the same speed.
let letters = Array("ابتثجحخدذرزسشصضطظعغفقكلمنهوي".unicodeScalars)
var rng = UInt64(0x9E37_79B9_7F4A_7C15)
func nextRandom() -> UInt64 { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng }
var tsv = "# synthetic\n"
tsv.reserveCapacity(40_000_000)
for i in 0..<1_000_000 {
    let words = Int(nextRandom() % 3) + 1
    for w in 0..<words {
        if w > 0 { tsv += " " }
        tsv += "ظظ"
        for _ in 0..<(Int(nextRandom() % 5) + 3) { tsv.unicodeScalars.append(letters[Int(nextRandom() % UInt64(letters.count))]) }
    }
    tsv += i % 3 == 0 ? "\tPER\n" : i % 3 == 1 ? "\tORG\n" : "\tLOC\n"
}
let synthetic = NSTemporaryDirectory() + "wasim-bench-1M.tsv"
try tsv.write(toFile: synthetic, atomically: true, encoding: .utf8)
tsv = ""
let beforeBig = residentMegabytes()
resetPeakRSS()
let (big, bigSeconds) = try timed { () throws -> Gazetteer in
    var b = GazetteerBuilder()
    try b.load(path: synthetic, name: "synthetic.tsv")
    return b.build()
}
print(String(format: "1M synthetic entries: %d entries, built in %.3f s, +%.0f MB resident (peak %.0f MB)", big.entryCount, bigSeconds,
             residentMegabytes() - beforeBig, peakRSSMegabytes()))
let combined = try Gazetteer.load(directory: dataDirectory + "/Gazetteers", extraFiles: [synthetic])
let matchOnly = { (g: Gazetteer) in try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g), ConflictResolution()]) }
let small = measure("segmentation+normalization+gazetteer (shipped lists)", try matchOnly(shipped), jobs: 1)
let large = measure("segmentation+normalization+gazetteer (shipped lists + 1M synthetic entries)", try matchOnly(combined), jobs: 1)
print(String(format: "gazetteer matching with 1M more entries: %.2f× the time", large.seconds / small.seconds))
try? FileManager.default.removeItem(atPath: synthetic)

// Rules: the time each rule takes over the corpus, so a rule author sees which rule is slow.
do {
    let options = PipelineOptions()
    let gazetteer = try Wasim.loadGazetteer(options)
    let rules = try Wasim.loadRules(options, gazetteer: gazetteer)
    let prepare = try Pipeline([Segmentation(), Normalization(), GazetteerMatching(gazetteer)])
    var documents: [Document] = []
    for item in InputWalker.items([folder]).prefix(3000) {
        guard let path = item.path, let data = FileManager.default.contents(atPath: path),
              let d = try? TextDecoder.document(from: [UInt8](data)) else { continue }
        documents.append(try prepare.run(d))
    }
    let tokens = documents.reduce(0) { $0 + $1.tokens.count }
    // What a rule stage costs before any rule runs (indexing the lookups), taken off each rule.
    let empty = RuleMatching(RuleSet(rules: []), gazetteer: gazetteer)
    let (_, base) = try timed { for d in documents { d.candidates.removeAll(); try empty.process(d) } }
    var times: [(String, Double)] = []
    for rule in rules.rules {
        let stage = RuleMatching(RuleSet(rules: [rule]), gazetteer: gazetteer)
        let (_, seconds) = try timed { for d in documents { d.candidates.removeAll(); try stage.process(d) } }
        times.append((rule.name, max(0, seconds - base)))
    }
    let all = RuleMatching(rules, gazetteer: gazetteer)
    let (_, together) = try timed { for d in documents { d.candidates.removeAll(); try all.process(d) } }
    print(String(format: "rules together: %.0f ns/token (stage overhead without rules %.0f ns/token)",
                 together / Double(tokens) * 1e9, base / Double(tokens) * 1e9))
    let total = times.reduce(0) { $0 + $1.1 }
    print(String(format: "rules: %d rules over %d tokens, %.0f ns/token in all; slowest:", rules.rules.count, tokens, total / Double(tokens) * 1e9))
    for (name, seconds) in times.sorted(by: { $0.1 > $1.1 }).prefix(6) {
        print(String(format: "  %-36@ %5.1f ns/token", name as NSString, seconds / Double(tokens) * 1e9))
    }
}

// Stages: the time each stage of the default pipeline takes per token, on the same articles.
do {
    let pipeline = try Wasim.pipeline()
    var inputs: [[UInt8]] = []
    for item in InputWalker.items([folder]).prefix(3000) {
        if let path = item.path, let data = FileManager.default.contents(atPath: path) { inputs.append([UInt8](data)) }
    }
    var seconds = [Double](repeating: 0, count: pipeline.stages.count)
    var tokens = 0
    for data in inputs {
        guard let d = try? TextDecoder.document(from: data) else { continue }
        for (k, stage) in pipeline.stages.enumerated() {
            let (_, s) = try timed { try stage.process(d) }
            seconds[k] += s
        }
        tokens += d.tokens.count
    }
    print(String(format: "stages over %d tokens (ns/token): ", tokens)
          + zip(pipeline.stages, seconds).map { String(format: "%@ %.0f", $0.name, $1 / Double(tokens) * 1e9) }.joined(separator: ", "))
}
