import ArgumentParser
import Foundation
import Wasim

@main
struct WasimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wasim",
        abstract: "واسم: find people, organizations, places and numeric ranges in Arabic news text.",
        discussion: """
            Offsets in every output are Unicode code points into the original text, end exclusive,
            with attached proclitics (و ف ب ل ك) outside the span.

            Examples:
              wasim tag Tests/Samples                 tag every *.txt below a folder, JSON Lines to stdout
              echo 'وقال الرئيس الأميركي دونالد ترامب' | wasim tag -
              wasim tag --format tokens article.txt   inspect segmentation and proclitic analysis
            """,
        subcommands: [Tag.self],
        defaultSubcommand: nil
    )

    /// Usage errors exit with 2 (as the README promises), not ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
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

    func options() -> PipelineOptions {
        var o = PipelineOptions(dataDirectory: data)
        o.dataDirectory = data
        return o
    }
}
