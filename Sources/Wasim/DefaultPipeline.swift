// The standard pipeline and where its data lives.
import Foundation

/// How to build the standard pipeline: which data, which extra lists and rules.
public struct PipelineOptions: Sendable {
    /// Folder holding `Gazetteers/` and `Models/`; found automatically when nil.
    public var dataDirectory: String?
    /// Extra gazetteer files (`--gazetteer`).
    public var gazetteerFiles: [String] = []
    /// Extra rule files (`--rules`).
    public var ruleFiles: [String] = []
    /// Load the lists under Gazetteers/ and the rules under Models/rules/.
    public var defaultGazetteers = true
    public var defaultRules = true
    public var normalizer = Normalizer()
    /// The labeller's model file (`--model`); nil means `Models/wasim.model` when it exists.
    public var modelFile: String?
    /// Run the learned labeller (`--no-model` turns it off).
    public var useModel = true
    /// Word clusters for the labeller's cluster features, when a model uses them.
    public var clusters: (any ClusterCodes)? = nil

    public init(dataDirectory: String? = nil) { self.dataDirectory = dataDirectory }
}

public enum DefaultPipeline {
    /// The full default pipeline: segmentation → normalization → gazetteer matching → rules →
    /// numeric ranges → labeller (with a model) → conflict resolution → name propagation.
    public static func make(_ options: PipelineOptions = PipelineOptions()) throws -> Pipeline {
        // Parsing the rules, and reading the model and its word clusters, need nothing from the
        // lists: they are done on a thread of their own while this one reads the lists, so that
        // the start takes about as long as the longer of the two and the rules' compilation, not
        // the sum of it all. The learned parts go to whichever thread is free first: with the
        // lists read from their cache, this one (the rules' parse alone is the longest part);
        // on a first run, that one (the lists are). A third thread would take a core from the
        // lists on a first run: two cores, three threads.
        // Errors come in the order they always did: lists, rules, model. When the lists fail,
        // the other thread finishes on its own and its work is dropped.
        let learned = Claimable { () -> Result<LearnedParts?, any Error> in
            Result { () throws -> LearnedParts? in
                guard let model = try loadModel(options) else { return nil }
                let clusters = model.groups.contains(.clusters) ? try options.clusters ?? loadClusters(options) : nil
                return LearnedParts(model: model, clusters: clusters)
            }
        }
        let parsedRules = Background { () -> Result<RuleSet.Prepared, any Error> in
            // The data directory's rules come from their compiled form in `Models/` when it is
            // there and current (`RuleCache`): parsing and compiling them was two thirds of a start.
            let rules = Result {
                let models = options.defaultRules ? try dataDirectory(options.dataDirectory) + "/Models" : nil
                return RuleSet.prepare(shipped: try models.map { try RuleSet.files(in: $0 + "/rules") } ?? [], extra: options.ruleFiles,
                                       cacheDirectory: models, normalizer: options.normalizer)
            }
            learned.runUnlessClaimed()
            return rules
        }
        let gazetteer = try loadGazetteer(options)
        let learnedParts = learned.result()
        let parsed = (rules: parsedRules.result(), learned: learnedParts)
        let rules = try RuleSet.load(prepared: parsed.rules.get(), gazetteer: gazetteer)
        var stages: [any Stage] = [
            Segmentation(),
            Normalization(options.normalizer),
            GazetteerMatching(gazetteer),
            RuleMatching(rules, gazetteer: gazetteer),
            NumericRanges(),
        ]
        if let parts = try parsed.learned.get() {
            stages.append(Labeller(model: parts.model, gazetteer: gazetteer, clusters: parts.clusters))
        }
        stages += [ConflictResolution(wordLists: ["COMMON", "SITE_NOUN", "LOC_DESIGNATOR", "ORG_DESIGNATOR"].compactMap(gazetteer.typeID),
                                      givenNameList: gazetteer.typeID("GIVEN_NAME"), designatorList: gazetteer.typeID("LOC_DESIGNATOR"),
                                      orgDesignatorList: gazetteer.typeID("ORG_DESIGNATOR")),
                   NamePropagation(gazetteer: gazetteer)] as [any Stage]
        return try Pipeline(stages)
    }

    private struct LearnedParts: Sendable {
        var model: LabellerModel
        var clusters: (any ClusterCodes)?
    }

    /// Work done on a thread of its own; `result()` waits for it.
    /// Unchecked Sendable: `value` is written once, by the worker, before it signals `done`, and
    /// read only after waiting for that signal.
    private final class Background<T: Sendable>: @unchecked Sendable {
        private var value: T?
        private let done = DispatchSemaphore(value: 0)

        init(_ work: @escaping @Sendable () -> T) {
            Thread.detachNewThread { [self] in
                value = work()
                done.signal()
            }
        }

        /// Asked once.
        func result() -> T {
            done.wait()
            return value!
        }
    }

    /// Work done once, by the first thread that asks for it; `result()` waits for it.
    /// Unchecked Sendable: `value` is written once, by the thread that claimed the work, before
    /// it signals `done`, and read only after waiting for that signal.
    private final class Claimable<T: Sendable>: @unchecked Sendable {
        private let work: @Sendable () -> T
        private let lock = NSLock()
        private var claimed = false
        private var value: T?
        private let done = DispatchSemaphore(value: 0)

        init(_ work: @escaping @Sendable () -> T) { self.work = work }

        /// Does the work, unless another thread has begun it.
        func runUnlessClaimed() {
            lock.lock()
            let mine = !claimed
            claimed = true
            lock.unlock()
            guard mine else { return }
            value = work()
            done.signal()
        }

        /// Asked once: does the work if no thread has begun it, else waits for it.
        func result() -> T {
            runUnlessClaimed()
            done.wait()
            return value!
        }
    }

    /// `Models/clusters.tsv`, the word clusters the labeller's cluster features read, if present.
    public static func loadClusters(_ options: PipelineOptions) throws -> WordClusters? {
        let path = try dataDirectory(options.dataDirectory) + "/Models/clusters.tsv"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try WordClusters(contentsOf: path, normalizer: options.normalizer)
    }

    /// The model `--model` names, else `Models/wasim.model` if there is one; nil with `--no-model`.
    public static func loadModel(_ options: PipelineOptions) throws -> LabellerModel? {
        guard options.useModel else { return nil }
        if let file = options.modelFile { return try LabellerModel.load(path: file) }
        let path = try dataDirectory(options.dataDirectory) + "/Models/wasim.model"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try LabellerModel.load(path: path)
    }

    /// Models/rules/*.rules unless `defaultRules` is off, then the extra files; all or nothing.
    public static func loadRules(_ options: PipelineOptions, gazetteer: Gazetteer) throws -> RuleSet {
        var files: [String] = []
        if options.defaultRules { files = try RuleSet.files(in: try dataDirectory(options.dataDirectory) + "/Models/rules") }
        return try RuleSet.load(files: options.ruleFiles, shipped: files, gazetteer: gazetteer)
    }

    /// The lists the options ask for: Gazetteers/*.tsv unless `defaultGazetteers` is off, then
    /// the extra files.
    public static func loadGazetteer(_ options: PipelineOptions) throws -> Gazetteer {
        let directory = options.defaultGazetteers ? try dataDirectory(options.dataDirectory) + "/Gazetteers" : nil
        return try Gazetteer.load(directory: directory, extraFiles: options.gazetteerFiles, normalizer: options.normalizer)
    }

    /// The folder with `Gazetteers/` and `Models/`: `explicit` if given, else `$WASIM_DATA`, else
    /// the nearest folder above the executable or the working directory that has both (a
    /// checkout, or an install prefix's `share/wasim`), else the checkout this library was built
    /// from, while it is there: a program that depends on Wasim as a package (by path, or from
    /// its own `.build/checkouts/`) finds the data without being told.
    public static func dataDirectory(_ explicit: String? = nil) throws -> String {
        let fm = FileManager.default
        func isData(_ dir: String) -> Bool {
            var isDir: ObjCBool = false
            return fm.fileExists(atPath: dir + "/Gazetteers", isDirectory: &isDir) && isDir.boolValue
                && fm.fileExists(atPath: dir + "/Models", isDirectory: &isDir) && isDir.boolValue
        }
        if let explicit {
            guard isData(explicit) else { throw WasimError.data("\(explicit): no Gazetteers/ and Models/ folders there") }
            return explicit
        }
        if let env = ProcessInfo.processInfo.environment["WASIM_DATA"], !env.isEmpty {
            guard isData(env) else { throw WasimError.data("WASIM_DATA=\(env): no Gazetteers/ and Models/ folders there") }
            return env
        }
        let exe = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
        for start in [URL(fileURLWithPath: exe).deletingLastPathComponent().path, fm.currentDirectoryPath] {
            var dir = URL(fileURLWithPath: start).standardizedFileURL
            while true {
                if isData(dir.path) { return dir.path }
                if isData(dir.path + "/share/wasim") { return dir.path + "/share/wasim" }
                let up = dir.deletingLastPathComponent()
                if up.path == dir.path { break }
                dir = up
            }
        }
        // This file is Sources/Wasim/DefaultPipeline.swift in that checkout.
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        if isData(checkout) { return checkout }
        throw WasimError.data("cannot find Wasim's data (Gazetteers/ and Models/): install it with `wasim install --prefix DIR`, run from the checkout, set WASIM_DATA or pass --data (PipelineOptions(dataDirectory:) in a program)")
    }
}
