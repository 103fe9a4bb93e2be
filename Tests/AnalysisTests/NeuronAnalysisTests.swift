import Foundation
import Testing
@testable import Analysis

/// The four analyses on neurons with known structure.
struct NeuronAnalysisTests {
    @Test func segregatedCategoriesAreRecognised() throws {
        let (input, categories) = try SyntheticNeuron.make(.segregated, seed: 1)
        let analysis = try NeuronAnalysis(input: input)
        let topDown = analysis.topDown
        #expect(topDown.clustering.clusterCount == 4)
        #expect(samePartition(topDown.clustering.labels, categories))
        #expect(topDown.differentiation.p < 1e-10)
        // Cluster 0 is the highest-activation category, and means decrease with the id.
        #expect(zip(topDown.clusters, topDown.clusters.dropFirst()).allSatisfy { $0.activation.mean > $1.activation.mean })
        #expect(topDown.pairs.count == 6 && topDown.pairs.allSatisfy { $0.holmP < 0.01 && $0.cliffsDelta == 1 })
        #expect(analysis.interleaving.verdict == .segregated && !analysis.interleaving.interleaved)
        #expect(analysis.interleaving.pairs.allSatisfy { !$0.rangesOverlap && $0.rangeOverlap == 0 && $0.auc == 1 })
        #expect(analysis.interleaving.switches.observed == 3 && analysis.interleaving.switches.p < 0.01)
        #expect(analysis.bottomUp.topSegmentRaised && analysis.bottomUp.raisedSegments.count >= 8)
        #expect(analysis.homomorphism.full.adjustedRandIndex.p < 0.01)
        #expect(analysis.homomorphism.full.normalizedMutualInformation.p < 0.01)
        let mantel = try #require(analysis.homomorphism.full.mantel)
        #expect(mantel.rho > 0.3 && mantel.p < 0.01)
    }

    @Test func interleavedCategoriesAreRecognised() throws {
        let (input, categories) = try SyntheticNeuron.make(.interleaved, seed: 2)
        let analysis = try NeuronAnalysis(input: input)
        #expect(samePartition(analysis.topDown.clustering.labels, categories))
        #expect(analysis.topDown.differentiation.p < 0.001)
        #expect(analysis.interleaving.verdict == .interleaved && analysis.interleaving.interleaved)
        #expect(analysis.interleaving.pairs.allSatisfy { $0.rangesOverlap })
        // Far more switches than a segregated neuron, fewer than chance.
        #expect(analysis.interleaving.switches.observed > 20)
    }

    @Test func randomActivationsShowNoStructure() throws {
        let (input, categories) = try SyntheticNeuron.make(.random, seed: 1)
        let analysis = try NeuronAnalysis(input: input)
        #expect(samePartition(analysis.topDown.clustering.labels, categories))
        #expect(analysis.topDown.differentiation.p > 0.05)
        #expect(analysis.interleaving.verdict == .undifferentiated)
        #expect(analysis.homomorphism.full.adjustedRandIndex.p > 0.05)
        #expect(try #require(analysis.homomorphism.full.mantel).p > 0.05)
        #expect(!analysis.bottomUp.onlyTopRaised)
    }

    @Test func onlyTheTopSegmentIsRaisedWhenOnlyTopTokensShareACategory() throws {
        let (input, _) = try SyntheticNeuron.make(.topCategory, seed: 4)
        let analysis = try NeuronAnalysis(input: input)
        let bottomUp = analysis.bottomUp
        #expect(bottomUp.segments.count == 10 && bottomUp.segments.allSatisfy { $0.members.count == 10 })
        #expect(bottomUp.onlyTopRaised && bottomUp.raisedSegments == [9])
        let top = try #require(bottomUp.segments.last?.homogeneity)
        #expect(top.observed > 0.5 && top.p < 0.01 && (top.z ?? 0) > 5)
        #expect(bottomUp.segments.last!.minimumActivation >= 5)
        let subset = try #require(analysis.homomorphism.topSubset)
        #expect(subset.members.count == 10 && subset.members.allSatisfy { input.activations[$0] >= 5 })
    }

    @Test func everyParameterChoiceRuns() throws {
        let (input, _) = try SyntheticNeuron.make(.interleaved, seed: 5)
        for segmentation in SegmentationMethod.allCases {
            for clustering in ClusteringMethod.allCases {
                var parameters = AnalysisParameters()
                parameters.segmentation = segmentation
                parameters.clustering = clustering
                parameters.permutations = 99
                parameters.kMeansRestarts = 3
                let analysis = try NeuronAnalysis(input: input, parameters: parameters)
                #expect(analysis.bottomUp.segments.count == (segmentation == .quartiles ? 4 : 10))
                #expect(analysis.bottomUp.labels.count == 100)
                #expect(analysis.homomorphism.full.adjustedRandIndex.permutations == 99)
            }
        }
        var fixed = AnalysisParameters()
        fixed.fixedK = 3
        fixed.permutations = 50
        let analysis = try NeuronAnalysis(input: input, parameters: fixed)
        #expect(analysis.topDown.clusters.count == 3 && analysis.topDown.pairs.count == 3)
    }

    @Test func badInputAndParametersThrow() throws {
        let (input, _) = try SyntheticNeuron.make(.random, seed: 6)
        var parameters = AnalysisParameters()
        parameters.permutations = 0
        #expect(throws: AnalysisError.self) { try NeuronAnalysis(input: input, parameters: parameters) }
        parameters = AnalysisParameters()
        parameters.topFraction = 1.5
        #expect(throws: AnalysisError.self) { try NeuronAnalysis(input: input, parameters: parameters) }
        #expect(throws: AnalysisError.self) {
            try NeuronInput(activations: [1, 2], tokenIDs: [1], embeddings: Matrix(zeros: 2, 3))
        }
        #expect(throws: AnalysisError.self) {
            try NeuronInput(activations: [1, .nan], tokenIDs: [1, 2], embeddings: Matrix(zeros: 2, 3))
        }
        #expect(throws: AnalysisError.self) {
            try NeuronInput(activations: [Float](repeating: 1, count: 3), tokenIDs: [1, 2, 3], embeddings: [Float](repeating: 1, count: 8), dimension: 3)
        }
        let few = try NeuronInput(activations: Array(input.activations.prefix(6)), tokenIDs: Array(input.tokenIDs.prefix(6)),
                                  embeddings: input.embeddings.selectingRows(Array(0..<6)))
        #expect(throws: AnalysisError.tooFewObservations(what: "core tokens", needed: 10, found: 6)) {
            try NeuronAnalysis(input: few)
        }
        // A zero embedding row names the row.
        var zeroed = input.embeddings
        for column in 0..<zeroed.columns { zeroed[7, column] = 0 }
        let withZero = try NeuronInput(activations: input.activations, tokenIDs: input.tokenIDs, embeddings: zeroed)
        #expect(throws: AnalysisError.zeroVector(row: 7)) { try NeuronAnalysis(input: withZero) }
    }
}
