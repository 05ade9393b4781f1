import Foundation
import Testing
@testable import Wasim
@testable import WasimBatch
@testable import WasimEvaluation
#if canImport(Glibc)
import Glibc
#endif

// Issue #12's reproducers for lists and format characters.

@Suite struct GazetteerLineValidationTests {
    private func error(_ content: String) throws -> String { try gazetteerLoadError(content) }

    @Test func surfacesWithoutALetterAreErrors() throws {
        let noLetter = "a surface needs a letter or a digit (this one has only harakat, tatweel, punctuation, symbols or invisible characters)"
        #expect(try error("مصر\tLOC\nـــ\tLOC\n") == "bad.tsv:2:1: \(noLetter)\n    ـــ LOC\n    ^")
        #expect(try error("\u{064E}\u{0651}\tLOC\n") == "bad.tsv:1:1: \(noLetter)\n    \u{064E}\u{0651} LOC\n    ^")
        #expect(try error("!!!\tLOC\n") == "bad.tsv:1:1: \(noLetter)\n    !!! LOC\n    ^")
        #expect(try error("\u{200D}\u{FEFF}\tLOC\n") == "bad.tsv:1:1: \(noLetter)\n    \u{200D}\u{FEFF} LOC\n    ^")
        #expect(try error("مصر\tLOC\n٢٠٢٤\tLOC\n") == "no error")
    }

    @Test func aPriorityOutOfRangeIsAnError() throws {
        // Found by the gazetteer fuzz target: the priority trapped when made a 32-bit number.
        #expect(try error("# priority: 99999999920\nمصر\tLOC\n")
                    == "bad.tsv:1:3: priority must be a whole number from -1000000 to 1000000\n    # priority: 99999999920\n      ^")
        #expect(try error("# priority: -1000000\nمصر\tLOC\n") == "no error")
    }

    @Test func aNulInASurfaceIsAnError() throws {
        #expect(try error("بغ\u{0}داد\tLOC\n") == "bad.tsv:1:3: a control character (U+0000) in a surface\n    بغ\u{0}داد LOC\n      ^")
    }

    @Test func typeNamesMustBeWritableInRules() throws {
        #expect(try error("# declare-types: @@\n") == "bad.tsv:1:18: a type name is ASCII letters, digits, '_' or '-', starting with a letter (rules name it as @NAME): '@@'\n    # declare-types: @@\n                     ^")
        #expect(try error("باريس\t@@\n").hasPrefix("bad.tsv:1:7: unknown type '@@' (known: PER, ORG, LOC"))
        #expect(try error("# declare-types: MY_TYPE\nباريس\tMY_TYPE\n") == "no error")
    }

    @Test func theBuilderRefusesTheSameSurfaces() {
        var b = GazetteerBuilder()
        #expect(throws: WasimError.self) { try b.add("ـ", type: "LOC") }
        #expect(throws: WasimError.self) { try b.add("a\u{0}b", type: "LOC") }
    }
}

@Suite struct FormatCharacterTests {
    static let formats: [Character] = ["\u{200D}", "\u{200E}", "\u{202C}", "\u{2060}", "\u{2069}", "\u{FEFF}"]

    @Test(arguments: formats)
    func formatCharactersAreIgnoredAndNeverEndASpan(_ c: Character) throws {
        let g = try ruleTestGazetteer()
        let pipeline = try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g), ConflictResolution()])
        for (text, expected) in [
            ("في العراق\(c) اليوم", "LOC 3..<9 العراق"),
            ("في \(c)العراق اليوم", "LOC 4..<10 العراق"),
            ("في \(c)العراق\(c)\(c) اليوم", "LOC 4..<10 العراق"),
            ("في الع\(c)راق اليوم", "LOC 3..<10 الع\(c)راق"),
        ] {
            let d = try pipeline.tag(text)
            #expect(d.entities.map { "\($0.type) \($0.start)..<\($0.end) \(d.text(of: $0))" } == [expected])
        }
    }

    @Test func aTokenOfFormatCharactersOnlyIsDropped() throws {
        let d = try Pipeline([Segmentation()]).tag("بغداد \u{202C}\u{2069} اليوم")
        #expect(d.tokens.map { d.text(of: $0) } == ["بغداد", "اليوم"])
    }

    @Test func theNormalizerDropsEveryFormatCharacter() {
        #expect(Normalizer().normalize("ب\u{00AD}غ\u{200C}د\u{202A}ا\u{2066}د\u{E0001}") == "بغداد")
    }
}
