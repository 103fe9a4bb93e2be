import Foundation
import Store

/// The state a finished run leaves for a run appended after it (`index --append`).
///
/// Everything a `LayerAccumulator` holds at the end of a run is in the store already — records,
/// windows, negative records, extrema, positive counts, histograms and sampled values — except
/// the running moments, which the statistics rows hold only rounded (variance, skewness and
/// kurtosis are derived from them). So a finished run keeps its exact moments in the `state`
/// database (`StateKey.moments(layer)`, 28 + 32 · neurons bytes a layer), and an appended run
/// rebuilds each layer's accumulator from the store and these moments: it then continues
/// exactly where the earlier run stopped. `neurodex merge` rebuilds the accumulators of its
/// input stores the same way, with the moments of their statistics rows, and merges them.
extension LayerAccumulator {
    /// Where a rebuilt accumulator's moments come from.
    enum StoredMoments {
        /// The exact moments the store's last run kept (an appended run continues them).
        case kept
        /// The statistics rows' mean, variance, skewness and kurtosis (equal to the kept ones
        /// only to rounding), as `neurodex merge` has always combined them.
        case statisticsRows
    }

    /// The exact running moments: count, then the mean, M2, M3 and M4 rows ([4, neurons]).
    func encodedMoments() -> [UInt8] {
        var w = BinaryWriter()
        w.write(UInt32(1))  // encoding version
        w.write(Int64(neurons))
        w.write(count)
        w.write(array: Array(neuronStatistics.moments[0..<4 * neurons]))
        return w.bytes
    }

    /// Rebuilds the accumulator a run over the store's documents ended with, for `layer`, from
    /// what `store` holds, with `moments` from where it says.
    ///
    /// - Parameter options: the store's options (they decide the accumulator's shape).
    init(stored store: NeurodexStore, layer: Int, options: IndexingOptions, moments: StoredMoments) throws {
        let path = store.directory.path
        guard let row = try store.catalog.layers().first(where: { $0.layer == layer }) else {
            throw IndexError.storeMismatch("\(path) has no layer \(layer)")
        }
        let spec = try JSONDecoder().decode(LayerStatisticsSpec.self, from: Data(row.statisticsJson.utf8))
        self.init(layer: layer, neurons: row.neuronCount, k: options.topK, distinctTokens: options.distinctTokens,
                  bins: spec.bins, windowRecords: options.windowedRecords, negativeK: options.negativeK,
                  windowWidth: options.context)
        let statistics = try store.catalog.neuronStatistics(layer: layer)
        guard statistics.count == neurons, statistics.enumerated().allSatisfy({ $0.offset == $0.element.neuron }) else {
            throw IndexError.storeMismatch("\(path) has statistics for \(statistics.count) of the \(neurons) neurons of layer \(layer)")
        }
        switch moments {
        case .kept:
            guard let kept = try store.activations.read({ try $0.state(StateKey.moments(layer)) }) else {
                throw IndexError.storeMismatch("\(path) keeps no moments for layer \(layer): it was made before runs could be appended; index it again")
            }
            try restoreMoments(kept)
            guard Int(count) == statistics[0].count else {
                throw IndexError.badCheckpoint("the kept moments of layer \(layer) count \(Int(count)) positions, the statistics \(statistics[0].count)")
            }
        case .statisticsRows:
            count = Double(statistics[0].count)
            for (j, s) in statistics.enumerated() { neuronStatistics.setRunningMoments(j, Moments(statistics: s)) }
        }
        try store.activations.read { r in
            for j in 0..<neurons {
                for record in try r.records(layer: layer, neuron: j)?.records ?? [] { topK.offer(neuron: j, record) }
                for entry in try r.windows(layer: layer, neuron: j) ?? [] { windows?.offer(neuron: j, entry) }
                for entry in try r.negative(layer: layer, neuron: j) ?? [] { negative?.offer(neuron: j, entry) }
            }
        }
        var sampled = spec.samplePositions.map { _ in [Float](repeating: .nan, count: neurons) }
        for (j, s) in statistics.enumerated() where s.count > 0 {
            neuronStatistics.extrema[j] = Float(s.min)
            neuronStatistics.extrema[neurons + j] = Float(s.max)
            neuronStatistics.positives[j] = UInt64((s.fractionPositive * Double(s.count)).rounded())
            let histogram = s.histogramCounts
            guard histogram.count == bins.count else {
                throw IndexError.storeMismatch("\(path): layer \(layer) neuron \(j) has \(histogram.count) histogram bins, not \(bins.count)")
            }
            neuronStatistics.histogram.replaceSubrange(j * bins.count..<(j + 1) * bins.count, with: histogram)
            for (i, value) in s.sampleValues.prefix(sampled.count).enumerated() { sampled[i][j] = value }
        }
        self.sampled = Dictionary(uniqueKeysWithValues: zip(spec.samplePositions, sampled))
    }

    private mutating func restoreMoments(_ bytes: [UInt8]) throws {
        var r = BinaryReader(bytes)
        guard try r.read(UInt32.self) == 1 else { throw IndexError.badCheckpoint("unknown encoding of the kept moments") }
        guard try r.read(Int64.self) == Int64(neurons) else {
            throw IndexError.badCheckpoint("the kept moments of layer \(layer) are for another neuron count")
        }
        count = try r.read(Double.self)
        let moments = try r.readArray(Double.self, expectedCount: 4 * neurons)
        neuronStatistics.moments.replaceSubrange(0..<4 * neurons, with: moments)
    }
}
