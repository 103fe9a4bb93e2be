/// A hand-written matcher for the pre-tokenization regex of Llama 3 (and, with single digits,
/// of Qwen2)
///
///     (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
///
/// (Qwen2: `\p{N}` for `\p{N}{1,3}`) over UTF-8 bytes, giving the pieces the regex engine does
/// (the tests compare it with NSRegularExpression). The alternatives, tried in order:
/// 1. an apostrophe contraction in either case (`'S`, `'Re`; `ſ` folds to `s`);
/// 2. a run of letters, after at most one scalar that is neither `\r`, `\n`, a letter nor a
///    number (so a space, a tab or a symbol joins the word it precedes);
/// 3. one to `maxDigits` numbers;
/// 4. an optional U+0020 space, a run of other symbols, then any `\r`/`\n` after it;
/// 5. a whitespace run holding a `\r` or `\n`, up to its last one;
/// 6. a whitespace run as in GPT-2's pattern: to the end of the text, or all but its last
///    scalar, or a single scalar.
struct Llama3PatternScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Where the text ends for this scan: the regex's end of input.
    let end: Int
    /// 3 for Llama 3's `\p{N}{1,3}`, 1 for Qwen2's `\p{N}`.
    let maxDigits: Int

    /// Calls `body` with each piece of `start..<end`, in order.
    func forEachPiece(from start: Int, _ body: (Range<Int>) -> Void) {
        var position = start
        while position < end {
            let pieceEnd = endOfPiece(startingAt: position)
            body(position..<pieceEnd)
            position = pieceEnd
        }
    }

    private static func isLineBreak(_ value: UInt32) -> Bool { value == 0x0A || value == 0x0D }

    /// The end of the regex match that starts at `start` (every position starts a match).
    func endOfPiece(startingAt start: Int) -> Int {
        if let contractionEnd = endOfContraction(at: start) { return contractionEnd }

        let (first, firstLength) = decodeScalar(bytes, at: start, end: end)
        let firstClass = ScalarClass(first)
        if firstClass == .letter { return endOfRun(from: start) { $0 == .letter }.end }
        if !Self.isLineBreak(first), firstClass != .number, start + firstLength < end {
            let (second, _) = decodeScalar(bytes, at: start + firstLength, end: end)
            if ScalarClass(second) == .letter { return endOfRun(from: start + firstLength) { $0 == .letter }.end }
        }
        if firstClass == .number {
            var position = start
            var digits = 0
            while position < end, digits < maxDigits {
                let (value, length) = decodeScalar(bytes, at: position, end: end)
                guard ScalarClass(value) == .number else { break }
                position += length
                digits += 1
            }
            return position
        }
        var symbolsStart = start
        if first == 0x20, start + 1 < end, ScalarClass(decodeScalar(bytes, at: start + 1, end: end).value) == .other {
            symbolsStart = start + 1
        }
        if ScalarClass(decodeScalar(bytes, at: symbolsStart, end: end).value) == .other {
            var position = endOfRun(from: symbolsStart) { $0 == .other }.end
            while position < end, bytes[position] == 0x0A || bytes[position] == 0x0D { position += 1 }
            return position
        }

        // Whitespace from here on.
        var lastLineBreakEnd: Int?
        var position = start
        var lastScalarStart = start
        while position < end {
            let (value, length) = decodeScalar(bytes, at: position, end: end)
            guard ScalarClass(value) == .whitespace else { break }
            if Self.isLineBreak(value) { lastLineBreakEnd = position + length }
            lastScalarStart = position
            position += length
        }
        if let lastLineBreakEnd { return lastLineBreakEnd }  // \s*[\r\n]+
        if position == end { return end }                    // \s+(?!\S) up to the end of the text
        if lastScalarStart > start { return lastScalarStart } // leave the last for the next word
        return position                                       // \s+ : one whitespace scalar
    }

    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)` at `start`, if there.
    private func endOfContraction(at start: Int) -> Int? {
        guard bytes[start] == UInt8(ascii: "'"), start + 1 < end else { return nil }
        func isLetter(_ index: Int, _ letter: Character) -> Bool {
            index < end && (bytes[index] | 0x20) == letter.asciiValue!
        }
        if isLetter(start + 1, "s") || isLetter(start + 1, "t") || isLetter(start + 1, "m") || isLetter(start + 1, "d") {
            return start + 2
        }
        // U+017F LATIN SMALL LETTER LONG S, which case-folds to "s": C5 BF.
        if start + 2 < end, bytes[start + 1] == 0xC5, bytes[start + 2] == 0xBF { return start + 3 }
        if (isLetter(start + 1, "r") || isLetter(start + 1, "v")) && isLetter(start + 2, "e") { return start + 3 }
        if isLetter(start + 1, "l") && isLetter(start + 2, "l") { return start + 3 }
        return nil
    }

    /// The end of the run of scalars whose class passes `test`, from `start`, and where the
    /// run's last scalar starts.
    private func endOfRun(from start: Int, _ test: (ScalarClass) -> Bool) -> (end: Int, lastScalarStart: Int) {
        var position = start
        var lastScalarStart = start
        while position < end {
            let (value, length) = decodeScalar(bytes, at: position, end: end)
            guard test(ScalarClass(value)) else { break }
            lastScalarStart = position
            position += length
        }
        return (position, lastScalarStart)
    }
}
