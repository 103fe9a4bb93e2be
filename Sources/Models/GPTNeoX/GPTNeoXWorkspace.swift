import Kernels

/// The activation buffers of a GPT-NeoX forward pass, kept between calls and only reallocated
/// when a batch has more tokens, or a longer window, than any before.
final class GPTNeoXWorkspace {
    private(set) var capacity = 0
    private let config: GPTNeoXConfig

    private(set) var residual = FloatBuffer(count: 0)   // x       [tokens, hidden]
    private(set) var normed = FloatBuffer(count: 0)     // ln(x)   [tokens, hidden]  (input, post-attention, final)
    private(set) var qkv = FloatBuffer(count: 0)        // q|k|v   [tokens, 3·hidden]
    private(set) var attention = FloatBuffer(count: 0)  // heads   [tokens, hidden]
    private(set) var hidden = FloatBuffer(count: 0)     // MLP     [tokens, intermediate]
    /// cos/sin of the rotary dimensions for positions 0..<longest window so far.
    private(set) var rotary: RotaryTable

    init(config: GPTNeoXConfig) {
        self.config = config
        rotary = RotaryTable(headDimension: config.rotaryDimension, base: config.rotaryEmbBase, positions: 0)
    }

    /// Makes room for `tokens` tokens in windows of at most `longestWindow`.
    func reserve(tokens: Int, longestWindow: Int) {
        if longestWindow > rotary.positions {
            rotary = RotaryTable(headDimension: config.rotaryDimension, base: config.rotaryEmbBase, positions: longestWindow)
        }
        guard tokens > capacity else { return }
        let (c, f) = (config.hiddenSize, config.intermediateSize)
        residual = FloatBuffer(count: tokens * c, hugePages: true)
        normed = FloatBuffer(count: tokens * c, hugePages: true)
        qkv = FloatBuffer(count: tokens * 3 * c, hugePages: true)
        attention = FloatBuffer(count: tokens * c, hugePages: true)
        hidden = FloatBuffer(count: tokens * f, hugePages: true)
        capacity = tokens
    }
}
