/// A correlation coefficient with its two-sided p-value.
public struct CorrelationResult: Codable, Sendable, Equatable {
    public var coefficient: Double
    public var p: Double

    public init(coefficient: Double, p: Double) {
        self.coefficient = coefficient
        self.p = p
    }

    /// Spearman's ρ (Pearson correlation of average ranks) with the p-value of
    /// `scipy.stats.spearmanr`: t = ρ √((n − 2) / ((1 + ρ)(1 − ρ))) against Student's t with n − 2
    /// degrees of freedom. Nil when either input is constant (ρ undefined). Needs n ≥ 3.
    public static func spearman(_ x: [Double], _ y: [Double]) throws -> CorrelationResult? {
        guard x.count == y.count else {
            throw AnalysisError.lengthMismatch(what: "Spearman second variable", expected: x.count, found: y.count)
        }
        guard x.count >= 3 else {
            throw AnalysisError.tooFewObservations(what: "Spearman correlation", needed: 3, found: x.count)
        }
        try requireFinite(x, "Spearman first variable")
        try requireFinite(y, "Spearman second variable")
        guard let rho = pearsonCorrelation(AverageRanks(x).ranks, AverageRanks(y).ranks) else { return nil }
        return CorrelationResult(coefficient: rho, p: spearmanPValue(rho: rho, count: x.count))
    }
}

/// Two-sided p-value of a Spearman ρ over `count` observations (t approximation).
func spearmanPValue(rho: Double, count: Int) -> Double {
    let df = Double(count - 2)
    let denominator = (1 + rho) * (1 - rho)
    if denominator <= 0 { return 0 }
    let t = rho * max(0, df / denominator).squareRoot()
    return min(1, 2 * studentTSurvival(abs(t), degreesOfFreedom: df))
}

/// Pearson correlation of two equally long arrays; nil when either is constant. Clamped to [−1, 1].
public func pearsonCorrelation(_ x: [Double], _ y: [Double]) -> Double? {
    let mx = mean(x), my = mean(y)
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for i in x.indices {
        let dx = x[i] - mx, dy = y[i] - my
        sxy += dx * dy
        sxx += dx * dx
        syy += dy * dy
    }
    guard sxx > 0, syy > 0 else { return nil }
    return max(-1, min(1, sxy / (sxx * syy).squareRoot()))
}
