import ArgumentParser
import Foundation
import Wasim

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
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

    @Option(help: "Name of the model (entities carry source model:NAME).")
    var name = "wasim"

    @Option(help: "Passes over the training data.")
    var epochs = TrainingOptions().epochs

    @Option(help: "Seed of the shuffle between epochs.")
    var seed: UInt64 = 1

    @Option(help: "Features seen fewer times are left out.")
    var minCount = TrainingOptions().minCount

    @Option(help: "Folds of the jackknife.")
    var folds = TrainingOptions().folds

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Leave out feature groups: \(FeatureGroups.names.map(\.0).joined(separator: ", ")).", valueName: "group"))
    var without: [String] = []

    @OptionGroup var pipelineArguments: PipelineArguments

    func validate() throws {
        if gold.isEmpty && jackknife.isEmpty { throw ValidationError("give gold with --gold or --jackknife") }
        if epochs < 1 { throw ValidationError("--epochs must be 1 or more") }
        if folds < 2 { throw ValidationError("--folds must be 2 or more") }
        for w in without where !FeatureGroups.names.contains(where: { $0.0 == w }) {
            throw ValidationError("unknown feature group '\(w)' (groups: \(FeatureGroups.names.map(\.0).joined(separator: ", ")))")
        }
    }

    func run() throws {
        var options = TrainingOptions()
        options.name = name
        options.epochs = epochs
        options.seed = seed
        options.minCount = minCount
        options.folds = folds
        for w in without { options.groups.remove(FeatureGroups.names.first { $0.0 == w }!.1) }
        var pipelineOptions = pipelineArguments.options()
        pipelineOptions.useModel = false
        let start = Date()
        func log(_ s: String) {
            FileHandle.standardError.write(Data((String(format: "[%6.1fs] ", Date().timeIntervalSince(start)) + s + "\n").utf8))
        }
        do {
            var corpora: [(corpus: GoldCorpus, jackknife: Bool)] = []
            for g in gold { corpora.append((try GoldReader.read(path: g), false)); log("read \(g)") }
            for g in jackknife { corpora.append((try GoldReader.read(path: g), true)); log("read \(g) (jackknife)") }
            let devCorpus = try dev.map { try GoldReader.read(path: $0) }
            let model = try Trainer.train(gold: corpora, dev: devCorpus, pipelineOptions: pipelineOptions, options: options,
                                          clusters: pipelineOptions.clusters, progress: log)
            try model.write(to: out)
            log("wrote \(out) (\(model.featureCount) features, \(model.serialized().count) bytes)")
        } catch let error as WasimError {
            FileHandle.standardError.write(Data("wasim train: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
