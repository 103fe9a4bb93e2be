/// Why an analysis could not run on the data or parameters it was given.
public enum AnalysisError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Two inputs that must have matching sizes do not.
    case lengthMismatch(what: String, expected: Int, found: Int)
    /// Fewer observations than the computation needs.
    case tooFewObservations(what: String, needed: Int, found: Int)
    /// A value is NaN or infinite.
    case nonFinite(what: String, index: Int)
    /// An embedding row has zero length, so its cosine similarity is undefined.
    case zeroVector(row: Int)
    /// A parameter is outside its allowed range.
    case invalidParameter(name: String, value: String, reason: String)
    /// The statistic is undefined because every value is the same.
    case allValuesIdentical(what: String)

    public var description: String {
        switch self {
        case .lengthMismatch(let what, let expected, let found):
            "\(what): expected \(expected) values, found \(found)"
        case .tooFewObservations(let what, let needed, let found):
            "\(what): needs at least \(needed) observations, found \(found)"
        case .nonFinite(let what, let index):
            "\(what): value at index \(index) is not finite"
        case .zeroVector(let row):
            "embedding row \(row) has zero length; its cosine similarity is undefined"
        case .invalidParameter(let name, let value, let reason):
            "parameter \(name) = \(value): \(reason)"
        case .allValuesIdentical(let what):
            "\(what): all values are identical, the statistic is undefined"
        }
    }
}

/// Throws `nonFinite` at the first NaN or infinity of `values`.
func requireFinite(_ values: [Double], _ what: String) throws {
    if let index = values.firstIndex(where: { !$0.isFinite }) {
        throw AnalysisError.nonFinite(what: what, index: index)
    }
}
