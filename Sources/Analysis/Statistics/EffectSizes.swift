/// Counts of the pairs (a, b) ∈ A × B with a > b, a < b and a = b.
struct PairComparison {
    var greater = 0
    var less = 0
    var equal = 0

    /// Compares every pair (obvious O(|A||B|) loop; clusters are small).
    init(_ a: [Double], _ b: [Double]) {
        for x in a {
            for y in b {
                if x > y { greater += 1 } else if x < y { less += 1 } else { equal += 1 }
            }
        }
    }

    var total: Double { Double(greater + less + equal) }
}

/// Cliff's δ = P(A > B) − P(A < B) over all pairs, in [−1, 1]; both samples non-empty.
public func cliffsDelta(_ a: [Double], _ b: [Double]) -> Double {
    let pairs = PairComparison(a, b)
    return Double(pairs.greater - pairs.less) / pairs.total
}

/// Area under the ROC curve of A against B: P(A > B) + ½ P(A = B) over all pairs (= U / (|A||B|),
/// `sklearn.metrics.roc_auc_score` with A as positives); both samples non-empty.
public func areaUnderCurve(_ a: [Double], _ b: [Double]) -> Double {
    let pairs = PairComparison(a, b)
    return (Double(pairs.greater) + 0.5 * Double(pairs.equal)) / pairs.total
}
