// Entity lists and helper lists, compiled into one token trie. Loaded from TSV files:
// `surface<TAB>TYPE[<TAB>canonical-id]`, `#` comments (Gazetteers/README.md has the details).
import Foundation

/// All loaded lists, immutable once built and shared by every thread.
public final class Gazetteer: Sendable {
    /// Entity types: a match of these becomes a candidate entity.
    package static let entityTypes = ["PER", "ORG", "LOC"]
    /// Helper lists the rules read; never tagged themselves.
    package static let helperTypes = [
        "GIVEN_NAME", "FAMILY_NAME", "NAME_PARTICLE", "TITLE", "NISBA", "ORG_DESIGNATOR",
        "LOC_DESIGNATOR", "SITE_NOUN", "SAY_VERB", "COMMON", "VOCAB", "AMBIGUOUS", "EVENT_NOUN",
    ]

    package let typeNames: [String]
    /// Each type's name hashed: what the labeller's features know a type by, so that a list
    /// declaring a type of its own, loaded before others, does not renumber theirs for the model.
    package let typeHashes: [UInt64]
    let trie: TokenTrie
    package let entryType: [Int16]
    let entryFile: [Int16]
    /// The line of each entry in its file (0 for entries added through the API or read from a
    /// compiled list), for the audit.
    package let entryLine: [Int32]
    /// Entries written with a final ة (جدة، مقرة): matching folds ة to ه, but a token written
    /// with ه there is another word with a pronoun (جده "his grandfather", مقره "its seat").
    let entryEndsInTaMarbuta: [Bool]
    let entryID: [Int32]
    let ids: CanonicalIDs
    /// Entries ending at each node: `terminals[terminalStart[n] ..< terminalStart[n + 1]]`.
    let terminalStart: [Int32]
    let terminals: [Int32]
    /// What matching reads of each terminal's entry, beside it in the order of `terminals`: the
    /// entries of a node are one read, not one per array (type, file, flags, priority).
    let terminalInfo: [Terminal]
    /// Nodes whose whole token sequence is an AMBIGUOUS entry or a single ordinary word
    /// (COMMON or VOCAB): an entity entry there is never tagged on its own. A bit per node.
    let ambiguousNodes: [UInt64]
    /// Each entry's file priority, looked up on the hot path.
    let entryPriority: [Int32]
    package let files: [(name: String, priority: Int)]
    /// Per file: its entries outrank every overlapping built-in candidate (`# precedence: user`,
    /// the default of `--gazetteer` files), see ConflictResolution.
    package let userFirst: [Bool]
    private let sources: [String]
    package let normalizer: Normalizer
    let ambiguousType: Int16
    let ordinaryTypes: Set<Int16>

    init(builder b: GazetteerBuilder) {
        typeNames = b.typeNames
        typeHashes = b.typeNames.map(stringHash)
        trie = b.trie
        entryType = b.entryType
        entryFile = b.entryFile
        entryLine = b.entryLine
        entryEndsInTaMarbuta = b.entryEndsInTaMarbuta
        // An entry without an id takes the id of an entry with the same tokens and type from
        // another list, so that every list's داعش reports org:isis. Only the keys of entries
        // without an id go into the table: a big list has an id on every entry.
        // An open-addressing table (key → id), not a Dictionary: hashing every entry through
        // Hasher cost more than the rest of this initializer.
        func key(_ e: Int) -> UInt64 { UInt64(b.entryNode[e]) << 16 | UInt64(UInt16(bitPattern: b.entryType[e])) }
        var adopted = b.entryID
        let missing = b.entryID.reduce(0) { $0 + ($1 < 0 ? 1 : 0) }
        if missing > 0 {
            var size = 16
            while size < missing * 2 { size <<= 1 }
            let empty = UInt64.max, mask = size - 1
            var keys = [UInt64](repeating: empty, count: size)
            var values = [Int32](repeating: -1, count: size)
            func slot(_ k: UInt64) -> Int {
                var i = Int(truncatingIfNeeded: ((k ^ (k >> 29)) &* 0xBF58_476D_1CE4_E5B9) >> 32) & mask
                while keys[i] != empty, keys[i] != k { i = (i + 1) & mask }
                return i
            }
            for (e, id) in b.entryID.enumerated() where id < 0 { keys[slot(key(e))] = key(e) }
            for (e, id) in b.entryID.enumerated() where id >= 0 {
                let i = slot(key(e))
                if keys[i] != empty { values[i] = id }
            }
            for e in adopted.indices where adopted[e] < 0 { adopted[e] = values[slot(key(e))] }
        }
        entryID = adopted
        ids = b.ids
        files = b.files
        userFirst = b.userFirst
        sources = b.files.map { "gazetteer:" + $0.name }
        normalizer = b.normalizer
        ambiguousType = Int16(b.typeIndex["AMBIGUOUS"]!)
        let common = Int16(b.typeIndex["COMMON"]!), vocabulary = Int16(b.typeIndex["VOCAB"]!)
        ordinaryTypes = [common, vocabulary]
        // Counting sort of entries by the node they end at.
        let nodes = Int(b.trie.nodeCount)
        var start = [Int32](repeating: 0, count: nodes + 1)
        for n in b.entryNode { start[Int(n) + 1] += 1 }
        for i in 0..<nodes { start[i + 1] += start[i] }
        var fill = start
        var terms = [Int32](repeating: 0, count: b.entryNode.count)
        var ambiguous = [UInt64](repeating: 0, count: nodes / 64 + 1)
        for (e, n) in b.entryNode.enumerated() {
            terms[Int(fill[Int(n)])] = Int32(e)
            fill[Int(n)] += 1
            let t = b.entryType[e]
            if t == ambiguousType || (b.entryLength[e] == 1 && (t == common || t == vocabulary)) {
                ambiguous[Int(n) >> 6] |= 1 << UInt64(n & 63)
            }
        }
        terminalStart = start
        terminals = terms
        // A file's priority read from its own array: from `files`, each entry copied a tuple
        // with a String in it (a retain and a release).
        let filePriority = b.files.map { Int32($0.priority) }
        terminalInfo = terms.map { e in
            let e = Int(e), file = Int(b.entryFile[e])
            return Terminal(entry: Int32(e), type: b.entryType[e], endsInTaMarbuta: b.entryEndsInTaMarbuta[e],
                            userFirst: b.userFirst[file], priority: filePriority[file], file: Int16(file))
        }
        ambiguousNodes = ambiguous
        entryPriority = b.entryFile.map { filePriority[Int($0)] }
    }

    public var entryCount: Int { entryType.count }
    package func typeID(_ name: String) -> Int32? { typeNames.firstIndex(of: name).map(Int32.init) }
    package func typeName(_ id: Int32) -> String { typeNames[Int(id)] }
    package func canonicalID(ofEntry e: Int32) -> String? { entryID[Int(e)] >= 0 ? ids.string(entryID[Int(e)]) : nil }
    package func fileName(ofEntry e: Int32) -> String { files[Int(entryFile[Int(e)])].name }
    /// The `source` a candidate from this entry carries, made once per file, not per match.
    func source(ofEntry e: Int32) -> String { sources[Int(entryFile[Int(e)])] }
    package func priority(ofEntry e: Int32) -> Int { Int(entryPriority[Int(e)]) }
    @inline(__always) func userFirst(_ e: Int32) -> Bool { userFirst[Int(entryFile[Int(e)])] }
    /// The precedence a candidate from this entry carries (see `Entity.precedence`).
    package func precedence(ofEntry e: Int32) -> Int { userFirst[Int(entryFile[Int(e)])] ? Entity.userPrecedence : 0 }
    @inline(__always) func isAmbiguous(_ node: UInt32) -> Bool { ambiguousNodes[Int(node) >> 6] & (1 << UInt64(node & 63)) != 0 }

    /// Whether `word`, one word read whole and normalized as the lists and documents are, is an
    /// entry of type `type` in a file `accepts` takes: for tools that ask the lists about a word
    /// outside a document (the train-split derivation), through the loader's own parse.
    package func hasEntry(word: String, type: String, file accepts: (String) -> Bool = { _ in true }) -> Bool {
        guard let t = typeID(type) else { return false }
        var units = ContiguousArray<UInt16>()
        Array(word.utf16).withUnsafeBufferPointer { _ = normalizer.normalize($0, into: &units) }
        let key = units.withUnsafeBufferPointer { Normalizer.hash($0) }
        guard let node = trie.child(0, key) else { return false }
        for k in Int(terminalStart[Int(node)])..<Int(terminalStart[Int(node) + 1]) {
            let e = Int(terminals[k])
            if Int32(entryType[e]) == t, accepts(files[Int(entryFile[e])].name) { return true }
        }
        return false
    }

    /// Loads the default lists (every *.tsv in `Gazetteers/`) and any extra files.
    public static func load(directory: String?, extraFiles: [String] = [], normalizer: Normalizer = Normalizer()) throws -> Gazetteer {
        var builder = GazetteerBuilder(normalizer: normalizer)
        if let directory {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tsv") }.sorted()
            // The folder's compiled form when it matches every list (see `CompiledLists`). A list
            // that cannot be read means no cache: loading it one by one reports it as it always did.
            let lists = names.compactMap { name in FileManager.default.contents(atPath: directory + "/" + name).map { (name: name, data: $0) } }
            if lists.count == names.count {
                let compiled = CompiledLists(directory: directory, lists: lists, normalizer: normalizer)
                if !(compiled.read().map { builder.restore($0) } ?? false) {
                    for list in lists { try builder.load(data: list.data, path: directory + "/" + list.name, name: list.name) }
                    compiled.write(builder)
                }
            } else {
                for name in names { try builder.load(path: directory + "/" + name, name: name) }
            }
        }
        for path in extraFiles {
            try builder.load(path: path, name: (path as NSString).lastPathComponent, defaultPriority: 30, userFirst: true)
        }
        return builder.build()
    }
}

/// An entry as matching reads it where it ends in the trie.
struct Terminal {
    let entry: Int32
    let type: Int16
    let endsInTaMarbuta: Bool
    let userFirst: Bool
    let priority: Int32
    /// The entry's list file, for its lookups (`Lookup.file`).
    let file: Int16
}

/// Collects entries, then `build()` freezes them into a `Gazetteer`.
public struct GazetteerBuilder {
    var trie: TokenTrie
    var typeNames: [String] = Gazetteer.entityTypes + Gazetteer.helperTypes
    var typeIndex: [String: Int] = [:]
    var entryType: [Int16] = []
    var entryFile: [Int16] = []
    var entryLine: [Int32] = []
    var entryEndsInTaMarbuta: [Bool] = []
    var entryID: [Int32] = []
    var entryNode: [UInt32] = []
    var entryLength: [UInt8] = []
    var ids = CanonicalIDs()
    /// What the file being loaded adds, kept to write its compiled form (see `CompiledList`).
    var recording: CompiledList? = nil
    var files: [(name: String, priority: Int)] = []
    var userFirst: [Bool] = []
    package let normalizer: Normalizer
    /// Splits surfaces with punctuation in them, made on first need. Settable so that many
    /// builders can share one (its ICU break iterators cost more than a small list).
    package var tokenizer: Pipeline? = nil

    public init(normalizer: Normalizer = Normalizer()) {
        self.init(normalizer: normalizer, trieCapacity: 1 << 16)
    }

    /// With a small trie to start with, for the many tiny lists of the fuzz harness (it grows).
    /// The only place the trie is made: a default table replaced here would still be 2 MB to
    /// clear per builder.
    package init(normalizer: Normalizer = Normalizer(), trieCapacity: Int) {
        self.normalizer = normalizer
        trie = TokenTrie(capacity: trieCapacity)
        for (i, t) in typeNames.enumerated() { typeIndex[t] = i }
    }

    public func build() -> Gazetteer { Gazetteer(builder: self) }

    /// Adds one entry. `type` must be known (built in, or declared by `declare(type:)`).
    /// `userFirst`: the entry outranks built-in lists and rules that overlap it, as a
    /// `--gazetteer` file's entries do (its file's first entry decides for the whole file).
    public mutating func add(_ surface: String, type: String, id: String? = nil, file: String = "api", priority: Int = 30,
                             userFirst: Bool = false) throws {
        guard let t = typeIndex[type] else { throw WasimError.data("unknown type \(type)") }
        let f = fileIndex(file, priority, userFirst: userFirst)
        let units = ContiguousArray(surface.utf16)
        try units.withUnsafeBufferPointer {
            if let (_, problem) = GazetteerBuilder.surfaceProblem($0) { throw WasimError.data("'\(surface)': \(problem)") }
            try add(units: $0, type: t, id: id, file: f)
        }
    }

    public mutating func declare(type: String) {
        if typeIndex[type] == nil, GazetteerBuilder.isTypeName(type) {
            typeIndex[type] = typeNames.count
            typeNames.append(type)
        }
    }

    /// The priorities a list may have: candidates carry them as 32-bit numbers (a fuzzed header
    /// of `# priority: 99999999920` trapped there), and rules use a few dozen.
    static let priorities = -1_000_000...1_000_000

    mutating func fileIndex(_ name: String, _ priority: Int, userFirst: Bool = false) -> Int {
        if let i = files.firstIndex(where: { $0.name == name }) { return i }
        files.append((name, min(max(priority, GazetteerBuilder.priorities.lowerBound), GazetteerBuilder.priorities.upperBound)))
        self.userFirst.append(userFirst)
        return files.count - 1
    }

    /// Adds a surface given as UTF-16: tokens split at spaces, or by ICU when the surface has
    /// punctuation in it, so that entries split exactly as documents do.
    mutating func add(units: UnsafeBufferPointer<UInt16>, type: Int, id: String?, file: Int, line: Int = 0) throws {
        if let id, !id.isEmpty {
            var id = id
            try id.withUTF8 { try add(units: units, type: type, idUnits: nil, idUTF8: $0, file: file, line: line) }
        } else {
            try add(units: units, type: type, idUnits: nil, idUTF8: nil, file: file, line: line)
        }
    }

    /// The same, with the id as UTF-16 (a list's third field) or UTF-8: a list has thousands of
    /// ids, and a String made from UTF-16 costs thousands of instructions each.
    mutating func add(units: UnsafeBufferPointer<UInt16>, type: Int, idUnits: UnsafeBufferPointer<UInt16>?,
                      idUTF8: UnsafeBufferPointer<UInt8>?, file: Int, line: Int = 0) throws {
        // Each word's key: at most one word per two units, plus one.
        let capacity = units.count / 2 + 1
        try withUnsafeTemporaryAllocation(of: UInt64.self, capacity: capacity) { keyBuffer in
            var keyCount = 0
            if units.contains(where: GazetteerBuilder.needsSegmentation) {
                if tokenizer == nil { tokenizer = try Pipeline.tokenizer(normalizer: normalizer) }
                let doc = try tokenizer!.tag(String(decoding: units, as: UTF16.self))
                try doc.tokens.map(\.hash).withUnsafeBufferPointer {
                    try addEntry(keys: $0, units: units, type: type, idUnits: idUnits, idUTF8: idUTF8, file: file, line: line)
                }
                return
            }
            // Words normalized through the same table as documents (`Normalization`), the rare
            // word that needs NFKC through the general path.
            Normalizer.lowTables[normalizer.foldTaMarbuta ? 1 : 0].withUnsafeBufferPointer { table in
                withUnsafeTemporaryAllocation(of: UInt16.self, capacity: max(1, units.count)) { norm in
                    var slow = ContiguousArray<UInt16>()
                    var i = 0
                    while i < units.count {
                        while i < units.count, units[i] == 0x20 { i += 1 }
                        var j = i
                        while j < units.count, units[j] != 0x20 { j += 1 }
                        if j > i {
                            let word = UnsafeBufferPointer(rebasing: units[i..<j])
                            if let (n, _) = normalizer.normalize(word, to: norm.baseAddress!, lowTable: table.baseAddress!) {
                                keyBuffer[keyCount] = Normalizer.hash(UnsafeBufferPointer(rebasing: norm[0..<n]))
                            } else {
                                slow.removeAll(keepingCapacity: true)
                                normalizer.normalize(word, into: &slow)
                                keyBuffer[keyCount] = slow.withUnsafeBufferPointer { Normalizer.hash($0) }
                            }
                            keyCount += 1
                        }
                        i = j
                    }
                }
            }
            try addEntry(keys: UnsafeBufferPointer(rebasing: keyBuffer[0..<keyCount]), units: units, type: type, idUnits: idUnits,
                         idUTF8: idUTF8, file: file, line: line)
        }
    }

    private mutating func addEntry(keys: UnsafeBufferPointer<UInt64>, units: UnsafeBufferPointer<UInt16>, type: Int,
                                   idUnits: UnsafeBufferPointer<UInt16>?, idUTF8: UnsafeBufferPointer<UInt8>?,
                                   file: Int, line: Int) throws {
        guard !keys.isEmpty else { throw WasimError.data("empty surface") }
        var idIndex: Int32 = -1
        if let idUTF8, !idUTF8.isEmpty {
            idIndex = ids.intern(idUTF8)
        } else if let idUnits, !idUnits.isEmpty {
            idIndex = GazetteerBuilder.withUTF8(idUnits) { ids.intern($0) }
        }
        let endsInTa = units.last(where: { !Normalizer.isDiacritic($0) }) == 0x0629
        addEntry(keys: keys, type: type, id: idIndex, file: file, line: line, endsInTaMarbuta: endsInTa)
    }

    /// UTF-16 as UTF-8, as `String(decoding:as:)` then `utf8` would give it (a lone surrogate
    /// becomes U+FFFD).
    static func withUTF8<R>(_ units: UnsafeBufferPointer<UInt16>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: units.count * 3) { out in
            var n = 0
            func put(_ b: Int) { out[n] = UInt8(truncatingIfNeeded: b); n += 1 }
            var i = 0
            while i < units.count {
                var v = Int(units[i])
                i += 1
                if UTF16.isLeadSurrogate(UInt16(v)), i < units.count, UTF16.isTrailSurrogate(units[i]) {
                    v = 0x10000 + ((v - 0xD800) << 10) + (Int(units[i]) - 0xDC00)
                    i += 1
                } else if UTF16.isLeadSurrogate(UInt16(v)) || UTF16.isTrailSurrogate(UInt16(v)) {
                    v = 0xFFFD
                }
                if v < 0x80 {
                    put(v)
                } else if v < 0x800 {
                    put(0xC0 | v >> 6); put(0x80 | v & 0x3F)
                } else if v < 0x10000 {
                    put(0xE0 | v >> 12); put(0x80 | (v >> 6) & 0x3F); put(0x80 | v & 0x3F)
                } else {
                    put(0xF0 | v >> 18); put(0x80 | (v >> 12) & 0x3F); put(0x80 | (v >> 6) & 0x3F); put(0x80 | v & 0x3F)
                }
            }
            return body(UnsafeBufferPointer(rebasing: out[0..<n]))
        }
    }

    /// Adds an entry whose token keys are known: parsed, or read from a compiled list.
    mutating func addEntry(keys: UnsafeBufferPointer<UInt64>, type: Int, id: Int32, file: Int, line: Int = 0,
                           endsInTaMarbuta: Bool = false) {
        var node: UInt32 = 0
        for k in keys { node = trie.insert(node, k) }
        entryType.append(Int16(type))
        entryFile.append(Int16(file))
        entryLine.append(Int32(line))
        entryEndsInTaMarbuta.append(endsInTaMarbuta)
        entryNode.append(node)
        entryLength.append(UInt8(min(keys.count, 255)))
        entryID.append(id)
        recording?.record(keys: keys, type: typeNames[type], id: id, ids: ids, line: line, endsInTaMarbuta: endsInTaMarbuta)
    }

    /// Why a surface can never be a name, with the column (in code points) to point at: a
    /// control character (NUL…), or no letter or digit at all (only harakat, tatweel, format
    /// characters or punctuation: such a surface would match a lone ـ, or nothing).
    static func surfaceProblem(_ units: UnsafeBufferPointer<UInt16>) -> (Int, String)? {
        // Lists are long: code units first, scalars only when no common letter was seen; the
        // column is counted only for a surface that has a problem.
        // Each test one unsigned comparison (a unit below the range wraps around to a large
        // number): the enumerated ranges cost 170 instructions an entry, a tenth of a list's load.
        var hasLetter = false
        var k = 0
        while k < units.count {
            let u = units[k]
            if u < 0x20 || u &- 0x7F <= 0x9F - 0x7F {
                let column = units[...k].reduce(0) { $0 + (UTF16.isTrailSurrogate($1) ? 0 : 1) }
                return (column, "a control character (U+\(String(format: "%04X", u))) in a surface")
            }
            if !hasLetter, u &- 0x0621 <= 0x063A - 0x0621 || u &- 0x0641 <= 0x064A - 0x0641 || u &- 0x30 <= 0x39 - 0x30
                || (u | 0x20) &- 0x61 <= 0x7A - 0x61 {
                hasLetter = true
            }
            k += 1
        }
        if hasLetter { return nil }
        for scalar in String(decoding: units, as: UTF16.self).unicodeScalars {
            let category = scalar.properties.generalCategory
            if scalar.value == 0x0640 { continue }  // tatweel, a letter by category only
            switch category {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                 .decimalNumber, .letterNumber, .otherNumber:
                hasLetter = true
            default: break
            }
        }
        if !hasLetter { return (1, "a surface needs a letter or a digit (this one has only harakat, tatweel, punctuation, symbols or invisible characters)") }
        return nil
    }

    /// A type name that rules can write as @NAME.
    static func isTypeName<S: StringProtocol>(_ name: S) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }

    /// Characters ICU splits off as their own tokens.
    static func needsSegmentation(_ u: UInt16) -> Bool {
        switch u {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E, 0x060C, 0x061B, 0x061F, 0x066A, 0x00AB, 0x00BB,
             0x2010...0x201F:
            return true
        default:
            return false
        }
    }

    /// Loads a TSV file. A malformed line is an error naming the file, line and column.
    public mutating func load(path: String, name: String, defaultPriority: Int = 10, userFirst: Bool = false) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WasimError.data("\(path): cannot read gazetteer file")
        }
        try load(data: data, path: path, name: name, defaultPriority: defaultPriority, userFirst: userFirst)
    }

    /// Loads a TSV file already read (`path` names it, and places its compiled form).
    mutating func load(data: Data, path: String, name: String, defaultPriority: Int = 10, userFirst: Bool = false) throws {
        let file = fileIndex(name, defaultPriority, userFirst: userFirst)
        // A compiled list keeps no directives but the priority: read the precedence from the header.
        // Bytes, not String.contains: Foundation's search folds character clusters, which cost
        // more than parsing a small list.
        let header = [UInt8](data.prefix(4096))
        // A raw loop: comparing an array slice at each of 4,096 places cost 76,000 instructions a file.
        func mentions(_ directive: String) -> Bool {
            let needle = Array(directive.utf8)
            return header.withUnsafeBufferPointer { h in
                guard h.count >= needle.count else { return false }
                for i in 0...(h.count - needle.count) where h[i] == needle[0] {
                    var k = 1
                    while k < needle.count, h[i + k] == needle[k] { k += 1 }
                    if k == needle.count { return true }
                }
                return false
            }
        }
        if mentions("# precedence: list") { self.userFirst[file] = false }
        if mentions("# precedence: user") { self.userFirst[file] = true }
        // A big list is read from its compiled form when one beside it matches its bytes.
        let compiled = data.count >= CompiledList.threshold ? CompiledList.Cache(list: path, data: data, normalizer: normalizer) : nil
        if let compiled, let cached = compiled.read(), replay(cached, file: file) { return }
        if compiled != nil {
            recording = CompiledList(typesBefore: typeNames.count, expectedBytes: data.count)
        }
        defer { recording = nil }
        try data.withUnsafeBytes {
            try load(contents: $0.bindMemory(to: UInt8.self), path: path, name: name, defaultPriority: defaultPriority, userFirst: userFirst)
        }
        if let compiled, var list = recording {
            list.priority = files[file].priority
            list.declared = Array(typeNames[list.typesBefore...])
            compiled.write(list)
        }
    }

    /// Loads a TSV file's bytes; `path` names it in errors.
    public mutating func load(contents bytes: UnsafeBufferPointer<UInt8>, path: String, name: String, defaultPriority: Int = 10,
                              userFirst: Bool = false) throws {
        let text: ContiguousArray<UInt16>
        switch ICU.utf16(fromUTF8: bytes, lossy: false) {
        case .failure(let f): throw WasimError.data("\(path): invalid UTF-8 at byte \(f.byteOffset)")
        case .success(let t): text = t
        }
        // Room for every word of the file in the trie up front: growing a big table while it
        // fills holds the old and the new one at once.
        let words = text.reduce(0) { $0 + ($1 == 0x20 || $1 == 0x0A ? 1 : 0) }
        trie.reserve(words)
        // And for ids: at most one a line, fewer lines than words.
        ids.reserve(words)
        let file = fileIndex(name, defaultPriority, userFirst: userFirst)
        var lastType: (units: [UInt16], type: Int) = ([0xFFFF], -1)  // matches no type name
        // `# also-types: COUNTRY`: every later entry is also a lookup of these helper types, so
        // that rules can tell a country from a city without a second copy of the list.
        var alsoTypes: [Int] = []
        try text.withUnsafeBufferPointer { buf in
            var lineStart = 0
            var lineNumber = 0
            if buf.count >= 1, buf[0] == 0xFEFF { lineStart = 1 }
            while lineStart < buf.count {
                lineNumber += 1
                var lineEnd = lineStart
                while lineEnd < buf.count, buf[lineEnd] != 0x0A { lineEnd += 1 }
                var contentEnd = lineEnd
                if contentEnd > lineStart, buf[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                let line = UnsafeBufferPointer(rebasing: buf[lineStart..<contentEnd])
                defer { lineStart = lineEnd + 1 }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                if line[0] == 0x23 {  // '#': a comment, or a directive
                    if !GazetteerBuilder.mayBeDirective(line) { continue }
                    let comment = String(decoding: line.dropFirst(), as: UTF16.self).trimmingCharacters(in: .whitespaces)
                    if comment.hasPrefix("priority:") {
                        guard let p = Int(comment.dropFirst("priority:".count).trimmingCharacters(in: .whitespaces)),
                              GazetteerBuilder.priorities.contains(p) else {
                            throw Self.error(path, lineNumber, 3, "priority must be a whole number from \(GazetteerBuilder.priorities.lowerBound) to \(GazetteerBuilder.priorities.upperBound)", line)
                        }
                        files[file].priority = p
                    } else if comment.hasPrefix("precedence:") {
                        switch comment.dropFirst("precedence:".count).trimmingCharacters(in: .whitespaces) {
                        case "user": self.userFirst[file] = true
                        case "list": self.userFirst[file] = false
                        default: throw Self.error(path, lineNumber, 3, "precedence must be 'user' (outranks built-in lists and rules) or 'list' (competes by length and priority)", line)
                        }
                    } else if comment.hasPrefix("declare-types:") {
                        let raw = String(decoding: line, as: UTF16.self)
                        for t in comment.dropFirst("declare-types:".count).split(separator: " ") {
                            guard Self.isTypeName(t) else {
                                let at = raw.range(of: String(t)).map { raw.distance(from: raw.startIndex, to: $0.lowerBound) + 1 } ?? 1
                                throw Self.error(path, lineNumber, at, "a type name is ASCII letters, digits, '_' or '-', starting with a letter (rules name it as @NAME): '\(t)'", line)
                            }
                            declare(type: String(t))
                        }
                    } else if comment.hasPrefix("also-types:") {
                        alsoTypes = []
                        for t in comment.dropFirst("also-types:".count).split(separator: " ") {
                            guard Self.isTypeName(t) else {
                                throw Self.error(path, lineNumber, 3, "a type name is ASCII letters, digits, '_' or '-', starting with a letter (rules name it as @NAME): '\(t)'", line)
                            }
                            declare(type: String(t))
                            guard let i = typeIndex[String(t)], i >= Gazetteer.entityTypes.count else {
                                throw Self.error(path, lineNumber, 3, "also-types takes helper types only, not \(t)", line)
                            }
                            alsoTypes.append(i)
                        }
                    }
                    continue
                }
                // Fields by their tab positions; at most three.
                var tabs = (-1, -1), tabCount = 0
                for k in 0..<line.count where line[k] == 0x09 {
                    if tabCount == 0 { tabs.0 = k } else if tabCount == 1 { tabs.1 = k }
                    tabCount += 1
                }
                guard tabCount == 1 || tabCount == 2 else {
                    throw Self.error(path, lineNumber, 1,
                                     tabCount == 0 ? "missing type: expected surface<TAB>TYPE[<TAB>id]"
                                                   : "too many fields: expected surface<TAB>TYPE[<TAB>id]", line)
                }
                let surface = UnsafeBufferPointer(rebasing: line[0..<tabs.0])
                if surface.allSatisfy({ $0 == 0x20 }) { throw Self.error(path, lineNumber, 1, "empty surface", line) }
                if let (column, problem) = Self.surfaceProblem(surface) {
                    throw Self.error(path, lineNumber, column, problem, line)
                }
                let typeRange = (tabs.0 + 1)..<(tabCount == 2 ? tabs.1 : line.count)
                let typeUnits = UnsafeBufferPointer(rebasing: line[typeRange])
                // Files list one type over and over: compare with the last one before making a String.
                if !Self.same(typeUnits, lastType.units) {
                    // The known names compared as UTF-16 first: a String is made only for a name
                    // that is not one of them as written.
                    if let known = typeNames.firstIndex(where: { $0.utf16.elementsEqual(typeUnits) }), let type = typeIndex[typeNames[known]] {
                        lastType = (Array(typeUnits), type)
                    } else {
                        let typeName = String(decoding: typeUnits, as: UTF16.self)
                        guard let type = typeIndex[typeName] else {
                            throw Self.error(path, lineNumber, typeRange.lowerBound + 1,
                                             typeName.isEmpty ? "missing type" : "unknown type '\(typeName)' (known: \(typeNames.joined(separator: ", ")); declare new helper types with '# declare-types: NAME')", line)
                        }
                        lastType = (Array(typeUnits), type)
                    }
                }
                let type = lastType.type
                let id = tabCount == 2 ? UnsafeBufferPointer(rebasing: line[(tabs.1 + 1)...]) : nil
                do {
                    try add(units: surface, type: type, idUnits: id, idUTF8: nil, file: file, line: lineNumber)
                    for t in alsoTypes { try add(units: surface, type: t, idUnits: nil, idUTF8: nil, file: file, line: lineNumber) }
                } catch let e as WasimError {
                    throw Self.error(path, lineNumber, 1, e.description, line)
                }
            }
        }
    }

    /// Whether a comment line can be a directive: after `#` and white space (what
    /// `trimmingCharacters(in: .whitespaces)` drops: tab and the space separators), a
    /// directive's first letter. Most comments are prose, and trimming them cost more than
    /// parsing a small list.
    /// The directive's name and colon must follow, as written: a prose comment that starts with
    /// a/d/p is not made a String (a long one cost hundreds of thousands of instructions).
    static func mayBeDirective(_ line: UnsafeBufferPointer<UInt16>) -> Bool {
        var k = 1
        scan: while k < line.count {
            switch line[k] {
            case 0x09, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x202F, 0x205F, 0x3000: k += 1
            default: break scan
            }
        }
        let rest = UnsafeBufferPointer(rebasing: line[k...])
        return directiveNames.contains { name in rest.count >= name.count && same(UnsafeBufferPointer(rebasing: rest[0..<name.count]), name) }
    }

    private static let directiveNames: [[UInt16]] = ["also-types:", "declare-types:", "priority:", "precedence:"].map { Array($0.utf16) }

    /// Whether two runs of code units are equal (`elementsEqual` cost a hundred instructions a line).
    @inline(__always) static func same(_ a: UnsafeBufferPointer<UInt16>, _ b: [UInt16]) -> Bool {
        guard a.count == b.count else { return false }
        return b.withUnsafeBufferPointer { b in
            for i in 0..<a.count where a[i] != b[i] { return false }
            return true
        }
    }

    static func error(_ path: String, _ line: Int, _ column: Int, _ message: String, _ text: UnsafeBufferPointer<UInt16>) -> WasimError {
        let shown = String(decoding: text, as: UTF16.self).replacingOccurrences(of: "\t", with: " ")
        return WasimError.data("\(path):\(line):\(column): \(message)\n    \(shown)\n    \(String(repeating: " ", count: max(0, column - 1)))^")
    }
}
