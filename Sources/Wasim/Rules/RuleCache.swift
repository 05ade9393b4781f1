// The compiled form of the data directory's rules (`Models/rules/*.rules`), cached beside them
// as `Models/.rules.wasim-cache`: every rule as compiling it left it (its program, conditions,
// the sets and extras they point to, its examples, start and required lists and texts), so that
// a start rebuilds objects from arrays instead of parsing 200 KB of rules and compiling them
// (about 200M instructions, two thirds of a start). It is only a cache, with the guarantees of
// the lists' caches (`CompiledLists`):
// - it is used only when it was made from the same rule files (every file's name, length and a
//   hash of its bytes, in loading order), by the same normalization and segmentation (the
//   fingerprint `CompiledList` uses), by the same executable (its size, modification time and
//   inode: a rebuilt compiler never reads an older build's rules) and with the same format
//   version; and only with lists whose type names begin with those the rules were compiled
//   against (a condition's `@LIST` is the list's index there);
// - it is written under a unique temporary name and renamed into place, so a reader never sees half;
// - a checksum covers everything after the header, and every count, index and jump target is
//   checked before anything is built; any mismatch makes the loader parse and compile the rules
//   as if there were no cache (and write a new one);
// - a folder that cannot be written to just means no cache.
//
// Layout (little-endian): magic "WASIMRUL", version u32, key u64, payload length u64, payload
// checksum u64; then the payload: the type names the rules were compiled against (names: count
// u32, then length u32 + UTF-8 each), the objects conditions point to (count u32; each a kind
// u8, 0 a text set: hashes; 1 extras: excluded texts, six lists of UTF-16 texts, two lists of
// regex sources), then the rules (count u32), each: name, file index u32, line, priority, size
// i64, start lists (flag u8, u64), capture types (names), examples that fire and skip, the
// program (count u32, then tag u8 and two i32 each), the conditions, the objects it keeps
// (count u32 of u32 indices), start texts and required texts (count u32 of u64).
import Foundation

struct RuleCache {
    static let magic: [UInt8] = Array("WASIMRUL".utf8)
    /// Bump when the layout, or what compiling a rule makes, changes (the executable's identity
    /// in the key already makes every rebuild compile afresh).
    static let version: UInt32 = 1
    static let fileName = ".rules.wasim-cache"

    let file: CacheFile

    /// `directory`: where the cache lives (`Models/`); `files`: the rule files in loading order,
    /// by name, with their bytes.
    init(directory: String, files: [(name: String, data: [UInt8])], normalizer: Normalizer, executable: [UInt64] = RuleCache.executableIdentity()) {
        var head: [UInt8] = []
        for k in executable { putLittleEndian(k, &head) }
        putLittleEndian(UInt64(files.count), &head)
        let key = CacheFile.key(version: RuleCache.version, normalizer: normalizer, head: head,
                                files: files.map { ($0.name, $0.data.count, $0.data.withUnsafeBytes { CompiledList.hash($0) }) })
        file = CacheFile(path: directory + "/" + RuleCache.fileName, magic: RuleCache.magic, version: RuleCache.version,
                         key: key)
    }

    /// The running executable's device, inode, size and modification time (zeros if unknown).
    static func executableIdentity() -> [UInt64] {
        var st = stat()
        guard stat("/proc/self/exe", &st) == 0 else { return [0, 0, 0, 0] }
        return [UInt64(st.st_dev), UInt64(st.st_ino), UInt64(st.st_size),
                UInt64(bitPattern: Int64(st.st_mtim.tv_sec)) &* 1_000_000_000 &+ UInt64(st.st_mtim.tv_nsec)]
    }

    /// Rules decoded from a cache, before the lists are known.
    struct Decoded {
        /// The lists' type names they were compiled against.
        let typeNames: [String]
        let rules: [Rule]

        /// Whether lists with these type names give every `@LIST` the same index.
        func fits(_ gazetteer: Gazetteer) -> Bool { gazetteer.typeNames.starts(with: typeNames) }
    }

    /// The cached rules, if the cache was made from these files and is whole; `paths`: the rule
    /// files as they are named now (each rule's `file`), in the order of `files` at `init`.
    func read(paths: [String]) -> Decoded? {
        guard let data = file.read() else { return nil }
        return data.withUnsafeBytes { raw in RuleCache.decode(raw, headerSize: file.headerSize, paths: paths) }
    }

    /// Best effort: a cache that cannot be written is no error.
    func write(_ rules: [Rule], paths: [String], typeNames: [String]) {
        guard let payload = RuleCache.encode(rules, paths: paths, typeNames: typeNames) else { return }
        file.write([payload], checksum: payload.withUnsafeBytes { CompiledList.hash($0) })
    }

    // MARK: encoding

    /// The payload; nil if a rule cannot be written (a file outside `paths`, an unknown object).
    static func encode(_ rules: [Rule], paths: [String], typeNames: [String]) -> [UInt8]? {
        var objects: [AnyObject] = []
        var index: [ObjectIdentifier: UInt32] = [:]
        func objectIndex(_ o: AnyObject) -> UInt32 {
            if let i = index[ObjectIdentifier(o)] { return i }
            let i = UInt32(objects.count)
            index[ObjectIdentifier(o)] = i
            objects.append(o)
            return i
        }
        var body: [UInt8] = []
        body.reserveCapacity(1 << 20)
        putLittleEndian(UInt32(rules.count), &body)
        for rule in rules {
            guard let f = paths.firstIndex(of: rule.file) else { return nil }
            put(rule.name, &body)
            putLittleEndian(UInt32(f), &body)
            putLittleEndian(Int64(rule.line), &body)
            putLittleEndian(Int64(rule.priority), &body)
            putLittleEndian(Int64(rule.size), &body)
            body.append(rule.startLists == nil ? 0 : 1)
            putLittleEndian(rule.startLists ?? 0, &body)
            put(rule.captureTypes.map(\.rawValue), &body)
            put(rule.fires, &body)
            put(rule.skips, &body)
            let code = rule.code
            guard code.source == rule.source, code.priority == rule.priority, code.startLists == rule.startLists,
                  code.captureTypes == rule.captureTypes else { return nil }
            putLittleEndian(UInt32(code.program.count), &body)
            for instruction in code.program {
                let (tag, a, b): (UInt8, Int, Int) = switch instruction {
                case .consume(let c): (0, c, 0)
                case .split(let x, let y): (1, x, y)
                case .jump(let x): (2, x, 0)
                case .open(let c): (3, c, 0)
                case .close(let c): (4, c, 0)
                case .match: (5, 0, 0)
                }
                body.append(tag)
                putLittleEndian(Int32(a), &body)
                putLittleEndian(Int32(b), &body)
            }
            putLittleEndian(UInt32(code.conditionCount), &body)
            for c in UnsafeBufferPointer(rebasing: code.conditions[0..<code.conditionCount]) {
                body.append(c.kinds)
                body.append(c.excludedKinds)
                putLittleEndian(c.listA, &body)
                putLittleEndian(c.listB, &body)
                putLittleEndian(c.excludedLists, &body)
                body.append(c.text == nil ? 0 : 1)
                putLittleEndian(c.text ?? 0, &body)
                putLittleEndian(c.textSet.map { Int32(objectIndex($0.takeUnretainedValue())) } ?? -1, &body)
                putLittleEndian(Int64(c.minLength), &body)
                putLittleEndian(Int64(c.maxLength), &body)
                body.append(c.clitic == nil ? 0 : 1)
                body.append(c.clitic?.rawValue ?? 0)
                body.append(c.noClitic ? 1 : 0)
                putLittleEndian(c.extras.map { Int32(objectIndex($0.takeUnretainedValue())) } ?? -1, &body)
            }
            putLittleEndian(UInt32(code.extras.count), &body)
            for o in code.extras { putLittleEndian(objectIndex(o), &body) }
            put(code.startTexts.hashes, &body)
            put(code.requiredTexts, &body)
        }
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 1 << 16)
        put(typeNames, &out)
        putLittleEndian(UInt32(objects.count), &out)
        for o in objects {
            if let set = o as? TextSet {
                out.append(0)
                put(set.hashes, &out)
            } else if let x = o as? ConditionExtras {
                out.append(1)
                put(x.excludedTexts, &out)
                for list in [x.exact, x.excludedExact, x.starts, x.excludedStarts, x.ends, x.excludedEnds] { put(list, &out) }
                put(x.regexes.map(\.source), &out)
                put(x.excludedRegexes.map(\.source), &out)
            } else {
                return nil
            }
        }
        return out + body
    }

    private static func put(_ s: String, _ out: inout [UInt8]) {
        putLittleEndian(UInt32(s.utf8.count), &out)
        out += s.utf8
    }

    private static func put(_ names: [String], _ out: inout [UInt8]) {
        putLittleEndian(UInt32(names.count), &out)
        for n in names { put(n, &out) }
    }

    private static func put(_ values: [UInt64], _ out: inout [UInt8]) {
        putLittleEndian(UInt32(values.count), &out)
        for v in values { putLittleEndian(v, &out) }
    }

    private static func put(_ texts: [[UInt16]], _ out: inout [UInt8]) {
        putLittleEndian(UInt32(texts.count), &out)
        for t in texts {
            putLittleEndian(UInt32(t.count), &out)
            for u in t { putLittleEndian(u, &out) }
        }
    }

    private static func put(_ examples: [RuleExample], _ out: inout [UInt8]) {
        putLittleEndian(UInt32(examples.count), &out)
        for e in examples {
            put(e.text, &out)
            putLittleEndian(Int64(e.line), &out)
            putLittleEndian(UInt32(e.expected.count), &out)
            for x in e.expected {
                put(x.type.rawValue, &out)
                put(x.text, &out)
            }
        }
    }

    // MARK: decoding

    /// The regular expressions of `sources`; nil if one does not compile.
    private static func compiled(_ sources: [String]) -> [TokenRegex]? {
        let regexes = sources.compactMap(TokenRegex.init)
        return regexes.count == sources.count ? regexes : nil
    }

    /// A condition's reference to a shared object: `.some(nil)` for -1 (none), the object if
    /// `index` names one of type `T`, nil (a corrupt cache) otherwise.
    private static func reference<T: AnyObject>(_ index: Int32, in objects: [AnyObject]) -> Unmanaged<T>?? {
        if index == -1 { return .some(nil) }
        guard index >= 0, Int(index) < objects.count, let object = objects[Int(index)] as? T else { return nil }
        return .some(Unmanaged.passUnretained(object))
    }

    /// Checks the checksum, then reads and checks every count and index; nil if anything is off.
    static func decode(_ raw: UnsafeRawBufferPointer, headerSize: Int, paths: [String]) -> Decoded? {
        var r = ByteReader(raw)
        _ = r.bytes(headerSize - 8)
        guard let checksum = r.u64(), CompiledList.hash(UnsafeRawBufferPointer(rebasing: raw[r.offset...])) == checksum,
              let typeNames = r.names(), let objectCount = r.u32(), Int(objectCount) <= r.remaining
        else { return nil }
        var objects: [AnyObject] = []
        objects.reserveCapacity(Int(objectCount))
        for _ in 0..<objectCount {
            switch r.value(UInt8.self) {
            case 0:
                guard let hashes = r.u64s() else { return nil }
                objects.append(TextSet(hashes))
            case 1:
                var b = ExtrasBuilder()
                guard let excluded = r.u64s(), let exact = r.texts(), let excludedExact = r.texts(), let starts = r.texts(),
                      let excludedStarts = r.texts(), let ends = r.texts(), let excludedEnds = r.texts(),
                      let regexes = r.names().flatMap(compiled), let excludedRegexes = r.names().flatMap(compiled)
                else { return nil }
                b.excludedTexts = excluded
                b.exact = exact
                b.excludedExact = excludedExact
                b.starts = starts
                b.excludedStarts = excludedStarts
                b.ends = ends
                b.excludedEnds = excludedEnds
                b.regexes = regexes
                b.excludedRegexes = excludedRegexes
                objects.append(ConditionExtras(b))
            default:
                return nil
            }
        }
        guard let ruleCount = r.u32(), Int(ruleCount) <= r.remaining else { return nil }
        var rules: [Rule] = []
        rules.reserveCapacity(Int(ruleCount))
        for _ in 0..<ruleCount {
            guard let name = r.string(), let f = r.u32(), Int(f) < paths.count, let line = r.i64(), let priority = r.i64(),
                  let size = r.i64(), let anchored = r.value(UInt8.self), anchored <= 1, let startMask = r.u64(),
                  let types = r.names(), types.count <= Rule.maximumCaptures, let fires = r.examples(), let skips = r.examples(),
                  let programCount = r.u32(), Int(programCount) <= r.remaining / 9
            else { return nil }
            let captureTypes = types.map(EntityType.init(rawValue:))
            var program: [Instruction] = []
            program.reserveCapacity(Int(programCount))
            var consumes: [Int] = []
            for _ in 0..<programCount {
                guard let tag = r.value(UInt8.self), let a32 = r.value(Int32.self), let b32 = r.value(Int32.self) else { return nil }
                let a = Int(a32), b = Int(b32), n = Int(programCount)
                switch tag {
                case 0: guard a >= 0 else { return nil }; consumes.append(a); program.append(.consume(a))
                case 1: guard a >= 0, a < n, b >= 0, b < n else { return nil }; program.append(.split(a, b))
                case 2: guard a >= 0, a < n else { return nil }; program.append(.jump(a))
                case 3: guard a >= 0, a < types.count else { return nil }; program.append(.open(a))
                case 4: guard a >= 0, a < types.count else { return nil }; program.append(.close(a))
                case 5: program.append(.match)
                default: return nil
                }
            }
            // Every thread ends at the match: a consume is never the last instruction.
            guard case .match = program.last else { return nil }
            guard let conditionCount = r.u32(), Int(conditionCount) <= r.remaining / 40,
                  consumes.allSatisfy({ $0 < Int(conditionCount) })
            else { return nil }
            var conditions: [Condition] = []
            conditions.reserveCapacity(Int(conditionCount))
            for _ in 0..<conditionCount {
                var c = Condition()
                guard let kinds = r.value(UInt8.self), let excludedKinds = r.value(UInt8.self), let listA = r.value(Int32.self),
                      let listB = r.value(Int32.self), let excludedLists = r.u64(), let hasText = r.value(UInt8.self), hasText <= 1,
                      let text = r.u64(), let set = r.value(Int32.self), let minLength = r.i64(), let maxLength = r.i64(),
                      let hasClitic = r.value(UInt8.self), hasClitic <= 1, let clitic = r.value(UInt8.self),
                      let noClitic = r.value(UInt8.self), noClitic <= 1, let extrasIndex = r.value(Int32.self),
                      listA >= -1, listA < Int32(min(typeNames.count, 64)), listB >= -1, listB < Int32(min(typeNames.count, 64)),
                      let textSet: Unmanaged<TextSet>? = reference(set, in: objects),
                      let extras: Unmanaged<ConditionExtras>? = reference(extrasIndex, in: objects)
                else { return nil }
                c.kinds = kinds
                c.excludedKinds = excludedKinds
                c.listA = listA
                c.listB = listB
                c.excludedLists = excludedLists
                c.text = hasText == 1 ? text : nil
                c.textSet = textSet
                c.minLength = Int(minLength)
                c.maxLength = Int(maxLength)
                c.clitic = hasClitic == 1 ? Proclitics(rawValue: clitic) : nil
                c.noClitic = noClitic == 1
                c.extras = extras
                conditions.append(c)
            }
            guard let keptCount = r.u32(), Int(keptCount) <= r.remaining / 4 else { return nil }
            var kept: [AnyObject] = []
            kept.reserveCapacity(Int(keptCount))
            for _ in 0..<keptCount {
                guard let i = r.u32(), Int(i) < objects.count else { return nil }
                kept.append(objects[Int(i)])
            }
            // Every object a condition points to is one the rule keeps alive.
            let keptIDs = Set(kept.map(ObjectIdentifier.init))
            for c in conditions {
                if let s = c.textSet, !keptIDs.contains(ObjectIdentifier(s.takeUnretainedValue())) { return nil }
                if let x = c.extras, !keptIDs.contains(ObjectIdentifier(x.takeUnretainedValue())) { return nil }
            }
            guard let startTexts = r.u64s(), let requiredTexts = r.u64s() else { return nil }
            let startLists: UInt64? = anchored == 1 ? startMask : nil
            let source = "rule:" + name
            let code = RuleCode(program: program, conditions: conditions, extras: kept, captureTypes: captureTypes,
                                source: source, priority: Int(priority), startLists: startLists, startTexts: startTexts,
                                requiredTexts: requiredTexts)
            rules.append(Rule(name: name, file: paths[Int(f)], line: Int(line), priority: Int(priority), fires: fires,
                              skips: skips, captureTypes: captureTypes, code: code, startLists: startLists, size: Int(size)))
        }
        guard r.remaining == 0 else { return nil }
        return Decoded(typeNames: typeNames, rules: rules)
    }
}

extension ByteReader {
    mutating func string() -> String? {
        guard let length = u32(), let b = bytes(Int(length)) else { return nil }
        return String(decoding: b, as: UTF8.self)
    }

    mutating func u64s() -> [UInt64]? {
        guard let n = u32(), Int(n) <= remaining / 8 else { return nil }
        var out: [UInt64] = []
        out.reserveCapacity(Int(n))
        for _ in 0..<n { out.append(u64()!) }
        return out
    }

    mutating func texts() -> [[UInt16]]? {
        guard let n = u32(), Int(n) <= remaining / 4 else { return nil }
        var out: [[UInt16]] = []
        for _ in 0..<n {
            guard let length = u32(), Int(length) <= remaining / 2 else { return nil }
            out.append((0..<Int(length)).map { _ in value(UInt16.self)! })
        }
        return out
    }

    mutating func examples() -> [RuleExample]? {
        guard let n = u32(), Int(n) <= remaining / 16 else { return nil }
        var out: [RuleExample] = []
        for _ in 0..<n {
            guard let text = string(), let line = i64(), let count = u32(), Int(count) <= remaining / 8 else { return nil }
            var expected: [ExpectedEntity] = []
            for _ in 0..<count {
                guard let type = string(), let t = string() else { return nil }
                expected.append(ExpectedEntity(type: EntityType(type), text: t))
            }
            out.append(RuleExample(text: text, expected: expected, line: Int(line)))
        }
        return out
    }
}
