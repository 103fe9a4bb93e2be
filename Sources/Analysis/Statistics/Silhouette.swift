/// Mean silhouette coefficient of a clustering over a precomputed distance matrix, as
/// `sklearn.metrics.silhouette_score(X, labels, metric=...)`: for each item,
/// s = (b − a) / max(a, b) with a the mean distance to the other members of its cluster and b the
/// smallest mean distance to another cluster; items alone in their cluster score 0.
///
/// `distances` is [n, n]; needs 2 ≤ number of clusters ≤ n − 1.
public func silhouetteScore(distances: Matrix, labels: [Int]) throws -> Double {
    let n = labels.count
    guard distances.rows == n, distances.columns == n else {
        throw AnalysisError.lengthMismatch(what: "silhouette distance matrix rows", expected: n, found: distances.rows)
    }
    let (compact, sizes) = LabelAgreement.compact(labels)
    let k = sizes.count
    guard k >= 2, k <= n - 1 else {
        throw AnalysisError.invalidParameter(name: "cluster count", value: "\(k)",
                                             reason: "silhouette needs between 2 and n − 1 = \(n - 1) clusters")
    }
    var total = 0.0
    var sums = [Double](repeating: 0, count: k)
    for i in 0..<n {
        for c in 0..<k { sums[c] = 0 }
        for j in 0..<n { sums[compact[j]] += distances[i, j] }
        let own = compact[i]
        guard sizes[own] > 1 else { continue }
        let a = sums[own] / Double(sizes[own] - 1)
        var b = Double.infinity
        for c in 0..<k where c != own { b = min(b, sums[c] / Double(sizes[c])) }
        let denominator = max(a, b)
        if denominator > 0 { total += (b - a) / denominator }
    }
    return total / Double(n)
}
