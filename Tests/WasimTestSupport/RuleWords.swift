// Words for tests that generate many rules, each needing its own text.

/// A distinct three-letter word for each of many generated rules (`س` and two of 27 letters: 729 of them).
public func ruleWord(_ r: Int) -> String {
    let letters = Array("بتثجحخدذرزسشصضطظعغفقكلمنهوي")
    return "س" + String(letters[r / letters.count]) + String(letters[r % letters.count])
}
