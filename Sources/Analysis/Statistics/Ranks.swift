/// Ranks of `values` (1-based) with tied values given the average of their ranks, as
/// `scipy.stats.rankdata(method="average")`, and the sizes of the groups of tied values.
public struct AverageRanks: Sendable, Equatable {
    /// [n] rank of each value, in input order.
    public var ranks: [Double]
    /// Size of every group of equal values, including groups of one.
    public var tieGroupSizes: [Int]

    public init(_ values: [Double]) {
        let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: values.count)
        var groups: [Int] = []
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
            let rank = Double(start + 1 + end) / 2  // mean of ranks start+1 ... end
            for position in start..<end { ranks[order[position]] = rank }
            groups.append(end - start)
            start = end
        }
        self.ranks = ranks
        self.tieGroupSizes = groups
    }

    /// Σ (t³ − t) over the tie groups: the tie term of rank-test variances.
    public var tieTerm: Double {
        tieGroupSizes.reduce(0) { sum, t in sum + Double(t) * Double(t) * Double(t) - Double(t) }
    }

    /// Whether any two values are equal.
    public var hasTies: Bool { tieGroupSizes.contains { $0 > 1 } }
}
