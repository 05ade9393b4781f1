// Throughput of the pipeline on a folder of articles. Run in release:
//   swift run -c release wasim-bench ../shared/corpora/ant-news
import Foundation
import Wasim

func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kb / 1024
    }
    return 0
}

let args = CommandLine.arguments.dropFirst()
guard let folder = args.first else {
    print("usage: wasim-bench FOLDER")
    exit(2)
}
let fm = FileManager.default
let files = (fm.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? [])
    .filter { $0.hasSuffix(".txt") }.sorted().map { folder + "/" + $0 }
let contents = files.compactMap { fm.contents(atPath: $0).map { Array($0) } }
let bytes = contents.reduce(0) { $0 + $1.count }

func measure(_ label: String, _ pipeline: Pipeline) throws {
    var tokens = 0, entities = 0
    let start = Date()
    for data in contents {
        let doc = try TextDecoder.document(from: data)
        try pipeline.run(doc)
        tokens += doc.tokens.count
        entities += doc.entities.count
    }
    let seconds = Date().timeIntervalSince(start)
    print(String(format: "%@: %d documents, %d tokens, %d entities, %.2f s, %.1f MB/s, %.2fM tokens/s, peak RSS %.0f MB",
                 label, contents.count, tokens, entities, seconds, Double(bytes) / seconds / 1e6,
                 Double(tokens) / seconds / 1e6, peakRSSMegabytes()))
}

try measure("segmentation+normalization", try Pipeline.tokenizer())
