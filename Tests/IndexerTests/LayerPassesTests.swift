import Testing
@testable import Indexer

/// How an index run's layers are cut into passes over the corpus, and the accumulator size
/// the cut is planned with.
@Suite struct LayerPassesTests {
    @Test func layersAreCutIntoAsFewEvenPassesAsTheBudgetAllows() {
        let all = Array(0..<48)
        #expect(LayerPasses(layers: all, bytesPerLayer: 95, budget: 768).groups == stride(from: 0, to: 48, by: 8).map { Array($0..<$0 + 8) })
        #expect(LayerPasses(layers: all, bytesPerLayer: 95, budget: 100_000).groups == [all])
        // Seven a pass would leave a pass of six: seven passes of 7 and 6 layers, in order.
        let seven = LayerPasses(layers: all, bytesPerLayer: 10, budget: 70).groups
        #expect(seven.map(\.count) == [7, 7, 7, 7, 7, 7, 6])
        #expect(Array(seven.joined()) == all)
        // At least one layer a pass, whatever the budget; sparse layers keep their order.
        #expect(LayerPasses(layers: [0, 5, 9], bytesPerLayer: 1_000, budget: 1).groups == [[0], [5], [9]])
        let sparse = LayerPasses(layers: [0, 5, 9], bytesPerLayer: 1, budget: 2)
        #expect(sparse.groups == [[0, 5], [9]])
        #expect(sparse.firstForwardLayer(of: 0) == 0 && sparse.firstForwardLayer(of: 1) == 6)
    }

    @Test(arguments: [(0, 0), (3, 2)])
    func theEstimateIsTheAccumulatorsArrays(windowRecords: Int, negativeK: Int) {
        var options = IndexingOptions(modelPath: "", corpusPaths: [], layers: [0])
        (options.topK, options.windowRecords, options.negativeK, options.context, options.sampleSize) = (7, windowRecords, negativeK, 5, 4)
        let neurons = 96
        let acc = LayerAccumulator(layer: 0, neurons: neurons, k: options.topK, distinctTokens: false,
                                   windowRecords: options.windowedRecords, negativeK: options.negativeK,
                                   windowWidth: options.context)
        func heap(_ t: TopK) -> Int {
            4 * (t.activation.count + t.document.count + t.position.count + t.token.count + t.count.count
                 + t.threshold.count + t.slot.count)
        }
        func windowed(_ w: WindowedTopK?) -> Int {
            w.map { heap($0.heap) + 4 * ($0.values.count + $0.windowStart.count + $0.windowLength.count + $0.pendingRow.count) } ?? 0
        }
        let s = acc.neuronStatistics
        let statistics = 8 * s.moments.count + 4 * s.extrema.count + 8 * s.positives.count + 4 * s.histogram.count
        let sampled = 4 * neurons * options.sampleSize  // once the sample is full
        #expect(LayerAccumulator.estimatedBytes(neurons: neurons, options: options)
                == heap(acc.topK) + windowed(acc.windows) + windowed(acc.negative) + statistics + sampled)
    }
}
