import Analysis

/// Why a neuron could not be analyzed from a store, beyond the store lookups that
/// `QueryError` already names (layer not in the store, neuron out of range, neuron without
/// records). Every message says what is missing and what to do.
public enum StudyError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The analyses cannot run on this neuron's core tokens (too few, identical embeddings, …).
    case cannotAnalyze(layer: Int, neuron: Int, coreTokens: Int, distinctTokens: Int, reason: AnalysisError)
    /// `--neurons` is not a list of numbers and ranges.
    case badNeuronList(String)
    /// The store holds no token embeddings at all (e.g. a store imported from NeuronRecords).
    case noEmbeddings(store: String)
    /// A core token has no stored static embedding.
    case missingEmbedding(layer: Int, neuron: Int, token: UInt32)
    /// The store has no contextual inputs for the layer (indexed without `--store-inputs`).
    case noContextualInputs(layer: Int, store: String)
    /// The store has contextual inputs, but not at one of the neuron's core-token occurrences.
    case missingContextualInput(layer: Int, neuron: Int, document: UInt32, position: UInt32)
    /// Embedding vectors of one neuron have different lengths, or a length that disagrees with
    /// the store's recorded embedding size.
    case embeddingSizeMismatch(layer: Int, neuron: Int, expected: Int, found: Int)

    public var description: String {
        switch self {
        case .cannotAnalyze(let layer, let neuron, let coreTokens, let distinctTokens, let reason):
            "layer \(layer) neuron \(neuron) cannot be analyzed (\(coreTokens) core tokens, \(distinctTokens) distinct): \(reason)"
        case .badNeuronList(let text):
            "cannot read neurons '\(text)': use e.g. 5, 1,5,10-20 or all"
        case .noEmbeddings(let store):
            "\(store): the store holds no token embeddings (stores imported from NeuronRecords have none); "
                + "index the corpus with the model to analyze its neurons"
        case .missingEmbedding(let layer, let neuron, let token):
            "layer \(layer) neuron \(neuron): the store has no embedding for core token \(token) (damaged or incomplete store)"
        case .noContextualInputs(let layer, let store):
            "\(store): no contextual inputs stored for layer \(layer); index with --store-inputs, or use --embeddings static"
        case .missingContextualInput(let layer, let neuron, let document, let position):
            "layer \(layer) neuron \(neuron): no contextual input stored at document \(document) position \(position)"
        case .embeddingSizeMismatch(let layer, let neuron, let expected, let found):
            "layer \(layer) neuron \(neuron): an embedding has \(found) values, expected \(expected)"
        }
    }
}
