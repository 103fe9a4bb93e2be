/// How the activation-sorted core tokens are cut into segments (bottom-up analysis).
public enum SegmentationMethod: String, Codable, Sendable, Hashable, CaseIterable {
    /// `segmentCount` segments of (nearly) equal size by activation rank; deciles by default.
    case equalCount = "equal-count"
    /// Four segments cut at the activation quartiles (ties stay together).
    case quartiles
    /// `segmentCount` segments by Jenks natural breaks (least within-segment squared deviation).
    case naturalBreaks = "natural-breaks"
}

import Foundation

/// Every choice of the analyses, with the defaults of the method description (METHOD.md).
/// Results are reproducible from these parameters, the neuron's core tokens and `seed`.
public struct AnalysisParameters: Codable, Sendable, Hashable {
    /// Clustering of the core tokens by cosine similarity.
    public var clustering: ClusteringMethod = .averageLinkage
    /// Candidate numbers of clusters, chosen by the best mean cosine silhouette.
    public var minK: Int = 2
    public var maxK: Int = 10
    /// A fixed number of clusters instead of the silhouette choice.
    public var fixedK: Int? = nil
    /// Smallest cluster that the top-down tests (Kruskal–Wallis, pairwise Mann–Whitney) and the
    /// interleaving verdict take as a category. Smaller clusters are still reported with their
    /// tokens but left out of those tests, and k is chosen only among clusterings with at least
    /// two clusters this large. The default 2 leaves out single tokens: a singleton's two-sided
    /// Mann–Whitney p is at least 2/(n + 1), so no pair with it can pass Holm's correction over
    /// more than a few pairs, and one token is not a category. 1 keeps every cluster.
    public var minClusterSize: Int = 2
    /// Restarts of spherical k-means (best objective kept).
    public var kMeansRestarts: Int = 10
    /// Segmentation of the activation-sorted core tokens.
    public var segmentation: SegmentationMethod = .equalCount
    /// Number of segments for equal-count and natural breaks (quartiles always make 4).
    public var segmentCount: Int = 10
    /// Monte-Carlo permutations of every permutation test.
    public var permutations: Int = 1000
    /// Seed of every randomized step.
    public var seed: UInt64 = 0
    /// Fraction of the highest-activation core tokens forming the top subset.
    public var topFraction: Double = 0.1
    /// Segments of the top subset for its clustering–segmentation agreement (equal-count and
    /// natural breaks; quartiles make 4).
    public var topSubsetSegmentCount: Int = 3
    /// Significance level of the per-neuron verdicts (interleaving, raised segments).
    public var alpha: Double = 0.05
    /// Direction of the Mantel test: `greater` asks whether tokens with closer activations are
    /// closer in embedding space.
    public var mantelAlternative: Alternative = .greater

    public init() {}

    /// The parameters as compact JSON with sorted keys: a stable cache key for results.
    public var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain numbers, strings and enums cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The candidate k range.
    public var kRange: ClosedRange<Int> { minK...max(minK, maxK) }

    /// Checks that every parameter is usable; throws `invalidParameter` naming the first that is not.
    public func validate() throws {
        func fail(_ name: String, _ value: Any, _ reason: String) -> AnalysisError {
            .invalidParameter(name: name, value: "\(value)", reason: reason)
        }
        guard minK >= 2 else { throw fail("minK", minK, "must be at least 2") }
        guard maxK >= minK else { throw fail("maxK", maxK, "must be at least minK = \(minK)") }
        guard minClusterSize >= 1 else { throw fail("minClusterSize", minClusterSize, "must be at least 1") }
        if let fixedK, fixedK < 2 { throw fail("k", fixedK, "must be at least 2") }
        guard kMeansRestarts >= 1 else { throw fail("kMeansRestarts", kMeansRestarts, "must be at least 1") }
        guard segmentCount >= 2 else { throw fail("segments", segmentCount, "must be at least 2") }
        guard topSubsetSegmentCount >= 2 else { throw fail("topSubsetSegments", topSubsetSegmentCount, "must be at least 2") }
        guard permutations >= 1 else { throw fail("permutations", permutations, "must be at least 1") }
        guard topFraction > 0, topFraction <= 1 else { throw fail("topFraction", topFraction, "must be in (0, 1]") }
        guard alpha > 0, alpha < 1 else { throw fail("alpha", alpha, "must be in (0, 1)") }
    }
}
