/// One neuron's core tokens as the analyses need them.
public struct NeuronInput: Sendable {
    /// [K] activation of each core token.
    public let activations: [Double]
    /// [K] token id of each core token.
    public let tokenIDs: [UInt32]
    /// [K, d] embedding of each core token (static token embedding or contextual input).
    public let embeddings: Matrix

    /// Checks that the three agree in length and hold finite values.
    public init(activations: [Double], tokenIDs: [UInt32], embeddings: Matrix) throws {
        try requireFinite(activations, "activations")
        guard tokenIDs.count == activations.count else {
            throw AnalysisError.lengthMismatch(what: "token ids", expected: activations.count, found: tokenIDs.count)
        }
        guard embeddings.rows == activations.count else {
            throw AnalysisError.lengthMismatch(what: "embedding rows", expected: activations.count, found: embeddings.rows)
        }
        guard embeddings.columns > 0 else {
            throw AnalysisError.invalidParameter(name: "embedding dimension", value: "0", reason: "must be positive")
        }
        self.activations = activations
        self.tokenIDs = tokenIDs
        self.embeddings = embeddings
    }

    /// From single-precision store data: `embeddings` is [K, dimension] row-major.
    public init(activations: [Float], tokenIDs: [UInt32], embeddings: [Float], dimension: Int) throws {
        guard dimension > 0 else {
            throw AnalysisError.invalidParameter(name: "embedding dimension", value: "\(dimension)", reason: "must be positive")
        }
        try self.init(activations: activations.map(Double.init), tokenIDs: tokenIDs,
                      embeddings: Matrix(rows: embeddings.count / dimension, columns: dimension, widening: embeddings))
    }
}
