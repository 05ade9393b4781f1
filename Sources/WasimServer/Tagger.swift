// The loaded pipeline, shared by every request, and its reloading under --watch: a rule or list
// file that fails to load keeps the pipeline that works and reports the error.
import Foundation
import Synchronization
import Wasim

/// What a request tags with, and what `/v1/info` reports about it.
struct Loaded: Sendable {
    var pipeline: Pipeline
    var gazetteer: Gazetteer?
    var ruleCount: Int
    var ruleFiles: [String]
    var loadedAt: Date
}

final class Tagger: Sendable {
    let options: PipelineOptions
    let dataDirectory: String?

    private struct State: Sendable {
        var loaded: Loaded
        /// The last reload's error, until a reload succeeds.
        var error: String?
        var errorAt: Date?
        /// Modification time and size of every watched file when last loaded.
        var stamps: [String: String]
    }
    private let state: Mutex<State>

    /// Loads the pipeline once; an error here stops the server before it listens.
    init(options: PipelineOptions) throws {
        self.options = options
        self.dataDirectory = try? DefaultPipeline.dataDirectory(options.dataDirectory)
        let stamps = Self.stamps(Self.watchedFiles(options, data: dataDirectory))
        state = Mutex(State(loaded: try Self.load(options), error: nil, errorAt: nil, stamps: stamps))
    }

    var current: Loaded { state.withLock { $0.loaded } }
    var error: (message: String, at: Date)? {
        state.withLock { s in s.error.map { ($0, s.errorAt ?? Date()) } }
    }

    /// The same pipeline as `wasim tag` builds; the lists and rules are read back from its stages.
    static func load(_ options: PipelineOptions) throws -> Loaded {
        let pipeline = try DefaultPipeline.make(options)
        let gazetteer = pipeline.stages.lazy.compactMap { ($0 as? GazetteerMatching)?.gazetteer }.first
        let rules = pipeline.stages.compactMap { ($0 as? RuleMatching)?.rules }.flatMap { $0 }
        return Loaded(pipeline: pipeline, gazetteer: gazetteer, ruleCount: rules.count,
                      ruleFiles: Array(Set(rules.map(\.file))).sorted(), loadedAt: Date())
    }

    /// The files whose change triggers a reload: the --rules and --gazetteer files, and the
    /// built-in rules and lists when they are used (a playground for the shipped rules too).
    static func watchedFiles(_ options: PipelineOptions, data: String?) -> [String] {
        var files = options.ruleFiles + options.gazetteerFiles
        if let data {
            if options.defaultRules, let rules = try? RuleSet.files(in: data + "/Models/rules") { files += rules }
            if options.defaultGazetteers,
               let names = try? FileManager.default.contentsOfDirectory(atPath: data + "/Gazetteers") {
                files += names.filter { $0.hasSuffix(".tsv") }.sorted().map { data + "/Gazetteers/" + $0 }
            }
        }
        return files
    }

    static func stamps(_ files: [String]) -> [String: String] {
        var out: [String: String] = [:]
        for file in files {
            var st = stat()
            out[file] = stat(file, &st) == 0 ? "\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) \(st.st_size)" : "missing"
        }
        return out
    }

    /// Reloads when a watched file changed since the last attempt. Returns a line for the log,
    /// or nil when nothing changed.
    func reloadIfChanged() -> String? {
        let now = Self.stamps(Self.watchedFiles(options, data: dataDirectory))
        let changed = state.withLock { s -> Bool in
            guard s.stamps != now else { return false }
            s.stamps = now
            return true
        }
        guard changed else { return nil }
        do {
            let loaded = try Self.load(options)
            state.withLock { s in
                s.loaded = loaded
                s.error = nil
                s.errorAt = nil
            }
            return "reloaded: \(loaded.ruleCount) rules, \(loaded.gazetteer?.entryCount ?? 0) list entries"
        } catch {
            state.withLock { s in
                s.error = "\(error)"
                s.errorAt = Date()
            }
            return "reload failed, keeping the rules and lists loaded before: \(error)"
        }
    }
}
