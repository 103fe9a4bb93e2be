import Foundation
import GRDB

/// Column names are the snake_case of the property names.
public protocol CatalogRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {}

extension CatalogRecord {
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
}

/// A model whose activations a store holds.
public struct ModelRow: CatalogRecord, Equatable {
    public static let databaseTableName = "models"
    public var id: Int64?
    public var family: String
    /// The path the model was loaded from, as given.
    public var source: String
    public var fingerprint: String
    public var layerCount: Int
    public var embeddingSize: Int
    public var neuronCount: Int
    public var vocabularySize: Int
    public var maxContext: Int
    public var activationDefinition: String
    public var configJson: String
    public var createdAt: Date

    public init(id: Int64? = nil, family: String, source: String, fingerprint: String, layerCount: Int,
                embeddingSize: Int, neuronCount: Int, vocabularySize: Int, maxContext: Int,
                activationDefinition: String, configJson: String, createdAt: Date = Date()) {
        self.id = id; self.family = family; self.source = source; self.fingerprint = fingerprint
        self.layerCount = layerCount; self.embeddingSize = embeddingSize; self.neuronCount = neuronCount
        self.vocabularySize = vocabularySize; self.maxContext = maxContext
        self.activationDefinition = activationDefinition; self.configJson = configJson; self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A named collection of documents.
public struct CorpusRow: CatalogRecord, Equatable {
    public static let databaseTableName = "corpora"
    public var id: Int64?
    public var name: String
    /// JSON array of the paths given on the command line.
    public var sourcesJson: String
    public var createdAt: Date

    public init(id: Int64? = nil, name: String, sourcesJson: String, createdAt: Date = Date()) {
        self.id = id; self.name = name; self.sourcesJson = sourcesJson; self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One document: where its text came from and how many tokens it has.
public struct DocumentRow: CatalogRecord, Equatable {
    public static let databaseTableName = "documents"
    /// The document number, also its key in the activation store.
    public var id: Int64
    public var corpusId: Int64
    public var sourcePath: String
    public var byteOffset: Int
    public var byteLength: Int
    /// Hex SHA-256 of the document's bytes.
    public var sha256: String
    public var tokenCount: Int
    /// Invalid UTF-8 sequences replaced by U+FFFD before tokenizing.
    public var replacements: Int
    /// JSON object of extra fields (JSONL input), or nil.
    public var metadataJson: String?

    public init(id: Int64, corpusId: Int64, sourcePath: String, byteOffset: Int, byteLength: Int,
                sha256: String, tokenCount: Int, replacements: Int = 0, metadataJson: String? = nil) {
        self.id = id; self.corpusId = corpusId; self.sourcePath = sourcePath; self.byteOffset = byteOffset
        self.byteLength = byteLength; self.sha256 = sha256; self.tokenCount = tokenCount
        self.replacements = replacements; self.metadataJson = metadataJson
    }
}

/// The state of an indexing run.
public enum RunStatus: String, Codable, Sendable, DatabaseValueConvertible {
    case running, interrupted, complete, failed
}

/// One indexing run (or merge) and its configuration.
public struct RunRow: CatalogRecord, Equatable {
    public static let databaseTableName = "runs"
    public var id: Int64?
    public var modelId: Int64
    public var corpusId: Int64
    public var configJson: String
    public var toolVersion: String
    public var status: RunStatus
    public var startedAt: Date
    public var finishedAt: Date?
    public var documentsDone: Int
    public var tokensDone: Int
    public var checkpointJson: String?
    public var error: String?

    public init(id: Int64? = nil, modelId: Int64, corpusId: Int64, configJson: String, toolVersion: String,
                status: RunStatus, startedAt: Date = Date(), finishedAt: Date? = nil, documentsDone: Int = 0,
                tokensDone: Int = 0, checkpointJson: String? = nil, error: String? = nil) {
        self.id = id; self.modelId = modelId; self.corpusId = corpusId; self.configJson = configJson
        self.toolVersion = toolVersion; self.status = status; self.startedAt = startedAt
        self.finishedAt = finishedAt; self.documentsDone = documentsDone; self.tokensDone = tokensDone
        self.checkpointJson = checkpointJson; self.error = error
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// An indexed layer.
public struct LayerRow: CatalogRecord, Equatable {
    public static let databaseTableName = "layers"
    public var layer: Int
    public var runId: Int64
    public var neuronCount: Int
    public var topK: Int
    public var distinctTokens: Bool
    /// JSON description of the statistics kept (histogram bins, sample size, seed).
    public var statisticsJson: String

    public init(layer: Int, runId: Int64, neuronCount: Int, topK: Int, distinctTokens: Bool, statisticsJson: String) {
        self.layer = layer; self.runId = runId; self.neuronCount = neuronCount; self.topK = topK
        self.distinctTokens = distinctTokens; self.statisticsJson = statisticsJson
    }
}

/// Statistics of one neuron over every indexed position.
public struct NeuronStatsRow: CatalogRecord, Equatable {
    public static let databaseTableName = "neuron_stats"
    public var layer: Int
    public var neuron: Int
    public var count: Int
    public var mean: Double
    public var variance: Double
    public var skewness: Double
    public var kurtosis: Double
    public var min: Double
    public var max: Double
    public var fractionPositive: Double
    /// Bin counts, u32 little-endian; bins described by the layer's statistics_json.
    public var histogram: Data
    /// Sampled activations, f32 little-endian, at the positions listed by the layer's statistics_json.
    public var sample: Data

    public init(layer: Int, neuron: Int, count: Int, mean: Double, variance: Double, skewness: Double,
                kurtosis: Double, min: Double, max: Double, fractionPositive: Double, histogram: Data, sample: Data) {
        self.layer = layer; self.neuron = neuron; self.count = count; self.mean = mean; self.variance = variance
        self.skewness = skewness; self.kurtosis = kurtosis; self.min = min; self.max = max
        self.fractionPositive = fractionPositive; self.histogram = histogram; self.sample = sample
    }
}

/// A cached analysis result.
public struct AnalysisRow: CatalogRecord, Equatable {
    public static let databaseTableName = "analyses"
    public var id: Int64?
    public var runId: Int64
    public var layer: Int
    /// The neuron, or `AnalysisRow.layerLevel` for a result about the whole layer.
    public var neuron: Int
    public var method: String
    public var parametersHash: String
    public var parametersJson: String
    public var seed: Int64
    public var resultJson: String
    public var createdAt: Date

    /// The `neuron` of a layer-level result.
    public static let layerLevel = -1

    public init(id: Int64? = nil, runId: Int64, layer: Int, neuron: Int, method: String, parametersHash: String,
                parametersJson: String, seed: Int64, resultJson: String, createdAt: Date = Date()) {
        self.id = id; self.runId = runId; self.layer = layer; self.neuron = neuron; self.method = method
        self.parametersHash = parametersHash; self.parametersJson = parametersJson; self.seed = seed
        self.resultJson = resultJson; self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension NeuronStatsRow {
    /// Inserts (or replaces) many rows through one prepared statement: much faster than one
    /// record insert each, which matters for 300,000 neurons.
    public static func insertAll(_ rows: [NeuronStatsRow], into db: Database) throws {
        let statement = try db.makeStatement(sql: """
            INSERT OR REPLACE INTO neuron_stats (layer, neuron, count, mean, variance, skewness, kurtosis,
                min, max, fraction_positive, histogram, sample) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for r in rows {
            try statement.execute(arguments: [r.layer, r.neuron, r.count, r.mean, r.variance, r.skewness, r.kurtosis,
                                              r.min, r.max, r.fractionPositive, r.histogram, r.sample])
        }
    }
}

extension NeuronStatsRow {
    /// The `histogram` blob of bin counts (u32 little-endian each).
    public static func histogramBlob(_ counts: [UInt32]) -> Data {
        Data(ByteCoding.bytes(of: counts))
    }

    /// The `sample` blob of activations (f32 little-endian each; NaN where a value is missing).
    public static func sampleBlob(_ values: [Float]) -> Data {
        Data(ByteCoding.bytes(of: values))
    }

    /// The bin counts of `histogram`.
    public var histogramCounts: [UInt32] {
        histogram.withUnsafeBytes { ByteCoding.uint32s($0) }
    }

    /// The activations of `sample`, in the order of the layer's sample positions.
    public var sampleValues: [Float] {
        sample.withUnsafeBytes { ByteCoding.floats($0) }
    }
}
