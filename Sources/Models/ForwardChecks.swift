import Kernels

/// Checks shared by every model family before a forward pass.
enum ForwardChecks {
    /// Window lengths add up, each window fits the context, every token is in the vocabulary.
    static func validate(_ batch: TokenBatch, maxContext: Int, vocabularySize: Int) throws {
        let total = batch.windowLengths.reduce(0, +)
        guard total == batch.tokens.count else {
            throw ModelError.invalidBatch("window lengths add up to \(total) but there are \(batch.tokens.count) tokens")
        }
        for length in batch.windowLengths where !(1...maxContext).contains(length) {
            throw ModelError.invalidBatch("window of \(length) tokens; each must hold 1...\(maxContext)")
        }
        if let token = batch.tokens.first(where: { Int($0) >= vocabularySize }) {
            throw ModelError.tokenOutOfRange(token: token, vocabularySize: vocabularySize)
        }
    }

    /// `lastLayer` is loaded, the span starts within the forward with a residual stream of
    /// [tokens, width] exactly when it does not start at layer 0, and every captured layer is run.
    static func validate(span: ForwardSpan, lastLayer: Int, captureLayers: [Int], loadedLayerCount: Int,
                         tokens: Int, width: Int) throws {
        guard lastLayer >= 0, lastLayer < loadedLayerCount else {
            throw ModelError.layerNotLoaded(layer: lastLayer, loadedLayerCount: loadedLayerCount)
        }
        guard (0...lastLayer).contains(span.firstLayer) else {
            throw ModelError.invalidBatch("a forward from layer \(span.firstLayer) through layer \(lastLayer)")
        }
        switch (span.firstLayer, span.residual) {
        case (0, nil): break
        case (0, _?): throw ModelError.invalidBatch("a forward from layer 0 starts from the embeddings, not from a residual stream")
        case (_, nil): throw ModelError.invalidBatch("a forward from layer \(span.firstLayer) needs the residual stream after layer \(span.firstLayer - 1)")
        case (_, let residual?):
            guard residual.count == tokens * width else {
                throw ModelError.invalidBatch("a residual stream of \(residual.count) values for \(tokens) tokens of width \(width)")
            }
        }
        for layer in captureLayers where !(span.firstLayer...lastLayer).contains(layer) {
            throw ModelError.captureOutsideForward(layer: layer, firstLayer: span.firstLayer, lastLayer: lastLayer)
        }
    }
}

/// logits [tokens, vocabulary] = normed [tokens, width] · Wᵀ, W = output [vocabulary, width].
func projectToVocabulary(_ normed: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         tokens: Int, width: Int, vocabulary: Int, threads: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: tokens * vocabulary) { buffer, initialized in
        if let base = buffer.baseAddress {
            blockedSgemm(normed, output, into: base, m: tokens, n: vocabulary, k: width, transposeB: true, threads: threads)
        }
        initialized = tokens * vocabulary
    }
}

/// Row `token` of an embedding matrix [vocabulary, width]; empty outside the vocabulary.
func embeddingRow(_ matrix: UnsafePointer<Float>, token: UInt32, width: Int, vocabulary: Int) -> [Float] {
    guard Int(token) < vocabulary else { return [] }
    return Array(UnsafeBufferPointer(start: matrix + Int(token) * width, count: width))
}
