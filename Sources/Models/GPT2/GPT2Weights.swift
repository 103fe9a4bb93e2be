import Kernels
import ModelFiles

/// One transformer block's parameters, named after the HF keys `h.{i}.…`. Conv1D matrices keep
/// the checkpoint's [in, out] row-major layout (see `GPT2.forward` for how BLAS uses them).
struct GPT2BlockWeights {
    var ln1Weight: FloatBuffer          // ln_1.weight      [nEmbd]
    var ln1Bias: FloatBuffer            // ln_1.bias        [nEmbd]
    var attentionWeight: FloatBuffer    // attn.c_attn.weight [nEmbd, 3·nEmbd]  (q | k | v columns)
    var attentionBias: FloatBuffer      // attn.c_attn.bias [3·nEmbd]
    var projectionWeight: FloatBuffer   // attn.c_proj.weight [nEmbd, nEmbd]
    var projectionBias: FloatBuffer     // attn.c_proj.bias [nEmbd]
    var ln2Weight: FloatBuffer          // ln_2.weight      [nEmbd]
    var ln2Bias: FloatBuffer            // ln_2.bias        [nEmbd]
    var mlpUpWeight: FloatBuffer        // mlp.c_fc.weight  [nEmbd, nInner]
    var mlpUpBias: FloatBuffer          // mlp.c_fc.bias    [nInner]
    var mlpDownWeight: FloatBuffer      // mlp.c_proj.weight [nInner, nEmbd]
    var mlpDownBias: FloatBuffer        // mlp.c_proj.bias  [nEmbd]

    /// Builds the block from a source of tensors given their HF name suffix and expected shape.
    init(layer: Int, config: GPT2Config, tensor: (String, [Int]) throws -> FloatBuffer) rethrows {
        let (c, f) = (config.nEmbd, config.neuronCount)
        let name = { (suffix: String) in "h.\(layer).\(suffix)" }
        ln1Weight = try tensor(name("ln_1.weight"), [c])
        ln1Bias = try tensor(name("ln_1.bias"), [c])
        attentionWeight = try tensor(name("attn.c_attn.weight"), [c, 3 * c])
        attentionBias = try tensor(name("attn.c_attn.bias"), [3 * c])
        projectionWeight = try tensor(name("attn.c_proj.weight"), [c, c])
        projectionBias = try tensor(name("attn.c_proj.bias"), [c])
        ln2Weight = try tensor(name("ln_2.weight"), [c])
        ln2Bias = try tensor(name("ln_2.bias"), [c])
        mlpUpWeight = try tensor(name("mlp.c_fc.weight"), [c, f])
        mlpUpBias = try tensor(name("mlp.c_fc.bias"), [f])
        mlpDownWeight = try tensor(name("mlp.c_proj.weight"), [f, c])
        mlpDownBias = try tensor(name("mlp.c_proj.bias"), [c])
    }
}

/// The parameters of a GPT-2, or of its first layers only.
struct GPT2Weights {
    var tokenEmbedding: FloatBuffer      // wte.weight [vocab, nEmbd]
    var positionEmbedding: FloatBuffer   // wpe.weight [nPositions, nEmbd]
    var blocks: [GPT2BlockWeights]       // h.0 … h.{loaded − 1}
    /// Final layernorm and LM head: only when every layer is loaded.
    var head: Head?
    /// Whether the unembedding is wte (no lm_head.weight), known whatever is loaded: the logit
    /// lens of a run over the first layers needs it.
    var outputIsTied: Bool

    struct Head {
        var lnFWeight: FloatBuffer       // ln_f.weight [nEmbd]
        var lnFBias: FloatBuffer         // ln_f.bias   [nEmbd]
        /// lm_head.weight [vocab, nEmbd] when the file has one; nil means tied to wte.
        var untiedOutput: FloatBuffer?
    }

    /// Builds the weights of `layerCount` blocks (and the head when that is all of them) from a
    /// source of tensors (HF name without the `transformer.` prefix, expected shape).
    init(config: GPT2Config, layerCount: Int, outputIsTied: Bool, tensor: (String, [Int]) throws -> FloatBuffer,
         optionalTensor: (String, [Int]) throws -> FloatBuffer?) rethrows {
        let c = config.nEmbd
        self.outputIsTied = outputIsTied
        tokenEmbedding = try tensor("wte.weight", [config.vocabSize, c])
        positionEmbedding = try tensor("wpe.weight", [config.nPositions, c])
        blocks = try (0..<layerCount).map { try GPT2BlockWeights(layer: $0, config: config, tensor: tensor) }
        if layerCount == config.nLayer {
            head = Head(lnFWeight: try tensor("ln_f.weight", [c]),
                        lnFBias: try tensor("ln_f.bias", [c]),
                        untiedOutput: try optionalTensor("lm_head.weight", [config.vocabSize, c]))
        }
    }
}

// MARK: - Sources of weights

extension GPT2Weights {
    /// Reads the weights from an HF checkpoint, whose keys may carry the `transformer.` prefix.
    /// Only the first `layerCount` blocks are read.
    init(checkpoint: SafetensorsCheckpoint, config: GPT2Config, layerCount: Int) throws {
        let folder = checkpoint.folder.path
        let prefix = checkpoint.tensor("transformer.wte.weight") != nil ? "transformer." : ""
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
        try self.init(
            config: config, layerCount: layerCount, outputIsTied: checkpoint.tensor("lm_head.weight") == nil,
            tensor: { name, shape in try read(prefix + name, shape) },
            optionalTensor: { name, shape in
                // lm_head sits outside `transformer.`; absent when tied to wte.
                checkpoint.tensor(name) == nil ? nil : try read(name, shape)
            })
    }

    /// Random weights of the right shapes (uniform, GPT-2-like scale), for benchmarks and tests
    /// that need no file. Deterministic for a given seed, whatever the thread count: each block
    /// of values has its own generator, seeded from `seed`, the tensor and the block.
    static func random(config: GPT2Config, layerCount: Int, seed: UInt64, threads: Int) -> GPT2Weights {
        var tensorIndex: UInt64 = 0
        func fill(_ name: String, _ shape: [Int]) -> FloatBuffer {
            let buffer = FloatBuffer(count: shape.reduce(1, *))
            let isNormWeight = name.hasSuffix(".weight") && (name.contains("ln_") || name.hasPrefix("ln_f"))
            let (center, spread): (Float, Float) = isNormWeight ? (1, 0.1) : (0, 0.04)
            let blockSize = 1 << 20
            let blocks = (buffer.count + blockSize - 1) / blockSize
            let tensorSeed = seed &* 0x9E37_79B9_7F4A_7C15 &+ tensorIndex
            tensorIndex += 1
            let pointer = buffer.pointer
            forEachJobInParallel(blocks, threads: threads) { block in
                var generator = SplitMix64(seed: tensorSeed &* 0xBF58_476D_1CE4_E5B9 &+ UInt64(block))
                for index in (block * blockSize)..<min(buffer.count, (block + 1) * blockSize) {
                    pointer[index] = center + spread * generator.nextSignedUnitFloat()
                }
            }
            return buffer
        }
        return GPT2Weights(config: config, layerCount: layerCount, outputIsTied: true, tensor: fill,
                           optionalTensor: { _, _ in nil })
    }
}

extension SplitMix64 {
    /// Uniform in [−1, 1), from the top 24 bits.
    mutating func nextSignedUnitFloat() -> Float {
        Float(next() >> 40) * 0x1p-23 - 1
    }
}
