/// Kruskal–Wallis H test of whether several groups come from the same distribution.
public struct KruskalWallisResult: Codable, Sendable, Equatable {
    /// H statistic, corrected for ties.
    public var h: Double
    /// Number of groups − 1.
    public var degreesOfFreedom: Int
    /// Upper-tail chi-square p-value of H.
    public var p: Double
    /// Effect size ε² = H / (n − 1), n the total number of observations.
    public var epsilonSquared: Double

    /// Tests `groups` (at least two, none empty), as `scipy.stats.kruskal`:
    /// H = [12 / (n(n+1)) Σ R_i² / n_i − 3(n+1)] / (1 − Σ(t³ − t) / (n³ − n)).
    public init(groups: [[Double]]) throws {
        guard groups.count >= 2 else {
            throw AnalysisError.tooFewObservations(what: "Kruskal–Wallis groups", needed: 2, found: groups.count)
        }
        for group in groups where group.isEmpty {
            throw AnalysisError.tooFewObservations(what: "Kruskal–Wallis group", needed: 1, found: 0)
        }
        let pooled = groups.flatMap { $0 }
        try requireFinite(pooled, "Kruskal–Wallis values")
        let ranked = AverageRanks(pooled)
        let n = Double(pooled.count)
        let tieCorrection = 1 - ranked.tieTerm / (n * n * n - n)
        guard tieCorrection > 0 else { throw AnalysisError.allValuesIdentical(what: "Kruskal–Wallis values") }

        var sumOfSquaredRankSums = 0.0
        var offset = 0
        for group in groups {
            let rankSum = ranked.ranks[offset..<(offset + group.count)].reduce(0, +)
            sumOfSquaredRankSums += rankSum * rankSum / Double(group.count)
            offset += group.count
        }
        let h = (12 / (n * (n + 1)) * sumOfSquaredRankSums - 3 * (n + 1)) / tieCorrection
        self.h = h
        self.degreesOfFreedom = groups.count - 1
        self.p = chiSquareSurvival(h, degreesOfFreedom: Double(groups.count - 1))
        self.epsilonSquared = h / (n - 1)
    }

    /// Tests the groups that `labels` (one per value) define; labels may be any integers.
    public init(values: [Double], labels: [Int]) throws {
        guard values.count == labels.count else {
            throw AnalysisError.lengthMismatch(what: "Kruskal–Wallis labels", expected: values.count, found: labels.count)
        }
        var groups: [Int: [Double]] = [:]
        for (value, label) in zip(values, labels) { groups[label, default: []].append(value) }
        try self.init(groups: groups.keys.sorted().map { groups[$0]! })
    }
}
