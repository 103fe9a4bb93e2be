/// Finds added tokens (`<|endoftext|>`, `<|im_start|>`, …) written in the text, as HF
/// `tokenizers` does before pre-tokenization: the leftmost match first, the longest token
/// when several match there. The text between matches is encoded as ordinary text.
struct AddedTokenMatcher: Sendable {
    struct Token: Sendable {
        let bytes: [UInt8]
        let id: UInt32
    }

    /// A piece of the text: ordinary text, or an added token.
    enum Segment: Equatable {
        case text(Range<Int>)
        case token(UInt32)
    }

    /// The tokens that start with each byte value, longest first.                     // [256]
    private let tokensByFirstByte: [[Token]]
    let isEmpty: Bool

    init(_ tokens: [Token]) {
        var table = [[Token]](repeating: [], count: 256)
        for token in tokens {
            guard let first = token.bytes.first else { continue }
            table[Int(first)].append(token)
        }
        tokensByFirstByte = table.map { $0.sorted { $0.bytes.count > $1.bytes.count } }
        isEmpty = tokens.allSatisfy(\.bytes.isEmpty)
    }

    /// Calls `body` with the segments of `bytes[range]`, in order (empty text segments are skipped).
    func forEachSegment(in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, _ body: (Segment) -> Void) {
        if isEmpty {
            if !range.isEmpty { body(.text(range)) }
            return
        }
        var textStart = range.lowerBound
        var position = range.lowerBound
        while position < range.upperBound {
            if let token = match(in: bytes, at: position, end: range.upperBound) {
                if textStart < position { body(.text(textStart..<position)) }
                body(.token(token.id))
                position += token.bytes.count
                textStart = position
            } else {
                position += 1
            }
        }
        if textStart < range.upperBound { body(.text(textStart..<range.upperBound)) }
    }

    /// The longest token written at `position`, if any.
    private func match(in bytes: UnsafeBufferPointer<UInt8>, at position: Int, end: Int) -> Token? {
        for token in tokensByFirstByte[Int(bytes[position])] where position + token.bytes.count <= end {
            var matches = true
            for (offset, byte) in token.bytes.enumerated() where bytes[position + offset] != byte {
                matches = false
                break
            }
            if matches { return token }
        }
        return nil
    }
}
