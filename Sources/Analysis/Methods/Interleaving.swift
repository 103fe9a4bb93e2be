import Kernels

/// How a neuron's activation levels separate its categories.
public enum ActivationMappingVerdict: String, Codable, CodingKeyRepresentable, Sendable, Hashable, CaseIterable {
    /// Clusters differ in activation and every significantly different pair has disjoint ranges.
    case segregated
    /// Clusters differ in activation, yet some significantly different pair has overlapping ranges.
    case interleaved
    /// No significant difference between the clusters' activations (Kruskal–Wallis p ≥ α).
    case undifferentiated
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
    /// Clusters differ in mean activation (Kruskal–Wallis p < α) yet a pair that differs
    /// significantly (Holm p < α) has overlapping activation ranges.
    public var interleaved: Bool
    public var verdict: ActivationMappingVerdict

    public init(activations: [Double], topDown: TopDownResult, parameters: AnalysisParameters,
                generator: inout SeededGenerator) {
        let clusters = topDown.clusters
        var pairs: [ClusterPairOverlap] = []
        for a in clusters.indices {
            for b in (a + 1)..<clusters.count {
                let x = clusters[a].activation, y = clusters[b].activation
                pairs.append(ClusterPairOverlap(
                    first: a, second: b,
                    rangesOverlap: max(x.minimum, y.minimum) <= min(x.maximum, y.maximum),
                    rangeOverlap: intervalOverlap(x.minimum...x.maximum, y.minimum...y.maximum),
                    interquartileOverlap: intervalOverlap(x.lowerQuartile...x.upperQuartile, y.lowerQuartile...y.upperQuartile),
                    auc: areaUnderCurve(clusters[a].activations, clusters[b].activations)))
            }
        }
        self.pairs = pairs

        let sortedLabels = ascendingActivationOrder(activations).map { topDown.clustering.labels[$0] }
        var shuffled = sortedLabels
        switches = PermutationTestResult(observed: Double(switchCount(sortedLabels)),
                                         permutations: parameters.permutations, alternative: .less,
                                         generator: &generator) { generator in
            shuffle(&shuffled, using: &generator)
            return Double(switchCount(shuffled))
        }

        let differentiated = topDown.differentiation.p < parameters.alpha
        let overlappingDifference = zip(topDown.pairs, pairs).contains { comparison, overlap in
            comparison.holmP < parameters.alpha && overlap.rangesOverlap
        }
        interleaved = differentiated && overlappingDifference
        verdict = !differentiated ? .undifferentiated : (interleaved ? .interleaved : .segregated)
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
