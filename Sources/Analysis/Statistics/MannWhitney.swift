import Foundation

/// Two-sided Mann–Whitney U test, as `scipy.stats.mannwhitneyu(x, y, method="auto")`.
public struct MannWhitneyResult: Codable, Sendable, Equatable {
    /// How the p-value was obtained.
    public enum Method: String, Codable, Sendable {
        /// The exact null distribution of U (a sample has ≤ 8 values and there are no ties).
        case exact
        /// The normal approximation with tie and continuity corrections.
        case asymptotic
    }

    /// U of the first sample: the number of pairs (x, y) with x > y, plus half the ties.
    public var u: Double
    /// Two-sided p-value.
    public var p: Double
    public var method: Method

    /// Tests whether `x` and `y` (each non-empty) come from the same distribution.
    public init(_ x: [Double], _ y: [Double]) throws {
        guard !x.isEmpty, !y.isEmpty else {
            throw AnalysisError.tooFewObservations(what: "Mann–Whitney sample", needed: 1, found: 0)
        }
        try requireFinite(x, "Mann–Whitney first sample")
        try requireFinite(y, "Mann–Whitney second sample")
        let n1 = x.count, n2 = y.count
        let ranked = AverageRanks(x + y)
        let rankSum = ranked.ranks[0..<n1].reduce(0, +)
        let u1 = rankSum - Double(n1 * (n1 + 1)) / 2
        let u2 = Double(n1 * n2) - u1
        let larger = max(u1, u2)
        u = u1

        if (n1 > 8 && n2 > 8) || ranked.hasTies {
            method = .asymptotic
            let n = Double(n1 + n2)
            let mu = Double(n1 * n2) / 2
            let sigma = (Double(n1 * n2) / 12 * ((n + 1) - ranked.tieTerm / (n * (n - 1)))).squareRoot()
            // All values tied: no information; scipy's z is −∞ here, p clips to 1.
            p = sigma > 0 ? min(1, 2 * normalSurvival((larger - mu - 0.5) / sigma)) : 1
        } else {
            method = .exact
            let distribution = MannWhitneyDistribution(n1, n2)
            p = min(1, 2 * distribution.upperTail(Int(larger.rounded())))
        }
    }
}

/// The exact null distribution of U for sample sizes m ≤ n without ties: the number of ways
/// to reach each U is the coefficient of q^U in the Gaussian binomial [m + n choose m]_q,
/// built as Π_{i=1}^{m} (1 − q^{n+i}) / (1 − q^i) in O(m² n) operations.
struct MannWhitneyDistribution {
    /// [m·n + 1] probability of each U.
    let probabilities: [Double]

    init(_ n1: Int, _ n2: Int) {
        let m = min(n1, n2), n = max(n1, n2)
        let maxU = m * n
        var counts = [Double](repeating: 0, count: maxU + 1)
        counts[0] = 1
        var degree = 0
        for i in 1...m {
            // Multiply by (1 − q^(n+i)) and divide by (1 − q^i), as truncated power series up
            // to the degree i·n of the quotient [n + i choose i]_q: the terms above it cancel.
            let shift = n + i
            degree += n
            if shift <= degree {
                for u in stride(from: degree, through: shift, by: -1) { counts[u] -= counts[u - shift] }
            }
            if i <= degree {
                for u in i...degree { counts[u] += counts[u - i] }
            }
        }
        let total = counts.reduce(0, +)
        probabilities = counts.map { $0 / total }
    }

    /// P(U ≥ u), summed from the nearer tail (the distribution is symmetric).
    func upperTail(_ u: Int) -> Double {
        let maxU = probabilities.count - 1
        if u <= 0 { return 1 }
        if u > maxU { return 0 }
        let mirrored = maxU - u  // P(U ≥ u) = P(U ≤ maxU − u)
        if mirrored <= u {
            return probabilities[0...mirrored].reduce(0, +)
        }
        return 1 - probabilities[0..<u].reduce(0, +)
    }
}
