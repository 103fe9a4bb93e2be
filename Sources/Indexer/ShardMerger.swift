import Canonical
import Foundation
import Models
import Store

/// Combines the stores of `--shard i/n` runs into one store equal to a single run over the
/// whole corpus: top-K lists merge exactly, moments by Pébay's formulas, histograms by
/// addition, position samples by their hashes; documents and token streams are copied.
public struct ShardMerger {
    public let shards: [NeurodexStore]
    /// The model the shards were indexed with: needed when they hold band examples (`BandMerge`).
    public let model: ModelBundle?

    public init(shards: [NeurodexStore], model: ModelBundle? = nil) {
        self.shards = shards
        self.model = model
    }

    /// What the shards agree on.
    struct Plan {
        var model: ModelRow
        var corpus: CorpusRow
        var options: IndexingOptions
        var layers: [LayerRow]
        /// The statistics description of each shard, in the order of `shards`.
        var specs: [LayerStatisticsSpec]
    }

    /// The merged position sample, and where each sampled position's value comes from.
    struct MergedSample {
        /// The statistics description of the merged store.
        var spec: LayerStatisticsSpec
        /// The shard that sampled each position.
        var owner: [SamplePosition: Int]
        /// By shard: each of its sampled positions' index in its sample blobs.
        var indexInShard: [[SamplePosition: Int]]
    }

    /// Checks that the shards are the complete runs of one sharded index, then writes `output`
    /// one neuron at a time. Shards are merged in the order of their `--shard` index, whatever
    /// order they are given in, so that the result does not depend on it.
    public func merge(into output: NeurodexStore) throws {
        let indices = try shards.map { try shardPlan($0).1.index }
        let ordered = zip(indices, shards).sorted { $0.0 < $1.0 }.map(\.1)
        try ShardMerger(shards: ordered, model: model).mergeInGivenOrder(into: output)
    }

    private func mergeInGivenOrder(into output: NeurodexStore) throws {
        let plan = try makePlan()
        guard try output.catalog.runCount() == 0 else {
            throw IndexError.storeMismatch("\(output.directory.path) is not empty; merge into a new store")
        }
        let sample = mergedSample(plan)
        let bands = try BandMerge(shards: shards, options: plan.options, modelRow: plan.model, model: model)
            .merge(layers: plan.layers, bins: sample.spec.bins)
        var options = plan.options
        options.shard = nil
        let builder = try StoreBuilder(store: output, model: plan.model, corpus: plan.corpus,
                                       runConfigJSON: try CanonicalJSON.string(options))
        let progress = try copyDocuments(into: builder)
        try copyVocabulary(into: builder)
        if let bands { try builder.setBandSample(bands.positions) }
        let bandPositions = bands?.positions.count ?? 0
        let flags: NeuronRecords.Flags = plan.options.distinctTokens ? .distinctTokens : []
        for layer in plan.layers {
            try builder.setLayer(layer.layer, neuronCount: layer.neuronCount, topK: layer.topK,
                                 distinctTokens: layer.distinctTokens, statistics: sample.spec)
            for neuron in 0..<layer.neuronCount {
                let merged = try mergeNeuron(layer: layer.layer, neuron: neuron, options: plan.options, sample: sample)
                try builder.addNeuron(layer: layer.layer, neuron: neuron, records: merged.records, flags: flags,
                                      statistics: merged.statistics, windows: merged.windows, negative: merged.negative,
                                      logitLens: try shards[0].activations.read { try $0.logitLens(layer: layer.layer, neuron: neuron) },
                                      bands: bands?.bands[layer.layer]?[neuron],
                                      bandSampleBins: bands?.binColumns[layer.layer].map {
                                          Array($0[neuron * bandPositions..<(neuron + 1) * bandPositions])
                                      })
            }
        }
        try builder.finish(progress: progress, embedding: embedding)
    }

    // MARK: - Steps

    /// The merged sample: the shards' sampled positions offered in shard order.
    func mergedSample(_ plan: Plan) -> MergedSample {
        var sample = PositionSample(size: plan.options.sampleSize, seed: plan.options.seed)
        var owner: [SamplePosition: Int] = [:]
        for (i, spec) in plan.specs.enumerated() {
            for p in spec.samplePositions { owner[p] = i }
            _ = sample.admit(spec.samplePositions)
        }
        let positions = sample.kept.map(\.position).sorted { ($0.document, $0.position) < ($1.document, $1.position) }
        let indexInShard = plan.specs.map { spec in
            Dictionary(uniqueKeysWithValues: spec.samplePositions.enumerated().map { ($1, $0) })
        }
        return MergedSample(spec: LayerStatisticsSpec(bins: plan.specs[0].bins, sampleSeed: plan.options.seed,
                                                      samplePositions: positions),
                            owner: owner, indexInShard: indexInShard)
    }

    /// Copies every shard's documents and token streams; returns the merged run's progress.
    func copyDocuments(into builder: StoreBuilder) throws -> RunProgress {
        var progress = RunProgress(documentsDone: 0, tokensDone: 0)
        for shard in shards {
            for document in try shard.catalog.documents() {
                guard let tokens = try shard.activations.read({ try $0.tokens(document: UInt32(document.id)) }) else {
                    throw IndexError.storeMismatch("shard \(shard.directory.path) has no tokens for document \(document.id)")
                }
                try builder.addDocument(document, tokens: tokens)
                progress.documentsDone += 1
            }
            progress.tokensDone += try shard.catalog.latestRun()?.tokensDone ?? 0
        }
        return progress
    }

    /// Copies the first shard's vocabulary (all shards share the model's).
    func copyVocabulary(into builder: StoreBuilder) throws {
        let vocabulary = try shards[0].activations.read { try $0.vocabulary() }
        for (id, bytes) in vocabulary.enumerated() { try builder.addVocabulary(UInt32(id), bytes: bytes) }
    }

    /// One neuron's merged parts.
    struct MergedNeuron {
        var records: [CoreRecord]
        var statistics: NeuronStatsRow
        var windows: [WindowedRecord]
        var negative: [WindowedRecord]
    }

    /// One neuron's records, windows, negative records and statistics over all shards.
    func mergeNeuron(layer: Int, neuron: Int, options: IndexingOptions, sample: MergedSample) throws -> MergedNeuron {
        var topK = TopK(neurons: 1, k: options.topK, distinctTokens: options.distinctTokens)
        var windows = options.windowedRecords > 0
            ? WindowedTopK(neurons: 1, k: options.windowedRecords, distinctTokens: options.distinctTokens,
                           width: options.context, order: .highest) : nil
        var negative = options.negativeK > 0
            ? WindowedTopK(neurons: 1, k: options.negativeK, distinctTokens: options.distinctTokens,
                           width: options.context, order: .lowest) : nil
        var moments = Moments()
        var minimum = Double.infinity, maximum = -Double.infinity, positives = 0.0
        var histogram: [UInt32]? = nil
        let positions = sample.spec.samplePositions
        var sampleValues = [Float](repeating: .nan, count: positions.count)
        for (index, shard) in shards.enumerated() {
            let (records, shardWindows, shardNegative) = try shard.activations.read { r in
                (try r.records(layer: layer, neuron: neuron), try r.windows(layer: layer, neuron: neuron),
                 try r.negative(layer: layer, neuron: neuron))
            }
            for record in records?.records ?? [] { topK.offer(neuron: 0, record) }
            for entry in shardWindows ?? [] { windows?.offer(neuron: 0, entry) }
            for entry in shardNegative ?? [] { negative?.offer(neuron: 0, entry) }
            guard let row = try shard.catalog.neuronStatistics(layer: layer, neuron: neuron) else {
                throw IndexError.storeMismatch("shard \(shard.directory.path) has no statistics for layer \(layer) neuron \(neuron)")
            }
            moments = Moments.combine(moments, Moments(statistics: row))
            if row.count > 0 {
                minimum = min(minimum, row.min); maximum = max(maximum, row.max)
                positives += (row.fractionPositive * Double(row.count)).rounded()
            }
            let counts = row.histogramCounts
            histogram = histogram.map { zip($0, counts).map { $0 &+ $1 } } ?? counts
            let values = row.sampleValues
            for (i, p) in positions.enumerated() where sample.owner[p] == index {
                if let j = sample.indexInShard[index][p], j < values.count { sampleValues[i] = values[j] }
            }
        }
        let seen = moments.count > 0
        let statistics = NeuronStatsRow(
            layer: layer, neuron: neuron, count: Int(moments.count), mean: moments.mean,
            variance: moments.variance, skewness: moments.skewness, kurtosis: moments.kurtosis,
            min: seen ? minimum : .nan, max: seen ? maximum : .nan,
            fractionPositive: seen ? positives / moments.count : .nan,
            histogram: NeuronStatsRow.histogramBlob(histogram ?? []),
            sample: NeuronStatsRow.sampleBlob(sampleValues))
        return MergedNeuron(records: topK.records(neuron: 0), statistics: statistics,
                            windows: windows?.entries(neuron: 0) ?? [], negative: negative?.entries(neuron: 0) ?? [])
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
        guard !shards.isEmpty else { throw IndexError.invalidOption("give the shard stores to merge") }
        var plan: Plan?
        var seen = Set<Int>()
        for shard in shards {
            let path = shard.directory.path
            let (found, shard) = try shardPlan(shard)
            guard seen.insert(shard.index).inserted else { throw IndexError.storeMismatch("shard \(shard) is given twice") }
            guard var first = plan else {
                plan = found
                continue
            }
            guard found.model.fingerprint == first.model.fingerprint else {
                throw StoreError.modelMismatch(expected: first.model.fingerprint, found: found.model.fingerprint)
            }
            var a = found.options.identity, b = first.options.identity
            a.shard = nil; b.shard = nil
            guard a == b, found.options.shard?.count == first.options.shard?.count else {
                throw IndexError.storeMismatch("\(path) was indexed with other options than the first shard")
            }
            guard found.layers.map(\.layer) == first.layers.map(\.layer) else {
                throw IndexError.storeMismatch("\(path) indexed other layers than the first shard")
            }
            first.specs += found.specs
            plan = first
        }
        guard let plan, let count = plan.options.shard?.count else {
            throw IndexError.invalidOption("give the shard stores to merge")
        }
        let missing = (0..<count).filter { !seen.contains($0) }
        guard missing.isEmpty else {
            throw IndexError.storeMismatch("shards \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) are missing")
        }
        return plan
    }

    /// One shard's rows and options, checked to be a complete sharded run; and its `--shard`.
    private func shardPlan(_ shard: NeurodexStore) throws -> (Plan, Shard) {
        let path = shard.directory.path
        guard let model = try shard.catalog.model(), let corpus = try shard.catalog.corpus(),
              let run = try shard.catalog.latestRun() else {
            throw IndexError.storeMismatch("\(path) holds no index run")
        }
        let layers = try shard.catalog.layers()
        guard run.status == .complete else {
            throw IndexError.storeMismatch("\(path): its run is \(run.status.rawValue), not complete; finish it with --resume first")
        }
        let options = try JSONDecoder().decode(IndexingOptions.self, from: Data(run.configJson.utf8))
        guard let shardOption = options.shard else { throw IndexError.storeMismatch("\(path) was not indexed with --shard") }
        guard let first = layers.first else { throw IndexError.storeMismatch("\(path) has no indexed layers") }
        let spec = try JSONDecoder().decode(LayerStatisticsSpec.self, from: Data(first.statisticsJson.utf8))
        return (Plan(model: model, corpus: corpus, options: options, layers: layers, specs: [spec]), shardOption)
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
