import Canonical
import Foundation
import Kernels
import Models
import Store

/// Combines the stores of `--shard i/n` runs — or any complete stores of one model and the same
/// options whose documents are disjoint — into one store equal to a single run over all their
/// documents: top-K lists merge exactly, moments by Pébay's formulas, histograms by addition,
/// position samples by their hashes; documents, token streams and stored inputs are copied.
///
/// It goes layer by layer: each input's accumulator for the layer is rebuilt from the store
/// (`LayerAccumulator.init(stored:layer:options:moments:)`) and merged into the layer's, so
/// memory is bounded by one layer per thread, and `threads` layers are merged at once.
public struct ShardMerger {
    public let shards: [NeurodexStore]
    /// The model the shards were indexed with: needed when they hold band examples (`BandMerge`).
    public let model: ModelBundle?

    public init(shards: [NeurodexStore], model: ModelBundle? = nil) {
        self.shards = shards
        self.model = model
    }

    /// What the inputs agree on.
    struct Plan {
        var model: ModelRow
        var corpus: CorpusRow
        var options: IndexingOptions
        var layers: [LayerRow]
        /// The statistics description of each input, in the order of `shards`.
        var specs: [LayerStatisticsSpec]
    }

    /// Checks that the inputs are complete runs that can be merged, then writes `output`, one
    /// layer at a time on each of `threads` threads. Shards of one run are merged in the order
    /// of their `--shard` index, whatever order they are given in, so that the result does not
    /// depend on it; other stores in the order given.
    public func merge(into output: NeurodexStore, threads: Int = 1) throws {
        let plans = try shards.map { try storePlan($0) }
        let shardIndices = plans.compactMap(\.options.shard?.index)
        let ordered = shardIndices.count == shards.count && Set(plans.map(\.options.shard?.count)).count == 1
            ? zip(shardIndices, shards).sorted { $0.0 < $1.0 }.map(\.1) : shards
        try ShardMerger(shards: ordered, model: model).mergeInGivenOrder(into: output, threads: max(1, threads))
    }

    private func mergeInGivenOrder(into output: NeurodexStore, threads: Int) throws {
        let plan = try makePlan()
        guard try output.catalog.runCount() == 0 else {
            throw IndexError.storeMismatch("\(output.directory.path) is not empty; merge into a new store")
        }
        let sample = mergedSample(plan)
        let spec = LayerStatisticsSpec(bins: plan.specs[0].bins, sampleSeed: plan.options.seed,
                                       samplePositions: sample.kept.map(\.position).sorted { ($0.document, $0.position) < ($1.document, $1.position) })
        let bandMerge = BandMerge(shards: shards, options: plan.options, modelRow: plan.model, model: model)
        let lensSources = try logitLensSources(plan)
        let bandPositions = try bandMerge.mergedPositions()
        let builder = try StoreBuilder(store: output, model: plan.model, corpus: plan.corpus,
                                       runConfigJSON: try CanonicalJSON.string(plan.options))
        let progress = try copyDocuments(into: builder)
        if plan.options.storeInputs { try copyInputs(layers: plan.layers.map(\.layer), into: builder) }
        try copyVocabulary(into: builder)
        if let bandPositions { try builder.setBandSample(bandPositions) }
        let flags: NeuronRecords.Flags = plan.options.distinctTokens ? .distinctTokens : []
        var keptMoments: [(name: String, bytes: [UInt8])] = []
        // Layers are merged `threads` at a time, in parallel, when the first of them is due.
        var merged: [Int: LayerAccumulator] = [:]
        func write(_ layer: LayerRow, bands: [NeuronBands]?) throws {
            if merged[layer.layer] == nil {
                let first = plan.layers.firstIndex { $0.layer == layer.layer }!
                let group = Array(plan.layers[first..<min(plan.layers.count, first + threads)])
                var results = [Result<LayerAccumulator, any Error>?](repeating: nil, count: group.count)
                results.withUnsafeMutableBufferPointer { slots in
                    forEachJobInParallel(group.count, threads: threads) { i in
                        slots[i] = Result { try mergeLayer(group[i].layer, options: plan.options, sample: sample) }
                    }
                }
                for (row, result) in zip(group, results) { merged[row.layer] = try result!.get() }
            }
            let acc = merged.removeValue(forKey: layer.layer)!
            let lensSource = lensSources[layer.layer]
            try builder.setLayer(layer.layer, neuronCount: layer.neuronCount, topK: layer.topK,
                                 distinctTokens: layer.distinctTokens, statistics: spec)
            for neuron in 0..<acc.neurons {
                try builder.addNeuron(layer: layer.layer, neuron: neuron, records: acc.topK.records(neuron: neuron),
                                      flags: flags, statistics: acc.statistics(neuron: neuron, samplePositions: spec.samplePositions),
                                      windows: acc.windows?.entries(neuron: neuron) ?? [],
                                      negative: acc.negative?.entries(neuron: neuron) ?? [],
                                      logitLens: try lensSource?.activations.read { try $0.logitLens(layer: layer.layer, neuron: neuron) },
                                      bands: bands?[neuron])
            }
            keptMoments.append((StateKey.moments(layer.layer), acc.encodedMoments()))
        }
        if let bandPositions {
            try bandMerge.forEachLayer(positions: bandPositions, layers: plan.layers, bins: plan.specs[0].bins, threads: threads) {
                try write($0, bands: $1)
            }
        } else {
            for layer in plan.layers { try write(layer, bands: nil) }
        }
        try builder.finish(progress: progress, embedding: embedding, keepingOnlyRecordInputs: plan.options.storeInputs,
                           keptState: keptMoments)
    }

    // MARK: - Steps

    /// The merged sample: the inputs' sampled positions offered in input order.
    func mergedSample(_ plan: Plan) -> PositionSample {
        var sample = PositionSample(size: plan.options.sampleSize, seed: plan.options.seed)
        for spec in plan.specs { _ = sample.admit(spec.samplePositions) }
        return sample
    }

    /// One layer's accumulator over all inputs.
    func mergeLayer(_ layer: Int, options: IndexingOptions, sample: PositionSample) throws -> LayerAccumulator {
        var merged = try LayerAccumulator(stored: shards[0], layer: layer, options: options, moments: .statisticsRows)
        for shard in shards.dropFirst() {
            merged.merge(try LayerAccumulator(stored: shard, layer: layer, options: options, moments: .statisticsRows),
                         keepingSample: sample)
        }
        return merged
    }

    /// Copies every input's documents and token streams; returns the merged run's progress.
    func copyDocuments(into builder: StoreBuilder) throws -> RunProgress {
        var progress = RunProgress(documentsDone: 0, tokensDone: 0)
        for shard in shards {
            for document in try shard.catalog.documents() {
                guard let tokens = try shard.activations.read({ try $0.tokens(document: UInt32(document.id)) }) else {
                    throw IndexError.storeMismatch("\(shard.directory.path) has no tokens for document \(document.id)")
                }
                try builder.addDocument(document, tokens: tokens)
                progress.documentsDone += 1
            }
            progress.tokensDone += try shard.catalog.runs().filter { $0.status == .complete }.reduce(0) { $0 + $1.tokensDone }
        }
        return progress
    }

    /// Copies every input's stored MLP inputs (`--store-inputs`); `finish` then drops those at
    /// positions that are no longer records.
    func copyInputs(layers: [Int], into builder: StoreBuilder) throws {
        for shard in shards {
            for layer in layers {
                let vectors = try shard.activations.read { r in
                    try r.inputPositions(layer: layer).map { p in (p, try r.input(layer: layer, document: p.document, position: p.position)) }
                }
                for (p, vector) in vectors {
                    if let vector { try builder.addInput(layer: layer, position: p, vector) }
                }
            }
        }
    }

    /// Copies the first input's vocabulary (all inputs share the model's).
    func copyVocabulary(into builder: StoreBuilder) throws {
        let vocabulary = try shards[0].activations.read { try $0.vocabulary() }
        for (id, bytes) in vocabulary.enumerated() { try builder.addVocabulary(UInt32(id), bytes: bytes) }
    }

    /// A token's embedding from the first shard that has it.
    func embedding(_ token: UInt32) throws -> [Float]? {
        for shard in shards {
            if let vector = try shard.activations.read({ try $0.embedding(token: token) }) { return vector }
        }
        return nil
    }

    // MARK: - Checks

    private func makePlan() throws -> Plan {
        guard !shards.isEmpty else { throw IndexError.invalidOption("give the stores to merge") }
        let plans = try shards.map { try storePlan($0) }
        var plan = plans[0]
        let firstPath = shards[0].directory.path
        for (store, found) in zip(shards, plans).dropFirst() {
            let path = store.directory.path
            guard found.model.fingerprint == plan.model.fingerprint else {
                throw StoreError.modelMismatch(expected: plan.model.fingerprint, found: found.model.fingerprint)
            }
            var a = found.options.identity, b = plan.options.identity
            a.shard = nil; b.shard = nil
            a.corpusPaths = []; b.corpusPaths = []
            guard a == b else { throw IndexError.storeMismatch("\(path) was indexed with other options than \(firstPath)") }
            guard found.layers.map(\.layer) == plan.layers.map(\.layer) else {
                throw IndexError.storeMismatch("\(path) indexed other layers than \(firstPath)")
            }
            plan.specs += found.specs
        }
        try checkDocumentsAreDisjoint()
        let shardsOfOneRun = plans.map(\.options.shard)
        if let count = shardsOfOneRun[0]?.count, shardsOfOneRun.allSatisfy({ $0?.count == count }),
           plans.allSatisfy({ $0.corpus.sourcesJson == plan.corpus.sourcesJson }) {
            let missing = Set(0..<count).subtracting(shardsOfOneRun.compactMap { $0?.index }).sorted()
            guard missing.isEmpty else {
                throw IndexError.storeMismatch("shards \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) are missing")
            }
        }
        var corpora: [CorpusRow] = []
        for corpus in plans.map(\.corpus) where !corpora.contains(where: { $0.sourcesJson == corpus.sourcesJson }) {
            corpora.append(corpus)
        }
        // The sources arrays of every input's corpus, in one array.
        let sources = corpora.map { $0.sourcesJson.dropFirst().dropLast() }.filter { !$0.isEmpty }
        plan.corpus = CorpusRow(name: corpora.map(\.name).joined(separator: "+"), sourcesJson: "[\(sources.joined(separator: ","))]")
        plan.options.shard = nil
        plan.options.firstDocument = nil
        plan.options.corpusPaths = []
        for path in plans.flatMap(\.options.corpusPaths) where !plan.options.corpusPaths.contains(path) {
            plan.options.corpusPaths.append(path)
        }
        return plan
    }

    /// Throws when two inputs hold the same document: they are not parts of one corpus (a shard
    /// given twice, or independent runs, whose documents are both numbered from 0).
    private func checkDocumentsAreDisjoint() throws {
        var owner: [Int64: String] = [:]
        for store in shards {
            for document in try store.catalog.documents() {
                if let other = owner.updateValue(store.directory.path, forKey: document.id) {
                    throw IndexError.storeMismatch("\(other) and \(store.directory.path) both hold document \(document.id): merge the shards of one corpus, or add a corpus to a store with index --append")
                }
            }
        }
    }

    /// One input's rows and options, checked to be a complete run.
    /// The input each layer's logit lens is copied from, checked before anything is written.
    /// The lens depends on the model only: every input that has one has the same lists, and of
    /// a sharded run only shard 0/n has it. Inputs none of which has it are refused unless one
    /// of them computed it (a shard 0/n or an unsharded run): then the model has none (an
    /// untied unembedding that was not loaded).
    private func logitLensSources(_ plan: Plan) throws -> [Int: NeurodexStore] {
        var sources: [Int: NeurodexStore] = [:]
        for layer in plan.layers {
            sources[layer.layer] = try shards.first { shard in
                try shard.activations.read { try $0.logitLens(layer: layer.layer, neuron: 0) } != nil
            }
        }
        if plan.options.logitLensTokens > 0, let missing = plan.layers.first(where: { sources[$0.layer] == nil }),
           try !shards.contains(where: { try storePlan($0).options.computesLogitLens }) {
            throw IndexError.storeMismatch(
                "no input has the logit lens of layer \(missing.layer): of a sharded run only a shard i = 0 computes it; merge one with the others")
        }
        return sources
    }

    private func storePlan(_ store: NeurodexStore) throws -> Plan {
        let path = store.directory.path
        guard let model = try store.catalog.model(), let corpus = try store.catalog.corpus(),
              let run = try store.catalog.latestRun() else {
            throw IndexError.storeMismatch("\(path) holds no index run")
        }
        let layers = try store.catalog.layers()
        guard run.status == .complete else {
            throw IndexError.storeMismatch("\(path): its run is \(run.status.rawValue), not complete; finish it with --resume first")
        }
        let options = try JSONDecoder().decode(IndexingOptions.self, from: Data(run.configJson.utf8))
        guard let first = layers.first else { throw IndexError.storeMismatch("\(path) has no indexed layers") }
        let spec = try JSONDecoder().decode(LayerStatisticsSpec.self, from: Data(first.statisticsJson.utf8))
        return Plan(model: model, corpus: corpus, options: options, layers: layers, specs: [spec])
    }
}

extension Moments {
    /// The moments a statistics row describes (population variance, biased skewness, excess kurtosis).
    init(statistics row: NeuronStatsRow) {
        let n = Double(row.count)
        let m2 = row.variance * n
        self.init(count: n, mean: row.mean, m2: m2,
                  m3: n > 0 ? row.skewness * m2 * m2.squareRoot() / n.squareRoot() : 0,
                  m4: n > 0 ? (row.kurtosis + 3) * m2 * m2 / n : 0)
    }
}
