import Foundation
import GRDB

/// What a store holds, for `neurodex info`.
public struct StoreSummary: Codable, Sendable {
    public struct Corpus: Codable, Sendable {
        public var id: Int64
        public var name: String
        public var documents: Int
        public var tokens: Int
    }

    public struct Layer: Codable, Sendable {
        public var layer: Int
        public var neurons: Int
        public var topK: Int
        public var distinctTokens: Bool
        public var neuronsWithStatistics: Int
    }

    public var directory: String
    public var formatVersion: UInt32
    public var model: ModelRow?
    public var corpora: [Corpus]
    public var runs: [RunRow]
    public var layers: [Layer]
    public var counts: StoreCounts
    /// File name → bytes on disk.
    public var fileSizes: [String: Int]
}

extension NeurodexStore {
    /// Gathers a summary of the store's contents.
    public func summary() throws -> StoreSummary {
        let (version, counts) = try activations.read { reader in
            (try reader.formatVersion() ?? 0, try reader.counts())
        }
        let (model, corpora, runs, layerRows, statCounts) = try catalog.read { db in
            let model = try ModelRow.fetchOne(db)
            let corpora = try Row.fetchAll(db, sql: """
                SELECT c.id, c.name, COUNT(d.id) AS documents, COALESCE(SUM(d.token_count), 0) AS tokens
                FROM corpora c LEFT JOIN documents d ON d.corpus_id = c.id GROUP BY c.id ORDER BY c.id
                """).map { row in
                StoreSummary.Corpus(id: row["id"], name: row["name"], documents: row["documents"], tokens: row["tokens"])
            }
            let runs = try RunRow.order(Column("id")).fetchAll(db)
            let layers = try LayerRow.order(Column("layer")).fetchAll(db)
            let stats = try Row.fetchAll(db, sql: "SELECT layer, COUNT(*) AS n FROM neuron_stats GROUP BY layer")
            let statCounts = Dictionary(uniqueKeysWithValues: stats.map { ($0["layer"] as Int, $0["n"] as Int) })
            return (model, corpora, runs, layers, statCounts)
        }
        let layers = layerRows.map { row in
            StoreSummary.Layer(layer: row.layer, neurons: row.neuronCount, topK: row.topK,
                               distinctTokens: row.distinctTokens,
                               neuronsWithStatistics: statCounts[row.layer] ?? 0)
        }
        return StoreSummary(directory: directory.path, formatVersion: version, model: model, corpora: corpora,
                            runs: runs, layers: layers, counts: counts, fileSizes: fileSizes())
    }
}
