// Throughput of the batch engine on a folder of articles, end to end (walk, read, decode,
// pipeline, JSON Lines formatting), with the same engine as `wasim tag`, measured against the
// floor: ICU's word break iterator alone over the same documents. Run in release:
//   swift build -c release && .build/release/wasim-bench ../shared/corpora/ant-news
//   .build/release/wasim-bench --stages segmentation,normalization --quick ../shared/corpora/ant-news
// Shared machines are noisy: compare figures from one run, never across runs. Every timed run
// prints its CPU time beside the wall time; under load the CPU time is the steadier of the two.
import CWasimICU
import Foundation
import Wasim
import WasimBatch

struct Arguments {
    var folder = ""
    /// Names of default-pipeline stages to run (in pipeline order); nil runs them all.
    var stages: [String]? = nil
    /// Skip the list-scaling and per-rule measurements.
    var quick = false
    var listEntries = 1_000_000

    static let usage = """
        usage: wasim-bench [--stages NAME,NAME…] [--quick] [--list-entries N] FOLDER
          --stages        run only these stages of the default pipeline (e.g. segmentation,normalization),
                          so that one stage can be profiled on its own (valgrind --tool=callgrind)
          --quick         skip the big-list and per-rule measurements
          --list-entries  entries in the generated big list (default 1000000)
        """

    static func parse(_ args: [String]) -> Arguments {
        var a = Arguments()
        var i = 0
        func fail(_ message: String) -> Never {
            FileHandle.standardError.write(Data("wasim-bench: \(message)\n\(usage)\n".utf8))
            exit(2)
        }
        while i < args.count {
            switch args[i] {
            case "--stages":
                guard i + 1 < args.count else { fail("--stages needs a list of stage names") }
                a.stages = args[i + 1].split(separator: ",").map { String($0) }
                i += 2
            case "--quick":
                a.quick = true
                i += 1
            case "--list-entries":
                guard i + 1 < args.count, let n = Int(args[i + 1]), n > 0 else { fail("--list-entries needs a positive number") }
                a.listEntries = n
                i += 2
            case "-h", "--help":
                print(usage)
                exit(0)
            default:
                if args[i].hasPrefix("-") { fail("unknown option \(args[i])") }
                guard a.folder.isEmpty else { fail("one folder only") }
                a.folder = args[i]
                i += 1
            }
        }
        if a.folder.isEmpty { fail("no folder given") }
        return a
    }
}

// MARK: - Measuring

/// Peak resident memory since the last reset (VmHWM), and the current one (VmRSS).
func memoryMegabytes(_ field: String) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
    return 0
}
func peakRSSMegabytes() -> Double { memoryMegabytes("VmHWM") }
func residentMegabytes() -> Double { memoryMegabytes("VmRSS") }

/// Writing 5 to clear_refs resets VmHWM, so each run reports its own peak.
func resetPeakRSS() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// CPU time of the process (user + system), in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return s(usage.ru_utime) + s(usage.ru_stime)
}

/// Runs `path` with `arguments` as a child process, its output discarded, and returns its
/// wall time and its own peak resident memory (wait4's rusage: the child alone, not the bench).
func runChild(_ path: String, _ arguments: [String]) -> (seconds: Double, peakMegabytes: Double, status: Int32)? {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid = pid_t()
    let start = DispatchTime.now().uptimeNanoseconds
    guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { return nil }
    var status: Int32 = 0
    var usage = rusage()
    guard wait4(pid, &status, 0, &usage) == pid else { return nil }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return (seconds, Double(usage.ru_maxrss) / 1024, (status >> 8) & 0xff)
}

func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

let arguments = Arguments.parse(Array(CommandLine.arguments.dropFirst()))
let folder = arguments.folder

/// The default pipeline, or the stages of it that `--stages` names.
func selectedPipeline() throws -> Pipeline {
    let full = try DefaultPipeline.make()
    guard let names = arguments.stages else { return full }
    let known = full.stages.map(\.name)
    for n in names where !known.contains(n) {
        FileHandle.standardError.write(Data("wasim-bench: no stage named '\(n)' (stages: \(known.joined(separator: ", ")))\n".utf8))
        exit(2)
    }
    return try Pipeline(full.stages.filter { names.contains($0.name) })
}

struct Run {
    var summary: BatchSummary
    var cpu: Double
}

@discardableResult
func measure(_ label: String, _ pipeline: Pipeline, jobs: Int, floor: Double? = nil) throws -> Run {
    var options = BatchOptions()
    options.jobs = jobs
    let items = InputWalker.items([folder])
    let output = DiscardingOutput()
    resetPeakRSS()
    let cpu0 = cpuSeconds()
    let s = try BatchRunner(pipeline: pipeline, options: options).run(ListSource(items), output: output, log: DiscardingOutput())
    let cpu = cpuSeconds() - cpu0
    let entities = EntityType.builtIn.map { "\($0.rawValue) \(s.entities[$0.rawValue] ?? 0)" }.joined(separator: ", ")
    var line = String(format: "%@, %d job%@: %d documents (%d failed), %d tokens, %d entities (%@), %.2f s (CPU %.2f s), %.1f MB/s, %.2fM tokens/s, output %.1f MB, peak RSS %.0f MB",
                      label, jobs, jobs == 1 ? "" : "s", s.files, s.failed, s.tokens, s.entityCount, entities, s.seconds, cpu,
                      Double(s.bytes) / s.seconds / 1e6, s.tokensPerSecond / 1e6, Double(output.bytes) / 1e6, peakRSSMegabytes())
    if let floor { line += String(format: "; %.1f%% of the ICU floor", s.tokensPerSecond / floor * 100) }
    print(line)
    return Run(summary: s, cpu: cpu)
}

/// Every article's bytes, read once.
func readAll(limit: Int = Int.max) -> [[UInt8]] {
    var inputs: [[UInt8]] = []
    for item in InputWalker.items([folder]).prefix(limit) {
        if let path = item.path, let data = FileManager.default.contents(atPath: path) { inputs.append([UInt8](data)) }
    }
    return inputs
}

// MARK: - The floor: ICU's word break alone

/// Tokens per second of ICU's word break iterator over the documents (already in UTF-16), with no
/// token object made: what no segmentation built on ICU can beat.
func icuFloor(_ documents: [Document]) -> Double {
    var error: Int32 = 0
    guard let segmenter = wasim_segmenter_open("ar", &error) else {
        print("ICU floor: cannot open the break iterator (ICU error \(error))")
        return 0
    }
    defer { wasim_segmenter_close(segmenter) }
    var best = 0.0
    var tokens: Int64 = 0
    // The best of three: the floor is a property of ICU, not of the machine's load.
    for _ in 0..<3 {
        tokens = 0
        let (_, seconds) = timed {
            for d in documents {
                tokens += d.utf16.withUnsafeBufferPointer { wasim_segmenter_count_words(segmenter, $0.baseAddress!, Int32($0.count)) }
            }
        }
        best = max(best, Double(tokens) / seconds)
    }
    print(String(format: "ICU floor (word break iterator alone, in memory): %lld tokens, %.2fM tokens/s", tokens, best / 1e6))
    return best
}

// MARK: - A big list in a process of its own

/// The generated big list (see `realisticList`) and its compiled form beside it.
let bigListPath = NSTemporaryDirectory() + "wasim-bench-big-list.tsv"
let bigListCache = NSTemporaryDirectory() + ".wasim-bench-big-list.tsv.wasim-cache"

/// `wasim tag` of one article as a process of its own, as a user runs it: without the big list,
/// with it parsed (writing its compiled form), with it from its compiled form. Run first, while
/// the bench is small: the kernel counts a parent's peak memory at the spawn into its child's.
func wholeProcessWithBigList(data: String) throws {
    try realisticList(count: arguments.listEntries, data: data).write(toFile: bigListPath, atomically: true, encoding: .utf8)
    try? FileManager.default.removeItem(atPath: bigListCache)
    let wasim = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/wasim"
    guard FileManager.default.isExecutableFile(atPath: wasim), let article = InputWalker.items([folder]).first?.path else {
        print("wasim tag with the big list: skipped (build the wasim product beside wasim-bench)")
        return
    }
    resetPeakRSS()
    let plain = ["tag", "--quiet", "--jobs", "1", "--data", data, article]
    // A first run writes the shipped rules' compiled form if this binary has none yet.
    _ = runChild(wasim, plain)
    var parts: [String] = []
    for (label, args) in [("without it", plain), ("with it parsed", plain + ["--gazetteer", bigListPath]),
                          ("from its compiled form", plain + ["--gazetteer", bigListPath])] {
        guard let run = runChild(wasim, args), run.status == 0 else {
            print("wasim tag with the big list: \(wasim) failed (\(label))")
            return
        }
        parts.append(String(format: "%@ %.3f s, peak %.0f MB", label, run.seconds, run.peakMegabytes))
    }
    print(String(format: "wasim tag of one article with the big list (%d entries), whole process (the bench's own peak %.0f MB): ",
                 arguments.listEntries, peakRSSMegabytes()) + parts.joined(separator: "; "))
}
if !arguments.quick { try wholeProcessWithBigList(data: try DefaultPipeline.dataDirectory()) }

let inputs = readAll()
let documents = inputs.compactMap { try? DocumentDecoder.document(from: $0) }
let floor = icuFloor(documents)

let pipeline = try selectedPipeline()
print("stages: " + pipeline.stages.map(\.name).joined(separator: " → "))
// A first pass warms the page cache and the lists, so both timed runs read from memory.
_ = try measure("warm-up", pipeline, jobs: 2)
if arguments.stages == nil { try measure("segmentation+normalization", try Pipeline.tokenizer(), jobs: 1, floor: floor) }
let one = try measure(arguments.stages == nil ? "full pipeline" : "selected stages", pipeline, jobs: 1, floor: floor)
let two = try measure(arguments.stages == nil ? "full pipeline" : "selected stages", pipeline, jobs: 2)
print(String(format: "speed-up with 2 jobs: %.2f×", one.summary.seconds / two.summary.seconds))

// The learned labeller: the same run without it (same process, same articles), and its load time.
if arguments.stages == nil {
    var withoutModel = PipelineOptions()
    withoutModel.useModel = false
    let (model, modelSeconds) = try timed { try DefaultPipeline.loadModel(PipelineOptions()) }
    if let model {
        print(String(format: "model %@: %d features, loaded in %.3f s", model.name, model.featureCount, modelSeconds))
        // Both measured alike: the pipeline without the model is made here, so it gets a warm-up
        // pass of its own (the other has run three), then the two take turns, twice each, and the
        // faster run of each counts, as the machine is shared.
        let bare = try DefaultPipeline.make(withoutModel)
        _ = try measure("warm-up without the model", bare, jobs: 1)
        func faster(_ a: Run, _ b: Run) -> Run { b.summary.seconds < a.summary.seconds ? b : a }
        var without = try measure("full pipeline without the model", bare, jobs: 1)
        var with = try measure("full pipeline with the model", pipeline, jobs: 1)
        without = faster(without, try measure("full pipeline without the model", bare, jobs: 1))
        with = faster(with, try measure("full pipeline with the model", pipeline, jobs: 1))
        print(String(format: "throughput with the model: %.1f%% of without (%.0f ns/token more; the faster of two runs each)",
                     100 * with.summary.tokensPerSecond / without.summary.tokensPerSecond,
                     (with.summary.seconds - without.summary.seconds) / Double(max(with.summary.tokens, 1)) * 1e9))
    } else {
        print("no Models/wasim.model: the labeller is not measured")
    }
}

// Stages: the time each stage takes per token, on the same articles, in memory.
/// Each stage's seconds over the first 3,000 articles, article by article as the pipeline runs
/// them, and the tokens.
func stageSeconds(_ pipeline: Pipeline) throws -> (seconds: [Double], tokens: Int) {
    var seconds = [Double](repeating: 0, count: pipeline.stages.count)
    var tokens = 0
    for data in inputs.prefix(3000) {
        guard let d = try? DocumentDecoder.document(from: data) else { continue }
        for (k, stage) in pipeline.stages.enumerated() {
            let (_, s) = try timed { try stage.process(d) }
            seconds[k] += s
        }
        tokens += d.tokens.count
    }
    return (seconds, tokens)
}
do {
    let (seconds, tokens) = try stageSeconds(pipeline)
    let total = seconds.reduce(0, +)
    print(String(format: "stages over %d tokens (ns/token): ", tokens)
          + zip(pipeline.stages, seconds).map { String(format: "%@ %.0f", $0.name, $1 / Double(tokens) * 1e9) }.joined(separator: ", ")
          + String(format: "; all %.0f (%.2fM tokens/s, %.1f%% of the ICU floor)", total / Double(tokens) * 1e9,
                   Double(tokens) / total / 1e6, Double(tokens) / total / floor * 100))
    // The same without the model: what the model costs is its own stage and what the stages
    // after it (conflict resolution weighs its candidates) and around it (its tables evict
    // theirs from the processor's caches) take more, which the labeller's own figure leaves out.
    var withoutModel = PipelineOptions()
    withoutModel.useModel = false
    if arguments.stages == nil, pipeline.stages.contains(where: { $0.name == "labeller" }) {
        let bare = try DefaultPipeline.make(withoutModel)
        let (bareSeconds, _) = try stageSeconds(bare)
        let bareTotal = bareSeconds.reduce(0, +)
        print("stages without the model (ns/token): "
              + zip(bare.stages, bareSeconds).map { String(format: "%@ %.0f", $0.name, $1 / Double(tokens) * 1e9) }.joined(separator: ", ")
              + String(format: "; all %.0f", bareTotal / Double(tokens) * 1e9))
        let byName = Dictionary(uniqueKeysWithValues: zip(bare.stages.map(\.name), bareSeconds))
        let more = zip(pipeline.stages, seconds).map { ($0.name, $1 - (byName[$0.name] ?? 0)) }
        print(String(format: "what the model adds, by stage (ns/token): %.0f in all: ", (total - bareTotal) / Double(tokens) * 1e9)
              + more.map { String(format: "%@ %+.0f", $0.0, $0.1 / Double(tokens) * 1e9) }.joined(separator: ", "))
    }
}

if arguments.quick { exit(0) }

// MARK: - Big lists

/// A list of `count` realistic entries: people (given names, nasab particles, family names),
/// organizations (a designator and one to four words) and places (a site or place word and a
/// name), one to five words each, drawn from the shipped lists' own words so that they have the
/// shape of real entries; every entry has a canonical id. Deterministic.
func realisticList(count: Int, data: String) throws -> String {
    func words(_ file: String, type: String? = nil) throws -> [String] {
        let text = try String(contentsOfFile: data + "/Gazetteers/" + file, encoding: .utf8)
        var out: [String] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t")
            guard fields.count >= 2, type == nil || fields[1] == type! else { continue }
            out.append(String(fields[0]))
        }
        return out.isEmpty ? ["اسم"] : out
    }
    let given = try words("given-names.tsv") + words("arabic-given-names.tsv") + words("foreign-given-names.tsv")
    let family = try words("family-names.tsv") + words("nisba.tsv")
    let designators = try words("org-designators.tsv")
    let vocabulary = try words("ant-news-vocabulary.tsv")
    let places = try words("cities.tsv") + words("regions.tsv")
    let siteNouns = try words("site-nouns.tsv")
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ n: Int) -> Int {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Int(state % UInt64(n))
    }
    func pick(_ a: [String]) -> String { a[next(a.count)] }
    var tsv = "# generated by wasim-bench: realistic entries of one to five words\n"
    tsv.reserveCapacity(count * 48)
    for i in 0..<count {
        var parts: [String]
        let type: String
        switch i % 3 {
        case 0:
            type = "PER"
            parts = [pick(given)]
            for _ in 0..<next(3) { parts.append(next(4) == 0 ? "بن" : pick(given)) }
            parts.append(pick(family))
        case 1:
            type = "ORG"
            parts = [pick(designators)]
            for _ in 0...next(4) { parts.append(pick(vocabulary)) }
        default:
            type = "LOC"
            parts = next(2) == 0 ? [pick(siteNouns)] : []
            parts.append(pick(places))
            for _ in 0..<next(2) { parts.append(pick(vocabulary)) }
        }
        tsv += parts.prefix(5).joined(separator: " ") + "\t" + type + "\tbench:\(i)\n"
    }
    return tsv
}

do {
    let dataDirectory = try DefaultPipeline.dataDirectory()
    let before = residentMegabytes()
    let (shipped, shippedSeconds) = try timed { try Gazetteer.load(directory: dataDirectory + "/Gazetteers") }
    print(String(format: "shipped lists: %d entries, loaded in %.3f s, +%.0f MB resident", shipped.entryCount, shippedSeconds,
                 residentMegabytes() - before))

    let listPath = bigListPath
    defer { try? FileManager.default.removeItem(atPath: listPath) }
    let size = (try? FileManager.default.attributesOfItem(atPath: listPath)[.size] as? Int) ?? 0
    // The first load parses the list and writes its compiled form beside it; the next ones
    // read that.
    try? FileManager.default.removeItem(atPath: bigListCache)
    defer { try? FileManager.default.removeItem(atPath: bigListCache) }
    for pass in ["parsed", "from its compiled form"] {
        let beforeBig = residentMegabytes()
        resetPeakRSS()
        let cpu0 = cpuSeconds()
        let (big, bigSeconds) = try timed { () throws -> Gazetteer in
            var b = GazetteerBuilder()
            try b.load(path: listPath, name: "big.tsv")
            return b.build()
        }
        print(String(format: "big list (%d realistic entries, %.0f MB), %@: loaded in %.3f s (CPU %.3f s), +%.0f MB resident (peak %.0f MB)",
                     big.entryCount, Double(size) / 1e6, pass, bigSeconds, cpuSeconds() - cpu0, residentMegabytes() - beforeBig, peakRSSMegabytes()))
    }
    let combined = try Gazetteer.load(directory: dataDirectory + "/Gazetteers", extraFiles: [listPath])
    let matchOnly = { (g: Gazetteer) in try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g), ConflictResolution()]) }
    let small = try measure("segmentation+normalization+gazetteer (shipped lists)", try matchOnly(shipped), jobs: 1)
    let large = try measure("segmentation+normalization+gazetteer (shipped lists + big list)", try matchOnly(combined), jobs: 1)
    print(String(format: "gazetteer matching with the big list: %.2f× the time (CPU %.2f×)",
                 large.summary.seconds / small.summary.seconds, large.cpu / small.cpu))
}

// Rules: the time each rule takes over the corpus, so a rule author sees which rule is slow.
do {
    let options = PipelineOptions()
    let gazetteer = try DefaultPipeline.loadGazetteer(options)
    let rules = try DefaultPipeline.loadRules(options, gazetteer: gazetteer)
    let prepare = try Pipeline([Segmentation(), Normalization(), GazetteerMatching(gazetteer)])
    var prepared: [Document] = []
    for data in inputs.prefix(3000) {
        guard let d = try? DocumentDecoder.document(from: data) else { continue }
        prepared.append(try prepare.run(d))
    }
    let tokens = prepared.reduce(0) { $0 + $1.tokens.count }
    // What a rule stage costs before any rule runs (indexing the lookups), taken off each rule.
    let empty = RuleMatching(RuleSet(rules: []), gazetteer: gazetteer)
    let (_, base) = try timed { for d in prepared { d.candidates.removeAll(); try empty.process(d) } }
    var times: [(String, Double)] = []
    for rule in rules.rules {
        let stage = RuleMatching(RuleSet(rules: [rule]), gazetteer: gazetteer)
        let (_, seconds) = try timed { for d in prepared { d.candidates.removeAll(); try stage.process(d) } }
        times.append((rule.name, max(0, seconds - base)))
    }
    let all = RuleMatching(rules, gazetteer: gazetteer)
    let (_, together) = try timed { for d in prepared { d.candidates.removeAll(); try all.process(d) } }
    print(String(format: "rules together: %.0f ns/token (stage overhead without rules %.0f ns/token)",
                 together / Double(tokens) * 1e9, base / Double(tokens) * 1e9))
    let total = times.reduce(0) { $0 + $1.1 }
    print(String(format: "rules: %d rules over %d tokens, %.0f ns/token in all; slowest:", rules.rules.count, tokens, total / Double(tokens) * 1e9))
    for (name, seconds) in times.sorted(by: { $0.1 > $1.1 }).prefix(6) {
        print(String(format: "  %-36@ %5.1f ns/token", name as NSString, seconds / Double(tokens) * 1e9))
    }
}
