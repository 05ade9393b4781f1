import ArgumentParser
import Foundation
import Wasim
import WasimEvaluation

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Rewrite a training corpus to the project's annotation conventions (CoNLL out, log on stderr).",
        discussion: """
            anercorp: MISC dropped; titles out of PER; administrative designators and
            direction words out of LOC (except in the names of states and continental
            regions: جنوب السودان، شمال أفريقيا); designators into ORG (حركة طالبان); site
            nouns into LOC (ميناء الحديدة); untagged state institutions tagged ORG
            (الجيش اللبناني، وزارة الخارجية، مجلس الوزراء).
            newsfane: its fine-grained classes mapped onto PER/ORG/LOC; peoples, vehicles,
            works and products dropped; listed institutions named by a building ORG; then
            the same title, designator and direction rules.
            The word lists are Gazetteers/'s. Every change is logged with file:line, then
            counts by kind and by source class. `wasim train --gold anercorp:PATH` reads the
            same conversion without a file in between.

            Examples:
              wasim convert anercorp ../shared/corpora/anercorp/train.txt anercorp-train.conll
              wasim convert newsfane ../shared/corpora/newsfane/train.txt - --log newsfane.log > newsfane.conll
            """
    )

    @Argument(help: ArgumentHelp("The corpus's conventions: anercorp or newsfane.", valueName: "source"))
    var source: String

    @Argument(help: ArgumentHelp("The corpus (CoNLL).", valueName: "in"))
    var input: String

    @Argument(help: ArgumentHelp("The converted CoNLL file, or - for stdout.", valueName: "out"))
    var output: String

    @Option(help: ArgumentHelp("Write the changes here; only the counts go to stderr.", valueName: "file"))
    var log: String?

    @Option(name: .long, help: ArgumentHelp("Folder holding Gazetteers/ (default: found as for tagging).", valueName: "dir"))
    var data: String?

    func validate() throws {
        guard Harmonize.Source(rawValue: source) != nil else {
            throw ValidationError("source must be one of: \(Harmonize.Source.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let gazetteers = try DefaultPipeline.dataDirectory(data) + "/Gazetteers"
        let (corpus, changes) = try Harmonize.readGold(source + ":" + input, gazetteers: gazetteers)
        guard case .conll(let sentences) = corpus, let changes else { return }
        let text = Harmonize.conll(sentences)
        if output == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
        } else if !FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) {
            throw WasimError.data("\(output): cannot write file")
        }
        let lines = changes.changes.map(\.description).joined(separator: "\n")
        if let log {
            guard FileManager.default.createFile(atPath: log, contents: Data((lines + "\n\n" + changes.summary + "\n").utf8)) else {
                throw WasimError.data("\(log): cannot write file")
            }
        } else if !lines.isEmpty {
            FileHandle.standardError.write(Data((lines + "\n").utf8))
        }
        FileHandle.standardError.write(Data("\(sentences.count) sentences, \(changes.changes.count) changes\n\(changes.summary)\n".utf8))
    }
}
