import Kernels
import Models
import Store

/// Chooses each neuron's band examples from a band sample and gives them their windows by
/// running the model once more on just the windows the sample comes from.
///
/// A band's examples are band-sample positions whose bin is in the band, up to
/// `NeuronBands.examplesPerBand`, one per window first: in hash order, a position is taken
/// when no earlier example of the band comes from its window; when that leaves the band short,
/// the remaining positions fill it in hash order. The band sample is a seeded draw of whole
/// windows (`BandSample`), so these are a seeded draw of the band's tokens spread over as many
/// windows as it allows. The random sample is chosen the same way from all positions (the same
/// for every neuron).
///
/// The sample's windows run as one batch, so each layer's examples are made as the forward
/// reaches the layer and handed on at once: only one layer's examples are held at a time. The
/// bins of the sampled positions come from this forward too (the sample is whole windows, so
/// every position of it is a row of the batch). Matrix products do not depend on which windows
/// share a batch (`blockedSgemm`), so the re-forward gives the activations of the streaming
/// pass bit for bit, and the bins those of the final histogram's counts.
struct BandExamples {
    /// One layer's part of a band sample.
    struct Layer {
        var layer: Int
        var neurons: Int
        /// Each neuron's histogram counts, minimum and maximum (the final statistics).
        var histogram: (Int) -> (counts: [UInt32], min: Float, max: Float)
    }

    /// How windows are cut: the run's options.
    var context: Int
    var bos: UInt32?
    var bins: HistogramBins
    /// Threads for choosing and copying the examples of a layer's neurons.
    var threads: Int = 1

    /// The residual stream of the sample's windows after a layer, [rows, embeddingSize]: what
    /// one layer pass of an index run hands the next, so that its forward starts there.
    struct Residual {
        var afterLayer: Int
        var values: [Float]
    }

    /// One neuron's chosen positions.
    private struct Choice {
        var bands: [ActivationBand]
        /// By band: the chosen positions' indices in the band sample.
        var examples: [[Int]]
    }

    /// Runs the windows of the band sample through the model and calls `each` with every layer
    /// of `layers` (ascending) in turn: its part (from `part`, asked for in that turn) and its
    /// neurons' bands with their examples' windows.
    ///
    /// - Parameters:
    ///   - positions: the band sample, lowest hash first.
    ///   - residual: where the forward starts, when it is after a layer before `layers` (an
    ///     earlier layer pass's); nil: from the embeddings.
    ///   - handBack: whether to run the last layer to its end and return the residual after it.
    ///   - tokens: a document's tokens.
    @discardableResult
    func forEachLayer(model: any LanguageModel, layers: [Int], positions: [SamplePosition],
                      from residual: Residual? = nil, handBack: Bool = false,
                      part: (Int) throws -> Layer, tokens: (UInt32) throws -> [UInt32],
                      each: (Layer, [NeuronBands]) throws -> Void) throws -> Residual? {
        guard let last = layers.last else { return nil }
        let windowOf = windowOrdinals(positions)
        let randomSample = Self.spread(positions.indices, limit: NeuronBands.randomSampleSize, window: windowOf)
        // Every window of the sample, in (document, start) order, in one batch; the counted rows
        // of each window by its start.
        let windows = Set(positions.map(windowKey)).sorted { ($0.document, $0.position) < ($1.document, $1.position) }
        var batch = BatchBuilder(windows: max(1, windows.count))
        var documentTokens: [UInt32: [UInt32]] = [:]
        for window in windows {
            if documentTokens[window.document] == nil {
                documentTokens = [window.document: try tokens(window.document)]  // windows come document by document
            }
            let all = documentTokens[window.document]!
            let range = BatchBuilder.window(containing: Int(window.position), documentLength: all.count, context: context)
            batch.append(window: all[range], document: window.document, firstPosition: range.lowerBound, bos: bos)
        }
        let rows = batch.rows
        var rowsOfWindow: [SamplePosition: Range<Int>] = [:]
        for range in rows.windowRows where !range.isEmpty {
            rowsOfWindow[SamplePosition(document: rows.documents[range.lowerBound], position: rows.positions[range.lowerBound])] = range
        }
        // Each position's window rows and its own row.
        let located = try positions.map { p -> (rows: Range<Int>, focus: Int) in
            let key = windowKey(p)
            let range = rowsOfWindow[key] ?? 0..<0, focus = range.lowerBound + Int(p.position - key.position)
            guard range.contains(focus) else {
                throw IndexError.storeMismatch("band-sample position \(p.position) of document \(p.document) is past the document's end")
            }
            return (range, focus)
        }
        /// Makes and hands on `layer`'s bands from its activations over the batch, [rows, neurons].
        func finish(layer: Int, activations act: UnsafeBufferPointer<Float>) throws {
            let part = try part(layer)
            let n = part.neurons
            var bands = [NeuronBands](repeating: NeuronBands(bands: [], randomSample: []), count: part.neurons)
            bands.withUnsafeMutableBufferPointer { bands in
                let chunk = 64, jobs = (part.neurons + chunk - 1) / chunk
                forEachJobInParallel(jobs, threads: threads) { job in
                    for neuron in job * chunk..<min(part.neurons, (job + 1) * chunk) {
                        /// The windowed record of band-sample position `i`.
                        func example(_ i: Int) -> WindowedRecord {
                            let p = positions[i], (range, focus) = located[i]
                            return WindowedRecord(
                                record: CoreRecord(activation: act[focus * n + neuron], document: p.document, position: p.position,
                                                   token: rows.tokens[focus]),
                                windowStart: rows.positions[range.lowerBound],
                                activations: range.map { act[$0 * n + neuron] })
                        }
                        let binAt = located.map { bins.index(of: act[$0.focus * n + neuron]) }
                        let choice = choose(neuron: neuron, part: part, bins: binAt, window: windowOf)
                        var chosen = choice.bands
                        for b in chosen.indices { chosen[b].examples = choice.examples[b].map(example) }
                        bands[neuron] = NeuronBands(bands: chosen, randomSample: randomSample.map(example))
                    }
                }
            }
            try each(part, bands)
        }
        guard rows.count > 0 else {  // an empty sample: bands without examples
            for layer in layers { try finish(layer: layer, activations: UnsafeBufferPointer(start: nil, count: 0)) }
            return handBack ? Residual(afterLayer: last, values: []) : nil
        }
        var after: Residual?
        let keep: ((UnsafeBufferPointer<Float>) throws -> Void)? = handBack ? { after = Residual(afterLayer: last, values: Array($0)) } : nil
        try (residual?.values ?? []).withUnsafeBufferPointer { values in
            let span = ForwardSpan(firstLayer: residual.map { $0.afterLayer + 1 } ?? 0,
                                   residual: residual == nil ? nil : values, handBack: keep)
            try model.forward(batch.tokenBatch, span: span, through: last, captureLayers: layers, captureMLPInput: false) { capture in
                precondition(capture.activations.count == rows.count * model.description.neuronCount)
                try finish(layer: capture.layer, activations: capture.activations)
            }
        }
        return after
    }

    /// The bands of one neuron and the band-sample positions each band chooses; `binAt` is the
    /// neuron's bin at each band-sample position.
    private func choose(neuron: Int, part: Layer, bins binAt: [Int], window: [Int]) -> Choice {
        let (counts, min, max) = part.histogram(neuron)
        let bandOfBin = NeuronBands.bandOfBin(histogram: counts)
        var bands = NeuronBands.bands(histogram: counts, bins: bins, min: min, max: max)
        var members = [[Int]](repeating: [], count: bands.count)  // by band: its positions, in hash order
        for (i, bin) in binAt.enumerated() {
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

    /// The context window that holds `p`, as (document, its first position).
    private func windowKey(_ p: SamplePosition) -> SamplePosition {
        SamplePosition(document: p.document, position: UInt32(BatchBuilder.windowStart(containing: Int(p.position), context: context)))
    }

    /// Each band-sample position's window, numbered in order of first appearance.
    private func windowOrdinals(_ positions: [SamplePosition]) -> [Int] {
        var ordinal: [SamplePosition: Int] = [:]
        return positions.map { p in
            let key = windowKey(p)
            if let o = ordinal[key] { return o }
            ordinal[key] = ordinal.count
            return ordinal.count - 1
        }
    }
}
