import Foundation
import GRDB

/// What a store's index is: its model, its indexed layers and its newest run.
public struct IndexDescription: Sendable {
    public var model: ModelRow?
    /// By layer.
    public var layers: [LayerRow]
    public var latestRun: RunRow?
}

/// Typed reads and writes of the catalog, so that no other module needs SQL.
extension Catalog {
    // MARK: - Runs, model, corpus

    /// The model, layers and newest run, read in one snapshot (an index being finished is seen
    /// either without its layers or complete).
    public func indexDescription() throws -> IndexDescription {
        try read { db in
            IndexDescription(model: try ModelRow.order(Column("id")).fetchOne(db),
                             layers: try LayerRow.order(Column("layer")).fetchAll(db),
                             latestRun: try RunRow.order(Column("id").desc).fetchOne(db))
        }
    }

    /// How many runs the catalog records.
    public func runCount() throws -> Int {
        try read { try RunRow.fetchCount($0) }
    }

    /// Every run, oldest first.
    public func runs() throws -> [RunRow] {
        try read { try RunRow.order(Column("id")).fetchAll($0) }
    }

    /// The newest run, or nil when there is none.
    public func latestRun() throws -> RunRow? {
        try read { try RunRow.order(Column("id").desc).fetchOne($0) }
    }

    /// The model the store was built from (the first one), or nil.
    public func model() throws -> ModelRow? {
        try read { try ModelRow.order(Column("id")).fetchOne($0) }
    }

    /// The store's corpus (the first one), or nil.
    public func corpus() throws -> CorpusRow? {
        try read { try CorpusRow.order(Column("id")).fetchOne($0) }
    }

    // MARK: - Documents and layers

    /// Every document, by id.
    public func documents() throws -> [DocumentRow] {
        try read { try DocumentRow.order(Column("id")).fetchAll($0) }
    }

    /// One past the highest document id (0 when there are no documents).
    public func nextDocumentID() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT MAX(id) + 1 FROM documents") ?? 0 }
    }

    /// Every indexed layer, by layer.
    public func layers() throws -> [LayerRow] {
        try read { try LayerRow.order(Column("layer")).fetchAll($0) }
    }

    // MARK: - Neuron statistics

    /// The statistics row of one neuron, or nil; without `blobs`, its histogram and sample are
    /// left empty (not read). The server reads one for every neuron document, so this is one
    /// cached statement outside a transaction (a single SELECT reads one snapshot on its own)
    /// with the columns taken by position rather than decoded by name.
    public func neuronStatistics(layer: Int, neuron: Int, blobs: Bool = true) throws -> NeuronStatsRow? {
        try pool.unsafeRead { db in
            let statement = try db.cachedStatement(sql: """
                SELECT count, mean, variance, skewness, kurtosis, min, max, fraction_positive\(blobs ? ", histogram, sample" : "")
                FROM neuron_stats WHERE layer = ? AND neuron = ?
                """)
            return try Row.fetchOne(statement, arguments: [layer, neuron]).map { row in
                NeuronStatsRow(layer: layer, neuron: neuron, count: try row.decode(atIndex: 0), mean: try row.decode(atIndex: 1),
                               variance: try row.decode(atIndex: 2), skewness: try row.decode(atIndex: 3),
                               kurtosis: try row.decode(atIndex: 4), min: try row.decode(atIndex: 5), max: try row.decode(atIndex: 6),
                               fractionPositive: try row.decode(atIndex: 7), histogram: blobs ? try row.decode(atIndex: 8) : Data(),
                               sample: blobs ? try row.decode(atIndex: 9) : Data())
            }
        }
    }

    /// The statistics rows of `layer`, by neuron.
    public func neuronStatistics(layer: Int) throws -> [NeuronStatsRow] {
        try read { db in
            try NeuronStatsRow.fetchAll(db, sql: "SELECT * FROM neuron_stats WHERE layer = ? ORDER BY neuron",
                                        arguments: [layer])
        }
    }

    /// Every statistics row, by (layer, neuron).
    public func neuronStatistics() throws -> [NeuronStatsRow] {
        try read { try NeuronStatsRow.order(Column("layer"), Column("neuron")).fetchAll($0) }
    }

    /// The mean and fraction positive of every statistics row of `layer` (without the blobs).
    public func meansAndFractionsPositive(layer: Int) throws -> [(mean: Double, fractionPositive: Double)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT mean, fraction_positive FROM neuron_stats WHERE layer = ?",
                             arguments: [layer]).map { ($0[0] as Double, $0[1] as Double) }
        }
    }

    // MARK: - Analyses

    /// The cached analyses of (run, layer, method, parameters hash, seed): of `neuron`, or of
    /// every neuron (neuron ≥ 0) when nil.
    public func analyses(runID: Int64, layer: Int, neuron: Int? = nil, method: String, parametersHash: String,
                         seed: Int64) throws -> [AnalysisRow] {
        try read { db in
            let neuronFilter = neuron.map { Column("neuron") == $0 } ?? (Column("neuron") >= 0)
            return try AnalysisRow.filter(Column("run_id") == runID && Column("layer") == layer && neuronFilter
                                          && Column("method") == method
                                          && Column("parameters_hash") == parametersHash && Column("seed") == seed)
                .fetchAll(db)
        }
    }

    /// Every analysis row, in insertion order.
    public func analyses() throws -> [AnalysisRow] {
        try read { try AnalysisRow.order(Column("id")).fetchAll($0) }
    }

    /// Whether any analysis row has `method`.
    public func hasAnalyses(method: String) throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM analyses WHERE method = ?)",
                              arguments: [method]) ?? false
        }
    }

    /// The `result_json` of the analysis with `method` of one neuron, or nil.
    public func analysisResult(method: String, layer: Int, neuron: Int) throws -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT result_json FROM analyses WHERE method = ? AND layer = ? AND neuron = ?",
                                arguments: [method, layer, neuron])
        }
    }

    /// The `result_json` of the analyses with `method` of `layer`, by neuron.
    public func analysisResults(method: String, layer: Int) throws -> [Int: String] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT neuron, result_json FROM analyses WHERE method = ? AND layer = ?",
                                        arguments: [method, layer])
            var results: [Int: String] = [:]
            for row in rows { results[row[0]] = row[1] as String }
            return results
        }
    }

    /// Inserts analysis rows in one transaction, replacing rows with the same key.
    public func saveAnalyses(_ rows: [AnalysisRow]) throws {
        guard !rows.isEmpty else { return }
        try write { db in
            for var row in rows { try row.insert(db, onConflict: .replace) }
        }
    }

    /// Deletes every analysis row (or those with `method`).
    public func deleteAnalyses(method: String? = nil) throws {
        try write { db in
            if let method { try AnalysisRow.filter(Column("method") == method).deleteAll(db) }
            else { try AnalysisRow.deleteAll(db) }
        }
    }
}
