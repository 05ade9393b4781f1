import Testing
@testable import Wasim
@testable import WasimBatch
@testable import WasimEvaluation

@Suite struct ArabicNumberTests {
    func check(_ cases: [(String, Double?)], sourceLocation: SourceLocation = #_sourceLocation) {
        for (text, expected) in cases {
            #expect(ArabicNumber.parse(text) == expected, "\(text)", sourceLocation: sourceLocation)
        }
    }

    @Test func digitsInThreeScripts() {
        check([
            ("0", 0), ("7", 7), ("2018", 2018), ("٢٠١٨", 2018), ("۲۰۱۸", 2018), ("٤٥", 45), ("۴۵", 45),
            ("007", 7),
        ])
    }

    @Test func decimalAndThousandsSeparators() {
        check([
            ("2.5", 2.5), ("٣٫٥", 3.5), ("0.75", 0.75),
            ("1,500", 1500), ("١٬٥٠٠", 1500), ("12,345,678", 12_345_678), ("1.500.000", 1_500_000),
            ("2,5", 2.5), ("3,65", 3.65), ("1500,5", 1500.5),
            ("1,234.5", 1234.5), ("1.234,5", 1234.5), ("۱٬۲۰۰٫۵", 1200.5),
        ])
    }

    /// `1,50` could be a typo for 150 or 1,500, or Maghrebi news's decimal comma (1,50 دينار).
    /// A thousands separator is always followed by exactly three digits, so one comma followed
    /// by any other number of digits can only be a decimal comma, and is read as one.
    @Test func aCommaNotFollowedByThreeDigitsIsADecimalComma() {
        check([("1,50", 1.5), ("1,5000", 1.5), ("12,5", 12.5)])
    }

    /// Separators that neither reading allows: groups of the wrong size after a thousands
    /// separator, two decimal points.
    @Test func malformedDigitGroupsAreNotNumbers() {
        check([("12,34,567", nil), ("1.2.3", nil), ("1,234,5678", nil), ("1,,5", nil), ("1,", nil)])
    }

    @Test func maghrebiCommaDecimalBeforeAPluralScale() {
        check([("3,650 ملايين", 3_650_000), ("2,5 مليون", 2_500_000), ("1,500 مليون", 1_500_000_000),
               ("4,200 مليارات", 4_200_000_000)])
    }

    @Test func units() {
        check([
            ("واحد", 1), ("واحدة", 1), ("اثنان", 2), ("اثنين", 2), ("اثنتان", 2), ("اثنتين", 2),
            ("ثلاث", 3), ("ثلاثة", 3), ("أربع", 4), ("أربعة", 4), ("اربعة", 4), ("خمس", 5), ("خمسة", 5),
            ("ست", 6), ("ستة", 6), ("سبع", 7), ("سبعة", 7), ("ثمان", 8), ("ثماني", 8), ("ثمانية", 8),
            ("تسع", 9), ("تسعة", 9), ("عشر", 10), ("عشرة", 10), ("عَشَرَة", 10),
        ])
    }

    @Test func teens() {
        check([
            ("أحد عشر", 11), ("إحدى عشرة", 11), ("اثنا عشر", 12), ("اثني عشر", 12), ("اثنتا عشرة", 12),
            ("اثنتي عشرة", 12), ("ثلاثة عشر", 13), ("ثلاث عشرة", 13), ("أربعة عشر", 14), ("خمسة عشر", 15),
            ("ست عشرة", 16), ("سبعة عشر", 17), ("ثمانية عشر", 18), ("ثماني عشرة", 18), ("تسعة عشر", 19),
            ("تسع عشرة", 19),
        ])
    }

    @Test func teenOnlyWordsAloneAreNotNumbers() {
        check([("أحد", nil), ("إحدى", nil), ("اثنا", nil)])
    }

    @Test func tens() {
        check([
            ("عشرون", 20), ("عشرين", 20), ("ثلاثون", 30), ("ثلاثين", 30), ("أربعون", 40), ("أربعين", 40),
            ("خمسون", 50), ("خمسين", 50), ("ستون", 60), ("ستين", 60), ("سبعون", 70), ("سبعين", 70),
            ("ثمانون", 80), ("ثمانين", 80), ("تسعون", 90), ("تسعين", 90),
        ])
    }

    @Test func unitsAndTensJoinedWithWaw() {
        check([
            ("خمسة وعشرين", 25), ("خمسة وعشرون", 25), ("واحد وعشرون", 21), ("ثلاث وأربعين", 43),
            ("خمسة و عشرين", 25), ("تسعة وتسعين", 99), ("اثنين وثلاثين", 32),
        ])
    }

    @Test func hundreds() {
        check([
            ("مئة", 100), ("مائة", 100), ("مئتان", 200), ("مئتين", 200), ("مئتي", 200), ("مائتان", 200),
            ("مائتين", 200), ("مائتي", 200), ("ثلاثمئة", 300), ("ثلاثمائة", 300), ("أربعمئة", 400),
            ("أربعمائة", 400), ("خمسمئة", 500), ("خمسمائة", 500), ("ستمئة", 600), ("ستمائة", 600),
            ("سبعمئة", 700), ("سبعمائة", 700), ("ثمانمئة", 800), ("ثمانمائة", 800), ("تسعمئة", 900),
            ("تسعمائة", 900), ("ثلاث مئة", 300), ("خمس مائة", 500),
        ])
    }

    @Test func hundredsCompounds() {
        check([
            ("مئة وخمسين", 150), ("مائة وخمسون", 150), ("مئتين وعشرة", 210), ("ثلاثمئة وخمسة وعشرون", 325),
            ("خمسمائة وثلاثة عشر", 513), ("مئة وواحد", 101), ("مئة و خمسين", 150),
        ])
    }

    @Test func thousands() {
        check([
            ("ألف", 1000), ("الف", 1000), ("ألفا", 2000), ("ألفان", 2000), ("ألفين", 2000),
            ("ثلاثة آلاف", 3000), ("عشرة آلاف", 10000), ("أحد عشر ألفا", 11000), ("عشرين ألفا", 20000),
            ("خمسة وعشرين ألف", 25000), ("مئة ألف", 100_000), ("مئتي ألف", 200_000), ("مائتا ألف", 200_000),
            ("ثلاثمائة ألف", 300_000), ("ألف وخمسمئة", 1500), ("ثلاثة آلاف وخمسمئة", 3500),
            ("ألفين وثلاثمئة", 2300), ("ثلاثة آلاف وخمسمائة وخمسة وعشرون", 3525), ("ألف ونصف", 1500),
        ])
    }

    @Test func millionsAndBillions() {
        check([
            ("مليون", 1e6), ("مليونا", 2e6), ("مليونان", 2e6), ("مليونين", 2e6), ("مليوني", 2e6),
            ("ثلاثة ملايين", 3e6), ("عشرة ملايين", 1e7), ("عشرين مليونا", 2e7), ("مئة مليون", 1e8),
            ("مليار", 1e9), ("مليارا", 2e9), ("ملياران", 2e9), ("مليارين", 2e9), ("ملياري", 2e9),
            ("خمسة مليارات", 5e9), ("خمسين مليارا", 5e10), ("ثلاثة ملايين وخمسمئة ألف", 3_500_000),
            ("مليون وألف", 1_001_000), ("مليون ونصف", 1_500_000), ("مليون ونصف المليون", 1_500_000),
            ("مليونين ونصف", 2_500_000), ("تريليون", 1e12), ("بليون", 1e9),
        ])
    }

    @Test func digitsWithAScaleWord() {
        check([
            ("2.5 مليون", 2_500_000), ("٤٠ ألفا", 40_000), ("40 ألف", 40_000), ("3 آلاف", 3000),
            ("1.2 مليار", 1_200_000_000), ("٣٫٥ ملايين", 3_500_000), ("300 مليون", 300_000_000),
            ("3 آلاف و500", 3500), ("مليون و200 ألف", 1_200_000), ("١٥٠ ألفًا", 150_000),
        ])
    }

    @Test func fractionsOnlyAfterAScale() {
        check([("ثلاثة ونصف", nil), ("نصف", nil)])
    }

    @Test func wawBetweenTwoNumbersEndsTheFirst() {
        // A second hundred, a second ten, or a scale that cannot follow are a new number.
        check([("مئة وخمسين ومئتي", nil), ("عشرين وثلاثين", nil), ("ثلاثة آلاف وخمسة آلاف", nil),
               ("خمسة وعشرة", nil), ("ألف وألفين", nil)])
        let d = try! Pipeline.tokenizer().tag("مئة وخمسين ومئتي")
        let n = ArabicNumber.read(d, at: 0)
        #expect(n?.value == 150 && n?.tokens == 0..<2 && n?.joins == 1)
        let shorter = ArabicNumber.read(d, at: 0, maxJoins: 0)
        #expect(shorter?.value == 100 && shorter?.tokens == 0..<1)
        let second = ArabicNumber.read(d, at: 2, skip: 1)
        #expect(second?.value == 200 && second?.start == d.tokens[2].start + 1)
        let thousands = try! Pipeline.tokenizer().tag("ثلاثة آلاف وخمسة آلاف")
        #expect(ArabicNumber.read(thousands, at: 0)?.value == 3000)
        #expect(ArabicNumber.read(thousands, at: 0)?.tokens == 0..<2)
    }

    @Test func scaleAttributes() throws {
        let d = try Pipeline.tokenizer().tag("1.5 مليون")
        let n = try #require(ArabicNumber.read(d, at: 0))
        #expect(n.scale == 1e6 && n.scaleCount == 1.5 && n.startsWithDigits && !n.isPlainInteger)
        let year = try #require(ArabicNumber.read(try Pipeline.tokenizer().tag("2014"), at: 0))
        #expect(year.isPlainInteger && year.scale == nil)
    }

    @Test func attachedWawAsProclitic() throws {
        let d = try Pipeline.tokenizer().tag("وَخمسين")
        let n = try #require(ArabicNumber.read(d, at: 0, skip: 1))
        #expect(n.value == 50 && n.start == 2)
    }

    @Test func nonNumbers() {
        check([("", nil), ("بين", nil), ("أجدابيا", nil), ("الأحد", nil), ("آلاف", nil), ("ملايين", nil),
               ("عشرات", nil), ("مئات", nil), ("ثلاثة رجال", nil)])
    }

    @Test func hugeNumbersAreNotReadAndDoNotTrap() {
        let big = String(repeating: "9", count: 400)
        check([(big, nil), ("1" + String(repeating: "0", count: 14), 1e14), ("1" + String(repeating: "0", count: 15), nil),
               (big + ".5", nil), ("999 تريليون", 999e12), ("1001 تريليون", nil),
               (String(repeating: "٩", count: 400) + " مليون", nil), ("9999999999999 ألف", nil)])
        let fraction = ArabicNumber.parse("0." + big)
        #expect(fraction != nil && fraction! > 0.99 && fraction! < 1)
    }
}
