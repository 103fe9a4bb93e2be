import Models

/// Packs context windows into a model batch and remembers where each row comes from.
struct BatchBuilder {
    let capacity: Int
    private(set) var tokens: [UInt32] = []
    private(set) var windowLengths: [Int] = []
    private(set) var rows = BatchRows()

    init(windows: Int) { capacity = windows }

    var isFull: Bool { windowLengths.count >= capacity }
    var isEmpty: Bool { windowLengths.isEmpty }

    var tokenBatch: TokenBatch { TokenBatch(tokens: tokens, windowLengths: windowLengths) }

    /// Adds one window of document tokens starting at `firstPosition`, after `bos` if given.
    mutating func append(window: ArraySlice<UInt32>, document: UInt32, firstPosition: Int, bos: UInt32?) {
        rows.beginWindow()
        if let bos {
            tokens.append(bos)
            rows.append(document: document, position: 0, token: bos, counted: false)
        }
        for (offset, token) in window.enumerated() {
            tokens.append(token)
            rows.append(document: document, position: UInt32(firstPosition + offset), token: token, counted: true)
        }
        windowLengths.append(window.count + (bos == nil ? 0 : 1))
    }

    /// The first document positions of the context windows a document of `length` tokens is
    /// cut into: every `context` tokens from 0 on.
    static func windowStarts(documentLength length: Int, context: Int) -> StrideTo<Int> {
        stride(from: 0, to: length, by: context)
    }

    /// The first document position of the context window that holds `position`.
    static func windowStart(containing position: Int, context: Int) -> Int {
        position / context * context
    }

    /// The document positions of the context window that holds `position`.
    static func window(containing position: Int, documentLength length: Int, context: Int) -> Range<Int> {
        let start = windowStart(containing: position, context: context)
        return start..<min(length, start + context)
    }

    mutating func reset() {
        tokens.removeAll(keepingCapacity: true)
        windowLengths.removeAll(keepingCapacity: true)
        rows.removeAll()
    }
}
