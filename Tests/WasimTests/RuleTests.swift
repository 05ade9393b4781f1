import Foundation
import Testing
import WasimTestSupport
@testable import Wasim
@testable import WasimBatch
@testable import WasimEvaluation

/// A small gazetteer for rule tests: a title, designators, a place.
func ruleTestGazetteer() throws -> Gazetteer {
    var b = GazetteerBuilder()
    try b.add("الرئيس", type: "TITLE")
    try b.add("الأمين العام", type: "TITLE")
    try b.add("منطقتي", type: "LOC_DESIGNATOR")
    try b.add("العراق", type: "LOC")
    try b.add("في", type: "COMMON")
    return b.build()
}

func runRules(_ source: String, on text: String, gazetteer: Gazetteer? = nil) throws -> [String] {
    let g = try gazetteer ?? ruleTestGazetteer()
    let rules = try RuleSet(rules: RuleSet.parse(source, file: "test.rules", gazetteer: g))
    let d = try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g), RuleMatching(rules, gazetteer: g)]).tag(text)
    return d.candidates.filter { $0.source.hasPrefix("rule:") }.sorted { $0.start < $1.start }.map { "\($0.type) \(d.text(of: $0))" }
}

func ruleError(_ source: String) throws -> String {
    do {
        _ = try RuleSet.parse(source, file: "test.rules", gazetteer: try ruleTestGazetteer())
    } catch let e as WasimError {
        return e.description
    }
    return "no error"
}

@Suite struct RuleLanguageTests {
    /// The start masks hold a bit for each of the first 256 rules (four words a token); the rules
    /// past them run at every token. Rules on both sides of 64, 128, 192 and 256 find exactly
    /// their own spans, a start at a sentence's end included.
    @Test func rulesPastEachWordAndPastTheMasksFindTheirStarts() throws {
        let source = (0..<260).map { r in "rule r\(r)\n  type: LOC\n  pattern: \"\(ruleWord(r))\" [word]\n" }.joined(separator: "\n")
        let text = "قال \(ruleWord(5)) زيد و\(ruleWord(63)) هند. ثم \(ruleWord(64)) عمرو و\(ruleWord(127)) سعاد. وأخيرا \(ruleWord(129)) ليلى ثم \(ruleWord(70)). "
            + "ثم \(ruleWord(191)) نوال و\(ruleWord(192)) سلمى. ثم \(ruleWord(255)) رباب و\(ruleWord(256)) هالة ثم \(ruleWord(259)) منى ثم \(ruleWord(200))."
        #expect(try runRules(source, on: text) == ["LOC زيد", "LOC هند", "LOC عمرو", "LOC سعاد", "LOC ليلى", "LOC نوال", "LOC سلمى",
                                                    "LOC رباب", "LOC هالة", "LOC منى"])
    }

    /// A rule whose every match needs one of its texts runs only over the sentences that hold
    /// one (`RuleMatching.requiredSets` such sets, 256; with 64 the shipped rules' sets ran out and
    /// 43 rules ran over every sentence). Rules with sets past the 64th and past the 256th find
    /// exactly their own spans, and only the four past the 256th run ungated.
    @Test func requiredTextsGateRulesPastTheSixtyFourthSet() throws {
        // Each rule starts at a designator (a list) and needs its own word after it.
        let source = (0..<260).map { r in "rule q\(r)\n  type: LOC\n  pattern: @LOC_DESIGNATOR \"\(ruleWord(r))\" [word]\n" }
            .joined(separator: "\n")
        let g = try ruleTestGazetteer()
        let rules = try RuleSet(rules: RuleSet.parse(source, file: "test.rules", gazetteer: g))
        let matching = RuleMatching(rules, gazetteer: g)
        #expect(matching.ungated == [256, 257, 258, 259])
        #expect(matching.pastStartRules == [256, 257, 258, 259])
        let text = "في منطقتي \(ruleWord(3)) كاندالا. وفي منطقتي \(ruleWord(64)) بوصاصو ثم منطقتي \(ruleWord(70)). "
            + "وفي منطقتي \(ruleWord(200)) هرجيسا. وفي منطقتي \(ruleWord(257)) بربرة. وفي منطقتي \(ruleWord(100))."
        #expect(try runRules(source, on: text) == ["LOC كاندالا", "LOC بوصاصو", "LOC هرجيسا", "LOC بربرة"])
    }

    @Test func titleThenName() throws {
        let rules = """
            rule after-title
              type: PER
              pattern: @TITLE [word&!@COMMON (word&!@COMMON)?]
              fires: قال الرئيس دونالد ترامب في بيان => دونالد ترامب
            """
        #expect(try runRules(rules, on: "قال الأمين العام أنطونيو غوتيريش في بيان") == ["PER أنطونيو غوتيريش"])
        #expect(try runRules(rules, on: "قال الرئيس في بيان") == [])
    }

    @Test func twoCapturesWithTheirOwnTypes() throws {
        let rules = """
            rule two-regions
              pattern: @LOC_DESIGNATOR [word]:LOC [clitic:و&word]:LOC
              fires: في منطقتي كاندالا وبوصاصو => كاندالا ; بوصاصو
            """
        // The second capture starts after its proclitic و.
        #expect(try runRules(rules, on: "قتال في منطقتي كاندالا وبوصاصو") == ["LOC كاندالا", "LOC بوصاصو"])
    }

    @Test func listReadingsDecideTheStart() throws {
        let rules = """
            rule place
              type: LOC
              pattern: [@LOC]
              fires: والعراق => العراق
            """
        #expect(try runRules(rules, on: "وصل إلى والعراق وبالعراق") == ["LOC العراق", "LOC العراق"])
    }

    @Test func leftmostLongestWithoutOverlap() throws {
        let rules = """
            rule run
              type: ORG
              pattern: [("ا" | "ب")+]
              fires: ا ب => ا ب
            """
        #expect(try runRules(rules, on: "ا ب ا ج ب") == ["ORG ا ب ا", "ORG ب"])
    }

    @Test func macrosAndAddedConditions() throws {
        let rules = """
            define name: word&!@COMMON&!@TITLE
            rule person
              type: PER
              pattern: @TITLE [$name ($name&!ends:ها)?]
              fires: الرئيس جو بايدن => جو بايدن
            """
        #expect(try runRules(rules, on: "الرئيس ماكي سال وحكومتها") == ["PER ماكي سال"])
        #expect(try runRules(rules, on: "الرئيس ماكي حكومتها") == ["PER ماكي"])
    }

    @Test func affixAndLengthConditions() throws {
        let rules = """
            rule long-al-words
              type: LOC
              pattern: [word&starts:ال&length:6-]
              fires: العراق => العراق
            """
        #expect(try runRules(rules, on: "في العراق والشام الكبير") == ["LOC العراق", "LOC الكبير"])
    }

    @Test func noneSpansKeepNamesInsideThemUntagged() throws {
        let g = try ruleTestGazetteer()
        let rules = try RuleSet(rules: RuleSet.parse("""
            rule event
              type: NONE
              pattern: ["مؤتمر" @LOC]
              fires: مؤتمر العراق => مؤتمر العراق
            """, file: "e.rules", gazetteer: g))
        let p = try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g), RuleMatching(rules, gazetteer: g),
                              ConflictResolution(), NamePropagation(gazetteer: g)])
        let d = try p.tag("انعقد مؤتمر العراق أمس، ثم زار الوفد العراق")
        // The LOC inside the conference's name is beaten and not spread from elsewhere; the one outside stays.
        #expect(d.entities.map { "\($0.type) \(d.text(of: $0)) \($0.start)" } == ["LOC العراق 37"])
        #expect(d.suppressed.map { d.text(of: $0) } == ["مؤتمر العراق"])
    }

    @Test func pathologicalPatternsStillRunLinearly() throws {
        // (a|a a)* against a long run would explode a backtracking matcher; the Pike VM does not care.
        let rules = """
            rule many
              type: ORG
              pattern: [("ا" | "ا" "ا")* "ب"]
              fires: ا ا ب => ا ا ب
            """
        let text = Array(repeating: "ا", count: 3000).joined(separator: " ") + " ب"
        #expect(try runRules(rules, on: text).count == 1)
        #expect(try runRules(rules, on: Array(repeating: "ا", count: 3000).joined(separator: " ")) == [])
    }

    @Test func shippedRulesPassTheirExamples() throws {
        let options = PipelineOptions(dataDirectory: repositoryRoot.path)
        let g = try DefaultPipeline.loadGazetteer(options)
        let rules = try DefaultPipeline.loadRules(options, gazetteer: g).rules
        #expect(rules.count == 135)
        // Every shipped rule with a required text is gated by it: with 64 sets, 43 of them ran over every sentence.
        #expect(RuleMatching(RuleSet(rules: rules), gazetteer: g).ungatedRules == 0)
        let failures = try RuleCheck.run(rules, gazetteer: g)
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
    }

    /// The rules were written looking at the development set; their examples must show each
    /// construction in sentences of their own, not repeat the fixture's, nor the held-out
    /// set's. Four words in a row in common is a copied sentence, except for a name that long,
    /// allowed here by name.
    @Test func ruleExamplesDoNotRepeatTheFixtures() throws {
        func words(_ s: String) -> [Substring] { s.split { !$0.isLetter && !$0.isNumber } }
        func fourGrams(_ w: [Substring]) -> [String] { w.count < 4 ? [] : (0...(w.count - 4)).map { w[$0..<$0 + 4].joined(separator: " ") } }
        var fixture = Set<String>()
        for name in ["news.jsonl", "heldout.jsonl"] {
            let path = repositoryRoot.appendingPathComponent("Tests/Fixtures/" + name).path
            let corpus = try GoldReader.parseJSONLines(String(contentsOfFile: path, encoding: .utf8), file: path)
            #expect(!corpus.isEmpty, "\(name)")
            fixture.formUnion(corpus.flatMap { fourGrams(words($0.text)) })
        }
        // Names and the openings that many names share (the UN's integrated missions, the AU's missions by country).
        let names: Set<String> = ["تنظيم الدولة الإسلامية في", "بعثة الأمم المتحدة المتكاملة", "بعثة الاتحاد الأفريقي في"]
        let options = PipelineOptions(dataDirectory: repositoryRoot.path)
        let g = try DefaultPipeline.loadGazetteer(options)
        let rules = try DefaultPipeline.loadRules(options, gazetteer: g).rules
        var copied: [String] = []
        for rule in rules {
            for example in rule.fires + rule.skips {
                let shared = fourGrams(words(example.text)).filter { fixture.contains($0) && !names.contains($0) }
                if !shared.isEmpty { copied.append("\(rule.file):\(example.line): «\(shared[0])»") }
            }
        }
        #expect(copied == [])
    }

    @Test func failingExamplesAreReported() throws {
        let g = try ruleTestGazetteer()
        let rules = try RuleSet.parse("""
            rule wrong
              type: LOC
              pattern: [@LOC]
              fires: في العراق => سوريا
              skips: في العراق
            """, file: "w.rules", gazetteer: g)
        #expect(try RuleCheck.run(rules, gazetteer: g).map(\.description) == [
            "w.rules:4: rule 'wrong': expected LOC سوريا but found LOC العراق in «في العراق»",
            "w.rules:5: rule 'wrong': should find nothing but found LOC العراق in «في العراق»",
        ])
    }

    @Test func anExampleOfTheWrongTypeFails() throws {
        let g = try ruleTestGazetteer()
        // The rule tags a person as a place; its example, rightly, expects a person.
        let rules = try RuleSet.parse("""
            rule person-as-place
              type: LOC
              pattern: @TITLE [word word]
              fires: قال الرئيس دونالد ترامب => PER دونالد ترامب
            """, file: "t.rules", gazetteer: g)
        #expect(try RuleCheck.run(rules, gazetteer: g).map(\.description) == [
            "t.rules:4: rule 'person-as-place': expected PER دونالد ترامب but found LOC دونالد ترامب in «قال الرئيس دونالد ترامب»",
        ])
        // The same rule with an untyped example takes the rule's type and passes: the type is
        // what the rule says, and a wrong `type:` line is caught by typed examples only.
        let untyped = try RuleSet.parse("""
            rule person-as-place
              type: LOC
              pattern: @TITLE [word word]
              fires: قال الرئيس دونالد ترامب => دونالد ترامب
            """, file: "t.rules", gazetteer: g)
        #expect(untyped[0].fires[0].expected == [ExpectedEntity(type: .location, text: "دونالد ترامب")])
        #expect(try RuleCheck.run(untyped, gazetteer: g).isEmpty)
    }

    @Test func typedExamplesOfARuleWithTwoTypes() throws {
        let g = try ruleTestGazetteer()
        let source = { (example: String) in """
            rule two-types
              pattern: @TITLE [word word]:PER "في" [word]:LOC
              fires: قال الرئيس دونالد ترامب في واشنطن => \(example)
            """ }
        let right = try RuleSet.parse(source("PER دونالد ترامب ; LOC واشنطن"), file: "t.rules", gazetteer: g)
        #expect(try RuleCheck.run(right, gazetteer: g).isEmpty)
        let swapped = try RuleSet.parse(source("LOC دونالد ترامب ; PER واشنطن"), file: "t.rules", gazetteer: g)
        #expect(try RuleCheck.run(swapped, gazetteer: g).map(\.message) == [
            "expected LOC دونالد ترامب ; PER واشنطن but found PER دونالد ترامب ; LOC واشنطن in «قال الرئيس دونالد ترامب في واشنطن»",
        ])
        // Untyped, the entity could be either: the file is rejected, pointing at it.
        #expect(throws: WasimError.data("""
            t.rules:3:66: this rule marks LOC and PER: write the type before the entity ('LOC واشنطن')
                  fires: قال الرئيس دونالد ترامب في واشنطن => PER دونالد ترامب ; واشنطن
                                                                                 ^
            """)) { try RuleSet.parse(source("PER دونالد ترامب ; واشنطن"), file: "t.rules", gazetteer: g) }
        #expect(try ruleError("rule a\n  type: PER\n  pattern: [word]\n  fires: زيد => PERS زيد\n").hasPrefix(
            "test.rules:4:17: unknown entity type 'PERS' (types: PER, ORG, LOC, NUMRANGE, NONE)"))
    }
}

@Suite struct RuleErrorTests {
    @Test func syntaxError() throws {
        #expect(try ruleError("rule a\n  type: PER\n  pattern: @TITLE [word\n") ==
                "test.rules:3:19: unclosed '['\n      pattern: @TITLE [word\n                      ^")
    }

    @Test func unknownList() throws {
        #expect(try ruleError("rule a\n  type: PER\n  pattern: @TITLES [word]\n").hasPrefix(
                "test.rules:3:12: unknown list '@TITLES' (lists: @PER @ORG @LOC"))
    }

    @Test func unknownType() throws {
        #expect(try ruleError("rule a\n  type: PERSON\n  pattern: [word]\n").hasPrefix("test.rules:2:1: unknown entity type 'PERSON'"))
        #expect(try ruleError("rule a\n  type: PER\n  pattern: [word]:CITY\n").hasPrefix("test.rules:3:12: unknown entity type 'CITY'"))
    }

    @Test func emptyMatch() throws {
        #expect(try ruleError("rule a\n  type: PER\n  pattern: [word*]\n") ==
                "test.rules:3:12: this pattern matches the empty sequence; every rule must consume at least one token\n      pattern: [word*]\n               ^")
    }

    @Test func otherRejections() throws {
        #expect(try ruleError("rule a\n  type: PER\n  pattern: /(ا+)+/\n").contains("can backtrack exponentially"))
        #expect(try ruleError("rule a\n  type: PER\n  pattern: /(ا)\\1/\n").contains("back-references cannot run in linear time"))
        #expect(try ruleError("rule a\n  type: PER\n  pattern: ([word])+\n").contains("a capture [..] cannot be repeated"))
        #expect(try ruleError("rule a\n  type: PER\n  pattern: word{1,40}\n").contains("repetition bound 40 is too large"))
        #expect(try ruleError("rule a\n  type: PER\n  colour: blue\n").hasPrefix("test.rules:3:3: unknown key 'colour'"))
        #expect(try ruleError("rule a\n  type: PER\n") .hasPrefix("test.rules:1:1: rule 'a' has no pattern"))
        #expect(try ruleError("define x: word\nrule a\n  pattern: [$y]:PER\n").contains("unknown definition '$y'"))
    }

    /// The markers `backtrackingRisk` searches for, anywhere in the source, and sources near them
    /// that it lets through.
    @Test func nonRegularConstructs() throws {
        for source in [#"(ا)\9"#, #"(?<n>ا)\k<n>"#, #"\1ا"#] {
            #expect(try ruleError("rule a\n  type: PER\n  pattern: /\(source)/\n").contains("back-references cannot run in linear time"))
        }
        for source in ["ا(?=ب)", "ا(?!ب)", "(?<=ب)ا", "(?<!ب)ا"] {
            #expect(try ruleError("rule a\n  type: PER\n  pattern: /\(source)/\n").contains("look-around cannot run in linear time"))
        }
        for source in [#"^\d+$"#, #"\0"#, #"(?:ا|ب)ت"#, #"\k"#, "(?i)ا"] {
            #expect(Condition.backtrackingRisk(source) == nil)
        }
    }

    @Test func aTextOfTwoWordsIsRejected() throws {
        // It once compiled to a one-token test that no token passes: the rule silently never fired.
        #expect(try ruleError("rule a\n  type: ORG\n  pattern: [\"الحرس الوطني\"]\n") ==
                "test.rules:3:13: a text matches one token: write words in a row one by one (\"الحرس\" \"الوطني\")\n      pattern: [\"الحرس الوطني\"]\n                ^")
        #expect(try ruleError("rule a\n  type: ORG\n  pattern: (\"الجيش\" | \"الأمن العام\") word\n").hasPrefix(
                "test.rules:3:23: a text matches one token"))
    }

    @Test func errorsInsideADefinitionPointAtIt() throws {
        #expect(try ruleError("define n: word&!@NOPE\nrule a\n  type: PER\n  pattern: [$n]\n").hasPrefix(
                "test.rules:1:16: unknown list '@NOPE'"))
    }

    @Test func aBadFileRejectsTheWholeSet() throws {
        let good = try temporaryFile(named: "good.rules", "rule g\n  type: LOC\n  pattern: [@LOC]\n  fires: العراق => العراق\n")
        let bad = try temporaryFile(named: "bad.rules", "rule b\n  type: LOC\n  pattern: [@NOPE]\n")
        #expect(throws: WasimError.self) { try RuleSet.load(files: [good, bad], gazetteer: try ruleTestGazetteer()) }
    }
}

@Suite struct RuleCommandLineTests {
    @Test func userRulesAddEntities() throws {
        // Priority 60: above the model, whose organization `مختبر نوفارتيس` holds the rule's whole
        // and would win over a rule of lower priority (README's conflict table).
        let rules = try temporaryFile(named: "mine.rules", """
            rule drug-name
              type: ORG
              priority: 60
              pattern: "مختبر" [word&!@COMMON]
              fires: أعلن مختبر فايزر => فايزر
            """)
        let text = try temporaryFile(named: "a.txt", "أعلن مختبر نوفارتيس عن لقاح")
        let r = try runCLI(["tag", "--rules", rules, "--no-default-rules", text], cwd: repositoryRoot.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(#"{"type": "ORG", "start": 11, "end": 19, "text": "نوفارتيس", "source": "rule:drug-name"}"#))
        let check = try runCLI(["rules", "check", rules], cwd: repositoryRoot.path)
        #expect(check.status == 0)
        // The data directory's own rules are loaded beside it but not counted against the limit.
        #expect(check.stdout == "1 rules, 1 examples, 30 of 10000 instructions with the rules loaded beside them (the data directory's own not counted): all passed\n")
    }

    @Test func rulesCheckReportsErrorsAndFails() throws {
        let bad = try temporaryFile(named: "bad.rules", "rule b\n  type: LOC\n  pattern: [@NOPE]\n")
        let r = try runCLI(["rules", "check", bad], cwd: repositoryRoot.path)
        #expect(r.status == 1)
        // Errors on standard error, as tag and eval report theirs; the summary on standard output.
        #expect(r.stderr.contains("bad.rules:3:13: unknown list '@NOPE'"))
        #expect(r.stderr.contains("    pattern: [@NOPE]\n                ^"))
        #expect(r.stdout.hasPrefix("0 rules, 0 examples, ") && r.stdout.hasSuffix(": FAILED\n"))
        #expect(r.stdout.split(separator: "\n").count == 1)
    }

    @Test func explainShowsProvenanceAndBeatenCandidates() throws {
        let r = try runCLI(["explain", "--no-tokens", "وقال الرئيس الأميركي دونالد ترامب"], cwd: repositoryRoot.path)
        #expect(r.status == 0)
        #expect(r.stdout.contains("PER\t21-33\tدونالد ترامب\t← "))
        #expect(r.stdout.contains("      beat "))
    }
}

@Suite struct NamePropagationTests {
    @Test func aLastNameAloneComesOnlyFromPropagation() throws {
        // Lists and rules only: the learned labeller finds such a surname by itself (see below).
        var options = PipelineOptions(dataDirectory: repositoryRoot.path)
        options.useModel = false
        let pipeline = try DefaultPipeline.make(options)
        // An invented surname, in no list, after وكان: no rule or list finds it alone.
        let text = "التقى رئيس الوزراء الكندي جاستن ترودوفيتش بالوفد في بغداد. وكان ترودوفيتش قد زار المدينة العام الماضي."
        let d = try pipeline.tag(text)
        let persons = d.entities.filter { $0.type == .person }
        #expect(persons.map { d.text(of: $0) } == ["جاستن ترودوفيتش", "ترودوفيتش"])
        #expect(persons.map(\.source) == ["rule:person-after-title", "propagation:جاستن ترودوفيتش@26"])
        // Without the propagation stage nothing proposes the second mention at all.
        let without = try Pipeline(pipeline.stages.filter { $0.name != "name-propagation" }).tag(text)
        #expect(without.candidates.filter { without.text(of: $0) == "ترودوفيتش" }.isEmpty)
        #expect(without.entities.map { without.text(of: $0) } == ["جاستن ترودوفيتش", "بغداد"])
        // With the model, both are the model's own candidates: person-after-title (priority 55)
        // is below the rules that beat the model, and agrees with it on the whole name.
        let withModel = try DefaultPipeline.make(PipelineOptions(dataDirectory: repositoryRoot.path)).tag(text)
        #expect(withModel.entities.filter { $0.type == .person }.map { "\(withModel.text(of: $0)) \($0.source)" }
                == ["جاستن ترودوفيتش model:wasim", "ترودوفيتش model:wasim"])
    }

    @Test func aTitleDoesNotMakeANameOfTheNextWordAgainstTheModel() throws {
        // (إقراره, with its pronoun, no longer starts a name since the twenty-fourth session's rules.)
        let text = "وأعلن الرئيس المخلوع إقرارا بالهزيمة"
        // Lists and rules alone: person-after-title reads إقرارا as a name.
        var options = PipelineOptions(dataDirectory: repositoryRoot.path)
        options.useModel = false
        let alone = try DefaultPipeline.make(options).tag(text)
        #expect(alone.entities.map { "\($0.type) \(alone.text(of: $0)) \($0.source)" } == ["PER إقرارا rule:person-after-title"])
        // With the model the rule (priority 55, below the rules that beat the model) is a feature
        // the model weighs, and the model says no.
        let rules = try DefaultPipeline.loadRules(PipelineOptions(dataDirectory: repositoryRoot.path),
                                                  gazetteer: try DefaultPipeline.loadGazetteer(PipelineOptions(dataDirectory: repositoryRoot.path))).rules
        #expect(rules.first { $0.name == "person-after-title" }?.priority == 55)
        let withModel = try DefaultPipeline.make(PipelineOptions(dataDirectory: repositoryRoot.path)).tag(text)
        #expect(withModel.entities.isEmpty)
    }

    /// Stands in for the labeller: proposes each listed word as a one-word candidate of its type.
    struct GuessingModel: Stage {
        let name = "guessing-model"
        let requires: Set<Capability> = [.tokens]
        let provides: Set<Capability> = [.modelCandidates]
        let guesses: [String: EntityType]
        func process(_ d: Document) throws {
            var seen = Set<String>()
            for (i, t) in d.tokens.enumerated() {
                let w = d.text(of: t)
                guard let type = guesses[w], seen.insert(w).inserted else { continue }
                d.candidates.append(Entity(type: type, start: t.start, end: t.end, tokens: Int32(i)..<Int32(i + 1), source: "model:test"))
            }
        }
    }

    @Test func theModelsOneWordPeopleAndPlacesAreNotSpread() throws {
        let g = try gazetteer([("مروان العباسي", "PER")])
        let model = GuessingModel(guesses: ["التعايش": .location, "إيبوبروفين": .person, "دانون": .organization])
        let p = try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g), model, ConflictResolution(), NamePropagation(gazetteer: g)])
        let d = try p.tag("دعا إلى التعايش وتناول إيبوبروفين مع دانون. ثم قال إن التعايش ضروري وإن إيبوبروفين ودانون متوفران")
        // The model's first guesses stand; only its organization is found again.
        #expect(d.entities.map { "\($0.type) \(d.text(of: $0)) \($0.source)" } == [
            "LOC التعايش model:test", "PER إيبوبروفين model:test", "ORG دانون model:test", "ORG دانون propagation:دانون@37",
        ])
    }

    @Test func propagationOnlyFillsGaps() throws {
        var b = GazetteerBuilder()
        try b.add("مروان العباسي", type: "PER")
        let g = b.build()
        let p = try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g), ConflictResolution(), NamePropagation(gazetteer: g)])
        let d = try p.tag("قال مروان العباسي إن العباسي سيعود، وإن العباسي وافق")
        #expect(d.entities.map { d.text(of: $0) } == ["مروان العباسي", "العباسي", "العباسي"])
        #expect(d.entities.dropFirst().allSatisfy { $0.source == "propagation:مروان العباسي@4" })
    }

    @Test func ordinaryWordsAndDigitsAreNotSpread() throws {
        let g = try gazetteer([("عبد الله الثاني", "PER"), ("كي تي إم 40د", "PER"), ("مروان العباسي", "PER"), ("الثاني", "VOCAB")])
        let p = try Pipeline([Segmentation(), Normalization(), GazetteerMatching(g), ConflictResolution(), NamePropagation(gazetteer: g)])
        // A regnal number is an ordinary word: the king's "last part" is not his name. A name
        // with a digit (a results line read as a person) is not repeated on every line.
        let d = try p.tag("استقبل عبد الله الثاني مروان العباسي. وفي الثاني من الشهر قال العباسي. كي تي إم 40د. سوزوكي 40د.")
        #expect(d.entities.map { "\(d.text(of: $0)) \($0.source)" } == [
            "عبد الله الثاني gazetteer:api", "مروان العباسي gazetteer:api", "العباسي propagation:مروان العباسي@23", "كي تي إم 40د gazetteer:api",
        ])
    }
}
