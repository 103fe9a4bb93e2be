import Testing
@testable import Analysis

struct LayerSummaryTests {
    @Test func sharesUseBenjaminiHochbergOverTheLayer() throws {
        var parameters = AnalysisParameters()
        parameters.permutations = 200
        let kinds: [SyntheticNeuron.Kind] = [.segregated, .segregated, .segregated, .random, .random, .random, .topCategory, .interleaved]
        let analyses = try kinds.enumerated().map { i, kind in
            try NeuronAnalysis(input: SyntheticNeuron.make(kind, seed: UInt64(40 + i)).input, parameters: parameters, stream: UInt64(i))
        }
        let summary = LayerSummary(analyses: analyses, fdr: 0.05)
        #expect(summary.neuronCount == 8)
        #expect(summary.significance.map(\.test) == LayerTest.allCases)
        for share in summary.significance {
            let p = analyses.map { share.test.pValue(in: $0) }
            let tested = p.compactMap { $0 }
            #expect(share.tested == tested.count)
            #expect(share.adjusted.compactMap { $0 } == benjaminiHochbergAdjusted(tested))
            #expect(share.significant == share.adjusted.count { ($0 ?? 1) <= 0.05 })
            #expect(share.share == Double(share.significant) / Double(share.tested))
        }
        let differentiation = summary.significance[0]
        // Segregated, interleaved and top-category neurons differ between clusters; random ones do not.
        #expect(differentiation.adjusted[0]! < 0.05 && differentiation.adjusted[7]! < 0.05)
        #expect((3...5).allSatisfy { differentiation.adjusted[$0]! > 0.05 })
        #expect(summary.verdicts.values.reduce(0, +) == 8 && summary.verdicts[.segregated] == 3)
        #expect(summary.onlyTopRaised >= 1)

        for distribution in summary.effectSizes {
            let values = analyses.compactMap { distribution.effect.value(in: $0) }
            #expect(distribution.values == values && distribution.count == values.count)
            let quantiles = distribution.quantiles.map(\.value)
            #expect(zip(quantiles, quantiles.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(quantiles.first == values.min() && quantiles.last == values.max())
        }
        #expect(LayerSummary(analyses: []).significance.allSatisfy { $0.tested == 0 && $0.share == 0 })
    }
}
