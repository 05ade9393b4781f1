import ArgumentParser
import Foundation
import Wasim
import WasimEvaluation

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score the tagger (or a prediction file) against gold annotation.",
        discussion: """
            Gold is CoNLL (a token and its BIO tag on each line, a blank line
            between sentences, as in ANERcorp, whose B-PERS is read as PER) or
            JSON Lines: {"id": ..., "text": ..., "entities": [{"type": "LOC",
            "start": 4, "end": 10}]}, offsets in code points as in
            ../shared/ANNOTATION.md. A folder is read whole (*.jsonl, *.json,
            *.conll, *.txt, *.iob, *.bio, *.tsv); a file whose first line starts
            with '{' is JSON Lines, any other CoNLL.

            Scores: exact-span precision, recall and F1 per type, micro and
            macro, as conlleval computes them (an I- tag after O or after
            another type opens a new name); a partial score, where an overlap
            with the same type counts (each name at most once on each side);
            and, for NUMRANGE, the share of exact matches whose low and high are
            right. On CoNLL gold a token belongs to a predicted name when the
            name overlaps it, so a glued proclitic (والعراق) is no error there.

            Examples:
              wasim eval --gold Tests/Fixtures/news.jsonl
              wasim eval --gold ../shared/corpora/anercorp/test.txt
              wasim eval --gold news.jsonl --errors --types PER,ORG | less
              wasim tag docs/ > mine.jsonl
              wasim eval --gold gold.jsonl --pred mine.jsonl --json
              wasim eval --gold test.conll --pred other-system.conll

            With --pred, a JSON Lines prediction record (what `wasim tag`
            writes) goes to the gold record with the same "id", else the same
            "path" (or the path's file name without extension as an id), else
            the one at its position. A prediction that matches no gold record
            is an error; a gold record without one counts as all missed. For
            CoNLL gold, --pred takes a CoNLL file with the gold's tokens.

            Exit status: 0 when scored, 1 for unreadable or malformed gold or
            predictions (the message names file:line), 2 for a usage error.
            """
    )

    @Option(help: ArgumentHelp("Gold file or folder (CoNLL or JSON Lines).", valueName: "path"))
    var gold: String

    @Option(help: ArgumentHelp("Score this prediction file instead of running the tagger.", valueName: "file"))
    var pred: String?

    @Flag(help: "Print the scores as JSON (fractions in 0…1) instead of a table (percent).")
    var json = false

    @Flag(help: "List false positives and false negatives, each with the sentence around it.")
    var errors = false

    @Option(help: ArgumentHelp("Score only these types, comma-separated (default: the gold's types; for JSON Lines gold also PER, ORG, LOC, NUMRANGE).", valueName: "PER,LOC,ORG"))
    var types: String?

    @Flag(help: "Score MISC too (ignored by default: Wasim does not tag it).")
    var misc = false

    @Option(help: ArgumentHelp("CoNLL gold: tag consecutive sentences together, up to this many tokens, as one document (names found once are propagated within a document); 0 tags each sentence alone.", valueName: "n"))
    var documentTokens = EvaluationOptions().documentTokens

    @Flag(help: "Read CoNLL tags as seqeval's strict IOB2 mode does: an I- that does not continue a name of its type is dropped, instead of opening a name as in conlleval.")
    var strict = false

    @OptionGroup var pipelineArguments: PipelineArguments

    func validate() throws {
        if documentTokens < 0 { throw ValidationError("--document-tokens must be 0 or more") }
        if let types, types.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--types takes names separated by commas, such as PER,LOC,ORG")
        }
    }

    mutating func run() throws {
        var options = EvaluationOptions()
        options.misc = misc
        options.documentTokens = documentTokens
        options.chunkRules = strict ? .strictIOB2 : .conlleval
        if let types {
            options.types = Set(types.split(separator: ",").map { GoldReader.typeName(Substring($0.trimmingCharacters(in: .whitespaces))) })
        }
        let result: EvaluationResult
        do {
            let corpus = try GoldReader.read(path: gold)
            if let pred {
                result = try Evaluation.score(corpus, predictionsAt: pred, options: options)
            } else {
                result = try Evaluation.run(corpus, pipeline: try DefaultPipeline.make(pipelineArguments.options()), options: options)
            }
        } catch let error as WasimError {
            FileHandle.standardError.write(Data("wasim eval: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if json {
            print(EvaluationReport.json(result, gold: gold, errors: errors))
        } else {
            print(EvaluationReport.table(result))
            if errors { print("\n" + EvaluationReport.errors(result)) }
        }
    }
}
