import Foundation
import GRDB
import Models
import Store
import Tokenizers

/// What an index run did.
public struct IndexSummary: Sendable {
    public var documents: Int
    public var tokens: Int
    public var seconds: Double
    public var resumedFromDocument: Int
    /// Where the time went.
    public var phases: PhaseTimes
}

/// Wall-clock seconds spent in each phase of a run.
public struct PhaseTimes: Sendable {
    /// Everything else: reading, hashing and tokenizing documents, batching.
    public var corpus = 0.0
    /// The model's forward pass, without the capture.
    public var forward = 0.0
    /// Folding activations into the accumulators (top-K, statistics).
    public var capture = 0.0
    /// Checkpoints and the final writes.
    public var store = 0.0
}

/// Runs a corpus through a model once and stores, per neuron of the chosen layers, its top-K
/// core tokens and statistics.
///
/// Batches are a pure function of the corpus and options, and checkpoints are taken only at
/// batch ends that are also document ends, so an interrupted and resumed run computes
/// exactly what an uninterrupted one does.
public final class Indexer {
    public let model: any LanguageModel
    public let tokenizer: Tokenizer
    public let store: NeurodexStore
    public let options: IndexingOptions
    /// Called with (bytes done, bytes total, tokens done) after every batch.
    public var onProgress: ((Int, Int, Int) -> Void)?
    /// Polled between batches; when it returns true the run checkpoints and stops.
    public var shouldStop: () -> Bool = { false }
    /// Test hook: stop (as if asked to) once this many documents are done.
    public var stopAfterDocuments: Int?

    private let bos: UInt32?
    private var layers: [Int: LayerAccumulator] = [:]
    private var sample: PositionSample
    private var progress = Progress(nextDocument: 0, documentsDone: 0, tokensDone: 0, samplePositions: [])
    private var runID: Int64 = 0
    private var corpusID: Int64 = 0
    /// Documents processed since the last checkpoint: catalog rows and token streams.
    private var pending: [(row: DocumentRow, tokens: [UInt32])] = []
    /// With `storeInputs`: MLP inputs at positions that entered a top-K since the last checkpoint.
    private var pendingInputs: [(layer: Int, position: SamplePosition, vector: [Float])] = []
    private var phases = PhaseTimes()
    private let clock = ContinuousClock()

    public init(model: any LanguageModel, tokenizer: Tokenizer, store: NeurodexStore, options: IndexingOptions) throws {
        self.model = model
        self.tokenizer = tokenizer
        self.store = store
        self.options = options
        bos = options.bos == .prepend ? (tokenizer.beginOfSequence ?? tokenizer.endOfText) : nil
        let d = model.description
        try options.validate(layerCount: d.layerCount, maxContext: d.maxContext,
                             hasBOS: tokenizer.beginOfSequence ?? tokenizer.endOfText != nil)
        sample = PositionSample(size: options.sampleSize, seed: options.seed)
    }

    // MARK: - Run

    /// Indexes the corpus (continuing from the last checkpoint when `resume` is set). A run that
    /// fails is marked failed in the catalog (an interrupted one stays resumable).
    public func run(resume: Bool) throws -> IndexSummary {
        do {
            return try indexCorpus(resume: resume)
        } catch let error as IndexError {
            if case .interrupted = error { throw error }
            if runID != 0 { try? markFailed(error.description) }
            throw error
        } catch {
            if runID != 0 { try? markFailed("\(error)") }
            throw error
        }
    }

    private func indexCorpus(resume: Bool) throws -> IndexSummary {
        let started = Date()
        let corpus = try Corpus(paths: options.corpusPaths)
        if resume { try prepareResume() } else { try prepareNewRun() }
        let resumedFrom = progress.nextDocument
        var batch = BatchBuilder(windows: options.batchWindows)
        var bytesDone = 0
        var lastCheckpoint = Date()
        var stopped = false
        var sawDocument = progress.documentsDone > 0
        var uncounted = 0  // documents read since documentsDone last advanced (at a boundary)

        try corpus.forEachDocument(include: { [options, progress] index in
            index >= progress.nextDocument && (options.shard?.includes(index) ?? true)
        }) { document in
            sawDocument = true
            let tokens = tokenizer.encode(document.text)
            for start in stride(from: 0, to: tokens.count, by: options.context) {
                let window = tokens[start..<min(tokens.count, start + options.context)]
                batch.append(window: window, document: UInt32(document.index), firstPosition: start, bos: bos)
                if batch.isFull { try process(&batch) }
            }
            pending.append((DocumentRow(id: Int64(document.index), corpusId: corpusID, sourcePath: document.sourcePath,
                                        byteOffset: document.byteOffset, byteLength: document.byteLength,
                                        sha256: document.sha256, tokenCount: tokens.count,
                                        replacements: document.replacements, metadataJson: document.metadataJSON),
                            tokens))
            uncounted += 1
            bytesDone += document.byteLength
            onProgress?(bytesDone, corpus.byteCount, progress.tokensDone)
            guard batch.isEmpty else { return true }  // not at a document boundary
            progress.nextDocument = document.index + 1
            progress.documentsDone += uncounted
            uncounted = 0
            let stopNow = shouldStop() || (stopAfterDocuments.map { progress.documentsDone >= $0 } ?? false)
            if stopNow || Date().timeIntervalSince(lastCheckpoint) >= options.checkpointSeconds {
                try timed(\.store) { try checkpoint() }
                lastCheckpoint = Date()
            }
            if stopNow { stopped = true; return false }
            return true
        }
        if stopped {
            try store.catalog.write { [runID] db in
                try db.execute(sql: "UPDATE runs SET status = 'interrupted' WHERE id = ?", arguments: [runID])
            }
            throw IndexError.interrupted(documentsDone: progress.documentsDone)
        }
        if !batch.isEmpty { try process(&batch) }
        progress.documentsDone += uncounted
        progress.nextDocument = Int.max
        guard sawDocument, progress.tokensDone > 0 else { throw IndexError.emptyCorpus }
        try timed(\.store) { try finish() }
        let seconds = Date().timeIntervalSince(started)
        phases.corpus = max(0, seconds - phases.forward - phases.capture - phases.store)  // reading + tokenizing
        return IndexSummary(documents: progress.documentsDone, tokens: progress.tokensDone,
                            seconds: seconds, resumedFromDocument: resumedFrom, phases: phases)
    }

    /// Runs one full (or final) batch through the model and folds it into the accumulators.
    private func process(_ batch: inout BatchBuilder) throws {
        let rows = batch.rows
        let offered = rows.counted.map { SamplePosition(document: rows.documents[$0], position: rows.positions[$0]) }
        let (entered, left) = sample.admit(offered)
        let enteredRows = entered.map { rows.counted[$0] }
        let last = options.layers.last!
        let start = clock.now
        var captureTime = Duration.zero
        defer {
            phases.capture += captureTime.seconds
            phases.forward += (clock.now - start - captureTime).seconds
        }
        try model.forward(batch.tokenBatch, through: last, captureLayers: options.layers,
                          captureMLPInput: options.storeInputs) { capture in
            let captureStart = clock.now
            defer { captureTime += clock.now - captureStart }
            let enteredTopK = try layers[capture.layer]!.absorb(
                capture.activations, rows: rows, sampleEntered: enteredRows, sampleLeft: left,
                threads: options.threads)
            if options.storeInputs, let inputs = capture.mlpInput {
                let width = inputs.count / rows.count  // [rows, embeddingSize]
                for r in enteredTopK {
                    pendingInputs.append((capture.layer, SamplePosition(document: rows.documents[r], position: rows.positions[r]),
                                          Array(inputs[r * width..<(r + 1) * width])))
                }
            }
        }
        progress.tokensDone += rows.counted.count
        batch.reset()
    }

    // MARK: - Run setup

    private func prepareNewRun() throws {
        let d = model.description
        let existing = try store.catalog.read { try RunRow.fetchCount($0) }
        guard existing == 0 else {
            throw IndexError.storeMismatch("\(store.directory.path) already holds an index run; continue it with --resume or index into a new --store")
        }
        let configJSON = try Self.json(options)
        let model = ModelRow(family: d.family.rawValue, source: options.modelPath, fingerprint: d.fingerprint,
                             layerCount: d.layerCount, embeddingSize: d.embeddingSize, neuronCount: d.neuronCount,
                             vocabularySize: d.vocabularySize, maxContext: d.maxContext,
                             activationDefinition: d.activationDefinition, configJson: try Self.json(d))
        let corpus = CorpusRow(name: Self.corpusName(options.corpusPaths), sourcesJson: try Self.json(options.corpusPaths))
        (corpusID, runID) = try store.catalog.write { db in
            var model = model, corpus = corpus
            try model.insert(db)
            try corpus.insert(db)
            var run = RunRow(modelId: model.id!, corpusId: corpus.id!, configJson: configJSON,
                             toolVersion: NeurodexVersion.current, status: .running)
            try run.insert(db)
            return (corpus.id!, run.id!)
        }
        try store.activations.write { w in
            try w.setMeta(StoreMeta.modelFingerprint, string: d.fingerprint)
            try w.setMeta(StoreMeta.embeddingSize, uint32: UInt32(d.embeddingSize))
        }
        freshAccumulators()
    }

    private func prepareResume() throws {
        guard let run = try store.catalog.read({ try RunRow.order(Column("id").desc).fetchOne($0) }),
              let modelRow = try store.catalog.read({ try ModelRow.fetchOne($0) }) else {
            throw IndexError.storeMismatch("\(store.directory.path) has no run to resume; start one without --resume")
        }
        guard modelRow.fingerprint == model.description.fingerprint else {
            throw StoreError.modelMismatch(expected: model.description.fingerprint, found: modelRow.fingerprint)
        }
        guard run.status != .complete else {
            throw IndexError.storeMismatch("the run in \(store.directory.path) is already complete")
        }
        let recorded = try JSONDecoder().decode(IndexingOptions.self, from: Data(run.configJson.utf8))
        guard recorded.identity == options.identity else {
            throw IndexError.storeMismatch("--resume needs the same corpus and options as the interrupted run (recorded: \(run.configJson))")
        }
        runID = run.id!
        corpusID = run.corpusId
        let (saved, blobs) = try store.activations.read { r -> (Progress?, [Int: [UInt8]]) in
            guard let bytes = try r.state(StateKey.progress) else { return (nil, [:]) }
            let progress = try JSONDecoder().decode(Progress.self, from: Data(bytes))
            var blobs: [Int: [UInt8]] = [:]
            for layer in options.layers { blobs[layer] = try r.state(StateKey.layer(layer)) }
            return (progress, blobs)
        }
        if let saved {
            progress = saved
            sample = PositionSample(size: options.sampleSize, seed: options.seed, positions: saved.samplePositions)
            for layer in options.layers {
                guard let blob = blobs[layer] else { throw IndexError.badCheckpoint("no state for layer \(layer)") }
                layers[layer] = try LayerAccumulator(encoded: blob)
            }
        } else {
            freshAccumulators()
        }
        let next = progress.nextDocument
        try store.catalog.write { [runID] db in
            try db.execute(sql: "DELETE FROM documents WHERE id >= ?", arguments: [next])
            try db.execute(sql: "UPDATE runs SET status = 'running', error = NULL WHERE id = ?", arguments: [runID])
        }
    }

    private func freshAccumulators() {
        let d = model.description
        for layer in options.layers {
            layers[layer] = LayerAccumulator(layer: layer, neurons: d.neuronCount, k: options.topK,
                                             distinctTokens: options.distinctTokens)
        }
    }

    // MARK: - Checkpoints and the end

    /// Saves pending documents and the accumulators. The catalog is written first and the
    /// LMDB state last: the LMDB progress is authoritative, and catalog rows beyond it are
    /// dropped on resume.
    private func checkpoint() throws {
        progress.samplePositions = sample.kept.map(\.position)
        try writeCatalogProgress(status: .running)
        try store.activations.write { w in
            try writePendingTokens(w)
            try writeState(w)
        }
        pending.removeAll()
        pendingInputs.removeAll()
    }

    private func writeCatalogProgress(status: RunStatus, finished: Bool = false) throws {
        let rows = pending.map(\.row)
        let progressJSON = try Self.json(progress)
        try store.catalog.write { [runID, progress] db in
            for var row in rows { try row.upsert(db) }
            try db.execute(sql: """
                UPDATE runs SET documents_done = ?, tokens_done = ?, checkpoint_json = ?, status = ?,
                finished_at = ? WHERE id = ?
                """, arguments: [progress.documentsDone, progress.tokensDone, progressJSON, status.rawValue,
                                 finished ? Date() : nil, runID])
        }
    }

    private func writePendingTokens(_ w: StoreWriter) throws {
        for (row, tokens) in pending { try w.putTokens(document: UInt32(row.id), tokens) }
        for (layer, p, vector) in pendingInputs {
            try w.putInput(layer: layer, document: p.document, position: p.position, vector)
        }
    }

    private func writeState(_ w: StoreWriter) throws {
        try w.setState(StateKey.progress, Array(try Self.json(progress).utf8))
        for (layer, accumulator) in layers { try w.setState(StateKey.layer(layer), accumulator.encoded()) }
    }

    /// Writes records, the token index, embeddings, vocabulary and statistics, then marks the
    /// run complete and drops the checkpoint state.
    private func finish() throws {
        progress.samplePositions = sample.kept.map(\.position)
        let samplePositions = progress.samplePositions.sorted { ($0.document, $0.position) < ($1.document, $1.position) }
        let spec = LayerStatisticsSpec(bins: HistogramBins(), sampleSeed: options.seed, samplePositions: samplePositions)
        let specJSON = try Self.json(spec)
        // 1. LMDB: records and everything derived from them, plus a final checkpoint so that a
        //    crash before step 2 finishes on resume.
        try store.activations.write { w in
            try writePendingTokens(w)
            var usedTokens = Set<UInt32>()
            var hits: [(token: UInt32, hit: TokenHit)] = []
            for layer in options.layers {
                let acc = layers[layer]!
                for neuron in 0..<acc.neurons {
                    let records = acc.topK.records(neuron: neuron)
                    try w.putRecords(layer: layer, neuron: neuron, NeuronRecords(
                        flags: options.distinctTokens ? .distinctTokens : [], records: records))
                    for r in records {
                        usedTokens.insert(r.token)
                        hits.append((r.token, TokenHit(layer: layer, neuron: neuron, activation: r.activation)))
                    }
                }
                if options.storeInputs { try dropUnreferencedInputs(layer: layer, w) }
            }
            try w.replaceTokenIndex(hits)
            for token in usedTokens.sorted() { try w.putEmbedding(token: token, model.tokenEmbedding(token)) }
            for id in 0..<UInt32(tokenizer.vocabularySize) { try w.putTokenBytes(id, tokenizer.tokenBytes(id)) }
            try writeState(w)
        }
        // 2. Catalog: layers, statistics, run complete.
        let layerRows = options.layers.map { layer in
            LayerRow(layer: layer, runId: runID, neuronCount: layers[layer]!.neurons, topK: options.topK,
                     distinctTokens: options.distinctTokens, statisticsJson: specJSON)
        }
        let statRows = options.layers.flatMap { layer in
            let acc = layers[layer]!
            return (0..<acc.neurons).map { acc.statistics(neuron: $0, samplePositions: samplePositions) }
        }
        try store.catalog.write { db in
            for var row in layerRows { try row.insert(db, onConflict: .replace) }
            try NeuronStatsRow.insertAll(statRows, into: db)
        }
        try writeCatalogProgress(status: .complete, finished: true)
        pending.removeAll()
        pendingInputs.removeAll()
        // 3. The checkpoint is no longer needed.
        try store.activations.write { w in
            try w.removeState(StateKey.progress)
            for layer in options.layers { try w.removeState(StateKey.layer(layer)) }
        }
    }

    /// Inputs were stored for every position that entered a top-K at some point; keep those of
    /// the final records only.
    private func dropUnreferencedInputs(layer: Int, _ w: StoreWriter) throws {
        var referenced = Set<SamplePosition>()
        let acc = layers[layer]!
        for neuron in 0..<acc.neurons {
            for r in acc.topK.records(neuron: neuron) {
                referenced.insert(SamplePosition(document: r.document, position: r.position))
            }
        }
        for p in try w.reader.inputPositions(layer: layer) where !referenced.contains(p) {
            try w.deleteInput(layer: layer, document: p.document, position: p.position)
        }
    }

    private func markFailed(_ message: String) throws {
        try store.catalog.write { [runID] db in
            try db.execute(sql: "UPDATE runs SET status = 'failed', error = ? WHERE id = ?", arguments: [message, runID])
        }
    }

    // MARK: - Helpers

    private func timed<T>(_ phase: WritableKeyPath<PhaseTimes, Double>, _ body: () throws -> T) rethrows -> T {
        let start = clock.now
        defer { phases[keyPath: phase] += (clock.now - start).seconds }
        return try body()
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func corpusName(_ paths: [String]) -> String {
        paths.map { $0 == "-" ? "stdin" : URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: "+")
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
