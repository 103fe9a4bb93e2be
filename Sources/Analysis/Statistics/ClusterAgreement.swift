import Foundation

/// Adjusted Rand index of two labelings of the same items, as
/// `sklearn.metrics.adjusted_rand_score`: 1 for identical partitions, ~0 for independent ones.
public func adjustedRandIndex(_ a: [Int], _ b: [Int]) throws -> Double {
    try LabelAgreement(a, b).adjustedRandIndex(b: LabelAgreement.compact(b).labels)
}

/// Normalized mutual information with the arithmetic-mean normalization, as
/// `sklearn.metrics.normalized_mutual_info_score` (default `average_method="arithmetic"`).
public func normalizedMutualInformation(_ a: [Int], _ b: [Int]) throws -> Double {
    try LabelAgreement(a, b).normalizedMutualInformation(b: LabelAgreement.compact(b).labels)
}

/// Agreement between a fixed labeling `a` and relabelings of `b` whose label counts stay the
/// same (the permutation null): the marginals, entropies and Σ n² terms are computed once, so
/// each permuted `b` costs one pass to fill the contingency table.
struct LabelAgreement {
    /// [n] labels of `a`, compacted to 0..<rowCount.
    let rowLabels: [Int]
    let rowCount: Int
    let columnCount: Int
    let itemCount: Int
    /// Σ_i a_i² and Σ_j b_j² of the row and column sums.
    let rowSquares: Int
    let columnSquares: Int
    /// Entropies (natural log) of the two labelings.
    let rowEntropy: Double
    let columnEntropy: Double
    /// N ln N − Σ a_i ln a_i − Σ b_j ln b_j: the marginal part of N · MI.
    let marginalInformation: Double
    /// [n + 1] x ln x for integer x (0 ln 0 = 0).
    let xLogX: [Double]

    init(_ a: [Int], _ b: [Int]) throws {
        guard a.count == b.count else {
            throw AnalysisError.lengthMismatch(what: "second labeling", expected: a.count, found: b.count)
        }
        guard !a.isEmpty else { throw AnalysisError.tooFewObservations(what: "labelings", needed: 1, found: 0) }
        let rows = Self.compact(a), columns = Self.compact(b)
        rowLabels = rows.labels
        rowCount = rows.sizes.count
        columnCount = columns.sizes.count
        itemCount = a.count
        let table = (0...a.count).map { $0 == 0 ? 0 : Double($0) * log(Double($0)) }
        xLogX = table
        rowSquares = rows.sizes.reduce(0) { $0 + $1 * $1 }
        columnSquares = columns.sizes.reduce(0) { $0 + $1 * $1 }
        let n = Double(a.count)
        let rowTerm = rows.sizes.reduce(0.0) { $0 + table[$1] }
        let columnTerm = columns.sizes.reduce(0.0) { $0 + table[$1] }
        rowEntropy = rowCount == 1 ? 0 : log(n) - rowTerm / n
        columnEntropy = columnCount == 1 ? 0 : log(n) - columnTerm / n
        marginalInformation = table[a.count] - rowTerm - columnTerm
    }

    /// Labels renumbered 0, 1, … in order of their sorted values, with the size of each.
    static func compact(_ labels: [Int]) -> (labels: [Int], sizes: [Int]) {
        let distinct = Array(Set(labels)).sorted()
        var index: [Int: Int] = [:]
        for (i, label) in distinct.enumerated() { index[label] = i }
        var sizes = [Int](repeating: 0, count: distinct.count)
        let compacted = labels.map { label -> Int in
            let i = index[label]!
            sizes[i] += 1
            return i
        }
        return (compacted, sizes)
    }

    /// [rowCount, columnCount] contingency counts against compact column labels `b`.
    func contingency(_ b: [Int]) -> [Int] {
        var counts = [Int](repeating: 0, count: rowCount * columnCount)
        for i in 0..<itemCount { counts[rowLabels[i] * columnCount + b[i]] += 1 }
        return counts
    }

    /// ARI from the pair confusion matrix (integer arithmetic, as scikit-learn).
    func adjustedRandIndex(b: [Int]) -> Double {
        adjustedRandIndex(counts: contingency(b))
    }

    func adjustedRandIndex(counts: [Int]) -> Double {
        let n = itemCount
        let sumSquares = counts.reduce(0) { $0 + $1 * $1 }
        let tp = sumSquares - n
        let fp = columnSquares - sumSquares
        let fn = rowSquares - sumSquares
        let tn = n * n - fp - fn - sumSquares
        if fn == 0 && fp == 0 { return 1 }
        let numerator = 2 * (tp * tn - fn * fp)
        let denominator = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn)
        return Double(numerator) / Double(denominator)
    }

    /// NMI = MI / ((H(a) + H(b)) / 2), with scikit-learn's limit cases (both labelings one
    /// cluster: 1; exactly one of them one cluster: 0).
    func normalizedMutualInformation(b: [Int]) -> Double {
        normalizedMutualInformation(counts: contingency(b))
    }

    func normalizedMutualInformation(counts: [Int]) -> Double {
        if rowCount == 1 && columnCount == 1 { return 1 }
        if rowCount == 1 || columnCount == 1 { return 0 }
        var cellTerm = 0.0
        for count in counts where count > 1 { cellTerm += xLogX[count] }
        let mutualInformation = max(0, (cellTerm + marginalInformation) / Double(itemCount))
        if mutualInformation == 0 { return 0 }
        return mutualInformation / ((rowEntropy + columnEntropy) / 2)
    }
}
