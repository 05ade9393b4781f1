// The labeller's model: BIO labels, per-feature weights in an open-addressing table keyed by
// feature hash, label-to-label transitions, and the file they live in (format in Models/README.md).
import Foundation

/// The seven BIO labels over PER, ORG, LOC.
public enum BIOLabel: Int, CaseIterable, Sendable {
    case outside = 0, beginPER, insidePER, beginORG, insideORG, beginLOC, insideLOC

    public static let count = 7
    public var name: String { ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"][rawValue] }
    public init?(name: String) {
        guard let i = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"].firstIndex(of: name) else { return nil }
        self.init(rawValue: i)
    }
    public var type: EntityType? {
        switch self {
        case .outside: nil
        case .beginPER, .insidePER: .person
        case .beginORG, .insideORG: .organization
        case .beginLOC, .insideLOC: .location
        }
    }
    public var isInside: Bool { self == .insidePER || self == .insideORG || self == .insideLOC }
    public static func begin(_ t: EntityType) -> BIOLabel? {
        switch t {
        case .person: .beginPER
        case .organization: .beginORG
        case .location: .beginLOC
        default: nil
        }
    }
    /// BIO: an I-X follows only B-X or I-X.
    @inline(__always) public static func allowed(from previous: Int, to next: Int) -> Bool {
        guard next == 2 || next == 4 || next == 6 else { return true }
        return previous == next || previous == next - 1
    }
}

/// A trained model: what the stage and `wasim explain` read.
public struct LabellerModel: Sendable {
    public static let magic: [UInt8] = Array("WASIMLBL".utf8)
    public static let version: UInt32 = 1
    /// The feature templates of `FeatureExtractor`, as numbered in `Template`.
    public static let featureSet: UInt32 = 2

    public var name: String
    public var groups: FeatureGroups
    /// Slot keys (0 = empty); capacity is a power of two.
    var keys: [UInt64]
    /// `weights[slot * 7 + label]`, quantized: the weight is `q * scale`.
    var weights: [Int16]
    public var scale: Float
    /// `transitions[(previous + 1) * 7 + next]`; row 0 is the start of a sentence.
    public var transitions: [Float]

    public var featureCount: Int { keys.lazy.filter { $0 != 0 }.count }
    public var capacity: Int { keys.count }

    init(name: String, groups: FeatureGroups, keys: [UInt64], weights: [Int16], scale: Float, transitions: [Float]) {
        self.name = name
        self.groups = groups
        self.keys = keys
        self.weights = weights
        self.scale = scale
        self.transitions = transitions
    }

    /// Builds the table from float weights (features in a fixed order: the output is deterministic).
    package init(name: String, groups: FeatureGroups, features: [(key: UInt64, weights: [Float])], transitions: [Float]) {
        var capacity = 1024
        while capacity * 7 < features.count * 10 { capacity *= 2 }
        var maxAbs: Float = 0
        for f in features { for w in f.weights { maxAbs = max(maxAbs, abs(w)) } }
        let scale = maxAbs > 0 ? maxAbs / 32767 : 1
        var keys = [UInt64](repeating: 0, count: capacity)
        var weights = [Int16](repeating: 0, count: capacity * 7)
        let mask = capacity - 1
        for f in features {
            var slot = Int(truncatingIfNeeded: f.key) & mask
            while keys[slot] != 0 { slot = (slot + 1) & mask }
            keys[slot] = f.key
            for l in 0..<7 { weights[slot * 7 + l] = Int16((f.weights[l] / scale).rounded()) }
        }
        self.init(name: name, groups: groups, keys: keys, weights: weights, scale: scale, transitions: transitions)
    }

    /// The slot of a feature, or -1.
    @inline(__always) func slot(_ key: UInt64) -> Int {
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: key) & mask
        return keys.withUnsafeBufferPointer { k in
            while true {
                let found = k[slot]
                if found == key { return slot }
                if found == 0 { return -1 }
                slot = (slot + 1) & mask
            }
        }
    }

    /// A feature's weights (zero when unknown).
    public func weights(ofKey key: UInt64) -> [Float] {
        let s = slot(key)
        guard s >= 0 else { return [Float](repeating: 0, count: 7) }
        return (0..<7).map { Float(weights[s * 7 + $0]) * scale }
    }

    // MARK: File

    /// The model's bytes: header, transitions, keys, weights, checksum (Models/README.md).
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func f32(_ v: Float) { u32(v.bitPattern) }
        out.append(contentsOf: LabellerModel.magic)
        u32(LabellerModel.version)
        u32(LabellerModel.featureSet)
        u32(groups.rawValue)
        u32(7)
        out.append(contentsOf: LabellerModel.labelBytes)
        var nameBytes = [UInt8](repeating: 0, count: 32)
        let n = Array(name.utf8.prefix(32))
        nameBytes.replaceSubrange(0..<n.count, with: n)
        out.append(contentsOf: nameBytes)
        u32(UInt32(capacity))
        u32(UInt32(featureCount))
        f32(scale)
        u32(0)
        for t in transitions { f32(t) }
        for k in keys { u64(k) }
        for w in weights { withUnsafeBytes(of: w.littleEndian) { out.append(contentsOf: $0) } }
        u64(LabellerModel.checksum(out[...]))
        return out
    }

    /// FNV-1a, a byte at a time as the format has it, sixteen bytes a turn of the loop: the
    /// slice's iterator cost 3.7 instructions a byte, most of loading the model.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBufferPointer { b in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            @inline(__always) func mix(_ i: Int) { h = (h ^ UInt64(b[i])) &* 0x100_0000_01b3 }
            let whole = b.count & ~15
            var i = 0
            while i < whole {
                for k in 0..<16 { mix(i &+ k) }
                i &+= 16
            }
            while i < b.count { mix(i); i += 1 }
            return h
        }
    }

    public func write(to path: String) throws {
        let bytes = serialized()
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw WasimError.data("\(path): cannot write the model file")
        }
    }

    static let headerSize = 8 + 4 * 4 + 48 + 32 + 4 * 4

    /// The label names, space-separated and padded with spaces to 48 bytes.
    static let labelBytes: [UInt8] = {
        var labels = [UInt8](repeating: 0x20, count: 48)
        let joined = Array(BIOLabel.allCases.map(\.name).joined(separator: " ").utf8)
        labels.replaceSubrange(0..<joined.count, with: joined)
        return labels
    }()

    /// Reads a model file; a wrong, truncated or corrupt file is an error naming it.
    public static func load(path: String) throws -> LabellerModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WasimError.data("\(path): cannot read the model file")
        }
        return try parse([UInt8](data), file: path)
    }

    public static func parse(_ bytes: [UInt8], file: String) throws -> LabellerModel {
        func fail(_ m: String) -> WasimError { WasimError.data("\(file): \(m)") }
        guard bytes.count >= 8, Array(bytes[0..<8]) == magic else {
            throw fail("not a Wasim labeller model (no WASIMLBL header); train one with `wasim train`")
        }
        guard bytes.count >= headerSize + 8 else { throw fail("truncated model file (\(bytes.count) bytes)") }
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
        let version = u32(8)
        guard version == LabellerModel.version else {
            throw fail("model format version \(version); this wasim reads version \(LabellerModel.version): retrain it with `wasim train`")
        }
        guard u32(12) == featureSet else {
            throw fail("model built for feature set \(u32(12)); this wasim computes feature set \(featureSet): retrain it with `wasim train`")
        }
        let groups = FeatureGroups(rawValue: u32(16))
        guard u32(20) == 7 else { throw fail("model has \(u32(20)) labels; expected 7 (O and B/I of PER, ORG, LOC)") }
        // The labels as `serialized()` writes them are compared as bytes: Foundation's first
        // trimming loads its character tables (a million instructions of every start).
        if !bytes[24..<72].elementsEqual(labelBytes) {
            let labelText = String(decoding: bytes[24..<72], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            guard labelText == BIOLabel.allCases.map(\.name).joined(separator: " ") else {
                throw fail("unexpected label set '\(labelText)'")
            }
        }
        let name = String(decoding: bytes[72..<104].prefix { $0 != 0 }, as: UTF8.self)
        let capacity = Int(u32(104)), count = Int(u32(108))
        let scale = Float(bitPattern: u32(112))
        guard capacity > 0, capacity & (capacity - 1) == 0, capacity <= 1 << 24, count < capacity else {
            throw fail("corrupt header (capacity \(capacity), features \(count))")
        }
        let expected = headerSize + 56 * 4 + capacity * 8 + capacity * 14 + 8
        guard bytes.count == expected else {
            throw fail(bytes.count < expected ? "truncated model file (\(bytes.count) bytes; the header announces \(expected))"
                                              : "model file has \(bytes.count - expected) bytes of trailing garbage")
        }
        guard checksum(bytes[0..<(expected - 8)]) == u64(expected - 8) else {
            throw fail("corrupt model file (checksum mismatch)")
        }
        var at = headerSize
        var transitions = [Float](repeating: 0, count: 56)
        for i in 0..<56 { transitions[i] = Float(bitPattern: u32(at)); at += 4 }
        // Copied straight into uninitialized arrays: zeroing 2.9 MB first, to overwrite it at
        // once, was a sixth of loading the model.
        let keys = bytes.withUnsafeBytes { raw in
            [UInt64](unsafeUninitializedCapacity: capacity) { buffer, count in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[at..<(at + capacity * 8)]))
                count = capacity
            }
        }
        at += capacity * 8
        let weights = bytes.withUnsafeBytes { raw in
            [Int16](unsafeUninitializedCapacity: capacity * 7) { buffer, count in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[at..<(at + capacity * 14)]))
                count = capacity * 7
            }
        }
        // The file is little-endian, as every machine Wasim runs on.
        return LabellerModel(name: name, groups: groups, keys: keys, weights: weights, scale: scale, transitions: transitions)
    }
}
