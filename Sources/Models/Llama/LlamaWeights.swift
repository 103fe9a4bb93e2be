import Foundation
import Kernels
import ModelFiles

/// One transformer block's parameters in f32. A linear layer's weight is [out, in] row-major
/// (torch's `nn.Linear.weight`, and GGUF's dimensions [in, out]), so projections are
/// `sgemm(x, W, transposeB: true)`. Projections that read the same input are stacked.
struct LlamaBlockWeights {
    var attentionNorm: FloatBuffer    // attn_norm / input_layernorm      [nEmbd]
    /// q | k | v rows stacked: [queryWidth + 2·keyValueWidth, nEmbd]. From GGUF the q and k
    /// rows keep llama.cpp's per-head permutation (see `LlamaWeights.rotaryPairing`).
    var queryKeyValue: FloatBuffer
    /// q | k | v biases stacked, [queryWidth + 2·keyValueWidth]: Qwen2's, or nil.
    var queryKeyValueBias: FloatBuffer?
    var attentionOutput: FloatBuffer  // attn_output / o_proj            [nEmbd, queryWidth]
    var mlpNorm: FloatBuffer          // ffn_norm / post_attention_layernorm [nEmbd]
    var gateUp: FloatBuffer           // gate | up rows stacked:          [2·nFF, nEmbd]
    var down: FloatBuffer             // ffn_down / down_proj             [nEmbd, nFF]
}

/// The parameters of a Llama model, or of its first layers only.
struct LlamaWeights {
    var tokenEmbedding: FloatBuffer   // token_embd / embed_tokens [vocab, nEmbd]
    var blocks: [LlamaBlockWeights]   // layers 0 … loaded − 1
    /// Final norm and LM head: only when every layer is loaded.
    var head: Head?
    /// How the q and k rows pair the dimensions they rotate: GGUF files hold them permuted by
    /// llama.cpp's converter (`.adjacent`), HF checkpoints as trained (`.halves`).
    var rotaryPairing: RotaryPairing

    struct Head {
        var outputNorm: FloatBuffer       // output_norm / model.norm [nEmbd]
        /// output / lm_head [vocab, nEmbd] when the file has one; nil means tied to the embedding.
        var untiedOutput: FloatBuffer?
    }

    /// A file's tensors under the names one format gives them.
    struct Source {
        /// Reads the named tensors, each of the torch shape given ([n] or [out, in]), one after
        /// the other into one buffer; throws when one is missing or of another shape.
        var read: ([(name: String, shape: [Int])]) throws -> FloatBuffer
        var has: (String) -> Bool
        var embedding, outputNorm, output: String
        var block: (_ layer: Int, _ part: BlockTensor) -> String
        var rotaryPairing: RotaryPairing
    }

    enum BlockTensor { case attentionNorm, query, key, value, queryBias, keyBias, valueBias, attentionOutput, mlpNorm, gate, up, down }

    /// Reads the weights of `layerCount` blocks (and the head when that is all of them),
    /// checking each tensor's shape. The q/k/v biases are read when the first layer has them.
    init(source: Source, config: LlamaConfig, layerCount: Int) throws {
        let (c, f) = (config.embeddingSize, config.neuronCount)
        let (q, kv) = (config.queryWidth, config.keyValueWidth)
        let hasBiases = source.has(source.block(0, .queryBias))
        tokenEmbedding = try source.read([(source.embedding, [config.vocabularySize, c])])
        blocks = try (0..<layerCount).map { layer in
            let name = { (part: BlockTensor) in source.block(layer, part) }
            return LlamaBlockWeights(
                attentionNorm: try source.read([(name(.attentionNorm), [c])]),
                queryKeyValue: try source.read([(name(.query), [q, c]), (name(.key), [kv, c]), (name(.value), [kv, c])]),
                queryKeyValueBias: hasBiases ? try source.read([(name(.queryBias), [q]), (name(.keyBias), [kv]), (name(.valueBias), [kv])]) : nil,
                attentionOutput: try source.read([(name(.attentionOutput), [c, q])]),
                mlpNorm: try source.read([(name(.mlpNorm), [c])]),
                gateUp: try source.read([(name(.gate), [f, c]), (name(.up), [f, c])]),
                down: try source.read([(name(.down), [c, f])]))
        }
        if layerCount == config.layerCount {
            head = Head(outputNorm: try source.read([(source.outputNorm, [c])]),
                        untiedOutput: config.tiedOutput ? nil : try source.read([(source.output, [config.vocabularySize, c])]))
        }
        rotaryPairing = source.rotaryPairing
    }
}

extension LlamaWeights.Source {
    /// A GGUF file's tensors (`token_embd`, `blk.{i}.attn_q`, …), dequantized with `threads`
    /// threads. A missing tensor is a GGUFError.
    static func gguf(_ file: GGUFFile, threads: Int) -> Self {
        Self(
            read: { parts in
                let tensors = try parts.map { name, shape in
                    let tensor = try file.tensor(named: name)
                    let dimensions = Array(shape.reversed())  // GGUF lists dimensions innermost first
                    guard tensor.dimensions == dimensions else {
                        throw ModelLoadError.wrongShape(folder: file.path, tensor: name, expected: dimensions, found: tensor.dimensions)
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
            },
            has: file.hasTensor(named:),
            embedding: "token_embd.weight", outputNorm: "output_norm.weight", output: "output.weight",
            block: { layer, part in
                let suffix = switch part {
                case .attentionNorm: "attn_norm.weight"
                case .query: "attn_q.weight"
                case .key: "attn_k.weight"
                case .value: "attn_v.weight"
                case .queryBias: "attn_q.bias"
                case .keyBias: "attn_k.bias"
                case .valueBias: "attn_v.bias"
                case .attentionOutput: "attn_output.weight"
                case .mlpNorm: "ffn_norm.weight"
                case .gate: "ffn_gate.weight"
                case .up: "ffn_up.weight"
                case .down: "ffn_down.weight"
                }
                return "blk.\(layer).\(suffix)"
            },
            rotaryPairing: .adjacent)
    }

    /// An HF checkpoint's tensors (`model.embed_tokens`, `model.layers.{i}.self_attn.q_proj`, …).
    static func huggingFace(_ checkpoint: SafetensorsCheckpoint) -> Self {
        let folder = checkpoint.folder.path
        return Self(
            read: { parts in
                let tensors = try parts.map { name, shape in
                    guard let tensor = checkpoint.tensor(name) else {
                        throw ModelLoadError.missingTensor(folder: folder, tensor: name)
                    }
                    guard tensor.shape == shape else {
                        throw ModelLoadError.wrongShape(folder: folder, tensor: name, expected: shape, found: tensor.shape)
                    }
                    return tensor
                }
                let buffer = FloatBuffer(count: tensors.reduce(0) { $0 + $1.elementCount })
                var offset = 0
                for tensor in tensors {
                    try checkpoint.read(tensor.name, into: UnsafeMutableBufferPointer(start: buffer.pointer + offset, count: tensor.elementCount))
                    offset += tensor.elementCount
                }
                return buffer
            },
            has: { checkpoint.tensor($0) != nil },
            embedding: "model.embed_tokens.weight", outputNorm: "model.norm.weight", output: "lm_head.weight",
            block: { layer, part in
                let suffix = switch part {
                case .attentionNorm: "input_layernorm.weight"
                case .query: "self_attn.q_proj.weight"
                case .key: "self_attn.k_proj.weight"
                case .value: "self_attn.v_proj.weight"
                case .queryBias: "self_attn.q_proj.bias"
                case .keyBias: "self_attn.k_proj.bias"
                case .valueBias: "self_attn.v_proj.bias"
                case .attentionOutput: "self_attn.o_proj.weight"
                case .mlpNorm: "post_attention_layernorm.weight"
                case .gate: "mlp.gate_proj.weight"
                case .up: "mlp.up_proj.weight"
                case .down: "mlp.down_proj.weight"
                }
                return "model.layers.\(layer).\(suffix)"
            },
            rotaryPairing: .halves)
    }
}
