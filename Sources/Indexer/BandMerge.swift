import Models
import Store
import Tokenizers

/// The band part of a shard merge: the shards' band samples merged exactly (the positions with
/// the lowest hashes of all shards), and the band examples chosen from the merged sample and the
/// merged histograms, their windows run through the model again (the shards' own examples were
/// chosen with their own, partial, histograms).
struct BandMerge {
    let shards: [NeurodexStore]
    let options: IndexingOptions
    let modelRow: ModelRow
    /// The model the shards were indexed with, and its tokenizer (for BOS).
    let model: ModelBundle?

    /// The merged band sample, lowest hash first; nil when the shards have none. Throws
    /// `IndexError.mergeNeedsModel` without a model, `StoreError.modelMismatch` with another one.
    func mergedPositions() throws -> [SamplePosition]? {
        guard options.bandSample > 0 else { return nil }
        guard let model else {
            throw IndexError.mergeNeedsModel("the shards hold band examples, whose windows are made by running the model again: give merge --model with the model they were indexed with")
        }
        guard model.model.description.fingerprint == modelRow.fingerprint else {
            throw StoreError.modelMismatch(expected: modelRow.fingerprint, found: model.model.description.fingerprint)
        }
        var sample = BandSample.positionSample(size: options.bandSample, seed: options.seed, context: options.context)
        for shard in shards {
            guard let positions = try shard.activations.read({ try $0.bandSamplePositions() }) else {
                throw IndexError.storeMismatch("\(shard.directory.path) has no band sample")
            }
            _ = sample.admit(positions)
        }
        return sample.kept.map(\.position)
    }

    /// Calls `each` with every layer of `layers` in turn (ascending) and its neurons' merged
    /// bands: one layer is held at a time. `positions` is `mergedPositions()`.
    func forEachLayer(positions: [SamplePosition], layers: [LayerRow], bins: HistogramBins, threads: Int,
                      each: (LayerRow, [NeuronBands]) throws -> Void) throws {
        guard let model else { throw IndexError.mergeNeedsModel("merging band examples needs the model") }
        let rowOf = Dictionary(uniqueKeysWithValues: layers.map { ($0.layer, $0) })
        let bos = options.bos == .prepend ? (model.tokenizer.beginOfSequence ?? model.tokenizer.endOfText) : nil
        let examples = BandExamples(context: options.context, bos: bos, bins: bins, threads: threads)
        try examples.forEachLayer(model: model.model, layers: layers.map(\.layer), positions: positions, part: { layer in
            let n = rowOf[layer]!.neuronCount
            let histograms = try mergedHistograms(layer: layer, neurons: n)
            return BandExamples.Layer(layer: layer, neurons: n) { histograms[$0] }
        }, tokens: { document in
            for shard in shards {
                if let tokens = try shard.activations.read({ try $0.tokens(document: document) }) { return tokens }
            }
            throw IndexError.storeMismatch("no shard has the tokens of document \(document)")
        }) { part, bands in
            try each(rowOf[part.layer]!, bands)
        }
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
