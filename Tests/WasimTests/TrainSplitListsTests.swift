import Foundation
import Testing
@testable import Wasim
@testable import WasimEvaluation

/// `TrainSplitLists.derive`, on crafted CoNLL sentences with exact lists.
@Suite struct TrainSplitListsTests {
    /// "token TAG" pairs separated by spaces → a sentence.
    func sentence(_ pairs: String) -> CoNLLSentence {
        let f = pairs.split(separator: " ").map(String.init)
        return CoNLLSentence(tokens: stride(from: 0, to: f.count, by: 2).map { f[$0] },
                             tags: stride(from: 1, to: f.count, by: 2).map { f[$0] }, location: "t.txt:1", startsDocument: true)
    }

    var persons: [CoNLLSentence] {
        ["قال O أحمد B-PER سعيد I-PER", "و O وأحمد B-PER ماهر I-PER", "وليلى B-PER الزحاف I-PER", "وليد B-PER سالم I-PER",
         "بريان B-PER آدامز I-PER", "سام B-PER ويلسون I-PER", "وبسام B-PER علي I-PER", "لجورج B-PER بوش I-PER", "جورج B-PER",
         "وعبد B-PER الله I-PER"].map(sentence)
    }

    /// A given name with a glued proclitic counts for the name behind it where the corpus has that
    /// name as a person's first token (وأحمد → أحمد, لجورج → جورج) or it is a particle (وعبد, then
    /// left out as particles are), and is left out where a curated list knows it behind و (وليلى);
    /// a curated name stays whole (وليد), a curated name behind ب is not enough (بريان, Brian, not
    /// ب + ريان), and the shorter proclitic is tried first (وبسام: و + بسام, not وب + سام).
    @Test func gluedGivenNames() {
        let known = Set(["ليلى", "وليد", "ريان", "بسام"].map { Normalizer().normalize($0) })
        #expect(TrainSplitLists.derive(persons, knownGivenNames: known).givenNames == ["أحمد", "وليد", "بريان", "سام", "جورج"])
    }

    /// Without the curated lists, only the corpus's own first tokens say a proclitic is glued:
    /// وبسام is read as وب + سام, وليلى stays as written.
    @Test func gluedGivenNamesCorpusOnly() {
        #expect(TrainSplitLists.derive(persons).givenNames == ["أحمد", "سام", "وليلى", "وليد", "بريان", "جورج"])
    }

    /// A glued و comes off a person of the entity list where its first word is a person's first
    /// token elsewhere (وأحمد ماهر) or a word inside another person (وحمودي جابر), and the given
    /// names take the name behind it; a name that begins with و and whose rest is no name stays
    /// (واين روني). Given names are no Latin words, and none whose folded form is mostly an
    /// ordinary word (آلان folds onto الآن "now").
    @Test func gluedPersonsAndFoldedGivenNames() {
        let s = ["وأحمد B-PER ماهر I-PER", "قال O أحمد B-PER سعيد I-PER", "وحمودي B-PER جابر I-PER", "التقى O سامي B-PER حمودي I-PER",
                 "واين B-PER روني I-PER", "آلان B-PER ديلون I-PER", "الآن O الآن O الآن O الآن O الآن O", "Albert B-PER Einstein I-PER"].map(sentence)
        let lists = TrainSplitLists.derive(s)
        #expect(lists.entities.map(\.surface) == ["أحمد ماهر", "أحمد سعيد", "حمودي جابر", "سامي حمودي", "واين روني", "آلان ديلون", "Albert Einstein"])
        #expect(lists.givenNames == ["أحمد", "حمودي", "سامي", "واين"])
    }

    /// A token of tatweel alone (a dash in ANERcorp's text) is no word: it never enters the
    /// vocabulary, an entity is trimmed of it as of punctuation (a person of one word then gives
    /// no given name), and the written lists load back into a gazetteer (a `ـ<TAB>VOCAB` line
    /// made the loader refuse the file).
    @Test func tatweelAloneIsNoWord() throws {
        let s = ["قال O ـ O الوزير O", "ـ O قال O الوزير O", "ـ B-PER سعيد I-PER", "ـ B-PER سعيد I-PER"].map(sentence)
        let lists = TrainSplitLists.derive(s)
        #expect(lists.vocabulary == ["الوزير", "قال"])
        #expect(lists.entities.map(\.surface) == ["سعيد"] && lists.entities.map(\.type) == ["PER"])
        #expect(lists.givenNames == [])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wasim-lists-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try TrainSplitLists.write(lists, to: directory)
        var builder = GazetteerBuilder()
        for name in TrainSplitLists.files { try builder.load(path: directory + "/" + name, name: name) }
        #expect(builder.build().entryCount == 3)
    }

    /// What the shipped lists dropped from the whole corpus's derivation (by hand or by the audits) is
    /// dropped from a fold's lists too; spellings the normalizer folds together are the same entry
    /// (إسبانيا shipped as اسبانيا), and a type is part of the entry.
    @Test func foldListsDropWhatTheShippedListsDropped() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("wasim-shipped-\(UUID().uuidString)").path
        for folder in ["/Gazetteers", "/Models"] { try FileManager.default.createDirectory(atPath: data + folder, withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(atPath: data) }
        for (name, text) in [(TrainSplitLists.files[0], "# header\nاسبانيا\tLOC\nمدريد\tLOC\nالهلال\tAMBIGUOUS\n"),
                             (TrainSplitLists.files[1], "أحمد\tGIVEN_NAME\n"), (TrainSplitLists.files[2], "قال\tVOCAB\nابدا\tVOCAB\n")] {
            try text.write(toFile: data + "/Gazetteers/" + name, atomically: true, encoding: .utf8)
        }
        var whole = DerivedLists()
        whole.entities = [("إسبانيا", "LOC"), ("ريال", "ORG"), ("مدريد", "LOC"), ("الهلال", "ORG")]
        whole.ambiguous = ["الهلال"]
        whole.givenNames = ["أحمد", "سام"]
        whole.vocabulary = ["قال", "أبدا", "أمس"]
        let options = PipelineOptions(dataDirectory: data)
        let dropped = try TrainSplitLists.droppedFromShipped(whole, options: options)
        #expect(dropped.count == 4)
        var fold = DerivedLists()
        fold.entities = [("ريال", "ORG"), ("مدريد", "LOC"), ("الهلال", "ORG"), ("اسبانيا", "LOC")]
        fold.ambiguous = ["الهلال"]
        fold.givenNames = ["سام", "أحمد"]
        fold.vocabulary = ["أمس", "قال"]
        let kept = TrainSplitLists.dropping(dropped, from: fold, normalizer: options.normalizer)
        #expect(kept.entities.map(\.surface) == ["مدريد", "اسبانيا"])
        #expect(kept.ambiguous == ["الهلال"])
        #expect(kept.givenNames == ["أحمد"])
        #expect(kept.vocabulary == ["قال"])
        var without = options
        without.defaultGazetteers = false
        #expect(try TrainSplitLists.droppedFromShipped(whole, options: without).isEmpty)
    }

    /// The curated given names are read by the gazetteer's loader: a word read whole and folded as
    /// the matcher folds (اليساندرو for أليساندرو), never from a `train-split-*` file (سكارليت).
    @Test func curatedGivenNamesAreTheGazetteersOwn() throws {
        let names = try TrainSplitLists.curatedGivenNames(options: PipelineOptions(dataDirectory: repositoryRoot.path))
        #expect(names.contains("فدوى") && names.contains("برونو") && names.contains("لميس") && names.contains("اليساندرو"))
        #expect(!names.contains("وفدوى") && !names.contains("سكارليت") && !names.contains("فلسطين"))
        var without = PipelineOptions(dataDirectory: repositoryRoot.path)
        without.defaultGazetteers = false
        #expect(try TrainSplitLists.curatedGivenNames(options: without).predicate == nil)
    }
}
