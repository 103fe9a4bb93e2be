/// Where each row of a model batch comes from: row r is token `tokens[r]` at `position[r]` of
/// `document[r]`, or a BOS row (`isCounted[r] == false`) that is never recorded; and which
/// context window it belongs to.
public struct BatchRows: Sendable {
    public var documents: [UInt32] = []
    public var positions: [UInt32] = []
    public var tokens: [UInt32] = []
    /// Indices of the rows that are recorded (every row but BOS rows), ascending.
    public var counted: [Int] = []
    /// [rows] the index in `windowRows` of each row's context window.
    public private(set) var windowOfRow: [Int] = []
    /// The counted rows of each context window: consecutive positions of one document.
    public private(set) var windowRows: [Range<Int>] = []
    private var startsWindow = true

    public init() {}

    public var count: Int { tokens.count }

    /// Makes the next row start a new context window (a window also ends where its document does).
    public mutating func beginWindow() { startsWindow = true }

    public mutating func append(document: UInt32, position: UInt32, token: UInt32, counted isCounted: Bool) {
        let row = tokens.count
        if startsWindow || documents.last != document {
            windowRows.append(row..<row)
            startsWindow = false
        }
        if isCounted {
            counted.append(row)
            let w = windowRows.count - 1
            if windowRows[w].isEmpty { windowRows[w] = row..<row }
            windowRows[w] = windowRows[w].lowerBound..<row + 1
        }
        windowOfRow.append(windowRows.count - 1)
        documents.append(document)
        positions.append(position)
        tokens.append(token)
    }

    public mutating func removeAll() {
        documents.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        tokens.removeAll(keepingCapacity: true)
        counted.removeAll(keepingCapacity: true)
        windowOfRow.removeAll(keepingCapacity: true)
        windowRows.removeAll(keepingCapacity: true)
        startsWindow = true
    }
}
