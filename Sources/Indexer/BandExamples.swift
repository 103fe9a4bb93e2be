import Models
import Store

/// Chooses each neuron's band examples from a band sample and gives them their windows by
/// running the model once more on just the windows they come from.
///
/// A band's examples are band-sample positions whose bin is in the band, up to
/// `NeuronBands.examplesPerBand`, one per window first: in hash order, a position is taken
/// when no earlier example of the band comes from its window; when that leaves the band short,
/// the remaining positions fill it in hash order. The band sample is a seeded draw of whole
/// windows (`BandSample`), so these are a seeded draw of the band's tokens spread over as many
/// windows as it allows. The random sample is chosen the same way from all positions (the same
/// for every neuron).
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
        let windowOf = windowOrdinals(positions)
        let randomSample = Self.spread(positions.indices, limit: NeuronBands.randomSampleSize, window: windowOf)
        // Per layer and window (document, start): the copies it serves.
        var requests: [Int: [SamplePosition: [Request]]] = [:]
        var results: [Int: [NeuronBands]] = [:]
        for part in layers {
            var byWindow: [SamplePosition: [Request]] = [:]
            func request(_ i: Int, neuron: Int, band: Int?, index: Int) {
                let p = positions[i]
                let start = UInt32(BatchBuilder.windowStart(containing: Int(p.position), context: context))
                byWindow[SamplePosition(document: p.document, position: start), default: []].append(
                    Request(neuron: neuron, band: band, index: index, position: Int(p.position),
                            bin: part.binColumns[neuron * positions.count + i]))
            }
            var neuronsBands: [NeuronBands] = []
            neuronsBands.reserveCapacity(part.neurons)
            for neuron in 0..<part.neurons {
                let choice = choose(neuron: neuron, part: part, window: windowOf)
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
    private func choose(neuron: Int, part: Layer, window: [Int]) -> Choice {
        let (counts, min, max) = part.histogram(neuron)
        let bandOfBin = NeuronBands.bandOfBin(histogram: counts)
        var bands = NeuronBands.bands(histogram: counts, bins: bins, min: min, max: max)
        var members = [[Int]](repeating: [], count: bands.count)  // by band: its positions, in hash order
        let column = neuron * window.count
        for i in window.indices {
            let bin = Int(part.binColumns[column + i])
            guard bin < bandOfBin.count, let band = bandOfBin[bin] else { continue }
            members[band].append(i)
        }
        for b in bands.indices { bands[b].sampled = members[b].count }
        let examples = members.map { Self.spread($0, limit: NeuronBands.examplesPerBand, window: window) }
        return Choice(bands: bands, examples: examples)
    }

    /// Up to `limit` of `candidates` (band-sample indices in hash order): in order, those whose
    /// window no earlier pick has, then, if still short, the others in order; in hash order.
    static func spread<C: Collection<Int>>(_ candidates: C, limit: Int, window: [Int]) -> [Int] {
        var picked: [Int] = [], skipped: [Int] = []
        picked.reserveCapacity(limit)
        for i in candidates where picked.count < limit {
            // `limit` is small (5 or 20): a linear search beats hashing.
            if !picked.contains(where: { window[$0] == window[i] }) { picked.append(i) } else { skipped.append(i) }
        }
        if picked.count < limit { picked += skipped.prefix(limit - picked.count) }
        return picked.sorted()
    }

    /// Each band-sample position's window, numbered in order of first appearance.
    private func windowOrdinals(_ positions: [SamplePosition]) -> [Int] {
        var ordinal: [SamplePosition: Int] = [:]
        return positions.map { p in
            let key = SamplePosition(document: p.document,
                                     position: UInt32(BatchBuilder.windowStart(containing: Int(p.position), context: context)))
            if let o = ordinal[key] { return o }
            ordinal[key] = ordinal.count
            return ordinal.count - 1
        }
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
