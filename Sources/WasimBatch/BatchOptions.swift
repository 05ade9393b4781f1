// What a batch run is asked to do, and what it reports at the end.
import Foundation
import Wasim

/// The output formats of a batch.
public enum BatchFormat: String, CaseIterable, Sendable {
    /// One JSON Lines record per article (`WasimJSON.record`).
    case jsonl
    /// Every token with offsets, kind, normalized form and proclitics (`WasimJSON.tokens`).
    case tokens
    /// Token TAB BIO-tag per line, a blank line after each sentence.
    case conll
    /// brat standoff: `.ann` with T lines in code-point offsets, next to a copy of the `.txt`.
    case brat
    /// A self-contained right-to-left page per article, plus `index.html`.
    case html

    /// The extension of an article's output file under `--output`.
    public var fileExtension: String {
        switch self {
        case .jsonl: "jsonl"
        case .tokens: "tokens.jsonl"
        case .conll: "conll"
        case .brat: "ann"
        case .html: "html"
        }
    }

    /// brat and html are trees of files, not a stream.
    public var needsOutputDirectory: Bool { self == .brat || self == .html }
}

/// `--shard I/N`: the I-th (1-based) of N disjoint parts of the input. An article belongs to the
/// shard picked by a hash of its name (its path under the folder given, or the path as given),
/// so the split does not depend on which other files exist, on the machine or on the order of
/// the walk. The hash (FNV-1a, 64-bit, of the UTF-8 name) must never change.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init?(index: Int, count: Int) {
        guard count >= 1, index >= 1, index <= count else { return nil }
        self.index = index
        self.count = count
    }

    /// Parses "I/N".
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    public func contains(_ key: String) -> Bool {
        Int(Shard.hash(key) % UInt64(count)) == index - 1
    }

    static func hash(_ key: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}

public struct BatchOptions: Sendable {
    public var format: BatchFormat = .jsonl
    /// Write one file per article below this folder instead of a stream on standard output.
    public var outputDirectory: String? = nil
    /// With `outputDirectory`: skip articles whose output exists and is newer than the input.
    public var resume = false
    /// Worker threads.
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    public var lossy = false
    /// Which files below a folder are articles: an fnmatch(3) pattern on the file name, or on
    /// the path under the folder when it holds a '/'.
    public var glob = "*.txt"
    public var shard: Shard? = nil
    /// Files larger than this fail with an error naming the limit (nil: no limit).
    public var maxBytes: Int? = nil
    /// An article is read and tagged in pieces of at most this many bytes, cut at a line end
    /// (else a sentence end, else a space), so a huge file needs bounded memory. Articles
    /// below it, that is all real ones, are tagged whole.
    public var chunkBytes = 1 << 20
    /// Show a progress bar on standard error (the CLI sets it when that is a terminal).
    public var progress = false
    /// Articles in flight per worker: bounds memory and the reordering buffer.
    public var queueDepthPerJob = 4

    public init() {}
}

/// What a batch did.
public struct BatchSummary: Sendable, CustomStringConvertible {
    /// Articles seen (tagged + skipped + failed).
    public var files = 0
    public var tagged = 0
    /// Skipped by `--resume` because their output was up to date.
    public var skipped = 0
    public var failed = 0
    public var tokens = 0
    public var bytes = 0
    public var entities: [String: Int] = [:]
    public var seconds = 0.0

    public var tokensPerSecond: Double { seconds > 0 ? Double(tokens) / seconds : 0 }
    public var entityCount: Int { entities.values.reduce(0, +) }

    public var description: String {
        let types = EntityType.builtIn.map(\.rawValue) + entities.keys.filter { k in !EntityType.builtIn.contains { $0.rawValue == k } }.sorted()
        let perType = types.map { "\($0) \(entities[$0] ?? 0)" }.joined(separator: ", ")
        var s = "\(files) files (\(tagged) tagged"
        if skipped > 0 { s += ", \(skipped) skipped as up to date" }
        s += ", \(failed) failed), \(tokens) tokens, \(entityCount) entities (\(perType)), "
        s += "\(failed) errors, " + String(format: "%.2f s, %@ tokens/s", seconds, BatchSummary.human(tokensPerSecond))
        return s
    }

    static func human(_ v: Double) -> String {
        if v >= 1e6 { return String(format: "%.2fM", v / 1e6) }
        if v >= 1e3 { return String(format: "%.1fk", v / 1e3) }
        return String(format: "%.0f", v)
    }
}
