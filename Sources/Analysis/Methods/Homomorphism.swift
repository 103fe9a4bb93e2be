import Foundation
import Kernels

/// Agreement between the category structure and the activation structure of a set of tokens.
public struct HomomorphismTest: Codable, Sendable, Equatable {
    /// Number of tokens.
    public var count: Int
    public var clusterCount: Int
    public var segmentCount: Int
    /// ARI between clusters and segments, against shuffled segment labels (`greater`).
    public var adjustedRandIndex: PermutationTestResult
    /// NMI (arithmetic) between clusters and segments, same null (`greater`).
    public var normalizedMutualInformation: PermutationTestResult
    /// Mantel test of |Δ activation| against cosine distance over all token pairs; nil when all
    /// activations are equal.
    public var mantel: MantelResult?

    /// Tests the tokens with `clusterLabels`, `segmentLabels`, `activations` and cosine
    /// `similarity` ([n, n]).
    public init(clusterLabels: [Int], segmentLabels: [Int], activations: [Double], similarity: Matrix,
                parameters: AnalysisParameters, generator: inout SeededGenerator) throws {
        let n = activations.count
        count = n
        clusterCount = Set(clusterLabels).count
        segmentCount = Set(segmentLabels).count

        let agreement = try LabelAgreement(clusterLabels, segmentLabels)
        var segments = LabelAgreement.compact(segmentLabels).labels
        let observed = agreement.contingency(segments)
        var nullARI = [Double](repeating: 0, count: parameters.permutations)
        var nullNMI = nullARI
        for i in 0..<parameters.permutations {
            shuffle(&segments, using: &generator)
            let counts = agreement.contingency(segments)
            nullARI[i] = agreement.adjustedRandIndex(counts: counts)
            nullNMI[i] = agreement.normalizedMutualInformation(counts: counts)
        }
        adjustedRandIndex = PermutationTestResult(observed: agreement.adjustedRandIndex(counts: observed),
                                                  null: nullARI, alternative: .greater)
        normalizedMutualInformation = PermutationTestResult(
            observed: agreement.normalizedMutualInformation(counts: observed), null: nullNMI, alternative: .greater)

        var activationGaps: [Double] = []
        activationGaps.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<n { for j in (i + 1)..<n { activationGaps.append(abs(activations[i] - activations[j])) } }
        do {
            mantel = try MantelResult(x: activationGaps, y: condensed(cosineDistances(similarity: similarity)),
                                      objectCount: n, permutations: parameters.permutations,
                                      alternative: parameters.mantelAlternative, generator: &generator)
        } catch AnalysisError.allValuesIdentical {
            mantel = nil
        }
    }
}

/// The homomorphism analysis of the top subset: its own clustering and segmentation.
public struct TopSubsetHomomorphism: Codable, Sendable, Equatable {
    /// Indices of the top-subset tokens among the core tokens, by decreasing activation.
    public var members: [Int]
    /// Clustering of the subset (k from the same range, capped at its size − 1).
    public var clustering: ClusteringOutcome
    /// [m] segment of each member (in `members` order), 0 for the lowest activations.
    public var segmentLabels: [Int]
    public var test: HomomorphismTest
}

/// Homomorphism analysis: is the activation ordering a map of the category structure?
public struct HomomorphismResult: Codable, Sendable, Equatable {
    /// On all core tokens, with the top-down clustering and the bottom-up segmentation.
    public var full: HomomorphismTest
    /// On the top `topFraction` of the core tokens; nil when that is fewer than 4 tokens (or too
    /// few for `minK` clusters).
    public var topSubset: TopSubsetHomomorphism?

    public init(activations: [Double], similarity: Matrix, topDown: TopDownResult, bottomUp: BottomUpResult,
                parameters: AnalysisParameters, fullGenerator: inout SeededGenerator,
                subsetGenerator: inout SeededGenerator) throws {
        full = try HomomorphismTest(clusterLabels: topDown.clustering.labels, segmentLabels: bottomUp.labels,
                                    activations: activations, similarity: similarity, parameters: parameters,
                                    generator: &fullGenerator)

        let size = Int((parameters.topFraction * Double(activations.count)).rounded(.up))
        guard size >= 4, size - 1 >= parameters.minK else {
            topSubset = nil
            return
        }
        let members = Array(ascendingActivationOrder(activations).reversed().prefix(size))
        let subsetActivations = members.map { activations[$0] }
        let subsetSimilarity = similarity.principalSubmatrix(members)
        let clustering = try ClusteringOutcome(
            similarity: subsetSimilarity, method: parameters.clustering,
            kRange: parameters.minK...max(parameters.minK, min(parameters.maxK, size - 1)),
            fixedK: parameters.fixedK.map { min($0, size - 1) }, kMeansRestarts: parameters.kMeansRestarts,
            generator: &subsetGenerator)
        let segmentCount = parameters.segmentation == .quartiles ? 4 : parameters.topSubsetSegmentCount
        let segments = try segmentLabels(activations: subsetActivations, method: parameters.segmentation,
                                         count: min(segmentCount, size))
        let test = try HomomorphismTest(clusterLabels: clustering.labels, segmentLabels: segments,
                                        activations: subsetActivations, similarity: subsetSimilarity,
                                        parameters: parameters, generator: &subsetGenerator)
        topSubset = TopSubsetHomomorphism(members: members, clustering: clustering, segmentLabels: segments, test: test)
    }
}
