import Foundation
import Testing
@testable import Wasim

/// Conflict resolution's repair of spans that hold two names or run on past one
/// (`ConflictResolution.reshape`), on crafted sentences with small lists.
@Suite struct ReshapeTests {
    /// Lists as the shipped ones have them: curated lists of priority 20, one derived from a corpus of 10.
    static let gazetteer: Gazetteer = {
        var b = GazetteerBuilder()
        for (surface, type, file, priority) in [
            ("الولايات المتحدة", "LOC", "countries.tsv", 20), ("إيطاليا", "LOC", "countries.tsv", 20),
            ("فرنسا", "LOC", "countries.tsv", 20), ("البوسنة", "LOC", "regions.tsv", 20), ("الهرسك", "LOC", "regions.tsv", 20),
            ("البوسنة والهرسك", "LOC", "countries.tsv", 20), ("إيطاليا وفرنسا", "LOC", "train-split-entities.tsv", 10),
            ("النادي الإفريقي", "ORG", "organizations.tsv", 20), ("الترجي الرياضي التونسي", "ORG", "organizations.tsv", 20),
            ("وزارة الشؤون الاجتماعية", "ORG", "organizations.tsv", 20),
            ("دونالد ترامب", "PER", "people.tsv", 20), ("ترامب", "PER", "people.tsv", 20),
            ("محمد", "GIVEN_NAME", "given-names.tsv", 10), ("سمير", "GIVEN_NAME", "given-names.tsv", 10),
            ("وليد", "GIVEN_NAME", "given-names.tsv", 10), ("علي", "GIVEN_NAME", "given-names.tsv", 10),
            ("العمل", "COMMON", "common-words.tsv", 10), ("اليونسكو", "ORG", "organizations.tsv", 20),
            ("أطباء بلا حدود", "ORG", "organizations.tsv", 20), ("مؤسسة الإذاعة", "ORG", "organizations.tsv", 20),
            ("التلفزة التونسية", "ORG", "organizations.tsv", 20),
            ("روسي", "NISBA", "nisba.tsv", 10), ("المصري", "NISBA", "nisba.tsv", 10),
        ] as [(String, String, String, Int)] {
            try! b.add(surface, type: type, file: file, priority: priority)
        }
        return b.build()
    }()

    /// A text the lists have run over and the model is taken to have run over: the lists'
    /// candidates, then `extra` (type, first token, last token + 1, source, priority; the span
    /// starts after a proclitic و or ب where the token has one, unless the token is in `whole`).
    struct Scene {
        let document: Document
        init(_ text: String, _ extra: [(EntityType, Int, Int, String, Int)], whole: Set<Int> = []) throws {
            document = try Pipeline([Segmentation(), Normalization(), GazetteerMatching(ReshapeTests.gazetteer)]).tag(text)
            document.markProvided([.modelCandidates])
            for (type, a, b, source, priority) in extra {
                let t = document.tokens[a]
                let first = document.utf16[Int(t.start)]
                let prefix: Int32 = (first == 0x0648 || first == 0x0628) && t.end - t.start > 3 && !whole.contains(a) ? 1 : 0
                document.candidates.append(Entity(type: type, start: t.start + prefix, end: document.tokens[b - 1].end,
                                                  tokens: Int32(a)..<Int32(b), source: source, priority: priority))
            }
        }
        func resolved(_ resolution: ConflictResolution = ConflictResolution()) throws -> [String] {
            try resolution.process(document)
            return document.entities.map { "\($0.type) \(document.text(of: $0))" }
        }
    }

    @Test func twoNamesJoinedByWawAreSplitWhereEachIsKnown() throws {
        // تتصدر الولايات المتحدة وإيطاليا وفرنسا القائمة مع البوسنة والهرسك
        // 0     1        2       3        4      5       6  7       8
        let scene = try Scene("تتصدر الولايات المتحدة وإيطاليا وفرنسا القائمة مع البوسنة والهرسك", [
            (.location, 1, 3, "model:wasim", 0), (.location, 3, 4, "model:wasim", 0), (.location, 4, 5, "model:wasim", 0),
            (.location, 7, 9, "model:wasim", 0),
        ])
        // The corpus list's `إيطاليا وفرنسا` is two countries; `البوسنة والهرسك`, a curated list's name, is one.
        #expect(try scene.resolved() == ["LOC الولايات المتحدة", "LOC إيطاليا", "LOC فرنسا", "LOC البوسنة والهرسك"])
        var off = ConflictResolution()
        off.reshapes = false
        #expect(try scene.resolved(off) == ["LOC الولايات المتحدة", "LOC إيطاليا وفرنسا", "LOC البوسنة والهرسك"])
    }

    @Test func twoOrganizationsARuleJoinedAreSplitButNotAnOrganizationWithWawInItsName() throws {
        // بين النادي الإفريقي والترجي الرياضي التونسي رغم وزارة الشؤون الاجتماعية والعمل
        // 0   1      2        3       4       5       6   7     8      9          10
        let scene = try Scene("بين النادي الإفريقي والترجي الرياضي التونسي رغم وزارة الشؤون الاجتماعية والعمل", [
            (.organization, 1, 4, "rule:org-designator-construct-ends", 50),
            (.organization, 1, 3, "model:wasim", 0), (.organization, 3, 6, "model:wasim", 0),
            (.organization, 7, 11, "rule:org-designator-construct-ends", 50),
        ], whole: [7])
        #expect(try scene.resolved() == [
            "ORG النادي الإفريقي", "ORG الترجي الرياضي التونسي", "ORG وزارة الشؤون الاجتماعية والعمل",
        ])
        // An organization's side known only by a rule is no second name (an unknown word before a
        // listed one neither).
        // تعاونية موظفي الإذاعة والتلفزة التونسية و بروأكتيفا وأطباء بلا حدود
        // 0       1     2       3       4       5 6         7     8   9
        let rule = try Scene("تعاونية موظفي الإذاعة والتلفزة التونسية و بروأكتيفا وأطباء بلا حدود", [
            (.organization, 0, 3, "rule:org-designator-construct", 50), (.organization, 0, 5, "rule:org-designator-construct-ends", 50),
            (.organization, 6, 10, "model:wasim", 0),
        ], whole: [6])
        #expect(try rule.resolved() == ["ORG تعاونية موظفي الإذاعة والتلفزة التونسية", "ORG بروأكتيفا وأطباء بلا حدود"])
    }

    @Test func twoGivenNamesJoinedByWawAreTwoPeople() throws {
        // وانطلقت رحلة محمد وسمير يوم الجمعة ووصل محمد وليد
        // 0       1    2    3     4   5      6    7    8
        let scene = try Scene("وانطلقت رحلة محمد وسمير يوم الجمعة ووصل محمد وليد", [
            (.person, 2, 4, "model:wasim", 0), (.person, 7, 9, "model:wasim", 0),
        ])
        // وليد is a given name whole: no و + a name.
        #expect(try scene.resolved() == ["PER محمد", "PER سمير", "PER محمد وليد"])
    }

    @Test func aNameDoubledBySlipIsTwoMentions() throws {
        // مصافحة الرئيس دونالد ترامب ترامب ثم دونالد ترامب جونيور و النادي الإفريقي الإفريقي
        // 0      1      2      3     4     5  6      7     8      9 10     11       12
        let scene = try Scene("مصافحة الرئيس دونالد ترامب ترامب ثم دونالد ترامب جونيور و النادي الإفريقي الإفريقي", [
            (.person, 2, 5, "model:wasim", 0), (.person, 6, 9, "model:wasim", 0), (.organization, 10, 13, "model:wasim", 0),
        ])
        // A person's second mention; an organization's repeated word is dropped.
        #expect(try scene.resolved() == ["PER دونالد ترامب", "PER ترامب", "PER دونالد ترامب جونيور", "ORG النادي الإفريقي"])
        // A head no list knows (a rule's guess): a grandfather's name repeated stays.
        let rule = try Scene("وقال يحيى عقيل سالمان عقيل", [
            (.person, 1, 4, "rule:person-given-name", 40), (.person, 1, 5, "model:wasim", 0),
        ])
        #expect(try rule.resolved() == ["PER يحيى عقيل سالمان عقيل"])
    }

    @Test func theModelsPersonStopsBeforeANisbaWithoutTheArticle() throws {
        // الملقب بأبي سمير روسي الجنسية وأبو علي المصري و سمير علي روسي
        // 0      1    2    3    4       5    6   7      8 9    10  11
        let scene = try Scene("الملقب بأبي سمير روسي الجنسية وأبو علي المصري و سمير علي روسي", [
            (.person, 1, 4, "model:wasim", 0), (.person, 5, 8, "model:wasim", 0), (.person, 9, 12, "model:wasim", 0),
        ])
        // With the article, or after a name with no kunya (a family name), the nisba stays.
        #expect(try scene.resolved() == ["PER أبي سمير", "PER أبو علي المصري", "PER سمير علي روسي"])
    }
}
