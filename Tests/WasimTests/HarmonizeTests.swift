import Foundation
import Testing
import WasimTestSupport
@testable import Wasim
@testable import WasimEvaluation

/// The training-data converters: each rewrite kind on a crafted sentence, with exact tags.
@Suite struct HarmonizeTests {
    static let lists = HarmonizeLists(
        orgDesignators: ["حركة", "جماعة", "وكالة الأنباء"],
        siteNouns: ["ميناء", "شارع"],
        titles: ["الرئيس", "إمام", "الأمين العام"],
        locDesignators: ["محافظة", "مدينة", "منطقة"],
        nisba: ["اللبناني", "الأمريكية", "الأميركي"],
        states: ["جنوب أفريقيا", "جنوب السودان", "قطر"],
        organizations: ["البيت الأبيض"],
        places: ["تندوف", "الأردن"])

    /// "token TAG" pairs separated by spaces → a sentence.
    func sentence(_ pairs: String, file: String = "t.txt") -> CoNLLSentence {
        let f = pairs.split(separator: " ").map(String.init)
        return CoNLLSentence(tokens: stride(from: 0, to: f.count, by: 2).map { f[$0] },
                             tags: stride(from: 1, to: f.count, by: 2).map { f[$0] },
                             location: "\(file):10", startsDocument: true)
    }

    func anercorp(_ pairs: String) -> (tags: String, log: HarmonizeLog) {
        let (out, log) = Harmonize.anercorp([sentence(pairs)], lists: HarmonizeTests.lists)
        return (out[0].tags.joined(separator: " "), log)
    }

    func newsfane(_ pairs: String) -> (tags: String, log: HarmonizeLog) {
        let (out, log) = Harmonize.newsfane([sentence(pairs)], lists: HarmonizeTests.lists)
        return (out[0].tags.joined(separator: " "), log)
    }

    @Test func designatorInsideOrg() {
        let r = anercorp("وقالت O حركة O حماس B-ORG إن O")
        #expect(r.tags == "O B-ORG I-ORG O")
        #expect(r.log.counts == ["designator-inside-org": 1])
        #expect(r.log.changes == [HarmonizeChange(kind: "designator-inside-org", location: "t.txt:11", before: "حماس (ORG)", after: "حركة حماس (ORG)")])
        // With a proclitic on the designator, and a two-word designator.
        #expect(anercorp("لحركة O طالبان B-ORG").tags == "B-ORG I-ORG")
        #expect(anercorp("نقلت O وكالة O الأنباء O رويترز B-ORG").tags == "O B-ORG I-ORG I-ORG")
        // A quoted name keeps its designator outside; a designator already inside is left alone.
        #expect(anercorp("جماعة O \" O أنصار B-ORG الله I-ORG \" O").log.changes.isEmpty)
        #expect(anercorp("حركة B-ORG حماس I-ORG").log.changes.isEmpty)
        // A name joined by و is a second name, not the designator's.
        #expect(anercorp("حركة O والجهاد B-ORG").log.changes.isEmpty)
    }

    @Test func stateInstitutionsBecomeOrg() {
        let r = anercorp("وقال O الجيش O اللبناني O إن O")
        #expect(r.tags == "O B-ORG I-ORG O")
        #expect(r.log.counts == ["institution-org": 1])
        #expect(anercorp("أعلنت O وزارة O الخارجية O الأمريكية O أمس O").tags == "O B-ORG I-ORG I-ORG O")
        #expect(anercorp("اجتمع O مجلس O الوزراء O اليوم O").tags == "O B-ORG I-ORG O")
        #expect(anercorp("ووافق O المجلس O التشريعي O على O").tags == "O B-ORG I-ORG O")
        // A board of directors is no state institution; a tagged one is left as it is.
        #expect(anercorp("اجتمع O مجلس O الإدارة O").log.changes.isEmpty)
        // An adjective of the meeting is not the council's.
        #expect(anercorp("جلسة O مجلس O الوزراء O الأسبوعية O").tags == "O B-ORG I-ORG O")
        #expect(anercorp("مجلس B-ORG الأمن I-ORG الدولي I-ORG").log.changes.isEmpty)
        // الجيش without a nisba is generic.
        #expect(anercorp("انسحب O الجيش O من O").log.changes.isEmpty)
    }

    @Test func siteNounInsideLoc() {
        let r = anercorp("في O ميناء O الحديدة B-LOC")
        #expect(r.tags == "O B-LOC I-LOC")
        #expect(r.log.counts == ["site-noun-inside-loc": 1])
        #expect(anercorp("في O شارع O الحبيب B-LOC بورقيبة I-LOC").tags == "O B-LOC I-LOC I-LOC")
        // A place after a preposition says where the site is.
        #expect(anercorp("في O ميناء O بتندوف B-LOC").log.changes.isEmpty)
        #expect(anercorp("في O ميناء O بالأردن B-LOC").log.changes.isEmpty)
    }

    @Test func directionWords() {
        // Outside a place's part…
        let r = anercorp("في O جنوب B-LOC لبنان I-LOC")
        #expect(r.tags == "O O B-LOC")
        #expect(r.log.counts == ["direction-outside-loc": 1])
        #expect(anercorp("في O جنوب O لبنان B-LOC").log.changes.isEmpty)
        // …inside the name of a state or a continental region.
        #expect(anercorp("في O جنوب B-LOC أفريقيا I-LOC").log.changes.isEmpty)
        let region = anercorp("في O شمال O أفريقيا B-LOC")
        #expect(region.tags == "O B-LOC I-LOC")
        #expect(region.log.counts == ["direction-inside-region": 1])
        #expect(anercorp("دول O وجنوب O شرق O آسيا B-LOC").tags == "O B-LOC I-LOC I-LOC")
        #expect(anercorp("دولة O جنوب O السودان B-LOC").tags == "O B-LOC I-LOC")
    }

    @Test func titlesOutsidePerAndLocDesignatorsOutsideLoc() {
        let r = anercorp("قال O الرئيس B-PERS جورج I-PERS بوش I-PERS")
        #expect(r.tags == "O O B-PER I-PER")
        #expect(r.log.counts == ["title-outside-per": 1])
        #expect(anercorp("وقال O الأمين B-PERS العام I-PERS كوفي I-PERS أنان I-PERS").tags == "O O O B-PER I-PER")
        let alone = anercorp("وقال O إمام B-PERS المسجد O")
        #expect(alone.tags == "O O O")
        #expect(alone.log.counts == ["title-only-per-dropped": 1])
        let loc = anercorp("في O محافظة B-LOC الجوف I-LOC")
        #expect(loc.tags == "O O B-LOC")
        #expect(loc.log.counts == ["loc-designator-outside-loc": 1])
        // A designator that is the whole span stays (nothing would be left).
        #expect(anercorp("في O مدينة B-LOC").log.changes.isEmpty)
    }

    @Test func miscIsDropped() {
        let r = anercorp("الديانة O الإسلامية B-MISC و O كأس B-MISC العالم I-MISC")
        #expect(r.tags == "O O O O O")
        #expect(r.log.counts == ["misc-dropped": 2])
        #expect(r.log.classes == ["MISC": ["dropped": 2]])
    }

    @Test func newsFANEClassesMapped() {
        let r = newsfane("قال O بوش B-Politician ان O العرب B-Group في O المانيا B-Nation و O الامم B-Non-Governmental المتحدة I-Non-Governmental")
        #expect(r.tags == "O B-PER O O O B-LOC O B-ORG I-ORG")
        #expect(r.log.counts == ["class-dropped:Group": 1])
        #expect(r.log.classes == ["Politician": ["PER": 1], "Group": ["dropped": 1], "Nation": ["LOC": 1], "Non-Governmental": ["ORG": 1]])
        // A building that acts is ORG when the project lists it as one; a team named by its country is LOC.
        let building = newsfane("باسم O البيت B-Building-Grounds الابيض I-Building-Grounds فاز O قطر B-Sports")
        #expect(building.tags == "O B-ORG I-ORG O B-LOC")
        #expect(building.log.counts == ["listed-organization:Building-Grounds": 1, "country-as-team-loc": 1])
        // Titles and administrative designators leave spans here too; vehicles and works are dropped.
        #expect(newsfane("الرئيس B-Politician بوش I-Politician فيراري B-Land").tags == "O B-PER O")
        #expect(newsfane("منطقة B-GPE-Cluster الخليج I-GPE-Cluster").tags == "O B-LOC")
    }

    @Test func writesCoNLLThatReadsBack() throws {
        let (out, _) = Harmonize.anercorp([sentence("قالت O حركة O حماس B-ORG"), sentence("في O جنوب B-LOC لبنان I-LOC")],
                                          lists: HarmonizeTests.lists)
        let text = Harmonize.conll(out)
        #expect(text == "قالت O\nحركة B-ORG\nحماس I-ORG\n\n-DOCSTART- O\n\nفي O\nجنوب O\nلبنان B-LOC\n\n")
        let back = try GoldReader.parseCoNLL(text, file: "x.conll")
        #expect(back.map(\.tags) == out.map(\.tags))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedDirectory + "/corpora/anercorp/train.txt"),
                   "../shared/corpora/anercorp/train.txt is absent: the converter is not run on ANERcorp"))
    func convertsANERcorpTrainWithTheProjectsLists() throws {
        let (corpus, log) = try Harmonize.readGold("anercorp:" + sharedDirectory + "/corpora/anercorp/train.txt",
                                                  gazetteers: repositoryRoot.path + "/Gazetteers")
        guard case .conll(let sentences) = corpus, let log else {
            Issue.record("anercorp gold should convert to CoNLL with a log")
            return
        }
        #expect(sentences.reduce(0) { $0 + $1.tokens.count } == 125_088)
        #expect(!sentences.contains { $0.tags.contains { $0.hasSuffix("MISC") } })
        #expect(log.counts["misc-dropped"] == log.classes["MISC"]?["dropped"])
        for kind in ["designator-inside-org", "institution-org", "site-noun-inside-loc", "misc-dropped"] {
            #expect((log.counts[kind] ?? 0) > 0, "no \(kind) on ANERcorp train")
        }
    }
}

/// `wasim convert` and `wasim clusters` end to end.
@Suite struct TrainingDataCommandTests {
    @Test(.enabled(if: wasimExecutable() != nil, "no wasim executable next to the test binary"))
    func convertWritesCoNLLAndLogsOnStderr() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wasim-convert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try temporaryFile("in.txt", "وقالت O\nحركة O\nحماس B-ORG\n\nالإسلامية B-MISC\n", in: dir)
        let r = try runCLI(["convert", "--data", repositoryRoot.path, "anercorp", input.path, "-"], cwd: dir.path)
        #expect(r.status == 0)
        #expect(r.stdout == "وقالت O\nحركة B-ORG\nحماس I-ORG\n\nالإسلامية O\n\n")
        #expect(r.stderr.contains("\(input.path):2: designator-inside-org: حماس (ORG) → حركة حماس (ORG)"))
        #expect(r.stderr.contains("\(input.path):5: misc-dropped: الإسلامية (MISC) → O"))
        #expect(r.stderr.contains("2 sentences, 2 changes"))
        let bad = try runCLI(["convert", "conll2003", input.path, "-"], cwd: dir.path)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("source must be one of: anercorp, newsfane"))
    }

    @Test(.enabled(if: wasimExecutable() != nil, "no wasim executable next to the test binary"))
    func clustersWritesTheFileTheLoaderReads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wasim-clusters-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (i, town) in ["سوسة", "صفاقس", "بنزرت"].enumerated() {
            _ = try temporaryFile("\(i).txt", "وصل الوفد إلى مدينة \(town) يوم الأحد .\nوقال الوزير إن مدينة \(town) جميلة .\n",
                                  in: dir.appendingPathComponent("corpus"))
        }
        let r = try runCLI(["clusters", "--corpus", "corpus", "--out", "c.tsv", "--min-frequency", "3", "--min-split", "2"], cwd: dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        let clusters = try WordClusters(contentsOf: dir.appendingPathComponent("c.tsv").path)
        #expect(clusters.header.contains("command: wasim clusters --corpus corpus --out c.tsv --min-split 2"))
        #expect(clusters.header.contains("source: corpus (3 documents, 45 tokens)"))
        #expect(clusters.code(word: "مدينة") != 0)
        #expect(clusters.code(word: "سوسة") == 0, "seen twice: below --min-frequency")
    }
}
