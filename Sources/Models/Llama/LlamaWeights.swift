import Kernels
import ModelFiles

/// One transformer block's parameters, dequantized to f32, named after the GGUF tensors
/// `blk.{i}.…`. GGUF stores a linear layer's weight with dimensions [in, out], i.e. `out` rows of
/// `in` values: the [out, in] row-major layout of torch's `nn.Linear.weight`, so projections
/// are `sgemm(x, W, transposeB: true)`. Projections that read the same input are stacked.
struct LlamaBlockWeights {
    var attentionNorm: FloatBuffer    // attn_norm                        [nEmbd]
    /// attn_q | attn_k | attn_v rows stacked: [queryWidth + 2·keyValueWidth, nEmbd]. The q and
    /// k rows keep llama.cpp's per-head permutation (see `RotaryPairing.adjacent`).
    var queryKeyValue: FloatBuffer
    var attentionOutput: FloatBuffer  // attn_output                      [nEmbd, queryWidth]
    var mlpNorm: FloatBuffer          // ffn_norm                         [nEmbd]
    var gateUp: FloatBuffer           // ffn_gate | ffn_up rows stacked:  [2·nFF, nEmbd]
    var down: FloatBuffer             // ffn_down                         [nEmbd, nFF]
}

/// The parameters of a Llama model, or of its first layers only.
struct LlamaWeights {
    var tokenEmbedding: FloatBuffer   // token_embd [vocab, nEmbd]
    var blocks: [LlamaBlockWeights]   // blk.0 … blk.{loaded − 1}
    /// Final norm and LM head: only when every layer is loaded.
    var head: Head?

    struct Head {
        var outputNorm: FloatBuffer       // output_norm [nEmbd]
        /// output [vocab, nEmbd] when the file has one; nil means tied to token_embd.
        var untiedOutput: FloatBuffer?
    }

    /// Reads and dequantizes the weights of `layerCount` blocks (and the head when that is all
    /// of them), checking each tensor's shape. `threads` threads convert each tensor.
    init(file: GGUFFile, config: LlamaConfig, layerCount: Int, threads: Int) throws {
        let (c, f) = (config.embeddingSize, config.neuronCount)
        let (q, kv) = (config.queryWidth, config.keyValueWidth)

        /// Reads tensors into one buffer, one after the other, checking their GGUF dimensions
        /// ([in] for a vector, [in, out] for a matrix) before allocating anything. A missing
        /// tensor is a GGUFError.
        func read(_ parts: [(name: String, dimensions: [Int])]) throws -> FloatBuffer {
            let tensors = try parts.map { name, dimensions in
                let tensor = try file.tensor(named: name)
                guard tensor.dimensions == dimensions else {
                    throw ModelLoadError.wrongShape(folder: file.path, tensor: name,
                                                    expected: dimensions, found: tensor.dimensions)
                }
                return tensor
            }
            let buffer = FloatBuffer(count: tensors.reduce(0) { $0 + $1.elementCount })
            var offset = 0
            for tensor in tensors {
                try file.readFloats(of: tensor, into: buffer.pointer + offset, threads: threads)
                offset += tensor.elementCount
            }
            return buffer
        }

        tokenEmbedding = try read([("token_embd.weight", [c, config.vocabularySize])])
        blocks = try (0..<layerCount).map { layer in
            let name = { (suffix: String) in "blk.\(layer).\(suffix).weight" }
            return LlamaBlockWeights(
                attentionNorm: try read([(name("attn_norm"), [c])]),
                queryKeyValue: try read([(name("attn_q"), [c, q]), (name("attn_k"), [c, kv]), (name("attn_v"), [c, kv])]),
                attentionOutput: try read([(name("attn_output"), [q, c])]),
                mlpNorm: try read([(name("ffn_norm"), [c])]),
                gateUp: try read([(name("ffn_gate"), [c, f]), (name("ffn_up"), [c, f])]),
                down: try read([(name("ffn_down"), [f, c])]))
        }
        if layerCount == config.layerCount {
            head = Head(outputNorm: try read([("output_norm.weight", [c])]),
                        untiedOutput: config.tiedOutput ? nil : try read([("output.weight", [c, config.vocabularySize])]))
        }
    }
}
