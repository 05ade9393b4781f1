import ArgumentParser
import Foundation
import Wasim
import WasimEvaluation

struct Lists: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lists",
        abstract: "Work with gazetteer lists.",
        subcommands: [Audit.self]
    )

    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audit",
            abstract: "Report entity-list entries that will be tagged wrongly, sorted by harm.",
            discussion: """
                Findings: type-conflict (one surface, several entity types, no file priority to \
                settle it), proclitic (وليبيا when ليبيا is an entry), ordinary-word (a given \
                name, or a word the Ayaspell lexicon has and the corpus inflects), \
                folding-collision (لانس reads as ل + أنس once folded), corpus-context (the \
                corpus mostly inflects it, as ordinary words are), direction-part (جنوب لبنان \
                when لبنان is an entry: ANNOTATION.md keeps the direction word out), \
                adjective-part (طرابلس اللبنانية when طرابلس is an entry). With --corpus, the folder's \
                *.txt files are tagged to count how often each entry fires and wins; harm is the \
                kind's weight times one more than the wins. The Ayaspell lexicon (Debian \
                aspell-ar-large) is used when installed.

                Examples:
                  wasim lists audit
                  wasim lists audit --corpus ../shared/corpora/ant-news --limit 40
                  wasim lists audit --json | jq -r .kind | sort | uniq -c
                """
        )

        @Option(help: ArgumentHelp("A folder of *.txt documents to count fires, wins and inflected forms over.", valueName: "dir"))
        var corpus: String?

        @Flag(help: "JSON Lines, one finding a line.")
        var json = false

        @Option(help: "Show only the first N findings of the table.")
        var limit: Int?

        @Flag(help: "Do not ask the Ayaspell lexicon even when it is installed.")
        var noLexicon = false

        @OptionGroup var pipelineArguments: PipelineArguments

        func run() throws {
            let options = pipelineArguments.options()
            let directory = options.defaultGazetteers ? try DefaultPipeline.dataDirectory(options.dataDirectory) + "/Gazetteers" : nil
            let audit = try ListAudit(directory: directory, extraFiles: options.gazetteerFiles)
            var documents: [Document] = []
            if let corpus {
                guard let walker = FileManager.default.enumerator(atPath: corpus) else {
                    throw ValidationError("\(corpus): cannot read the folder")
                }
                for case let path as String in walker where path.hasSuffix(".txt") {
                    let text = try String(contentsOfFile: corpus + "/" + path, encoding: .utf8)
                    documents.append(Document(text: text, path: path))
                }
            }
            let gazetteer = try DefaultPipeline.loadGazetteer(options)
            let pipeline = documents.isEmpty ? nil : try DefaultPipeline.make(options)
            let report = try audit.run(lexicon: noLexicon ? nil : audit.ayaspellWords(), corpus: documents,
                                       pipeline: pipeline, gazetteer: gazetteer)
            print(json ? ListAudit.jsonLines(report) : ListAudit.table(report, limit: limit), terminator: "")
        }
    }
}
