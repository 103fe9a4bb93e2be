import Foundation
import Kernels
import ModelFiles

/// A Llama-family model run in float32 on the CPU to read MLP activations: HF
/// `LlamaForCausalLM` (e.g. SmolLM2) from a GGUF file, or Llama, Qwen2 or Mistral from an HF
/// folder (config.json + safetensors, sharded or not). The maths is the same for all; Qwen2
/// adds biases to the q/k/v projections.
///
/// Weights of any dequantizable GGUF type or safetensors float type are converted to f32 at
/// load; only the layers up to the highest one needed are read. Per block: RMSNorm, attention with rotary embeddings and
/// grouped-query heads, RMSNorm, SwiGLU MLP; the LM head is `output.weight` or, when the file
/// has none, the token embedding (tied).
public final class Llama: LanguageModel {
    public let description: ModelDescription
    public let config: LlamaConfig
    /// Blocks held in memory: layers 0..<loadedLayerCount.
    public var loadedLayerCount: Int { weights.blocks.count }
    /// Threads for the matrix products (`blockedSgemm`), the attention and the row kernels.
    public let threads: Int

    private let weights: LlamaWeights
    private let workspace: LlamaWorkspace

    /// What `description.activationDefinition` says for Llama: the input of down_proj.
    public static let activationDefinition = "silu(x·W_gate) ⊙ (x·W_up)"

    /// Loads the GGUF model at `url`, holding layers 0...`maxLayer` (all when nil).
    /// Throws `GGUFError` (bad file, missing or mistyped metadata or tensor) or `ModelLoadError`
    /// (unsupported architecture or options, wrong tensor shape, invalid `maxLayer`), each
    /// naming the file.
    public convenience init(ggufFile url: URL, maxLayer: Int? = nil, threads: Int = 1) throws {
        let file = try GGUFFile(path: url.path)
        let config = try LlamaConfig.load(from: file)
        let layerCount = try Self.layerCount(config: config, maxLayer: maxLayer)
        let threads = max(1, threads)
        var fingerprint = Self.fingerprint(config: config)
        for tensor in file.tensors {
            fingerprint.add("\(tensor.name) \(tensor.type) \(tensor.dimensions)")
        }
        try self.init(family: .llama, config: config, fingerprint: fingerprint.hex, threads: threads,
                      weights: LlamaWeights(source: .gguf(file, threads: threads), config: config, layerCount: layerCount))
    }

    /// Loads the HF folder at `folder` (config.json with model_type "llama", "qwen2" or
    /// "mistral", and `model.safetensors` or sharded `model-*-of-*.safetensors`), holding layers
    /// 0...`maxLayer` (all when nil). Throws `ModelConfigError`, `SafetensorsError` or
    /// `ModelLoadError` (missing tensor, wrong shape, invalid `maxLayer`), each naming the file.
    public convenience init(folder: URL, maxLayer: Int? = nil, threads: Int = 1) throws {
        let (config, family) = try LlamaConfig.load(huggingFaceConfig: folder.appendingPathComponent("config.json"))
        let layerCount = try Self.layerCount(config: config, maxLayer: maxLayer)
        let checkpoint = try SafetensorsCheckpoint(folder: folder)
        var fingerprint = Self.fingerprint(config: config)
        fingerprint.add(family.rawValue)
        for name in checkpoint.tensorNames {
            if let tensor = checkpoint.tensor(name) { fingerprint.add("\(name) \(tensor.dtype.rawValue) \(tensor.shape)") }
        }
        try self.init(family: family, config: config, fingerprint: fingerprint.hex, threads: max(1, threads),
                      weights: LlamaWeights(source: .huggingFace(checkpoint), config: config, layerCount: layerCount))
    }

    private init(family: ModelFamily, config: LlamaConfig, fingerprint: String, threads: Int, weights: LlamaWeights) throws {
        self.config = config
        self.threads = threads
        self.weights = weights
        workspace = LlamaWorkspace(config: config)
        description = ModelDescription(
            family: family, layerCount: config.layerCount, embeddingSize: config.embeddingSize,
            neuronCount: config.neuronCount, vocabularySize: config.vocabularySize,
            maxContext: config.contextLength, activationDefinition: Self.activationDefinition,
            fingerprint: fingerprint)
    }

    /// The number of layers to hold for `maxLayer` (nil: all).
    private static func layerCount(config: LlamaConfig, maxLayer: Int?) throws -> Int {
        guard let maxLayer else { return config.layerCount }
        guard (0..<config.layerCount).contains(maxLayer) else {
            throw ModelLoadError.invalidMaxLayer(maxLayer: maxLayer, layerCount: config.layerCount)
        }
        return maxLayer + 1
    }

    /// Starts a fingerprint with the configuration as sorted JSON; the loaders add every
    /// tensor's name, type and dimensions.
    private static func fingerprint(config: LlamaConfig) -> Fingerprint {
        var fingerprint = Fingerprint()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        fingerprint.add(String(decoding: (try? encoder.encode(config)) ?? Data(), as: UTF8.self))
        return fingerprint
    }

    // MARK: - LanguageModel

    public func forward(_ batch: TokenBatch, span: ForwardSpan, through lastLayer: Int, captureLayers: [Int],
                        captureMLPInput: Bool, sink: (LayerCapture) throws -> Void) throws {
        try validate(batch)
        try ForwardChecks.validate(span: span, lastLayer: lastLayer, captureLayers: captureLayers,
                                   loadedLayerCount: loadedLayerCount, tokens: batch.tokens.count, width: config.embeddingSize)
        try run(batch, span: span, through: lastLayer, finishLastLayer: span.handBack != nil,
                captureLayers: Set(captureLayers), captureMLPInput: captureMLPInput, sink: sink)
    }

    public func logits(_ batch: TokenBatch) throws -> [Float] {
        try validate(batch)
        guard let head = weights.head else {
            throw ModelError.layerNotLoaded(layer: config.layerCount - 1, loadedLayerCount: loadedLayerCount)
        }
        let tokens = batch.tokens.count
        let (c, vocabulary) = (config.embeddingSize, config.vocabularySize)
        try run(batch, span: .whole, through: config.layerCount - 1, finishLastLayer: true,
                captureLayers: [], captureMLPInput: false, sink: { _ in })
        rmsNorm(workspace.residual.pointer, into: workspace.normed.pointer, rows: tokens, width: c,
                weight: head.outputNorm.pointer, epsilon: config.rmsNormEpsilon)
        // logits [tokens, vocab] = norm(x) [tokens, nEmbd] · Wᵀ, W = output or token_embd [vocab, nEmbd].
        let output = head.untiedOutput ?? weights.tokenEmbedding
        return projectToVocabulary(workspace.normed.pointer, output: output.pointer, tokens: tokens, width: c,
                                   vocabulary: vocabulary, threads: threads)
    }

    /// ffn_down [nEmbd, nFF] (column n: neuron n) and output or the tied token_embd [vocab, nEmbd].
    public func withNeuronOutputWeights<R>(layer: Int, _ body: (NeuronOutputWeights) throws -> R) rethrows -> R? {
        // token_embd when tied, which is always loaded; an untied output only with the head.
        guard weights.blocks.indices.contains(layer),
              let output = weights.head?.untiedOutput ?? (config.tiedOutput ? weights.tokenEmbedding : nil) else { return nil }
        return try body(NeuronOutputWeights(directions: weights.blocks[layer].down.pointer, directionsAreColumns: true,
                                            unembedding: output.pointer, neurons: config.neuronCount,
                                            width: config.embeddingSize, vocabulary: config.vocabularySize))
    }

    /// The token_embd row of `token` [nEmbd]; empty when `token` is outside the vocabulary.
    public func tokenEmbedding(_ token: UInt32) -> [Float] {
        embeddingRow(weights.tokenEmbedding.pointer, token: token, width: config.embeddingSize, vocabulary: config.vocabularySize)
    }

    // MARK: - Forward pass

    private func validate(_ batch: TokenBatch) throws {
        try ForwardChecks.validate(batch, maxContext: config.contextLength, vocabularySize: config.vocabularySize)
    }

    /// Layers span.firstLayer...lastLayer, from the span's residual stream or else the embeddings.
    /// The last layer stops after its MLP activations unless `finishLastLayer` (then the residual
    /// stream holds the layer's output, and is handed to the span's `handBack`).
    ///
    /// Every projection is one `blockedSgemm` against weights stored [out, in] (transposeB). Queries,
    /// keys and values come from one product with the stacked q|k|v weights, gate and up from
    /// one with the stacked gate|up weights; the attention and MLP output projections
    /// accumulate into the residual stream with beta = 1.
    private func run(_ batch: TokenBatch, span: ForwardSpan, through lastLayer: Int, finishLastLayer: Bool,
                     captureLayers: Set<Int>, captureMLPInput: Bool,
                     sink: (LayerCapture) throws -> Void) throws {
        let tokens = batch.tokens.count
        let (c, f) = (config.embeddingSize, config.neuronCount)
        let (q, kv) = (config.queryWidth, config.keyValueWidth)
        let qkvWidth = q + 2 * kv
        let epsilon = config.rmsNormEpsilon
        workspace.reserve(tokens: tokens, longestWindow: batch.windowLengths.max() ?? 0)
        let x = workspace.residual.pointer          // [tokens, c]
        let normed = workspace.normed.pointer       // [tokens, c]
        let qkv = workspace.queryKeyValue.pointer   // [tokens, q + 2kv]
        let heads = workspace.attention.pointer     // [tokens, q]
        let gateUp = workspace.gateUp.pointer       // [tokens, 2f]
        let hidden = workspace.hidden.pointer       // [tokens, f]

        if let residual = span.residual {
            x.update(from: residual.baseAddress!, count: tokens * c)
        } else {
            // x = token_embd[token]
            for (index, token) in batch.tokens.enumerated() {
                (x + index * c).update(from: weights.tokenEmbedding.pointer + Int(token) * c, count: c)
            }
        }

        let shape = AttentionShape(heads: config.headCount, keyValueHeads: config.keyValueHeadCount,
                                   headDimension: config.headDimension)
        for layer in span.firstLayer...lastLayer {
            let block = weights.blocks[layer]

            // Attention: x += W_o · attention(rope(W_q·n + b_q), rope(W_k·n + b_k), W_v·n + b_v),
            // n = rmsnorm(x); the biases are Qwen2's (zero otherwise).
            rmsNorm(x, into: normed, rows: tokens, width: c, weight: block.attentionNorm.pointer, epsilon: epsilon,
                    threads: threads)
            blockedSgemm(normed, block.queryKeyValue.pointer, into: qkv, m: tokens, n: qkvWidth, k: c, transposeB: true,
                         addingBias: block.queryKeyValueBias?.pointer, threads: threads)
            applyRotaryEmbedding(qkv, rowStride: qkvWidth, heads: config.headCount,
                                 windowLengths: batch.windowLengths, table: workspace.rotary, pairing: weights.rotaryPairing)
            applyRotaryEmbedding(qkv + q, rowStride: qkvWidth, heads: config.keyValueHeadCount,
                                 windowLengths: batch.windowLengths, table: workspace.rotary, pairing: weights.rotaryPairing)
            causalAttention(
                query: StridedRows(base: qkv, rowStride: qkvWidth),
                key: StridedRows(base: qkv + q, rowStride: qkvWidth),
                value: StridedRows(base: qkv + q + kv, rowStride: qkvWidth),
                into: heads, outputRowStride: q,
                windowLengths: batch.windowLengths, shape: shape, threads: threads)
            blockedSgemm(heads, block.attentionOutput.pointer, into: x, m: tokens, n: c, k: q, transposeB: true, beta: 1, threads: threads)

            // MLP activations: hidden = silu(n·W_gateᵀ) ⊙ (n·W_upᵀ), n = rmsnorm(x)
            rmsNorm(x, into: normed, rows: tokens, width: c, weight: block.mlpNorm.pointer, epsilon: epsilon,
                    threads: threads)
            blockedSgemm(normed, block.gateUp.pointer, into: gateUp, m: tokens, n: 2 * f, k: c, transposeB: true, threads: threads)
            swiGLU(gateUp, into: hidden, rows: tokens, width: f, threads: threads)

            if captureLayers.contains(layer) {
                try sink(LayerCapture(
                    layer: layer, tokenCount: tokens,
                    activations: UnsafeBufferPointer(start: hidden, count: tokens * f),
                    mlpInput: captureMLPInput ? UnsafeBufferPointer(start: normed, count: tokens * c) : nil))
            }
            if layer == lastLayer && !finishLastLayer { break }

            // x += hidden · W_downᵀ
            blockedSgemm(hidden, block.down.pointer, into: x, m: tokens, n: c, k: f, transposeB: true, beta: 1, threads: threads)
        }
        try span.handBack?(UnsafeBufferPointer(start: x, count: tokens * c))
    }
}
