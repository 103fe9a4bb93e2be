/// Where each row of a model batch comes from: row r is token `tokens[r]` at `position[r]` of
/// `document[r]`, or a BOS row (`isCounted[r] == false`) that is never recorded.
public struct BatchRows: Sendable {
    public var documents: [UInt32] = []
    public var positions: [UInt32] = []
    public var tokens: [UInt32] = []
    /// Indices of the rows that are recorded (every row but BOS rows), ascending.
    public var counted: [Int] = []

    public init() {}

    public var count: Int { tokens.count }

    public mutating func append(document: UInt32, position: UInt32, token: UInt32, counted isCounted: Bool) {
        if isCounted { counted.append(tokens.count) }
        documents.append(document)
        positions.append(position)
        tokens.append(token)
    }

    public mutating func removeAll() {
        documents.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        tokens.removeAll(keepingCapacity: true)
        counted.removeAll(keepingCapacity: true)
    }
}
