import Analysis
import Canonical
import Foundation

/// Everything a neuron's cached analysis depends on besides the store's records: the analysis
/// parameters (seed included), which embeddings stand for the core tokens, and whether repeated
/// token ids are merged. Its canonical JSON, hashed, keys the catalog's `analyses` rows.
public struct StudyParameters: Codable, Sendable, Hashable {
    /// Version of the cached result format; bump it when `NeuronAnalysis` or `LayerSummary`
    /// change shape or meaning, so that older rows are no longer matched.
    public static let resultVersion = 2

    public var analysis: AnalysisParameters
    public var embeddings: EmbeddingSource
    /// Use each token id once, at its best occurrence (METHOD.md's "distinct token ids" variant);
    /// a no-op on stores indexed with `--distinct-tokens`.
    public var distinctTokens: Bool

    public init(analysis: AnalysisParameters = AnalysisParameters(), embeddings: EmbeddingSource = .static,
                distinctTokens: Bool = false) {
        self.analysis = analysis
        self.embeddings = embeddings
        self.distinctTokens = distinctTokens
    }

    /// Compact JSON with sorted keys, the analysis parameters in their own canonical form.
    public var canonicalJSON: String {
        "{\"analysis\":\(analysis.canonicalJSON),\"distinctTokens\":\(distinctTokens),"
            + "\"embeddings\":\"\(embeddings.rawValue)\",\"resultVersion\":\(Self.resultVersion)}"
    }

    /// Hex SHA-256 of `canonicalJSON`: the `parameters_hash` of a neuron's cached analysis.
    public var hash: String { sha256Hex(canonicalJSON) }

    /// The canonical JSON of a layer summary over `neurons` with Benjamini–Hochberg rate `fdr`:
    /// a summary depends on which neurons it pools, so they are part of its key.
    public func layerSummaryJSON(neurons: [Int], fdr: Double) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let fdrText = String(decoding: (try? encoder.encode(fdr)) ?? Data(), as: UTF8.self)
        return "{\"fdr\":\(fdrText),\"neurons\":\"\(NeuronSelection.rangeText(neurons))\",\"study\":\(canonicalJSON)}"
    }

    /// The seed as the catalog stores it (SQLite integers are signed 64-bit).
    public var catalogSeed: Int64 { Int64(bitPattern: analysis.seed) }
}

/// Lower-case hex SHA-256 of the UTF-8 of `text`.
func sha256Hex(_ text: String) -> String {
    SHA256.hex(of: Array(text.utf8))
}
