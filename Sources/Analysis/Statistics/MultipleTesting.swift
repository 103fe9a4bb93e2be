/// Holm's step-down adjusted p-values (family-wise error), as statsmodels'
/// `multipletests(p, method="holm")[1]`: with p sorted ascending, p̃_(i) = max_{j ≤ i} (m − j + 1) p_(j),
/// capped at 1. Returned in input order. Reject where the adjusted value is ≤ α.
public func holmAdjusted(_ p: [Double]) -> [Double] {
    let m = p.count
    let order = p.indices.sorted { p[$0] < p[$1] || (p[$0] == p[$1] && $0 < $1) }
    var adjusted = [Double](repeating: 0, count: m)
    var running = 0.0
    for (rank, index) in order.enumerated() {
        running = max(running, Double(m - rank) * p[index])
        adjusted[index] = min(running, 1)
    }
    return adjusted
}

/// Benjamini–Hochberg adjusted p-values (false discovery rate, independent tests), as
/// statsmodels' `multipletests(p, method="fdr_bh")[1]`: with p sorted ascending,
/// p̃_(i) = min_{j ≥ i} m p_(j) / j, capped at 1. Returned in input order. Reject where ≤ q.
public func benjaminiHochbergAdjusted(_ p: [Double]) -> [Double] {
    let m = p.count
    let order = p.indices.sorted { p[$0] < p[$1] || (p[$0] == p[$1] && $0 < $1) }
    var adjusted = [Double](repeating: 0, count: m)
    var running = Double.infinity
    for rank in stride(from: m - 1, through: 0, by: -1) {
        let index = order[rank]
        running = min(running, Double(m) * p[index] / Double(rank + 1))
        adjusted[index] = min(running, 1)
    }
    return adjusted
}
