import Kernels
import Testing
@testable import Analysis

/// Each verdict claims only what holds: "segregated" needs a pair that differs, and clusters
/// below the minimum size are left out of the tests.
struct VerdictTests {
    /// `sizes` tokens per category on orthogonal directions (tiny noise), each category's
    /// activations `activation(category, member)`.
    static func neuron(sizes: [Int], activation: (Int, Int) -> Double, seed: UInt64) throws -> NeuronInput {
        var generator = SeededGenerator(seed: seed)
        let dimension = sizes.count
        var embeddings: [Double] = [], activations: [Double] = [], tokens: [UInt32] = []
        for (category, size) in sizes.enumerated() {
            for member in 0..<size {
                embeddings += (0..<dimension).map { ($0 == category ? 1 : 0) + 0.01 * normal(&generator) }
                activations.append(activation(category, member))
                tokens.append(UInt32(tokens.count))
            }
        }
        return try NeuronInput(activations: activations, tokenIDs: tokens,
                               embeddings: Matrix(rows: activations.count, columns: dimension, values: embeddings))
    }

    /// Three categories of four tokens in disjoint activation ranges: Kruskal–Wallis finds a
    /// difference (H ≈ 9.8, p ≈ 0.007), yet no pair can pass Holm (an exact 4-vs-4 Mann–Whitney
    /// p is at least 2/70, times 3 pairs). The ranges are disjoint, but no pair is known to differ:
    /// not "segregated".
    @Test func differingOverallWithoutADifferingPairIsItsOwnVerdict() throws {
        let input = try Self.neuron(sizes: [4, 4, 4], activation: { category, member in Double(10 * category + member) }, seed: 3)
        let analysis = try NeuronAnalysis(input: input)
        #expect(analysis.topDown.clustering.clusterCount == 3)
        #expect(analysis.topDown.differentiation.p < 0.05)
        #expect(analysis.topDown.pairs.allSatisfy { $0.holmP >= 0.05 })
        #expect(analysis.interleaving.pairs.allSatisfy { !$0.rangesOverlap })
        #expect(analysis.interleaving.verdict == .differOverallOnly && !analysis.interleaving.interleaved)
        #expect(analysis.interleaving.verdict.sentence.contains("no pair of categories differs"))
    }

    /// A token alone in its cluster is reported but is not a category of the tests: with the
    /// default minimum size 2 the singleton's pairs are not tested; with 1 they are.
    @Test func singletonClustersAreLeftOutOfTheTests() throws {
        let input = try Self.neuron(sizes: [30, 30, 1], activation: { category, member in
            category == 2 ? 100 : Double(category * 50 + member)
        }, seed: 4)
        let analysis = try NeuronAnalysis(input: input)
        #expect(analysis.topDown.clustering.clusterCount == 3)
        let singleton = try #require(analysis.topDown.clusters.first { $0.members.count == 1 })
        #expect(analysis.topDown.testedClusters.count == 2 && !analysis.topDown.testedClusters.contains(singleton.id))
        #expect(analysis.topDown.pairs.count == 1 && analysis.interleaving.pairs.count == 1)
        #expect(analysis.topDown.differentiation.degreesOfFreedom == 1)
        #expect(analysis.interleaving.verdict == .segregated)

        var everyCluster = AnalysisParameters()
        everyCluster.minClusterSize = 1
        let withSingleton = try NeuronAnalysis(input: input, parameters: everyCluster)
        #expect(withSingleton.topDown.testedClusters == [0, 1, 2])
        #expect(withSingleton.topDown.pairs.count == 3)
        // The singleton's pairs cannot pass Holm: 2/(n + 1) ≥ 2/31 before the correction.
        #expect(withSingleton.topDown.pairs.filter { $0.first == singleton.id || $0.second == singleton.id }
            .allSatisfy { $0.holmP >= 0.05 })
    }

    /// Without two clusters of the minimum size, no k can be chosen.
    @Test func tooFewLargeClustersCannotBeAnalyzed() throws {
        let input = try Self.neuron(sizes: [3, 3, 3, 3], activation: { category, member in Double(category + member) }, seed: 5)
        var parameters = AnalysisParameters()
        parameters.minClusterSize = 7
        let error = try #require(throws: AnalysisError.self) { try NeuronAnalysis(input: input, parameters: parameters) }
        guard case .tooFewObservations(what: "clusters of at least 7 core tokens", needed: 2, found: let found) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(found < 2)
    }
}
