/// A hand-written matcher for GPT-2's pre-tokenization regex
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// over UTF-8 bytes. It returns the same pieces as the regex engine (the tests compare it
/// with NSRegularExpression on many generated strings) without the engine's cost.
/// The alternatives are tried in order at each position, as the regex does:
/// 1. an apostrophe contraction, lowercase only (`'S` is not one);
/// 2. an optional U+0020 space followed by a run of letters, of numbers, or of other symbols;
/// 3. a whitespace run: up to the end of the text, or else all of it but its last scalar
///    (`\s+(?!\S)` backs off so that the last space can start the next word), or, when the run
///    is a single scalar before a non-space, that scalar (`\s+`).
struct GPT2PatternScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Where the text ends for this scan: the regex's end of input.
    let end: Int

    /// Calls `body` with each piece of `start..<end`, in order.
    func forEachPiece(from start: Int, _ body: (Range<Int>) -> Void) {
        var position = start
        while position < end {
            let pieceEnd = endOfPiece(startingAt: position)
            body(position..<pieceEnd)
            position = pieceEnd
        }
    }

    /// The end of the regex match that starts at `start` (every position starts a match).
    func endOfPiece(startingAt start: Int) -> Int {
        if let contractionEnd = endOfContraction(at: start) { return contractionEnd }

        let (first, _) = decodeScalar(bytes, at: start, end: end)
        var runStart = start
        var runClass = ScalarClass(first)
        if first == 0x20, start + 1 < end {
            let (second, _) = decodeScalar(bytes, at: start + 1, end: end)
            let secondClass = ScalarClass(second)
            if secondClass != .whitespace {  // " ?" then a run of letters, numbers or others
                runStart = start + 1
                runClass = secondClass
            }
        }
        if runClass != .whitespace {
            return endOfRun(of: runClass, from: runStart).end
        }

        let run = endOfRun(of: .whitespace, from: start)
        if run.end == end { return end }                  // \s+(?!\S) up to the end of the text
        if run.lastScalarStart > start { return run.lastScalarStart }  // leave the last for the next word
        return run.end                                     // \s+ : one whitespace scalar
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d` at `start`, if there.
    private func endOfContraction(at start: Int) -> Int? {
        guard bytes[start] == UInt8(ascii: "'"), start + 1 < end else { return nil }
        switch bytes[start + 1] {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return start + 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"):
            return start + 2 < end && bytes[start + 2] == UInt8(ascii: "e") ? start + 3 : nil
        case UInt8(ascii: "l"):
            return start + 2 < end && bytes[start + 2] == UInt8(ascii: "l") ? start + 3 : nil
        default:
            return nil
        }
    }

    /// The end of the run of scalars of class `runClass` from `start` (which is one of them),
    /// and where the run's last scalar starts.
    private func endOfRun(of runClass: ScalarClass, from start: Int) -> (end: Int, lastScalarStart: Int) {
        var position = start
        var lastScalarStart = start
        while position < end {
            let (value, length) = decodeScalar(bytes, at: position, end: end)
            guard ScalarClass(value) == runClass else { break }
            lastScalarStart = position
            position += length
        }
        return (position, lastScalarStart)
    }
}
