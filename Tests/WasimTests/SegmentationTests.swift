import Testing
@testable import Wasim

func tokenize(_ text: String) throws -> Document {
    try Pipeline.tokenizer().tag(text)
}

func tokenTexts(_ d: Document) -> [String] { d.tokens.map { d.text(of: $0) } }

@Suite struct SegmentationTests {
    @Test func splitsProcliticFromDigits() throws {
        let d = try tokenize("قتل 5 وأصيب و23 ب2018 و١٬٥٠٠ وب12")
        #expect(tokenTexts(d) == ["قتل", "5", "وأصيب", "و", "23", "ب", "2018", "و", "١٬٥٠٠", "وب", "12"])
        #expect(d.tokens.map(\.kind) == [.word, .number, .word, .word, .number, .word, .number, .word, .number, .word, .number])
        #expect(d.tokens[4].start == 13 && d.tokens[4].end == 15)
    }
}
