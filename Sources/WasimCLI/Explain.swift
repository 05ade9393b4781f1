import ArgumentParser
import Wasim

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show how a text is tagged: its tokens, and for each entity what produced it and what it beat.",
        discussion: """
            Examples:
              wasim explain "وقال الرئيس الأميركي دونالد ترامب إن قواته ستبقى في سوريا"
              wasim explain --rules my.rules --no-default-rules "…"   try a rule file alone
            """
    )

    @Argument(help: "The text to tag.")
    var text: String

    @Flag(help: "Leave out the token table.")
    var noTokens = false

    @Flag(help: "Print the explanation as JSON, as `wasim serve` answers POST /v1/explain.")
    var json = false

    @OptionGroup var pipelineArguments: PipelineArguments

    func run() throws {
        let pipeline = try DefaultPipeline.make(pipelineArguments.options())
        let document = Document(text: text)
        document.recordsResolutions = true
        try pipeline.run(document)
        let gazetteer = pipeline.stages.lazy.compactMap { ($0 as? GazetteerMatching)?.gazetteer }.first
        let labeller = pipeline.stages.lazy.compactMap { $0 as? Labeller }.first
        print(json ? Explanation.json(document, gazetteer: gazetteer)
                   : Explanation.render(document, gazetteer: gazetteer, labeller: labeller, tokens: !noTokens))
    }
}
