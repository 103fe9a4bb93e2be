import Kernels

/// The activation buffers of a GPT-2 forward pass, kept between calls and only reallocated
/// when a batch has more tokens than any before.
final class GPT2Workspace {
    private(set) var capacity = 0
    private let embeddingSize: Int
    private let neuronCount: Int

    private(set) var residual = FloatBuffer(count: 0)   // x       [tokens, nEmbd]
    private(set) var normed = FloatBuffer(count: 0)     // ln(x)   [tokens, nEmbd]  (ln_1, ln_2, ln_f)
    private(set) var qkv = FloatBuffer(count: 0)        // q|k|v   [tokens, 3·nEmbd]
    private(set) var attention = FloatBuffer(count: 0)  // heads   [tokens, nEmbd]
    private(set) var hidden = FloatBuffer(count: 0)     // MLP     [tokens, nInner]

    init(embeddingSize: Int, neuronCount: Int) {
        self.embeddingSize = embeddingSize
        self.neuronCount = neuronCount
    }

    /// Makes room for `tokens` tokens.
    func reserve(tokens: Int) {
        guard tokens > capacity else { return }
        residual = FloatBuffer(count: tokens * embeddingSize, hugePages: true)
        normed = FloatBuffer(count: tokens * embeddingSize, hugePages: true)
        qkv = FloatBuffer(count: tokens * 3 * embeddingSize, hugePages: true)
        attention = FloatBuffer(count: tokens * embeddingSize, hugePages: true)
        hidden = FloatBuffer(count: tokens * neuronCount, hugePages: true)
        capacity = tokens
    }
}
