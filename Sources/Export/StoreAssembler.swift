import Foundation
import GRDB
import Query
import Store

/// Builds a new store from parts: documents, vocabulary, layers, and each neuron's records and
/// statistics. The NeuronRecord importer builds stores with it; so do the tests and the store
/// benchmark. Writes are batched: one LMDB transaction and one catalog transaction per batch.
///
/// Order of calls: `init` (creates the store and its model, corpus and running run), any
/// number of `addVocabulary`/`addDocument`/`setLayer`/`addNeuron`/`addAnalysis` (a layer
/// before its neurons), then `finish` (marks the run complete).
public final class StoreAssembler {
    public let store: NeurodexStore
    public private(set) var model: ModelRow
    public let corpusID: Int64
    public let runID: Int64
    /// Pending bytes after which a batch is written.
    public var batchBytes = 64 << 20
    /// Whether `addNeuron` fills the reverse token index (`by_token`, for token search);
    /// off only for stores that are never searched, such as lookup benchmarks.
    public var indexesTokens = true

    private var nextDocument: UInt32 = 0
    private var tokensAdded = 0
    private var layersSet = Set<Int>()
    private var pendingDocuments: [(row: DocumentRow, tokens: [UInt32])] = []
    private var pendingVocabulary: [(id: UInt32, bytes: [UInt8])] = []
    private var pendingNeurons: [PendingNeuron] = []
    private var pendingAnalyses: [AnalysisRow] = []
    private var pendingSize = 0

    private struct PendingNeuron {
        var layer: Int
        var neuron: Int
        var records: NeuronRecords
        var statistics: NeuronStatsRow?
    }

    /// Creates a store in `directory` (which must not exist or be empty) holding `model`, one
    /// corpus and one run in state `running`.
    public init(directory: URL, model: ModelRow, corpusName: String, corpusSources: [String],
                runConfigJSON: String, lmdbOptions: LMDBEnvironment.Options = .init()) throws {
        store = try NeurodexStore(directory: directory, mode: .create, lmdbOptions: lmdbOptions)
        let sources = String(decoding: try JSONEncoder().encode(corpusSources), as: UTF8.self)
        let (model, corpusID, runID) = try store.catalog.write { db -> (ModelRow, Int64, Int64) in
            var model = model
            try model.insert(db)
            var corpus = CorpusRow(name: corpusName, sourcesJson: sources)
            try corpus.insert(db)
            guard let modelID = model.id, let corpusID = corpus.id else {
                throw ExportError.cannotWrite(path: directory.path, reason: "the catalog gave no row id")
            }
            var run = RunRow(modelId: modelID, corpusId: corpusID, configJson: runConfigJSON,
                             toolVersion: NeurodexVersion.current, status: .running)
            try run.insert(db)
            guard let runID = run.id else {
                throw ExportError.cannotWrite(path: directory.path, reason: "the catalog gave no row id")
            }
            return (model, corpusID, runID)
        }
        self.model = model
        self.corpusID = corpusID
        self.runID = runID
        try store.activations.write { w in try w.setMeta(StoreMeta.modelFingerprint, string: model.fingerprint) }
    }

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
        nextDocument += 1
        tokensAdded += tokens.count
        let row = DocumentRow(id: Int64(id), corpusId: corpusID, sourcePath: sourcePath, byteOffset: byteOffset,
                              byteLength: byteLength, sha256: sha256, tokenCount: tokens.count,
                              metadataJson: metadataJSON)
        pendingDocuments.append((row, tokens))
        try grow(by: tokens.count * 4 + sourcePath.utf8.count + 64)
        return id
    }

    /// Declares (or redeclares) an indexed layer. Written at once.
    public func setLayer(_ layer: Int, neuronCount: Int, topK: Int, distinctTokens: Bool = false,
                         statistics: LayerStatisticsSpec) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(statistics), as: UTF8.self)
        let row = LayerRow(layer: layer, runId: runID, neuronCount: neuronCount, topK: topK,
                           distinctTokens: distinctTokens, statisticsJson: json)
        try store.catalog.write { db in
            var row = row
            try row.upsert(db)
        }
        layersSet.insert(layer)
    }

    /// Adds a neuron's records (sorted here into store order) and its statistics row. The
    /// reverse token index gets each record token's best activation.
    public func addNeuron(layer: Int, neuron: Int, records: [CoreRecord], flags: NeuronRecords.Flags = [],
                          statistics: NeuronStatsRow? = nil) throws {
        guard layersSet.contains(layer) else {
            throw ExportError.layerNotDeclared(layer)
        }
        let sorted = records.sorted(by: CoreRecord.ranksBefore)
        pendingNeurons.append(PendingNeuron(layer: layer, neuron: neuron,
                                            records: NeuronRecords(flags: flags, records: sorted),
                                            statistics: statistics))
        try grow(by: records.count * 30 + (statistics.map { $0.histogram.count + $0.sample.count + 80 } ?? 0))
    }

    /// Adds a row to the catalog's `analyses` table, for this assembler's run.
    public func addAnalysis(_ row: AnalysisRow) throws {
        var row = row
        row.runId = runID
        pendingAnalyses.append(row)
        try grow(by: row.resultJson.utf8.count + row.parametersJson.utf8.count + 64)
    }

    /// Writes what is pending.
    public func flush() throws {
        let documents = pendingDocuments, vocabulary = pendingVocabulary, neurons = pendingNeurons
        let analyses = pendingAnalyses, indexesTokens = indexesTokens
        try store.activations.write { w in
            for (id, bytes) in vocabulary { try w.putTokenBytes(id, bytes) }
            for (row, tokens) in documents { try w.putTokens(document: UInt32(row.id), tokens) }
            for n in neurons {
                try w.putRecords(layer: n.layer, neuron: n.neuron, n.records)
                guard indexesTokens else { continue }
                var best: [UInt32: Float] = [:]
                for r in n.records.records where r.activation > best[r.token] ?? -.infinity {
                    best[r.token] = r.activation
                }
                for (token, activation) in best {
                    try w.putTokenHit(token: token, TokenHit(layer: n.layer, neuron: n.neuron, activation: activation))
                }
            }
        }
        let rows = documents.map(\.row)
        let stats = neurons.compactMap(\.statistics)
        try store.catalog.write { db in
            for var row in rows { try row.insert(db) }
            for var row in stats { try row.insert(db, onConflict: .replace) }  // upsert needs a rowid; neuron_stats has none
            for var row in analyses { try row.insert(db) }
        }
        pendingDocuments.removeAll(keepingCapacity: true)
        pendingVocabulary.removeAll(keepingCapacity: true)
        pendingNeurons.removeAll(keepingCapacity: true)
        pendingAnalyses.removeAll(keepingCapacity: true)
        pendingSize = 0
    }

    /// Writes what is pending, stores `model` when given (same id), and marks the run complete.
    public func finish(model updated: ModelRow? = nil) throws {
        try flush()
        let documents = Int(nextDocument), tokens = tokensAdded, runID = runID
        if var updated {
            updated.id = model.id
            let row = updated
            try store.catalog.write { db in try row.update(db) }
            model = updated
        }
        try store.catalog.write { db in
            try db.execute(sql: """
                UPDATE runs SET status = 'complete', finished_at = ?, documents_done = ?, tokens_done = ?
                WHERE id = ?
                """, arguments: [Date(), documents, tokens, runID])
        }
        try store.activations.environment.sync()
    }

    private func grow(by bytes: Int) throws {
        pendingSize += bytes
        if pendingSize >= batchBytes { try flush() }
    }
}
