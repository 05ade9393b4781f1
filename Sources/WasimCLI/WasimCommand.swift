import ArgumentParser
import Foundation
import Wasim

// Every command names itself (`commandName:`): a name the parser derives from the type costs a
// `String(describing:)` of the metatype, a search of the conformance tables (half a million
// instructions), 34 times at every start, 20M in all.
@main
struct WasimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wasim",
        abstract: "واسم: find people, organizations, places and numeric ranges in Arabic news text.",
        discussion: """
            Offsets in every output are Unicode code points into the original text, end exclusive, \
            with attached proclitics (و ف ب ل ك) outside the span.

            Examples:
              wasim tag Tests/Samples > tagged.jsonl
              echo 'وقال الرئيس الأميركي دونالد ترامب' | wasim tag -
              wasim explain 'وقال الرئيس الأميركي دونالد ترامب'
              wasim eval --gold Tests/Fixtures/news.jsonl
              wasim rules check Models/rules
              swift run -c release wasim install --prefix ~/.local
            """,
        version: versionText(),
        subcommands: [Tag.self, Eval.self, Explain.self, Rules.self, Lists.self, Train.self, Clusters.self, Convert.self,
                      Serve.self, Install.self],
        defaultSubcommand: nil
    )

    /// Usage errors exit with 2 (as the README promises), not ArgumentParser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}

/// Options shared by the commands that build the pipeline.
struct PipelineArguments: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder holding Gazetteers/ and Models/ (default: found from the executable, the working directory or $WASIM_DATA).", valueName: "dir"))
    var data: String?

    @Option(name: .customLong("gazetteer"), help: ArgumentHelp("An extra gazetteer file (surface<TAB>TYPE[<TAB>id]); repeatable.", valueName: "file"))
    var gazetteers: [String] = []

    @Option(name: .customLong("rules"), help: ArgumentHelp("An extra rule file (see Models/README.md); repeatable.", valueName: "file"))
    var rules: [String] = []

    @Flag(help: "Leave out the built-in rules of Models/rules/.")
    var noDefaultRules = false

    @Flag(help: "Leave out the built-in lists of Gazetteers/ (keeps only --gazetteer files).")
    var noDefaultGazetteers = false

    @Option(name: .long, help: ArgumentHelp("The labeller's model file (default: Models/wasim.model when it exists).", valueName: "file"))
    var model: String?

    @Flag(help: "Leave out the learned labeller: lists and rules only.")
    var noModel = false

    func options() -> PipelineOptions {
        var o = PipelineOptions(dataDirectory: data)
        o.gazetteerFiles = gazetteers
        o.ruleFiles = rules
        o.defaultRules = !noDefaultRules
        o.defaultGazetteers = !noDefaultGazetteers
        o.modelFile = model
        o.useModel = !noModel
        return o
    }
}

/// Diagnostics go to standard error, as ArgumentParser's own errors do, so that standard output
/// carries only results.
func printError(_ message: Any) {
    FileHandle.standardError.write(Data("\(message)\n".utf8))
}

/// `wasim --version`: the version, and the data folder this wasim would use (or why none).
func versionText() -> String {
    let data: String
    do { data = try DefaultPipeline.dataDirectory() } catch { data = "not found (\(error))" }
    return "wasim \(wasimVersion)\ndata: \(data)"
}
