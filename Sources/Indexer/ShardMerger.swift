import Foundation
import GRDB
import Store

/// Combines the stores of `--shard i/n` runs into one store equal to a single run over the
/// whole corpus: top-K lists merge exactly, moments by Pébay's formulas, histograms by
/// addition, position samples by their hashes; documents and token streams are copied.
public struct ShardMerger {
    public let shards: [NeurodexStore]

    public init(shards: [NeurodexStore]) { self.shards = shards }

    /// What the shards agree on.
    struct Plan {
        var model: ModelRow
        var corpus: CorpusRow
        var options: IndexingOptions
        var layers: [LayerRow]
        /// The statistics description of each shard, in the order of `shards`.
        var specs: [LayerStatisticsSpec]
    }

    /// Checks that the shards are the complete runs of one sharded index, then writes `output`.
    public func merge(into output: NeurodexStore) throws {
        let plan = try makePlan()
        guard try output.catalog.read({ try RunRow.fetchCount($0) }) == 0 else {
            throw IndexError.storeMismatch("\(output.directory.path) is not empty; merge into a new store")
        }
        let k = plan.options.topK, distinct = plan.options.distinctTokens
        let sampleSize = plan.options.sampleSize, seed = plan.options.seed

        // The merged position sample, and where each sampled position's values come from.
        var sample = PositionSample(size: sampleSize, seed: seed)
        var owner: [SamplePosition: Int] = [:]
        for (i, spec) in plan.specs.enumerated() {
            for p in spec.samplePositions { owner[p] = i }
            _ = sample.admit(spec.samplePositions)
        }
        let samplePositions = sample.kept.map(\.position).sorted { ($0.document, $0.position) < ($1.document, $1.position) }
        let mergedSpec = LayerStatisticsSpec(bins: plan.specs[0].bins, sampleSeed: seed, samplePositions: samplePositions)
        let specJSON = try Indexer.json(mergedSpec)
        let specIndex: [[SamplePosition: Int]] = plan.specs.map { spec in
            Dictionary(uniqueKeysWithValues: spec.samplePositions.enumerated().map { ($1, $0) })
        }

        var documentsByShard: [[DocumentRow]] = []
        var stats: [NeuronStatsRow] = []
        var tokensDone = 0
        for shard in shards {
            let (rows, tokens) = try shard.catalog.read { db in
                (try DocumentRow.fetchAll(db),
                 try Int.fetchOne(db, sql: "SELECT tokens_done FROM runs ORDER BY id DESC LIMIT 1") ?? 0)
            }
            documentsByShard.append(rows)
            tokensDone += tokens
        }
        let documents = documentsByShard.flatMap { $0 }.sorted { $0.id < $1.id }

        try output.activations.write { w in
            try w.setMeta(StoreMeta.modelFingerprint, string: plan.model.fingerprint)
            try w.setMeta(StoreMeta.embeddingSize, uint32: UInt32(plan.model.embeddingSize))
            for (index, shard) in shards.enumerated() {
                try shard.activations.read { r in
                    for doc in documentsByShard[index] {
                        if let tokens = try r.tokens(document: UInt32(doc.id)) { try w.putTokens(document: UInt32(doc.id), tokens) }
                    }
                    if index == 0 {
                        for (id, bytes) in try r.vocabulary().enumerated() { try w.putTokenBytes(UInt32(id), bytes) }
                    }
                }
            }
            var usedTokens = Set<UInt32>()
            var hits: [(token: UInt32, hit: TokenHit)] = []
            for layer in plan.layers {
                for neuron in 0..<layer.neuronCount {
                    var topK = TopK(neurons: 1, k: k, distinctTokens: distinct)
                    var moments = Moments()
                    var minimum = Double.infinity, maximum = -Double.infinity, positives = 0.0
                    var histogram: [UInt32]? = nil
                    var sampleValues = [Float](repeating: .nan, count: samplePositions.count)
                    for (index, shard) in shards.enumerated() {
                        let records = try shard.activations.read { try $0.records(layer: layer.layer, neuron: neuron) }
                        for record in records?.records ?? [] { topK.offer(neuron: 0, record) }
                        let row = try shard.catalog.read {
                            try NeuronStatsRow.fetchOne($0, key: ["layer": layer.layer, "neuron": neuron])
                        }
                        guard let row else {
                            throw IndexError.storeMismatch("shard \(shard.directory.path) has no statistics for layer \(layer.layer) neuron \(neuron)")
                        }
                        moments = Moments.combine(moments, Moments(statistics: row))
                        if row.count > 0 {
                            minimum = min(minimum, row.min); maximum = max(maximum, row.max)
                            positives += (row.fractionPositive * Double(row.count)).rounded()
                        }
                        let counts = row.histogramCounts
                        histogram = histogram.map { zip($0, counts).map { $0 &+ $1 } } ?? counts
                        let values = row.sampleValues
                        for (i, p) in samplePositions.enumerated() where owner[p] == index {
                            if let j = specIndex[index][p], j < values.count { sampleValues[i] = values[j] }
                        }
                    }
                    let records = topK.records(neuron: 0)
                    try w.putRecords(layer: layer.layer, neuron: neuron,
                                     NeuronRecords(flags: distinct ? .distinctTokens : [], records: records))
                    for r in records {
                        usedTokens.insert(r.token)
                        hits.append((r.token, TokenHit(layer: layer.layer, neuron: neuron, activation: r.activation)))
                    }
                    stats.append(NeuronStatsRow(
                        layer: layer.layer, neuron: neuron, count: Int(moments.count), mean: moments.mean,
                        variance: moments.variance, skewness: moments.skewness, kurtosis: moments.kurtosis,
                        min: moments.count > 0 ? minimum : .nan, max: moments.count > 0 ? maximum : .nan,
                        fractionPositive: moments.count > 0 ? positives / moments.count : .nan,
                        histogram: NeuronStatsRow.histogramBlob(histogram ?? []),
                        sample: NeuronStatsRow.sampleBlob(sampleValues)))
                }
            }
            try w.replaceTokenIndex(hits)
            for token in usedTokens.sorted() {
                var vector: [Float]? = nil
                for shard in shards where vector == nil { vector = try shard.activations.read { try $0.embedding(token: token) } }
                if let vector { try w.putEmbedding(token: token, vector) }
            }
        }

        var options = plan.options
        options.shard = nil
        let configJSON = try Indexer.json(options)
        try output.catalog.write { [plan, documents, stats, tokensDone] db in
            var model = plan.model; model.id = nil
            try model.insert(db)
            var corpus = plan.corpus; corpus.id = nil
            try corpus.insert(db)
            var run = RunRow(modelId: model.id!, corpusId: corpus.id!, configJson: configJSON,
                             toolVersion: NeurodexVersion.current, status: .complete, finishedAt: Date(),
                             documentsDone: documents.count, tokensDone: tokensDone)
            try run.insert(db)
            for var doc in documents { doc.corpusId = corpus.id!; try doc.insert(db) }
            for var layer in plan.layers {
                layer.runId = run.id!
                layer.statisticsJson = specJSON
                try layer.insert(db)
            }
            try NeuronStatsRow.insertAll(stats, into: db)
        }
    }

    private func makePlan() throws -> Plan {
        guard !shards.isEmpty else { throw IndexError.invalidOption("give the shard stores to merge") }
        var plan: Plan?
        var seen = Set<Int>()
        for shard in shards {
            let path = shard.directory.path
            let (model, corpus, run, layers) = try shard.catalog.read { db in
                (try ModelRow.fetchOne(db), try CorpusRow.fetchOne(db),
                 try RunRow.order(Column("id").desc).fetchOne(db), try LayerRow.order(Column("layer")).fetchAll(db))
            }
            guard let model, let corpus, let run else { throw IndexError.storeMismatch("\(path) holds no index run") }
            guard run.status == .complete else {
                throw IndexError.storeMismatch("\(path): its run is \(run.status.rawValue), not complete; finish it with --resume first")
            }
            let options = try JSONDecoder().decode(IndexingOptions.self, from: Data(run.configJson.utf8))
            guard let shard = options.shard else { throw IndexError.storeMismatch("\(path) was not indexed with --shard") }
            guard seen.insert(shard.index).inserted else { throw IndexError.storeMismatch("shard \(shard) is given twice") }
            guard let first = layers.first else { throw IndexError.storeMismatch("\(path) has no indexed layers") }
            let spec = try JSONDecoder().decode(LayerStatisticsSpec.self, from: Data(first.statisticsJson.utf8))
            if let plan {
                guard model.fingerprint == plan.model.fingerprint else {
                    throw StoreError.modelMismatch(expected: plan.model.fingerprint, found: model.fingerprint)
                }
                var a = options.identity, b = plan.options.identity
                a.shard = nil; b.shard = nil
                guard a == b, shard.count == plan.options.shard?.count else {
                    throw IndexError.storeMismatch("\(path) was indexed with other options than the first shard")
                }
            }
            if plan == nil {
                plan = Plan(model: model, corpus: corpus, options: options, layers: layers, specs: [spec])
            } else {
                guard layers.map(\.layer) == plan!.layers.map(\.layer) else {
                    throw IndexError.storeMismatch("\(path) indexed other layers than the first shard")
                }
                plan!.specs.append(spec)
            }
        }
        let count = plan!.options.shard!.count
        let missing = (0..<count).filter { !seen.contains($0) }
        guard missing.isEmpty else {
            throw IndexError.storeMismatch("shards \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) are missing")
        }
        return plan!
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
