import Canonical
import Foundation
import GRDB

/// How far a run has come: what `runs` records at a checkpoint and at the end.
public struct RunProgress: Sendable, Equatable {
    public var documentsDone: Int
    /// Counted positions (or tokens) processed.
    public var tokensDone: Int
    /// The writer's own description of where it stands (JSON), or nil.
    public var checkpointJSON: String?

    public init(documentsDone: Int, tokensDone: Int, checkpointJSON: String? = nil) {
        self.documentsDone = documentsDone
        self.tokensDone = tokensDone
        self.checkpointJSON = checkpointJSON
    }
}

/// The one writer of a store's run: the indexer, the shard merge, the NeuronRecord importer,
/// the tests and the benchmarks all build stores with it.
///
/// It creates (or resumes) the model, corpus and run rows, collects documents, vocabulary,
/// layers, neurons' records and statistics, stored inputs and analyses, and writes them in
/// batches: one LMDB transaction and then one catalog transaction per batch. The run goes
/// through `RunStatus`: `running` from `init`, then `interrupted` (`markInterrupted`),
/// `failed` (`markFailed`) or `complete` (`finish`).
///
/// Order of calls: `init`, any number of `add…`/`setLayer`/`checkpoint` (a layer before its
/// neurons), then `finish`.
public final class StoreBuilder {
    public let store: NeurodexStore
    public private(set) var model: ModelRow
    public let corpusID: Int64
    public let runID: Int64
    /// The default `batchBytes`.
    public static let defaultBatchBytes = 64 << 20
    /// Pending bytes after which a batch is written (`Int.max`: only at `checkpoint` and `finish`).
    public var batchBytes = defaultBatchBytes
    /// Whether `finish` writes the reverse token index (`by_token`, for token search) of every
    /// added record; off only for stores that are never searched, such as lookup benchmarks.
    public var indexesTokens = true

    private var nextDocument: UInt32 = 0
    private var tokensAdded = 0
    private var documentsAdded = 0
    private var declaredLayers = Set<Int>()
    private var pendingLayers: [Int: LayerRow] = [:]
    private var pendingDocuments: [(row: DocumentRow, tokens: [UInt32])] = []
    private var pendingVocabulary: [(id: UInt32, bytes: [UInt8])] = []
    private var pendingInputs: [(layer: Int, position: SamplePosition, vector: [Float])] = []
    private var pendingNeurons: [PendingNeuron] = []
    private var pendingAnalyses: [AnalysisRow] = []
    private var pendingBandSample: [SamplePosition]?
    private var pendingSize = 0
    /// Set once this run has written layers or records (or begun `finish`): from then on a
    /// failed appended run cannot be undone.
    private var wroteRecords = false
    /// Every added record not in a token index part.
    private var tokenIndex: [TokenIndexEntry] = []
    /// The token index parts of this run (`writeTokenIndexPart`, or an earlier process's of a
    /// resumed run), which `finish` merges into the token index.
    public var tokenIndexParts: [URL] = []
    /// Every token of an added record, for the embeddings.
    private var recordTokens = Set<UInt32>()

    private struct PendingNeuron {
        var layer: Int
        var neuron: Int
        var records: NeuronRecords
        var statistics: NeuronStatsRow?
        var windows: [WindowedRecord]
        var negative: [WindowedRecord]
        var logitLens: NeuronLogitLens?
        var bands: NeuronBands?
    }

    // MARK: - Starting a run

    /// Starts a run in `store` (which holds none yet): inserts `model`, `corpus` and a run in
    /// state `running`, and records the model's fingerprint (and embedding size, when it has
    /// one) in the activation store.
    public init(store: NeurodexStore, model: ModelRow, corpus: CorpusRow, runConfigJSON: String) throws {
        self.store = store
        // The meta first: a process killed between the two writes leaves no run, and the next
        // start (or `--resume`, which starts a run that recorded nothing) writes both again.
        try store.activations.write { w in
            try w.setMeta(StoreMeta.modelFingerprint, string: model.fingerprint)
            if model.embeddingSize > 0 { try w.setMeta(StoreMeta.embeddingSize, uint32: UInt32(model.embeddingSize)) }
        }
        let ids = try store.catalog.write { db -> (ModelRow, Int64, Int64) in
            var model = model, corpus = corpus
            model.id = nil
            corpus.id = nil
            try model.insert(db)
            try corpus.insert(db)
            guard let modelID = model.id, let corpusID = corpus.id else { throw Self.noRowID(store) }
            var run = RunRow(modelId: modelID, corpusId: corpusID, configJson: runConfigJSON,
                             toolVersion: NeurodexVersion.current, status: .running)
            try run.insert(db)
            guard let runID = run.id else { throw Self.noRowID(store) }
            return (model, corpusID, runID)
        }
        (self.model, corpusID, runID) = ids
    }

    /// Creates a store in `directory` (which must not exist or be empty) and starts a run in it
    /// holding `model` and a corpus named `corpusName` of `corpusSources`.
    public convenience init(directory: URL, model: ModelRow, corpusName: String, corpusSources: [String],
                            runConfigJSON: String, lmdbOptions: LMDBEnvironment.Options = .init()) throws {
        let store = try NeurodexStore(directory: directory, mode: .create, lmdbOptions: lmdbOptions)
        let corpus = CorpusRow(name: corpusName, sourcesJson: try CanonicalJSON.string(corpusSources))
        try self.init(store: store, model: model, corpus: corpus, runConfigJSON: runConfigJSON)
    }

    /// Starts a run appended to the complete runs of `store`: inserts `corpus` and a run in state
    /// `running` for the store's model. Its documents continue the ids of the earlier runs', and
    /// `finish` replaces the layers, neurons, token index and embeddings with the ones over all runs.
    public init(appendingTo store: NeurodexStore, corpus: CorpusRow, runConfigJSON: String) throws {
        guard let model = try store.catalog.model(), let modelID = model.id else {
            throw StoreError.corrupted(path: store.directory.path, detail: "the catalog has no model to append a run for")
        }
        self.store = store
        self.model = model
        (corpusID, runID) = try store.catalog.write { db -> (Int64, Int64) in
            var corpus = corpus
            corpus.id = nil
            try corpus.insert(db)
            guard let corpusID = corpus.id else { throw Self.noRowID(store) }
            var run = RunRow(modelId: modelID, corpusId: corpusID, configJson: runConfigJSON,
                             toolVersion: NeurodexVersion.current, status: .running)
            try run.insert(db)
            guard let runID = run.id else { throw Self.noRowID(store) }
            return (corpusID, runID)
        }
    }

    /// A builder for `run` of `store` (built from `model`), which `restart` continues.
    public init(resuming run: RunRow, of model: ModelRow, in store: NeurodexStore) throws {
        guard let runID = run.id else { throw Self.noRowID(store) }
        self.store = store
        self.model = model
        self.runID = runID
        corpusID = run.corpusId
    }

    /// Sets a resumed run `running` again and drops its documents from `firstDocumentToRedo`
    /// on (they are written again).
    public func restart(firstDocumentToRedo: Int) throws {
        try store.catalog.write { [runID] db in
            try DocumentRow.filter(Column("id") >= firstDocumentToRedo).deleteAll(db)
            try RunRow.filter(key: runID).updateAll(db, [Column("status").set(to: RunStatus.running),
                                                          Column("error").set(to: nil)])
        }
    }

    // MARK: - Parts

    /// Stores the bytes of token `id`.
    public func addVocabulary(_ id: UInt32, bytes: [UInt8]) throws {
        pendingVocabulary.append((id, bytes))
        try grow(by: bytes.count + 8)
    }

    /// Adds a document with its tokens; returns its id (0, 1, 2, … in call order).
    @discardableResult
    public func addDocument(tokens: [UInt32], sourcePath: String, byteOffset: Int = 0, byteLength: Int = 0,
                            sha256: String = "", metadataJSON: String? = nil) throws -> UInt32 {
        let id = nextDocument
        try addDocument(DocumentRow(id: Int64(id), corpusId: corpusID, sourcePath: sourcePath, byteOffset: byteOffset,
                                    byteLength: byteLength, sha256: sha256, tokenCount: tokens.count,
                                    metadataJson: metadataJSON), tokens: tokens)
        return id
    }

    /// Adds a document whose row (and id) the caller made; its corpus becomes this run's.
    public func addDocument(_ row: DocumentRow, tokens: [UInt32]) throws {
        var row = row
        row.corpusId = corpusID
        nextDocument = max(nextDocument, UInt32(row.id) + 1)
        tokensAdded += tokens.count
        documentsAdded += 1
        pendingDocuments.append((row, tokens))
        try grow(by: tokens.count * 4 + row.sourcePath.utf8.count + 64)
    }

    /// Stores the MLP input of `layer` at a position.
    public func addInput(layer: Int, position: SamplePosition, _ vector: [Float]) throws {
        pendingInputs.append((layer, position, vector))
        try grow(by: vector.count * 2 + 16)
    }

    /// Declares (or redeclares) an indexed layer; written with the next batch.
    public func setLayer(_ layer: Int, neuronCount: Int, topK: Int, distinctTokens: Bool = false,
                         statistics: LayerStatisticsSpec) throws {
        pendingLayers[layer] = LayerRow(layer: layer, runId: runID, neuronCount: neuronCount, topK: topK,
                                        distinctTokens: distinctTokens,
                                        statisticsJson: try CanonicalJSON.string(statistics))
        declaredLayers.insert(layer)
    }

    /// Adds a neuron's records (sorted here into store order) and its statistics row, with the
    /// windows of its first records (`windows`, sorted into store order) and its most negative
    /// records with their windows (`negative`, sorted lowest first), its logit lens and its band
    /// examples; empty lists are not stored.
    public func addNeuron(layer: Int, neuron: Int, records: [CoreRecord], flags: NeuronRecords.Flags = [],
                          statistics: NeuronStatsRow? = nil, windows: [WindowedRecord] = [],
                          negative: [WindowedRecord] = [], logitLens: NeuronLogitLens? = nil,
                          bands: NeuronBands? = nil) throws {
        guard declaredLayers.contains(layer) else { throw StoreError.layerNotDeclared(layer) }
        let sorted = records.sorted(by: CoreRecord.ranksBefore)
        for r in sorted {
            recordTokens.insert(r.token)
            if indexesTokens { tokenIndex.append(TokenIndexEntry(token: r.token, layer: layer, neuron: neuron, activation: r.activation)) }
        }
        pendingNeurons.append(PendingNeuron(layer: layer, neuron: neuron,
                                            records: NeuronRecords(flags: flags, records: sorted),
                                            statistics: statistics,
                                            windows: windows.sorted { CoreRecord.ranksBefore($0.record, $1.record) },
                                            negative: negative.sorted { CoreRecord.ranksLowestFirst($0.record, $1.record) },
                                            logitLens: logitLens, bands: bands))
        let examples = (bands?.bands.flatMap(\.examples) ?? []) + (bands?.randomSample ?? [])
        let windowBytes = (windows + negative + examples).reduce(0) { $0 + 24 + 4 * $1.activations.count }
        try grow(by: records.count * 30 + windowBytes
                 + (statistics.map { $0.histogram.count + $0.sample.count + 80 } ?? 0))
    }

    /// Records the band sample's positions, which a later append or merge continues.
    public func setBandSample(_ positions: [SamplePosition]) throws {
        pendingBandSample = positions
        try grow(by: 8 * positions.count)
    }

    /// Adds a row to the catalog's `analyses` table, for this run.
    public func addAnalysis(_ row: AnalysisRow) throws {
        var row = row
        row.runId = runID
        pendingAnalyses.append(row)
        try grow(by: row.resultJson.utf8.count + row.parametersJson.utf8.count + 64)
    }

    // MARK: - Writing

    /// Writes what is pending.
    public func flush() throws {
        try store.activations.write { w in try writePendingActivations(w) }
        try store.catalog.write { db in try writePendingCatalog(db) }
        clearPending()
    }

    /// A checkpoint of a resumable run: writes what is pending and `progress` to the catalog
    /// first, then the pending activation data and `state` (name → its bytes) to the `state`
    /// database. The `state` values are authoritative: catalog rows beyond them are dropped
    /// on resume. Each value is encoded when it is written and dropped before the next, so
    /// only one is in memory at a time (a GPT-2 XL run's accumulators encode to gigabytes).
    /// The `removing` values are removed in the same transaction.
    public func checkpoint(_ progress: RunProgress, state: [(name: String, encode: () throws -> [UInt8])],
                           removing: [String] = []) throws {
        try store.catalog.write { db in
            try writePendingCatalog(db)
            try Self.record(progress, status: .running, finished: false, runID: runID, db)
        }
        try store.activations.write { w in
            try writePendingActivations(w)
            for (name, encode) in state { try w.setState(name, try encode()) }
            for name in removing { try w.removeState(name) }
        }
        clearPending()
    }

    /// Writes the token index of the records added so far (whose layers are complete) to a
    /// sorted part file at `url` and drops it from memory; `finish` merges every part into the
    /// store's token index and removes the files. For a first run that adds its layers in
    /// groups (an index run in layer passes): the token index of all its records would
    /// otherwise be held to the end (0.49 GB for GPT-2 XL).
    public func writeTokenIndexPart(to url: URL) throws {
        if indexesTokens { try TokenIndexPart.write(&tokenIndex, to: url) }
        tokenIndex = []
        if !tokenIndexParts.contains(url) { tokenIndexParts.append(url) }
    }

    /// Counts the records `layers` already have in the store as added by this builder, for the
    /// embeddings `finish` writes (their token index is in `tokenIndexParts`): a resumed run
    /// whose earlier layer passes wrote those layers.
    public func includeStoredLayers(_ layers: [Int]) throws {
        let rows = try store.catalog.layers().filter { layers.contains($0.layer) }
        try store.activations.read { r in
            for row in rows {
                declaredLayers.insert(row.layer)
                for neuron in 0..<row.neuronCount {
                    for record in try r.records(layer: row.layer, neuron: neuron)?.records ?? [] {
                        recordTokens.insert(record.token)
                    }
                }
            }
        }
    }

    /// Writes what is pending, the token index, the embeddings of every record token that
    /// `embedding` gives one for (replacing those stored), stores `model` when given (same id),
    /// and marks the run complete with `progress` (by default the documents and tokens added).
    /// With `keepingOnlyRecordInputs`, stored inputs at positions that are no longer records are
    /// dropped. The `removingState` values (the last checkpoint's) are removed once the run is
    /// marked complete: a crash before that resumes from the last checkpoint, which redoes the
    /// documents after it and writes the same store, so the final state itself is never written
    /// (it is O(neurons) — hundreds of MB with windows — where the records are what count).
    /// `keptState` is written with the records and kept (what a later appended run continues from).
    public func finish(model updated: ModelRow? = nil, progress: RunProgress? = nil,
                       embedding: ((UInt32) throws -> [Float]?)? = nil, keepingOnlyRecordInputs: Bool = false,
                       removingState: [String] = [],
                       keptState: [(name: String, bytes: [UInt8])] = []) throws {
        let layers = declaredLayers.sorted()
        wroteRecords = true
        // The parts and what is in memory, merged, in transactions of a chunk each.
        let inParts = indexesTokens && !tokenIndexParts.isEmpty
        if inParts {
            try store.activations.write { try $0.clearTokenIndex() }
            var last: TokenIndexEntry?
            try TokenIndexPart.merge(tokenIndexParts, with: &tokenIndex) { chunk in
                try store.activations.write { w in try w.appendToTokenIndex(chunk, after: &last) }
            }
            tokenIndex = []
            store.activations.environment.releaseMappedPages()
        }
        try store.activations.write { w in
            try writePendingActivations(w)
            if keepingOnlyRecordInputs { try dropInputsOutsideRecords(layers: layers, w) }
            if indexesTokens && !inParts { try w.replaceTokenIndex(&tokenIndex) }
            if let embedding {
                try w.removeAllEmbeddings()
                for token in recordTokens.sorted() {
                    if let vector = try embedding(token) { try w.putEmbedding(token: token, vector) }
                }
            }
            for (name, bytes) in keptState { try w.setState(name, bytes) }
        }
        if var updated {
            updated.id = model.id
            model = updated
        }
        let progress = progress ?? RunProgress(documentsDone: documentsAdded, tokensDone: tokensAdded)
        try store.catalog.write { [model, updated] db in
            try writePendingCatalog(db)
            if updated != nil { try model.update(db) }
            try Self.record(progress, status: .complete, finished: true, runID: runID, db)
        }
        clearPending()
        tokenIndex = []
        recordTokens = []
        try store.activations.write { w in
            for name in removingState { try w.removeState(name) }
        }
        try store.activations.environment.sync()
        for url in tokenIndexParts { try? FileManager.default.removeItem(at: url) }
        tokenIndexParts = []
    }

    /// Undoes a run appended to a store's complete runs (`init(appendingTo:…)`, or one resumed)
    /// that failed: removes its documents from `firstDocument` on with their tokens and stored
    /// inputs, the `removingState` values its checkpoints wrote, its run and its corpus, so that
    /// the store is again what its complete runs made and the same append can be run again.
    /// Returns false, changing nothing, once the run has written layers or records: then only
    /// `markFailed` is left (and `--resume`, which writes them all again).
    public func discardAppendedRun(firstDocument: Int, removingState: [String]) throws -> Bool {
        guard !wroteRecords else { return false }
        let layers = try store.catalog.layers().map(\.layer)
        try store.activations.write { w in
            var document = firstDocument  // an appended run's documents are numbered on from the first
            while try w.deleteTokens(document: UInt32(document)) { document += 1 }
            for layer in layers {
                for p in try w.reader.inputPositions(layer: layer) where p.document >= firstDocument {
                    try w.deleteInput(layer: layer, document: p.document, position: p.position)
                }
            }
            for name in removingState { try w.removeState(name) }
        }
        try store.catalog.write { [runID, corpusID] db in
            try DocumentRow.filter(Column("id") >= firstDocument).deleteAll(db)
            try RunRow.deleteOne(db, key: runID)
            try CorpusRow.deleteOne(db, key: corpusID)
        }
        clearPending()
        return true
    }

    /// Marks the run interrupted (resumable).
    public func markInterrupted() throws {
        try store.catalog.write { [runID] db in
            try RunRow.filter(key: runID).updateAll(db, [Column("status").set(to: RunStatus.interrupted)])
        }
    }

    /// Marks the run failed with `message`.
    public func markFailed(_ message: String) throws {
        try store.catalog.write { [runID] db in
            try RunRow.filter(key: runID).updateAll(db, [Column("status").set(to: RunStatus.failed),
                                                          Column("error").set(to: message)])
        }
    }

    // MARK: - Private

    private func writePendingActivations(_ w: StoreWriter) throws {
        if !pendingNeurons.isEmpty || !pendingLayers.isEmpty { wroteRecords = true }
        for (id, bytes) in pendingVocabulary { try w.putTokenBytes(id, bytes) }
        for (row, tokens) in pendingDocuments { try w.putTokens(document: UInt32(row.id), tokens) }
        for (layer, p, vector) in pendingInputs {
            try w.putInput(layer: layer, document: p.document, position: p.position, vector)
        }
        for n in pendingNeurons {
            try w.putRecords(layer: n.layer, neuron: n.neuron, n.records)
            if !n.windows.isEmpty { try w.putWindows(layer: n.layer, neuron: n.neuron, n.windows) }
            if !n.negative.isEmpty { try w.putNegative(layer: n.layer, neuron: n.neuron, n.negative) }
            if let lens = n.logitLens { try w.putLogitLens(layer: n.layer, neuron: n.neuron, lens) }
            if let bands = n.bands { try w.putBands(layer: n.layer, neuron: n.neuron, bands) }
        }
        if let positions = pendingBandSample {
            try w.setMeta(StoreMeta.bandSample, bytes: BandSamplePositions.encoded(positions))
        }
    }

    private func writePendingCatalog(_ db: Database) throws {
        for (_, row) in pendingLayers.sorted(by: { $0.key < $1.key }) {
            var row = row
            try row.upsert(db)
        }
        for var document in pendingDocuments.map(\.row) { try document.upsert(db) }
        try NeuronStatsRow.insertAll(pendingNeurons.compactMap(\.statistics), into: db)
        for var row in pendingAnalyses { try row.insert(db) }
    }

    private func clearPending() {
        pendingLayers.removeAll()
        pendingDocuments.removeAll(keepingCapacity: true)
        pendingVocabulary.removeAll(keepingCapacity: true)
        pendingInputs.removeAll(keepingCapacity: true)
        pendingNeurons.removeAll(keepingCapacity: true)
        pendingAnalyses.removeAll(keepingCapacity: true)
        pendingBandSample = nil
        pendingSize = 0
    }

    /// Drops the stored inputs of `layers` at positions that no record of the layer has.
    private func dropInputsOutsideRecords(layers: [Int], _ w: StoreWriter) throws {
        for layer in layers {
            var referenced = Set<SamplePosition>()
            try w.reader.forEachNeuron(layer: layer) { _, _, stored in
                for r in stored.records { referenced.insert(SamplePosition(document: r.document, position: r.position)) }
                return true
            }
            for p in try w.reader.inputPositions(layer: layer) where !referenced.contains(p) {
                try w.deleteInput(layer: layer, document: p.document, position: p.position)
            }
        }
    }

    private func grow(by bytes: Int) throws {
        pendingSize += bytes
        if pendingSize >= batchBytes { try flush() }
    }

    private static func record(_ progress: RunProgress, status: RunStatus, finished: Bool, runID: Int64,
                               _ db: Database) throws {
        try RunRow.filter(key: runID).updateAll(db, [
            Column("documents_done").set(to: progress.documentsDone),
            Column("tokens_done").set(to: progress.tokensDone),
            Column("checkpoint_json").set(to: progress.checkpointJSON),
            Column("status").set(to: status),
            Column("finished_at").set(to: finished ? Date() : nil),
        ])
    }

    private static func noRowID(_ store: NeurodexStore) -> StoreError {
        .corrupted(path: store.directory.path, detail: "the catalog gave no row id")
    }
}
