import ArgumentParser
import Foundation
import Wasim
import WasimEvaluation

struct Clusters: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clusters",
        abstract: "Compute word clusters from unlabeled text (features of the learned labeller).",
        discussion: """
            Reads every *.txt file below --corpus through segmentation and normalization,
            describes each word by its neighbours (PPMI of the frequent forms at ±1 and ±2),
            splits the words in two again and again (bisecting spherical k-means, each split
            seeded by the node's principal direction) and writes one line per word:
            normalized form, bit path, frequency. Deterministic: the same corpus gives the
            same file. Progress goes to stderr.

            Examples:
              wasim clusters --corpus ../shared/corpora/ant-news --out Models/clusters.tsv \\
                --exclude-gold Tests/Fixtures/ant-news-heldout.jsonl
              wasim clusters --corpus my-news/ --out my-clusters.tsv --min-frequency 5
            """
    )

    @Option(help: ArgumentHelp("Folder of *.txt files (searched recursively).", valueName: "dir"))
    var corpus: String

    @Option(help: ArgumentHelp("The cluster file to write.", valueName: "file"))
    var out: String

    @Option(help: "Leave out words seen fewer times.")
    var minFrequency = WordClusterOptions().minFrequency

    @Option(help: "Keep at most this many words (the most frequent).")
    var maxWords = WordClusterOptions().maxWords

    @Option(help: "The most frequent forms used as context.")
    var contextWords = WordClusterOptions().contextWords

    @Option(help: "Neighbours on each side (1 or 2).")
    var window = WordClusterOptions().window

    @Option(help: "The longest code, in bits (at most 31).")
    var maxDepth = WordClusterOptions().maxDepth

    @Option(help: "A cluster with fewer words is not split further.")
    var minSplit = WordClusterOptions().minSplit

    @Option(name: .customLong("exclude-gold"), help: ArgumentHelp("Leave out the text files this standoff gold points at (held-out articles); repeatable.", valueName: "file"))
    var excludeGold: [String] = []

    @Option(help: ArgumentHelp("The header's source line (default: the ANT corpus for a folder named ant-news, else the folder).", valueName: "text"))
    var source: String?

    @Option(help: ArgumentHelp("The header's licence line (default: the ANT corpus's).", valueName: "text"))
    var licence: String?

    func validate() throws {
        guard (1...2).contains(window) else { throw ValidationError("--window must be 1 or 2") }
        guard (1...WordClusters.maximumPathLength).contains(maxDepth) else {
            throw ValidationError("--max-depth must be 1 to \(WordClusters.maximumPathLength)")
        }
        guard minFrequency >= 1, maxWords >= 1, contextWords >= 1, minSplit >= 2 else {
            throw ValidationError("--min-frequency, --max-words and --context-words must be at least 1, --min-split at least 2")
        }
    }

    func run() throws {
        var options = WordClusterOptions()
        options.minFrequency = minFrequency
        options.maxWords = maxWords
        options.contextWords = contextWords
        options.window = window
        options.maxDepth = maxDepth
        options.minSplit = minSplit
        let started = Date()
        func log(_ s: String) {
            FileHandle.standardError.write(Data("[\(String(format: "%.1f", Date().timeIntervalSince(started)))s] \(s)\n".utf8))
        }
        var files = try WordClusterBuilder.corpusFiles(corpus)
        if !excludeGold.isEmpty {
            let excluded = try WordClusterBuilder.textFiles(ofGold: excludeGold)
            let before = files.count
            files.removeAll { excluded.contains(URL(fileURLWithPath: $0).standardizedFileURL.path) }
            log("left out \(before - files.count) files named by \(excludeGold.joined(separator: ", "))")
        }
        log("\(files.count) files")
        let counts = try WordClusterBuilder.read(files: files, progress: { log("read \($0) files") }, skipped: { log("skipped \($0)") })
        log("\(counts.documents) documents, \(counts.tokens) tokens, \(counts.forms.count) forms")
        let table = WordClusterBuilder.cluster(counts, options: options, progress: log)
        let flags = options.flags
        let command = "wasim clusters --corpus \(corpus) --out \(out)" + (flags.isEmpty ? "" : " " + flags)
            + excludeGold.map { " --exclude-gold \($0)" }.joined()
        // The shipped file's corpus gets its citation; any other corpus says what it is.
        let isANT = URL(fileURLWithPath: corpus).standardizedFileURL.lastPathComponent == "ant-news"
        let header = [
            "Word clusters for Wasim's learned labeller: normalized form<TAB>bit path<TAB>frequency.",
            "source: " + (source ?? (isANT
                ? "../shared/corpora/ant-news, the ANT Corpus (Jawhara FM articles 2014-2017; \(counts.documents) articles, \(counts.tokens) tokens\(excludeGold.isEmpty ? "" : "; the articles of " + excludeGold.joined(separator: ", ") + " left out"))"
                : "\(corpus) (\(counts.documents) documents, \(counts.tokens) tokens)")),
            "licence: " + (licence ?? (isANT
                ? "Apache-2.0 with the ANT citation licence: cite Chouigui, Ben Khiroun and Elayeb (2017), \"ANT Corpus: An Arabic News Text Collection for Textual Classification\", AICCSA."
                : "that of the corpus (not given: pass --licence)")),
            "method: words with frequency >= \(options.minFrequency) (at most \(options.maxWords)), normalized by Wasim's Normalizer after its Segmentation; each described by PPMI (context smoothing 0.75) of the \(options.contextWords) most frequent forms at ±1\(options.window == 2 ? " and ±2" : "") (numbers as one form, sentence edges as one), rows L2-normalized; bisecting spherical 2-means weighted by log2(1+frequency), each split seeded by the node's principal direction (12 power iterations from a fixed start, then up to \(options.iterations) rounds); leaves under \(options.minSplit) words or at \(options.maxDepth) bits. The half holding the more frequent word is 0. Deterministic.",
            "command: \(command)",
            "words: \(table.words.count)",
        ]
        let text = table.tsv(header: header)
        guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8)) else {
            throw WasimError.data("\(out): cannot write file")
        }
        log("wrote \(table.words.count) words to \(out) (\(text.utf8.count) bytes)")
    }
}
