import ArgumentParser
import Foundation
import Wasim
import WasimEvaluation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the learned labeller on gold annotation and write a model file.",
        discussion: """
            Gold is CoNLL or the JSON Lines that `wasim eval` reads. The features are what the
            lists, rules and numeric ranges find in the gold's text. For a gold file given with
            --jackknife (the corpus Gazetteers/train-split-*.tsv were derived from: ANERcorp
            train), each of --folds parts is tagged with those lists derived again from the
            other parts only, so that the model does not learn to trust lists that know the answer.
            Progress and per-epoch dev scores go to standard error. Same inputs, same bytes.

            Examples:
              wasim train --jackknife ../shared/corpora/anercorp/train.txt --out Models/wasim.model
              wasim train --gold mine.jsonl --jackknife ../shared/corpora/anercorp/train.txt --dev dev.jsonl --out my.model
              wasim eval --gold test.jsonl --model my.model
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Gold files or folders (CoNLL or JSON Lines).", valueName: "file"))
    var gold: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("CoNLL gold that the train-split lists came from: its features come from a jackknife.", valueName: "file"))
    var jackknife: [String] = []

    @Option(help: ArgumentHelp("Gold scored after every epoch (the model alone, exact span).", valueName: "file"))
    var dev: String?

    @Option(help: ArgumentHelp("Where to write the model.", valueName: "file"))
    var out: String

    @Option(name: .customLong("repeat"), help: "How many times each --gold file counts (the --jackknife corpus counts once): weighs small gold against a large corpus.")
    var repeatCount = 1

    @Option(help: "Name of the model (entities carry source model:NAME).")
    var name = "wasim"

    @Option(help: "Passes over the training data.")
    var epochs = TrainingOptions().epochs

    @Option(help: "Seed of the shuffle between epochs.")
    var seed: UInt64 = 1

    @Option(help: "Perceptrons trained with seeds seed, seed+1…, their weights averaged: less sensitive to the order of the sentences.")
    var ensemble = TrainingOptions().ensemble

    @Option(help: "Features seen fewer times are left out.")
    var minCount = TrainingOptions().minCount

    @Option(help: "Features kept in the model file: the strongest by the sum of their absolute weights.")
    var maxFeatures = TrainingOptions().maxFeatures

    @Option(help: "Folds of the jackknife.")
    var folds = TrainingOptions().folds

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Leave out feature groups: \(FeatureGroups.names.map(\.0).joined(separator: ", ")).", valueName: "group"))
    var without: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Evaluation gold kept out of training: --gold sentences or records sharing 40 letters in a row with it are dropped (NewsFANE repeats ANERcorp's articles).", valueName: "file"))
    var exclude: [String] = []

    @Option(help: ArgumentHelp("Only write the train-split lists derived from the --jackknife gold into this folder, and stop.", valueName: "dir"))
    var listsOut: String?

    @OptionGroup var pipelineArguments: PipelineArguments

    func validate() throws {
        if gold.isEmpty && jackknife.isEmpty { throw ValidationError("give gold with --gold or --jackknife") }
        if repeatCount < 1 { throw ValidationError("--repeat must be 1 or more") }
        if epochs < 1 { throw ValidationError("--epochs must be 1 or more") }
        if ensemble < 1 { throw ValidationError("--ensemble must be 1 or more") }
        if folds < 2 { throw ValidationError("--folds must be 2 or more") }
        if maxFeatures < 1 { throw ValidationError("--max-features must be 1 or more (got \(maxFeatures))") }
        for w in without where !FeatureGroups.names.contains(where: { $0.0 == w }) {
            throw ValidationError("unknown feature group '\(w)' (groups: \(FeatureGroups.names.map(\.0).joined(separator: ", ")))")
        }
    }

    mutating func run() throws {
        var options = TrainingOptions()
        options.name = name
        options.epochs = epochs
        options.seed = seed
        options.ensemble = ensemble
        options.minCount = minCount
        options.maxFeatures = maxFeatures
        options.folds = folds
        for w in without { options.groups.remove(FeatureGroups.names.first { $0.0 == w }!.1) }
        var pipelineOptions = pipelineArguments.options()
        pipelineOptions.useModel = false
        let start = Date()
        func log(_ s: String) {
            FileHandle.standardError.write(Data((String(format: "[%6.1fs] ", Date().timeIntervalSince(start)) + s + "\n").utf8))
        }
        do {
            let gazetteers = try DefaultPipeline.dataDirectory(pipelineOptions.dataDirectory) + "/Gazetteers"
            // `anercorp:PATH` and `newsfane:PATH` are converted to ANNOTATION.md's spans (Harmonize).
            // `FILE@even` / `FILE@odd`: the records (or sentences) at even or odd positions, counted from 0.
            func read(_ fullSpec: String) throws -> (GoldCorpus, GoldCorpus?) {
                var spec = fullSpec, parity: Int? = nil
                for (suffix, p) in [("@even", 0), ("@odd", 1)] where spec.hasSuffix(suffix) {
                    spec = String(spec.dropLast(suffix.count))
                    parity = p
                }
                let (whole, log) = try Harmonize.readGold(spec, gazetteers: gazetteers)
                var corpus = whole
                if let parity {
                    switch whole {
                    case .records(let r): corpus = .records(r.enumerated().filter { $0.offset % 2 == parity }.map(\.element))
                    case .conll(let s): corpus = .conll(s.enumerated().filter { $0.offset % 2 == parity }.map(\.element))
                    }
                }
                guard log != nil, let colon = spec.firstIndex(of: ":") else { return (corpus, nil) }
                return (corpus, try GoldReader.read(path: String(spec[spec.index(after: colon)...])))
            }
            var corpora: [(corpus: GoldCorpus, jackknife: Bool, listSource: GoldCorpus?)] = []
            let excluded = try exclude.map { try GoldReader.read(path: $0) }
            for g in gold {
                var (c, raw) = try read(g)
                for e in excluded {
                    let (kept, dropped) = Decontamination.filter(c, excluding: e)
                    if dropped > 0 { log("\(g): \(dropped) sentences or records dropped (shared with an --exclude file)") }
                    c = kept
                }
                for _ in 0..<repeatCount { corpora.append((c, false, raw)) }
                log("read \(g)" + (repeatCount > 1 ? " (×\(repeatCount))" : ""))
            }
            for g in jackknife { let (c, raw) = try read(g); corpora.append((c, true, raw)); log("read \(g) (jackknife)") }
            if let listsOut {
                for c in corpora where c.jackknife {
                    guard case .conll(let sentences) = c.listSource ?? c.corpus else { continue }
                    let curated = try TrainSplitLists.curatedGivenNames(options: pipelineOptions)
                    try TrainSplitLists.write(TrainSplitLists.derive(sentences, isKnownGivenName: curated.predicate, normalizer: pipelineOptions.normalizer),
                                              to: listsOut)
                    log("wrote the train-split lists into \(listsOut)")
                }
                return
            }
            let devCorpus = try dev.map { try read($0).0 }
            var clusters: (any ClusterCodes)? = nil
            if options.groups.contains(.clusters) {
                clusters = try DefaultPipeline.loadClusters(pipelineOptions)
                log(clusters == nil ? "no Models/clusters.tsv: training without cluster features" : "read Models/clusters.tsv")
                if clusters == nil { options.groups.remove(.clusters) }
            }
            let model = try Trainer.train(gold: corpora, dev: devCorpus, pipelineOptions: pipelineOptions, options: options,
                                          clusters: clusters, progress: log)
            try model.write(to: out)
            log("wrote \(out) (\(model.featureCount) features, \(model.serialized().count) bytes)")
        } catch let error as WasimError {
            FileHandle.standardError.write(Data("wasim train: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
