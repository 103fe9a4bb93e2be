import Kernels

/// How a neuron's activation levels separate its categories (the tested clusters). Each verdict
/// is defined so that every claim of its `sentence` holds.
public enum ActivationMappingVerdict: String, Codable, CodingKeyRepresentable, Sendable, Hashable, CaseIterable {
    /// Clusters differ in activation (Kruskal–Wallis p < α), at least one pair differs (Holm
    /// p < α), and every pair that differs has disjoint activation ranges.
    case segregated
    /// Clusters differ in activation, and some pair that differs (Holm p < α) has overlapping ranges.
    case interleaved
    /// Clusters differ in activation overall (Kruskal–Wallis p < α), but no pair of clusters
    /// differs after Holm's correction: the data do not say which categories differ, nor whether
    /// their ranges overlap.
    case differOverallOnly = "differ-overall-only"
    /// No significant difference between the clusters' activations (Kruskal–Wallis p ≥ α).
    case undifferentiated

    /// The verdict as a clause of the neuron report, claiming no more than the definition.
    public var sentence: String {
        switch self {
        case .segregated:
            "categories differ in activation, and every pair that differs after Holm's correction occupies disjoint ranges (segregated)"
        case .interleaved:
            "categories differ in activation, and a pair that differs after Holm's correction has overlapping ranges (interleaved)"
        case .differOverallOnly:
            "categories differ in activation overall, but no pair of categories differs after Holm's correction (differ overall only)"
        case .undifferentiated:
            "categories do not differ in activation (undifferentiated)"
        }
    }
}

/// Overlap of two clusters' activation distributions.
public struct ClusterPairOverlap: Codable, Sendable, Equatable {
    public var first: Int
    public var second: Int
    /// Whether the [min, max] ranges intersect.
    public var rangesOverlap: Bool
    /// Length of the ranges' intersection over the length of their union (0 when disjoint).
    public var rangeOverlap: Double
    /// The same for the interquartile ranges.
    public var interquartileOverlap: Double
    /// P(first > second) + ½ P(first = second) over all pairs of members.
    public var auc: Double
}

/// Interleaving analysis: are the categories interleaved along the activation axis?
public struct InterleavingResult: Codable, Sendable, Equatable {
    public var pairs: [ClusterPairOverlap]
    /// Number of cluster changes between neighbours of the activation-sorted core tokens, against
    /// shuffled cluster labels; `less`: few switches mean categories occupy contiguous ranges.
    public var switches: PermutationTestResult
    /// Clusters differ in mean activation (Kruskal–Wallis p < α) and a pair that differs
    /// significantly (Holm p < α) has overlapping activation ranges.
    public var interleaved: Bool
    public var verdict: ActivationMappingVerdict

    public init(activations: [Double], topDown: TopDownResult, parameters: AnalysisParameters,
                generator: inout SeededGenerator) {
        let clusters = topDown.clusters
        // The pairs of tested clusters, as in `topDown.pairs`.
        pairs = topDown.pairs.map { comparison in
            let a = comparison.first, b = comparison.second
            let x = clusters[a].activation, y = clusters[b].activation
            return ClusterPairOverlap(
                first: a, second: b,
                rangesOverlap: max(x.minimum, y.minimum) <= min(x.maximum, y.maximum),
                rangeOverlap: intervalOverlap(x.minimum...x.maximum, y.minimum...y.maximum),
                interquartileOverlap: intervalOverlap(x.lowerQuartile...x.upperQuartile, y.lowerQuartile...y.upperQuartile),
                auc: areaUnderCurve(clusters[a].activations, clusters[b].activations))
        }

        let sortedLabels = ascendingActivationOrder(activations).map { topDown.clustering.labels[$0] }
        var shuffled = sortedLabels
        switches = PermutationTestResult(observed: Double(switchCount(sortedLabels)),
                                         permutations: parameters.permutations, alternative: .less,
                                         generator: &generator) { generator in
            shuffle(&shuffled, using: &generator)
            return Double(switchCount(shuffled))
        }

        let differentiated = topDown.differentiation.p < parameters.alpha
        let differing = zip(topDown.pairs, pairs).filter { comparison, _ in comparison.holmP < parameters.alpha }
        interleaved = differentiated && differing.contains { $0.1.rangesOverlap }
        verdict = !differentiated ? .undifferentiated
            : differing.isEmpty ? .differOverallOnly
            : interleaved ? .interleaved : .segregated
    }
}

/// Number of positions where consecutive labels differ.
func switchCount(_ labels: [Int]) -> Int {
    var count = 0
    for i in labels.indices.dropFirst() where labels[i] != labels[i - 1] { count += 1 }
    return count
}

/// |A ∩ B| / |A ∪ B| for closed intervals (Jaccard of lengths); 0 when disjoint, 1 when equal
/// (also for equal points).
func intervalOverlap(_ a: ClosedRange<Double>, _ b: ClosedRange<Double>) -> Double {
    let intersection = min(a.upperBound, b.upperBound) - max(a.lowerBound, b.lowerBound)
    guard intersection >= 0 else { return 0 }
    let union = max(a.upperBound, b.upperBound) - min(a.lowerBound, b.lowerBound)
    return union > 0 ? intersection / union : 1
}
