import Kernels

/// The activation buffers of a Llama forward pass, kept between calls and only reallocated
/// when a batch has more tokens than any before.
final class LlamaWorkspace {
    private(set) var capacity = 0
    private let config: LlamaConfig

    private(set) var residual = FloatBuffer(count: 0)       // x        [tokens, nEmbd]
    private(set) var normed = FloatBuffer(count: 0)         // norm(x)  [tokens, nEmbd]  (attn, ffn, output norms)
    private(set) var queryKeyValue = FloatBuffer(count: 0)  // q|k|v    [tokens, queryWidth + 2·keyValueWidth]
    private(set) var attention = FloatBuffer(count: 0)      // heads    [tokens, queryWidth]
    private(set) var gateUp = FloatBuffer(count: 0)         // gate|up  [tokens, 2·nFF]
    private(set) var hidden = FloatBuffer(count: 0)         // MLP      [tokens, nFF]

    /// Rotary cosines and sines for the longest window seen so far.
    private(set) var rotary: RotaryTable

    init(config: LlamaConfig) {
        self.config = config
        rotary = RotaryTable(headDimension: config.headDimension, base: config.ropeBase, positions: 0,
                             frequencyFactors: config.ropeFrequencyFactors)
    }

    /// Makes room for `tokens` tokens in windows of up to `longestWindow` tokens.
    func reserve(tokens: Int, longestWindow: Int) {
        if tokens > capacity {
            let (c, f) = (config.embeddingSize, config.neuronCount)
            residual = FloatBuffer(count: tokens * c, hugePages: true)
            normed = FloatBuffer(count: tokens * c, hugePages: true)
            queryKeyValue = FloatBuffer(count: tokens * (config.queryWidth + 2 * config.keyValueWidth), hugePages: true)
            attention = FloatBuffer(count: tokens * config.queryWidth, hugePages: true)
            gateUp = FloatBuffer(count: tokens * 2 * f, hugePages: true)
            hidden = FloatBuffer(count: tokens * f, hugePages: true)
            capacity = tokens
        }
        if longestWindow > rotary.positions {
            rotary = RotaryTable(headDimension: config.headDimension, base: config.ropeBase,
                                 positions: min(config.contextLength, max(longestWindow, 2 * rotary.positions)),
                                 frequencyFactors: config.ropeFrequencyFactors)
        }
    }
}
