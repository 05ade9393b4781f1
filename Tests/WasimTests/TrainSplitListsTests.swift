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
}
