/// Indices of `activations` in ascending activation order, ties in index order.
public func ascendingActivationOrder(_ activations: [Double]) -> [Int] {
    activations.indices.sorted { activations[$0] < activations[$1] || (activations[$0] == activations[$1] && $0 < $1) }
}

/// [n] segment of each value, 0 for the lowest-activation segment, numbered without gaps.
/// - equal-count: the ascending order cut into `count` runs, the first n mod count one longer
///   (as `numpy.array_split`); tied values at a cut are split by index order.
/// - quartiles: cut at the 25/50/75 % quantiles (numpy linear), x ≤ q₁ | ≤ q₂ | ≤ q₃ | above;
///   empty segments (heavy ties) are dropped.
/// - natural breaks: `count` classes by `naturalBreakSizes`.
public func segmentLabels(activations: [Double], method: SegmentationMethod, count: Int) throws -> [Int] {
    let n = activations.count
    try requireFinite(activations, "activations")
    let order = ascendingActivationOrder(activations)
    var labels = [Int](repeating: 0, count: n)
    switch method {
    case .equalCount, .naturalBreaks:
        guard count >= 1, n >= count else {
            throw AnalysisError.tooFewObservations(what: "\(count) segments", needed: count, found: n)
        }
        let sizes = method == .equalCount
            ? (0..<count).map { n / count + ($0 < n % count ? 1 : 0) }
            : naturalBreakSizes(sorted: order.map { activations[$0] }, classCount: count)
        var position = 0
        for (segment, size) in sizes.enumerated() {
            for _ in 0..<size {
                labels[order[position]] = segment
                position += 1
            }
        }
    case .quartiles:
        guard n >= 1 else { throw AnalysisError.tooFewObservations(what: "quartiles", needed: 1, found: 0) }
        let sorted = order.map { activations[$0] }
        let cuts = [0.25, 0.5, 0.75].map { quantile(sorted: sorted, $0) }
        for i in 0..<n { labels[i] = cuts.count { activations[i] > $0 } }
        let used = Array(Set(labels)).sorted()
        labels = labels.map { used.firstIndex(of: $0)! }
    }
    return labels
}

/// Jenks natural breaks by Fisher's exact dynamic programme: the sizes of `classCount`
/// consecutive classes of `sorted` (ascending) minimizing the total within-class sum of squared
/// deviations; on equal totals the earliest break wins. O(classCount · n²).
public func naturalBreakSizes(sorted values: [Double], classCount: Int) -> [Int] {
    let n = values.count
    let k = min(classCount, n)
    guard k > 1 else { return n == 0 ? [] : [n] }
    // Prefix sums of values (shifted by the first value to reduce cancellation) and squares.
    let shift = values[0]
    var sum = [0.0], squares = [0.0]
    for value in values {
        sum.append(sum.last! + (value - shift))
        squares.append(squares.last! + (value - shift) * (value - shift))
    }
    /// Sum of squared deviations of values[i..<j].
    func cost(_ i: Int, _ j: Int) -> Double {
        let s = sum[j] - sum[i]
        return max(0, squares[j] - squares[i] - s * s / Double(j - i))
    }
    // best[c][j]: least cost of values[0..<j] in c + 1 classes; start[c][j]: where the last begins.
    var best = [[Double]](repeating: [Double](repeating: .infinity, count: n + 1), count: k)
    var start = [[Int]](repeating: [Int](repeating: 0, count: n + 1), count: k)
    for j in 1...n { best[0][j] = cost(0, j) }
    for c in 1..<k {
        for j in (c + 1)...n {
            for i in c..<j {
                let total = best[c - 1][i] + cost(i, j)
                if total < best[c][j] {
                    best[c][j] = total
                    start[c][j] = i
                }
            }
        }
    }
    var sizes = [Int](repeating: 0, count: k)
    var end = n
    for c in stride(from: k - 1, through: 1, by: -1) {
        sizes[c] = end - start[c][end]
        end = start[c][end]
    }
    sizes[0] = end
    return sizes
}
