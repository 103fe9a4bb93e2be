import Kernels
import ModelFiles

/// One transformer block's parameters, named after the HF keys `layers.{i}.…`. Linear weights
/// keep the checkpoint's [out, in] row-major layout (BLAS multiplies by their transpose).
struct GPTNeoXBlockWeights {
    var inputNormWeight: FloatBuffer      // input_layernorm.weight            [hidden]
    var inputNormBias: FloatBuffer        // input_layernorm.bias              [hidden]
    /// attention.query_key_value.weight [3·hidden, hidden], rows regrouped at load from HF's
    /// per-head (q_h | k_h | v_h) order to all queries | all keys | all values.
    var queryKeyValueWeight: FloatBuffer
    var queryKeyValueBias: FloatBuffer    // attention.query_key_value.bias    [3·hidden], regrouped alike
    var attentionOutputWeight: FloatBuffer // attention.dense.weight           [hidden, hidden]
    var attentionOutputBias: FloatBuffer  // attention.dense.bias              [hidden]
    var mlpNormWeight: FloatBuffer        // post_attention_layernorm.weight   [hidden]
    var mlpNormBias: FloatBuffer          // post_attention_layernorm.bias     [hidden]
    var mlpUpWeight: FloatBuffer          // mlp.dense_h_to_4h.weight          [intermediate, hidden]
    var mlpUpBias: FloatBuffer            // mlp.dense_h_to_4h.bias            [intermediate]
    var mlpDownWeight: FloatBuffer        // mlp.dense_4h_to_h.weight          [hidden, intermediate]
    var mlpDownBias: FloatBuffer          // mlp.dense_4h_to_h.bias            [hidden]

    /// Builds the block from a source of tensors given their HF name suffix and expected shape.
    init(layer: Int, config: GPTNeoXConfig, tensor: (String, [Int]) throws -> FloatBuffer) throws {
        let (c, f) = (config.hiddenSize, config.intermediateSize)
        let name = { (suffix: String) in "layers.\(layer).\(suffix)" }
        inputNormWeight = try tensor(name("input_layernorm.weight"), [c])
        inputNormBias = try tensor(name("input_layernorm.bias"), [c])
        let heads = config.numAttentionHeads
        queryKeyValueWeight = regroupQueryKeyValue(
            try tensor(name("attention.query_key_value.weight"), [3 * c, c]), heads: heads, rowWidth: c)
        queryKeyValueBias = regroupQueryKeyValue(
            try tensor(name("attention.query_key_value.bias"), [3 * c]), heads: heads, rowWidth: 1)
        attentionOutputWeight = try tensor(name("attention.dense.weight"), [c, c])
        attentionOutputBias = try tensor(name("attention.dense.bias"), [c])
        mlpNormWeight = try tensor(name("post_attention_layernorm.weight"), [c])
        mlpNormBias = try tensor(name("post_attention_layernorm.bias"), [c])
        mlpUpWeight = try tensor(name("mlp.dense_h_to_4h.weight"), [f, c])
        mlpUpBias = try tensor(name("mlp.dense_h_to_4h.bias"), [f])
        mlpDownWeight = try tensor(name("mlp.dense_4h_to_h.weight"), [c, f])
        mlpDownBias = try tensor(name("mlp.dense_4h_to_h.bias"), [c])
    }
}

/// HF's fused projection is viewed as [heads, 3, headDimension] (q, k and v of head 0, then of
/// head 1, …). Returns the rows of `fused` [3·hidden, rowWidth] in the order
/// [3, heads, headDimension], so that the queries, keys and values of a token are each one
/// contiguous run of `hidden` values, heads in order, as `causalAttention` reads them.
func regroupQueryKeyValue(_ fused: FloatBuffer, heads: Int, rowWidth: Int) -> FloatBuffer {
    let rows = fused.count / rowWidth
    let headDimension = rows / (3 * heads)
    let regrouped = FloatBuffer(count: fused.count)
    for head in 0..<heads {
        for part in 0..<3 {
            for i in 0..<headDimension {
                let from = (head * 3 + part) * headDimension + i
                let to = (part * heads + head) * headDimension + i
                (regrouped.pointer + to * rowWidth).update(from: fused.pointer + from * rowWidth, count: rowWidth)
            }
        }
    }
    return regrouped
}

/// The parameters of a GPT-NeoX, or of its first layers only.
struct GPTNeoXWeights {
    var tokenEmbedding: FloatBuffer      // embed_in.weight [vocab, hidden]
    var blocks: [GPTNeoXBlockWeights]    // layers.0 … layers.{loaded − 1}
    /// Final layernorm and LM head: only when every layer is loaded.
    var head: Head?

    struct Head {
        var finalNormWeight: FloatBuffer // final_layer_norm.weight [hidden]
        var finalNormBias: FloatBuffer   // final_layer_norm.bias   [hidden]
        /// embed_out.weight [vocab, hidden]; nil means tied to embed_in (tie_word_embeddings).
        var untiedOutput: FloatBuffer?
    }
}

// MARK: - Sources of weights

extension GPTNeoXWeights {
    /// Reads the weights from an HF checkpoint, whose keys may carry the `gpt_neox.` prefix.
    /// Only the first `layerCount` blocks are read.
    init(checkpoint: SafetensorsCheckpoint, config: GPTNeoXConfig, layerCount: Int) throws {
        let folder = checkpoint.folder.path
        let prefix = checkpoint.tensor("gpt_neox.embed_in.weight") != nil ? "gpt_neox." : ""
        func read(_ key: String, _ shape: [Int]) throws -> FloatBuffer {
            guard let info = checkpoint.tensor(key) else {
                throw ModelLoadError.missingTensor(folder: folder, tensor: key)
            }
            guard info.shape == shape else {
                throw ModelLoadError.wrongShape(folder: folder, tensor: key, expected: shape, found: info.shape)
            }
            let buffer = FloatBuffer(count: info.elementCount)
            try checkpoint.read(key, into: buffer.buffer)
            return buffer
        }
        let c = config.hiddenSize
        tokenEmbedding = try read(prefix + "embed_in.weight", [config.vocabSize, c])
        blocks = try (0..<layerCount).map { layer in
            try GPTNeoXBlockWeights(layer: layer, config: config, tensor: { try read(prefix + $0, $1) })
        }
        guard layerCount == config.numHiddenLayers else { return }
        // embed_out sits outside `gpt_neox.`; only a tied model may lack it.
        let output = "embed_out.weight"
        let untied = !config.tieWordEmbeddings || checkpoint.tensor(output) != nil
        head = Head(finalNormWeight: try read(prefix + "final_layer_norm.weight", [c]),
                    finalNormBias: try read(prefix + "final_layer_norm.bias", [c]),
                    untiedOutput: untied ? try read(output, [config.vocabSize, c]) : nil)
    }
}
