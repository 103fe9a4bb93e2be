import Kernels

/// Direction of a test: which values of the statistic count as extreme.
public enum Alternative: String, Codable, Sendable, Hashable, CaseIterable {
    /// Large values are extreme.
    case greater
    /// Small values are extreme.
    case less
    /// Large absolute values are extreme (for statistics centred on 0 under the null).
    case twoSided = "two-sided"
}

/// An observed statistic against its Monte-Carlo permutation null.
public struct PermutationTestResult: Codable, Sendable, Equatable {
    public var observed: Double
    public var nullMean: Double
    /// Standard deviation of the null values (n − 1).
    public var nullStandardDeviation: Double
    /// (observed − null mean) / null sd; nil when the null has no spread.
    public var z: Double?
    /// (number of null values at least as extreme as the observed + 1) / (permutations + 1).
    public var p: Double
    public var permutations: Int
    public var alternative: Alternative

    /// Summarizes `null` (one value per permutation) against `observed`. Values within a relative
    /// 1e-12 of the observed count as equal, so that permutations giving the same statistic up to
    /// rounding count as extreme.
    public init(observed: Double, null: [Double], alternative: Alternative) {
        self.observed = observed
        self.permutations = null.count
        self.alternative = alternative
        nullMean = mean(null)
        nullStandardDeviation = sampleStandardDeviation(null)
        z = nullStandardDeviation > 0 ? (observed - nullMean) / nullStandardDeviation : nil
        let tolerance = 1e-12 * max(1, abs(observed))
        let extreme: Int
        switch alternative {
        case .greater: extreme = null.count { $0 >= observed - tolerance }
        case .less: extreme = null.count { $0 <= observed + tolerance }
        case .twoSided: extreme = null.count { abs($0) >= abs(observed) - tolerance }
        }
        p = Double(extreme + 1) / Double(null.count + 1)
    }

    /// Runs `permutations` draws of `nullStatistic` (each draws its own permutation from the
    /// generator) and compares them with `observed`.
    public init(observed: Double, permutations: Int, alternative: Alternative,
                generator: inout SeededGenerator,
                nullStatistic: (inout SeededGenerator) -> Double) {
        var null = [Double](repeating: 0, count: permutations)
        for i in 0..<permutations { null[i] = nullStatistic(&generator) }
        self.init(observed: observed, null: null, alternative: alternative)
    }
}
