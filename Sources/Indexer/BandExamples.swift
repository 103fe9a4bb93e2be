import Models
import Store

/// Chooses each neuron's band examples from a band sample and gives them their windows by
/// running the model once more on just the windows they come from.
///
/// A band's examples are the band-sample positions whose bin is in the band, lowest hash
/// first, up to `NeuronBands.examplesPerBand`. The band sample holds the globally lowest
/// hashes, so these are the lowest-hash positions of the whole band: a seeded uniform draw from
/// it. The random sample is the first `NeuronBands.randomSampleSize` positions by hash.
///
/// Matrix products do not depend on which windows share a batch (`blockedSgemm`), so the
/// re-forward gives the activations of the streaming pass bit for bit; a bin that differs is
/// reported as `IndexError.bandMismatch`.
struct BandExamples {
    /// One layer's part of a band sample.
    struct Layer {
        var layer: Int
        var neurons: Int
        /// [neurons, positions] each neuron's bin at each band-sample position, lowest hash first.
        var binColumns: [UInt16]
        /// Each neuron's histogram counts, minimum and maximum (the final statistics).
        var histogram: (Int) -> (counts: [UInt32], min: Float, max: Float)
    }

    /// How windows are cut and batched: the run's options.
    var context: Int
    var bos: UInt32?
    var batchWindows: Int
    var bins: HistogramBins

    /// One neuron's chosen positions.
    private struct Choice {
        var bands: [ActivationBand]
        /// By band: the chosen positions' indices in the band sample.
        var examples: [[Int]]
    }

    /// A copy to make: neuron `neuron`'s activations over a window into example `index` of
    /// `band` (nil: the random sample), whose own token is at `position` with bin `bin`.
    private struct Request {
        var neuron: Int
        var band: Int?
        var index: Int
        var position: Int
        var bin: UInt16
    }

    /// Each layer's neurons' bands with their examples' windows.
    ///
    /// - Parameters:
    ///   - positions: the band sample, lowest hash first.
    ///   - tokens: a document's tokens.
    func make(model: any LanguageModel, layers: [Layer], positions: [SamplePosition],
              tokens: (UInt32) throws -> [UInt32]) throws -> [Int: [NeuronBands]] {
        guard !layers.isEmpty else { return [:] }
        let randomSample = Array(positions.indices.prefix(NeuronBands.randomSampleSize))
        // Per layer and window (document, start): the copies it serves.
        var requests: [Int: [SamplePosition: [Request]]] = [:]
        var results: [Int: [NeuronBands]] = [:]
        for part in layers {
            var byWindow: [SamplePosition: [Request]] = [:]
            func request(_ i: Int, neuron: Int, band: Int?, index: Int) {
                let p = positions[i]
                let start = UInt32(Int(p.position) / context * context)
                byWindow[SamplePosition(document: p.document, position: start), default: []].append(
                    Request(neuron: neuron, band: band, index: index, position: Int(p.position),
                            bin: part.binColumns[neuron * positions.count + i]))
            }
            var neuronsBands: [NeuronBands] = []
            neuronsBands.reserveCapacity(part.neurons)
            for neuron in 0..<part.neurons {
                let choice = choose(neuron: neuron, part: part, positionCount: positions.count)
                for (band, chosen) in choice.examples.enumerated() {
                    for (index, i) in chosen.enumerated() { request(i, neuron: neuron, band: band, index: index) }
                }
                for (index, i) in randomSample.enumerated() { request(i, neuron: neuron, band: nil, index: index) }
                let empty = WindowedRecord(record: CoreRecord(activation: 0, document: 0, position: 0, token: 0),
                                           windowStart: 0, activations: [])
                var bands = choice.bands
                for b in bands.indices { bands[b].examples = Array(repeating: empty, count: choice.examples[b].count) }
                neuronsBands.append(NeuronBands(bands: bands, randomSample: Array(repeating: empty, count: randomSample.count)))
            }
            requests[part.layer] = byWindow
            results[part.layer] = neuronsBands
        }
        try fillWindows(model: model, requests: requests, into: &results, tokens: tokens)
        return results
    }

    /// The bands of one neuron and the band-sample positions each band chooses.
    private func choose(neuron: Int, part: Layer, positionCount: Int) -> Choice {
        let (counts, min, max) = part.histogram(neuron)
        let bandOfBin = NeuronBands.bandOfBin(histogram: counts)
        var bands = NeuronBands.bands(histogram: counts, bins: bins, min: min, max: max)
        var examples = [[Int]](repeating: [], count: bands.count)
        let column = neuron * positionCount
        for i in 0..<positionCount {
            let bin = Int(part.binColumns[column + i])
            guard bin < bandOfBin.count, let band = bandOfBin[bin] else { continue }
            bands[band].sampled += 1
            if examples[band].count < NeuronBands.examplesPerBand { examples[band].append(i) }
        }
        return Choice(bands: bands, examples: examples)
    }

    /// Runs every requested window through the model, in (document, start) order and batches
    /// of `batchWindows`, and makes each request's windowed record.
    private func fillWindows(model: any LanguageModel, requests: [Int: [SamplePosition: [Request]]],
                             into results: inout [Int: [NeuronBands]], tokens: (UInt32) throws -> [UInt32]) throws {
        let layers = requests.keys.sorted()
        let windows = Set(requests.values.flatMap(\.keys)).sorted { ($0.document, $0.position) < ($1.document, $1.position) }
        var batch = BatchBuilder(windows: batchWindows)
        var documentTokens: [UInt32: [UInt32]] = [:]
        func run() throws {
            let rows = batch.rows
            try model.forward(batch.tokenBatch, through: layers.last!, captureLayers: layers, captureMLPInput: false) { capture in
                let n = capture.activations.count / rows.count  // [rows, neurons]
                let act = capture.activations
                for range in rows.windowRows where !range.isEmpty {
                    let key = SamplePosition(document: rows.documents[range.lowerBound], position: rows.positions[range.lowerBound])
                    for request in requests[capture.layer]?[key] ?? [] {
                        let focusRow = range.lowerBound + request.position - Int(key.position)
                        let value = act[focusRow * n + request.neuron]
                        guard bins.index(of: value) == Int(request.bin) else {
                            throw IndexError.bandMismatch(layer: capture.layer, neuron: request.neuron,
                                                          document: key.document, position: UInt32(request.position))
                        }
                        let entry = WindowedRecord(
                            record: CoreRecord(activation: value, document: key.document, position: UInt32(request.position),
                                               token: rows.tokens[focusRow]),
                            windowStart: key.position,
                            activations: range.map { act[$0 * n + request.neuron] })
                        if let band = request.band {
                            results[capture.layer]![request.neuron].bands[band].examples[request.index] = entry
                        } else {
                            results[capture.layer]![request.neuron].randomSample[request.index] = entry
                        }
                    }
                }
            }
            batch.reset()
        }
        for window in windows {
            if documentTokens[window.document] == nil {
                documentTokens = [window.document: try tokens(window.document)]  // windows come document by document
            }
            let all = documentTokens[window.document]!
            let range = BatchBuilder.window(containing: Int(window.position), documentLength: all.count, context: context)
            batch.append(window: all[range], document: window.document, firstPosition: range.lowerBound, bos: bos)
            if batch.isFull { try run() }
        }
        if !batch.isEmpty { try run() }
    }
}
