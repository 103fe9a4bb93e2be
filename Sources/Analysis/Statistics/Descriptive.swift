import Foundation

/// Arithmetic mean; 0 for no values.
public func mean(_ values: [Double]) -> Double {
    values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
}

/// Sample standard deviation (divisor n − 1); 0 for fewer than two values.
public func sampleStandardDeviation(_ values: [Double]) -> Double {
    guard values.count > 1 else { return 0 }
    let m = mean(values)
    let squares = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
    return (squares / Double(values.count - 1)).squareRoot()
}

/// Quantile at probability `p` in [0, 1] by linear interpolation between order statistics,
/// as `numpy.quantile`'s default; `sorted` must be ascending and non-empty.
public func quantile(sorted: [Double], _ p: Double) -> Double {
    precondition(!sorted.isEmpty, "quantile of no values")
    let position = p * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    let fraction = position - Double(lower)
    let a = sorted[lower], b = sorted[upper]
    // numpy's lerp: interpolate from the nearer end, so that p = 1 gives the maximum exactly.
    return fraction < 0.5 ? a + (b - a) * fraction : b - (b - a) * (1 - fraction)
}

/// Median (the 0.5 quantile); `values` need not be sorted but must be non-empty.
public func median(_ values: [Double]) -> Double {
    quantile(sorted: values.sorted(), 0.5)
}

/// Summary of one group of values: the numbers a box plot and a table row need.
public struct GroupSummary: Codable, Sendable, Equatable {
    public var count: Int
    public var mean: Double
    /// Sample standard deviation (n − 1); 0 for one value.
    public var standardDeviation: Double
    public var minimum: Double
    public var lowerQuartile: Double
    public var median: Double
    public var upperQuartile: Double
    public var maximum: Double

    /// Summarizes `values`, which must be non-empty.
    public init(_ values: [Double]) {
        let sorted = values.sorted()
        count = values.count
        mean = Analysis.mean(values)
        standardDeviation = sampleStandardDeviation(values)
        minimum = sorted[0]
        lowerQuartile = quantile(sorted: sorted, 0.25)
        median = quantile(sorted: sorted, 0.5)
        upperQuartile = quantile(sorted: sorted, 0.75)
        maximum = sorted[sorted.count - 1]
    }
}
