import Foundation
import Kernels
import ModelFiles

/// A Llama-family model (HF `LlamaForCausalLM`, e.g. SmolLM2) from a GGUF file, run in float32
/// on the CPU to read MLP activations.
///
/// Weights of any dequantizable GGUF type are converted to f32 at load; only the layers up to
/// the highest one needed are read. Per block: RMSNorm, attention with rotary embeddings and
/// grouped-query heads, RMSNorm, SwiGLU MLP; the LM head is `output.weight` or, when the file
/// has none, the token embedding (tied).
public final class Llama: LanguageModel {
    public let description: ModelDescription
    public let config: LlamaConfig
    /// Blocks held in memory: layers 0..<loadedLayerCount.
    public var loadedLayerCount: Int { weights.blocks.count }
    /// Threads for OpenBLAS and for the attention.
    public let threads: Int

    private let weights: LlamaWeights
    private let workspace: LlamaWorkspace

    /// What `description.activationDefinition` says for Llama: the input of down_proj.
    public static let activationDefinition = "silu(x·W_gate) ⊙ (x·W_up)"

    /// Loads the GGUF model at `url`, holding layers 0...`maxLayer` (all when nil).
    /// Throws `GGUFError` (bad file, missing or mistyped metadata or tensor) or `ModelLoadError`
    /// (unsupported architecture or options, wrong tensor shape, invalid `maxLayer`), each
    /// naming the file.
    public init(ggufFile url: URL, maxLayer: Int? = nil, threads: Int = 1) throws {
        let file = try GGUFFile(path: url.path)
        let config = try LlamaConfig.load(from: file)
        let layerCount: Int
        if let maxLayer {
            guard (0..<config.layerCount).contains(maxLayer) else {
                throw ModelLoadError.invalidMaxLayer(maxLayer: maxLayer, layerCount: config.layerCount)
            }
            layerCount = maxLayer + 1
        } else {
            layerCount = config.layerCount
        }
        self.config = config
        self.threads = max(1, threads)
        weights = try LlamaWeights(file: file, config: config, layerCount: layerCount, threads: self.threads)
        workspace = LlamaWorkspace(config: config)
        description = ModelDescription(
            family: .llama, layerCount: config.layerCount, embeddingSize: config.embeddingSize,
            neuronCount: config.neuronCount, vocabularySize: config.vocabularySize,
            maxContext: config.contextLength, activationDefinition: Self.activationDefinition,
            fingerprint: Self.fingerprint(config: config, file: file))
    }

    /// The configuration as sorted JSON, then every tensor's name, type and dimensions.
    private static func fingerprint(config: LlamaConfig, file: GGUFFile) -> String {
        var fingerprint = Fingerprint()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        fingerprint.add(String(decoding: (try? encoder.encode(config)) ?? Data(), as: UTF8.self))
        for tensor in file.tensors {
            fingerprint.add("\(tensor.name) \(tensor.type) \(tensor.dimensions)")
        }
        return fingerprint.hex
    }

    // MARK: - LanguageModel

    public func forward(_ batch: TokenBatch, through lastLayer: Int, captureLayers: [Int],
                        captureMLPInput: Bool, sink: (LayerCapture) throws -> Void) throws {
        try validate(batch)
        try ForwardChecks.validate(lastLayer: lastLayer, captureLayers: captureLayers, loadedLayerCount: loadedLayerCount)
        try run(batch, through: lastLayer, finishLastLayer: false,
                captureLayers: Set(captureLayers), captureMLPInput: captureMLPInput, sink: sink)
    }

    public func logits(_ batch: TokenBatch) throws -> [Float] {
        try validate(batch)
        guard let head = weights.head else {
            throw ModelError.layerNotLoaded(layer: config.layerCount - 1, loadedLayerCount: loadedLayerCount)
        }
        let tokens = batch.tokens.count
        let (c, vocabulary) = (config.embeddingSize, config.vocabularySize)
        try run(batch, through: config.layerCount - 1, finishLastLayer: true,
                captureLayers: [], captureMLPInput: false, sink: { _ in })
        rmsNorm(workspace.residual.pointer, into: workspace.normed.pointer, rows: tokens, width: c,
                weight: head.outputNorm.pointer, epsilon: config.rmsNormEpsilon)
        // logits [tokens, vocab] = norm(x) [tokens, nEmbd] · Wᵀ, W = output or token_embd [vocab, nEmbd].
        let output = head.untiedOutput ?? weights.tokenEmbedding
        return projectToVocabulary(workspace.normed.pointer, output: output.pointer, tokens: tokens, width: c, vocabulary: vocabulary)
    }

    /// ffn_down [nEmbd, nFF] (column n: neuron n) and output or the tied token_embd [vocab, nEmbd].
    public func withNeuronOutputWeights<R>(layer: Int, _ body: (NeuronOutputWeights) throws -> R) rethrows -> R? {
        guard let head = weights.head, weights.blocks.indices.contains(layer) else { return nil }
        let output = head.untiedOutput ?? weights.tokenEmbedding
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

    /// Layers 0...lastLayer. The last layer stops after its MLP activations unless
    /// `finishLastLayer` (then the residual stream holds the layer's output).
    ///
    /// Every projection is one `sgemm` against weights stored [out, in] (transposeB). Queries,
    /// keys and values come from one product with the stacked q|k|v weights, gate and up from
    /// one with the stacked gate|up weights; the attention and MLP output projections
    /// accumulate into the residual stream with beta = 1.
    private func run(_ batch: TokenBatch, through lastLayer: Int, finishLastLayer: Bool,
                     captureLayers: Set<Int>, captureMLPInput: Bool,
                     sink: (LayerCapture) throws -> Void) throws {
        let tokens = batch.tokens.count
        let (c, f) = (config.embeddingSize, config.neuronCount)
        let (q, kv) = (config.queryWidth, config.keyValueWidth)
        let qkvWidth = q + 2 * kv
        let epsilon = config.rmsNormEpsilon
        BLAS.setThreadCount(threads)
        workspace.reserve(tokens: tokens, longestWindow: batch.windowLengths.max() ?? 0)
        let x = workspace.residual.pointer          // [tokens, c]
        let normed = workspace.normed.pointer       // [tokens, c]
        let qkv = workspace.queryKeyValue.pointer   // [tokens, q + 2kv]
        let heads = workspace.attention.pointer     // [tokens, q]
        let gateUp = workspace.gateUp.pointer       // [tokens, 2f]
        let hidden = workspace.hidden.pointer       // [tokens, f]

        // x = token_embd[token]
        for (index, token) in batch.tokens.enumerated() {
            (x + index * c).update(from: weights.tokenEmbedding.pointer + Int(token) * c, count: c)
        }

        let shape = AttentionShape(heads: config.headCount, keyValueHeads: config.keyValueHeadCount,
                                   headDimension: config.headDimension)
        for layer in 0...lastLayer {
            let block = weights.blocks[layer]

            // Attention: x += W_o · attention(rope(W_q·n), rope(W_k·n), W_v·n), n = rmsnorm(x)
            rmsNorm(x, into: normed, rows: tokens, width: c, weight: block.attentionNorm.pointer, epsilon: epsilon,
                    threads: threads)
            sgemm(normed, block.queryKeyValue.pointer, into: qkv, m: tokens, n: qkvWidth, k: c, transposeB: true)
            // GGUF q/k rows are permuted by llama.cpp's converter: rotate adjacent pairs.
            applyRotaryEmbedding(qkv, rowStride: qkvWidth, heads: config.headCount,
                                 windowLengths: batch.windowLengths, table: workspace.rotary, pairing: .adjacent)
            applyRotaryEmbedding(qkv + q, rowStride: qkvWidth, heads: config.keyValueHeadCount,
                                 windowLengths: batch.windowLengths, table: workspace.rotary, pairing: .adjacent)
            causalAttention(
                query: StridedRows(base: qkv, rowStride: qkvWidth),
                key: StridedRows(base: qkv + q, rowStride: qkvWidth),
                value: StridedRows(base: qkv + q + kv, rowStride: qkvWidth),
                into: heads, outputRowStride: q,
                windowLengths: batch.windowLengths, shape: shape, threads: threads)
            sgemm(heads, block.attentionOutput.pointer, into: x, m: tokens, n: c, k: q, transposeB: true, beta: 1)

            // MLP activations: hidden = silu(n·W_gateᵀ) ⊙ (n·W_upᵀ), n = rmsnorm(x)
            rmsNorm(x, into: normed, rows: tokens, width: c, weight: block.mlpNorm.pointer, epsilon: epsilon,
                    threads: threads)
            sgemm(normed, block.gateUp.pointer, into: gateUp, m: tokens, n: 2 * f, k: c, transposeB: true)
            swiGLU(gateUp, into: hidden, rows: tokens, width: f, threads: threads)

            if captureLayers.contains(layer) {
                try sink(LayerCapture(
                    layer: layer, tokenCount: tokens,
                    activations: UnsafeBufferPointer(start: hidden, count: tokens * f),
                    mlpInput: captureMLPInput ? UnsafeBufferPointer(start: normed, count: tokens * c) : nil))
            }
            if layer == lastLayer && !finishLastLayer { break }

            // x += hidden · W_downᵀ
            sgemm(hidden, block.down.pointer, into: x, m: tokens, n: c, k: f, transposeB: true, beta: 1)
        }
    }
}
