import Models
import Store
import Tokenizers

/// The band part of a shard merge: the shards' band samples merged exactly (the positions with
/// the lowest hashes of all shards, with their bins), and the band examples chosen from the
/// merged sample and the merged histograms, their windows run through the model again (the
/// shards' own examples were chosen with their own, partial, histograms).
struct BandMerge {
    /// The merged store's band sample and band examples.
    struct Result {
        /// Lowest hash first.
        var positions: [SamplePosition]
        /// Layer → [neurons, positions] bins.
        var binColumns: [Int: [UInt16]]
        /// Layer → each neuron's bands.
        var bands: [Int: [NeuronBands]]
    }

    let shards: [NeurodexStore]
    let options: IndexingOptions
    let modelRow: ModelRow
    /// The model the shards were indexed with, and its tokenizer (for BOS).
    let model: ModelBundle?

    /// The merged band sample and examples of `layers`; nil when the shards have no band sample.
    /// Throws `IndexError.mergeNeedsModel` without a model, `StoreError.modelMismatch` with
    /// another one.
    func merge(layers: [LayerRow], bins: HistogramBins) throws -> Result? {
        guard options.bandSample > 0 else { return nil }
        guard let model else {
            throw IndexError.mergeNeedsModel("the shards hold band examples, whose windows are made by running the model again: give merge --model with the model they were indexed with")
        }
        guard model.model.description.fingerprint == modelRow.fingerprint else {
            throw StoreError.modelMismatch(expected: modelRow.fingerprint, found: model.model.description.fingerprint)
        }
        var sample = BandSample.positionSample(size: options.bandSample, seed: options.seed, context: options.context)
        var owner: [SamplePosition: (shard: Int, index: Int)] = [:]
        for (s, shard) in shards.enumerated() {
            guard let positions = try shard.activations.read({ try $0.bandSamplePositions() }) else {
                throw IndexError.storeMismatch("\(shard.directory.path) has no band sample")
            }
            for (i, p) in positions.enumerated() { owner[p] = (s, i) }
            _ = sample.admit(positions)
        }
        let positions = sample.kept.map(\.position)
        var columns: [Int: [UInt16]] = [:]
        var parts: [BandExamples.Layer] = []
        for layer in layers {
            let n = layer.neuronCount
            var merged = [UInt16](repeating: 0, count: n * positions.count)
            for (s, shard) in shards.enumerated() {
                // (index in the merged sample, index in this shard's) of the positions this shard holds.
                var mine: [(merged: Int, shard: Int)] = []
                for (i, p) in positions.enumerated() {
                    if let o = owner[p], o.shard == s { mine.append((i, o.index)) }
                }
                guard !mine.isEmpty else { continue }
                try shard.activations.read { r in
                    for j in 0..<n {
                        guard let column = try r.bandSampleBins(layer: layer.layer, neuron: j) else {
                            throw IndexError.storeMismatch("\(shard.directory.path) has no band sample for layer \(layer.layer) neuron \(j)")
                        }
                        for (i, k) in mine where k < column.count { merged[j * positions.count + i] = column[k] }
                    }
                }
            }
            columns[layer.layer] = merged
            let histograms = try mergedHistograms(layer: layer.layer, neurons: n)
            parts.append(BandExamples.Layer(layer: layer.layer, neurons: n, binColumns: merged) { histograms[$0] })
        }
        let bos = options.bos == .prepend ? (model.tokenizer.beginOfSequence ?? model.tokenizer.endOfText) : nil
        let examples = BandExamples(context: options.context, bos: bos, batchWindows: options.batchWindows, bins: bins)
        let bands = try examples.make(model: model.model, layers: parts, positions: positions) { document in
            for shard in shards {
                if let tokens = try shard.activations.read({ try $0.tokens(document: document) }) { return tokens }
            }
            throw IndexError.storeMismatch("no shard has the tokens of document \(document)")
        }
        return Result(positions: positions, binColumns: columns, bands: bands)
    }

    /// Each neuron's histogram, minimum and maximum over all shards.
    private func mergedHistograms(layer: Int, neurons: Int) throws -> [(counts: [UInt32], min: Float, max: Float)] {
        var merged = [(counts: [UInt32], min: Float, max: Float)](repeating: ([], .infinity, -.infinity), count: neurons)
        for shard in shards {
            for row in try shard.catalog.neuronStatistics(layer: layer) where row.neuron < neurons {
                let counts = row.histogramCounts
                var m = merged[row.neuron]
                m.counts = m.counts.isEmpty ? counts : zip(m.counts, counts).map { $0 &+ $1 }
                if row.count > 0 { m.min = Swift.min(m.min, Float(row.min)); m.max = Swift.max(m.max, Float(row.max)) }
                merged[row.neuron] = m
            }
        }
        return merged
    }
}
