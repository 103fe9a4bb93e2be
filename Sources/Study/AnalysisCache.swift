import Analysis
import Canonical
import Foundation
import Store

/// Cached analyses in the catalog's `analyses` table: one row per neuron (method
/// `neuron-analysis`) and one per layer summary (method `layer-summary`, neuron
/// `AnalysisRow.layerLevel`), keyed by (run, layer, neuron, method, parameters hash, seed).
///
/// `result_json` holds the result's Codable JSON (sorted keys, non-finite numbers as the
/// strings "nan", "inf", "-inf"), which decodes back to an identical value.
public struct AnalysisCache: Sendable {
    public static let neuronMethod = "neuron-analysis"
    public static let layerSummaryMethod = "layer-summary"

    /// The store's catalog, open for writing.
    public let catalog: Catalog

    /// The cache in `store`'s catalog. Throws `StoreError.readOnly` unless the store was opened
    /// with a writable catalog (`NeurodexStore.Mode.readCachingAnalyses`, `.write`, `.create`).
    public init(store: NeurodexStore) throws {
        guard store.catalogIsWritable else { throw StoreError.readOnly(path: store.directory.path) }
        catalog = store.catalog
    }

    /// The cache in `store`'s catalog for reading only (any store, read-only ones included);
    /// saving through it fails when the catalog is not writable.
    public init(readingFrom store: NeurodexStore) {
        catalog = store.catalog
    }

    /// The cached analyses of `neurons` (all of the layer's when nil) under `parameters`, by
    /// neuron. Rows that no longer decode are left out, so they are computed again.
    /// Decodes on `concurrency` threads.
    public func neuronAnalyses(runID: Int64, layer: Int, parameters: StudyParameters,
                               neurons: Set<Int>? = nil, concurrency: Int = 1) throws -> [Int: NeuronAnalysis] {
        let rows = try catalog.analyses(runID: runID, layer: layer, method: Self.neuronMethod,
                                        parametersHash: parameters.hash, seed: parameters.catalogSeed)
        let wanted = rows.filter { neurons?.contains($0.neuron) ?? true }
        let decoded = wanted.concurrentMap(concurrency: concurrency) { try? Self.decode(NeuronAnalysis.self, $0.resultJson) }
        var found: [Int: NeuronAnalysis] = [:]
        for (row, analysis) in zip(wanted, decoded) { found[row.neuron] = analysis }
        return found
    }

    /// Stores analyses of neurons of one layer in one transaction, replacing rows with the same
    /// key; encodes on `concurrency` threads.
    public func save(_ analyses: [(neuron: Int, analysis: NeuronAnalysis)], runID: Int64, layer: Int,
                     parameters: StudyParameters, concurrency: Int = 1) throws {
        let items = analyses.map { NeuronResult(neuron: $0.neuron, analysis: $0.analysis) }
        let rows = try items.concurrentMap(concurrency: concurrency) { item in
            AnalysisRow(runId: runID, layer: layer, neuron: item.neuron, method: Self.neuronMethod,
                        parametersHash: parameters.hash, parametersJson: parameters.canonicalJSON,
                        seed: parameters.catalogSeed, resultJson: try Self.encode(item.analysis))
        }
        try catalog.saveAnalyses(rows)
    }

    /// The cached summary of `layer` with canonical key `keyJSON`
    /// (`StudyParameters.layerSummaryJSON`).
    public func layerSummary(runID: Int64, layer: Int, keyJSON: String, seed: Int64) throws -> LayerSummary? {
        let row = try catalog.analyses(runID: runID, layer: layer, neuron: AnalysisRow.layerLevel,
                                       method: Self.layerSummaryMethod, parametersHash: sha256Hex(keyJSON),
                                       seed: seed).first
        return row.flatMap { try? Self.decode(LayerSummary.self, $0.resultJson) }
    }

    public func saveLayerSummary(_ summary: LayerSummary, runID: Int64, layer: Int, keyJSON: String, seed: Int64) throws {
        try catalog.saveAnalyses([AnalysisRow(runId: runID, layer: layer, neuron: AnalysisRow.layerLevel, method: Self.layerSummaryMethod,
                                parametersHash: sha256Hex(keyJSON), parametersJson: keyJSON, seed: seed,
                                resultJson: try Self.encode(summary))])
    }

    /// A neuron's analysis, as the worker threads encode it.
    private struct NeuronResult: Sendable {
        var neuron: Int
        var analysis: NeuronAnalysis
    }

    // MARK: - JSON

    public static func encode<T: Encodable>(_ value: T) throws -> String {
        try CanonicalJSON.string(value)
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: Data(json.utf8))
    }
}
