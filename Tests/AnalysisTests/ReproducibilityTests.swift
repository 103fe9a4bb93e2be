import Foundation
import Testing
@testable import Analysis

struct ReproducibilityTests {
    /// Every permutation p-value of an analysis, in a fixed order.
    func permutationPValues(_ a: NeuronAnalysis) -> [(p: Double, permutations: Int)] {
        var tests = [a.interleaving.switches] + a.bottomUp.segments.compactMap(\.homogeneity)
        tests += [a.homomorphism.full.adjustedRandIndex, a.homomorphism.full.normalizedMutualInformation]
        if let subset = a.homomorphism.topSubset {
            tests += [subset.test.adjustedRandIndex, subset.test.normalizedMutualInformation]
        }
        var result = tests.map { ($0.p, $0.permutations) }
        if let mantel = a.homomorphism.full.mantel { result.append((mantel.p, mantel.permutations)) }
        if let mantel = a.homomorphism.topSubset?.test.mantel { result.append((mantel.p, mantel.permutations)) }
        return result
    }

    @Test func sameSeedGivesIdenticalResults() throws {
        for kind in SyntheticNeuron.Kind.allCases {
            let (input, _) = try SyntheticNeuron.make(kind, seed: 10)
            var parameters = AnalysisParameters()
            parameters.clustering = .sphericalKMeans
            parameters.seed = 99
            let first = try NeuronAnalysis(input: input, parameters: parameters, stream: 3)
            let second = try NeuronAnalysis(input: input, parameters: parameters, stream: 3)
            #expect(first == second)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            #expect(try encoder.encode(first) == encoder.encode(second))
            let decoded = try JSONDecoder().decode(NeuronAnalysis.self, from: encoder.encode(first))
            #expect(decoded == first)
        }
    }

    /// Different seeds draw different permutations; each p-value then differs only by
    /// Monte-Carlo error (4 sd of the difference of two independent estimates, plus 2/N).
    @Test func differentSeedsAgreeWithinMonteCarloError() throws {
        let (input, _) = try SyntheticNeuron.make(.interleaved, seed: 11)
        var a = AnalysisParameters(), b = AnalysisParameters()
        a.seed = 1
        b.seed = 2
        let first = permutationPValues(try NeuronAnalysis(input: input, parameters: a))
        let second = permutationPValues(try NeuronAnalysis(input: input, parameters: b))
        #expect(first.count == second.count && first.count >= 14)
        #expect(zip(first, second).contains { $0.p != $1.p })
        for (x, y) in zip(first, second) {
            let p = (x.p + y.p) / 2, n = Double(x.permutations)
            #expect(abs(x.p - y.p) <= 4 * (2 * p * (1 - p) / n).squareRoot() + 2 / n, "p \(x.p) vs \(y.p)")
        }
    }

    @Test func parametersHaveAStableCanonicalForm() throws {
        var parameters = AnalysisParameters()
        #expect(parameters.canonicalJSON.hasPrefix("{\"alpha\":0.05,\"clustering\":\"average-linkage\""))
        #expect(parameters.canonicalJSON.contains("\"segmentation\":\"equal-count\"") && parameters.canonicalJSON.contains("\"permutations\":1000"))
        let decoded = try JSONDecoder().decode(AnalysisParameters.self, from: Data(parameters.canonicalJSON.utf8))
        #expect(decoded == parameters)
        parameters.seed = 1
        #expect(parameters.canonicalJSON != AnalysisParameters().canonicalJSON)
    }

    @Test func layerRunnerResultsDoNotDependOnThreads() throws {
        let neurons = try (0..<6).map { try SyntheticNeuron.make(SyntheticNeuron.Kind.allCases[$0 % 4], seed: UInt64(20 + $0)).input }
        var parameters = AnalysisParameters()
        parameters.permutations = 200
        let one = LayerRunner.analyze(count: neurons.count, parameters: parameters, concurrency: 1) { neurons[$0] }
        let two = LayerRunner.analyze(count: neurons.count, parameters: parameters, concurrency: 2) { neurons[$0] }
        for (a, b) in zip(one, two) { #expect(try a.get() == b.get()) }
        #expect(try one[0].get().stream == 0 && one[5].get().stream == 5)
        // Neurons with different streams draw different permutations.
        let same = try NeuronAnalysis(input: neurons[1], parameters: parameters, stream: 1)
        let other = try NeuronAnalysis(input: neurons[1], parameters: parameters, stream: 2)
        #expect(try same == one[1].get() && same != other)
        // Loading errors are reported per neuron.
        struct LoadError: Error {}
        let failing = LayerRunner.analyze(count: 2, parameters: parameters, concurrency: 2) { i in
            if i == 1 { throw LoadError() }
            return neurons[i]
        }
        #expect((try? failing[0].get()) != nil && (try? failing[1].get()) == nil)
    }
}
