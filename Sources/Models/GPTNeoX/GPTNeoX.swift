import Foundation
import Kernels
import ModelFiles

/// GPT-NeoX (HF `GPTNeoXForCausalLM`: Pythia, GPT-NeoX-20B) in float32 on the CPU, for reading
/// MLP activations.
///
/// Weights come from an HF folder (config.json + safetensors, F32/F16/BF16, single or sharded,
/// keys with or without `gpt_neox.`). Per block: layernorm, attention with partial rotary
/// embeddings (the first `rotary_pct` of each head, rotate_half pairing), and an MLP on a second
/// layernorm, either of the same input (`use_parallel_residual`) or of the attention's output.
/// The LM head is the untied `embed_out`. Only the layers up to the highest one needed are held
/// in memory.
public final class GPTNeoX: LanguageModel {
    public let description: ModelDescription
    public let config: GPTNeoXConfig
    /// Blocks held in memory: layers 0..<loadedLayerCount.
    public var loadedLayerCount: Int { weights.blocks.count }
    /// Threads for the forward pass (matrix products in a fixed block grid, attention).
    public let threads: Int

    private let weights: GPTNeoXWeights
    private let workspace: GPTNeoXWorkspace

    /// What `description.activationDefinition` says for GPT-NeoX: the input of dense_4h_to_h.
    public static let activationDefinition = "gelu(post_attention_layernorm(x)·W_h_to_4h + b_h_to_4h)"

    /// Loads the HF GPT-NeoX folder at `folder`, holding layers 0...`maxLayer` (all when nil).
    /// Throws `ModelConfigError`, `SafetensorsError` or `ModelLoadError`, each naming the file.
    public init(folder: URL, maxLayer: Int? = nil, threads: Int = 1) throws {
        let configURL = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw ModelLoadError.missingConfig(folder: folder.path)
        }
        let config = try GPTNeoXConfig.load(from: configURL)
        let layerCount: Int
        if let maxLayer {
            guard (0..<config.numHiddenLayers).contains(maxLayer) else {
                throw ModelLoadError.invalidMaxLayer(maxLayer: maxLayer, layerCount: config.numHiddenLayers)
            }
            layerCount = maxLayer + 1
        } else {
            layerCount = config.numHiddenLayers
        }
        let checkpoint = try SafetensorsCheckpoint(folder: folder)
        self.config = config
        self.threads = max(1, threads)
        weights = try GPTNeoXWeights(checkpoint: checkpoint, config: config, layerCount: layerCount)
        workspace = GPTNeoXWorkspace(config: config)
        description = ModelDescription(
            family: .gptNeoX, layerCount: config.numHiddenLayers, embeddingSize: config.hiddenSize,
            neuronCount: config.intermediateSize, vocabularySize: config.vocabSize,
            maxContext: config.maxPositionEmbeddings, activationDefinition: Self.activationDefinition,
            fingerprint: Self.fingerprint(config: config, checkpoint: checkpoint))
    }

    /// The configuration as sorted JSON, then every tensor's name (without `gpt_neox.`), dtype
    /// and shape.
    private static func fingerprint(config: GPTNeoXConfig, checkpoint: SafetensorsCheckpoint) -> String {
        var fingerprint = Fingerprint()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        fingerprint.add(String(decoding: (try? encoder.encode(config)) ?? Data(), as: UTF8.self))
        let prefix = "gpt_neox."
        for name in checkpoint.tensorNames {
            guard let tensor = checkpoint.tensor(name) else { continue }
            let key = name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
            fingerprint.add("\(key) \(tensor.dtype.rawValue) \(tensor.shape)")
        }
        return fingerprint.hex
    }

    // MARK: - LanguageModel

    public func forward(_ batch: TokenBatch, span: ForwardSpan, through lastLayer: Int, captureLayers: [Int],
                        captureMLPInput: Bool, sink: (LayerCapture) throws -> Void) throws {
        try validate(batch)
        try ForwardChecks.validate(span: span, lastLayer: lastLayer, captureLayers: captureLayers,
                                   loadedLayerCount: loadedLayerCount, tokens: batch.tokens.count, width: config.hiddenSize)
        try run(batch, span: span, through: lastLayer, finishLastLayer: span.handBack != nil,
                captureLayers: Set(captureLayers), captureMLPInput: captureMLPInput, sink: sink)
    }

    public func logits(_ batch: TokenBatch) throws -> [Float] {
        try validate(batch)
        guard let head = weights.head else {
            throw ModelError.layerNotLoaded(layer: config.numHiddenLayers - 1, loadedLayerCount: loadedLayerCount)
        }
        let tokens = batch.tokens.count
        let (c, vocabulary) = (config.hiddenSize, config.vocabSize)
        try run(batch, span: .whole, through: config.numHiddenLayers - 1, finishLastLayer: true,
                captureLayers: [], captureMLPInput: false, sink: { _ in })
        layerNorm(workspace.residual.pointer, into: workspace.normed.pointer, rows: tokens, width: c,
                  weight: head.finalNormWeight.pointer, bias: head.finalNormBias.pointer,
                  epsilon: config.layerNormEps)
        // logits [tokens, vocab] = final_layer_norm(x) [tokens, hidden] · Wᵀ, W = embed_out [vocab, hidden].
        let output = head.untiedOutput ?? weights.tokenEmbedding
        return projectToVocabulary(workspace.normed.pointer, output: output.pointer, tokens: tokens, width: c, vocabulary: vocabulary, threads: threads)
    }

    /// Neuron n's output direction is column n of `dense_4h_to_h` [hidden, intermediate]; the
    /// unembedding is `embed_out`. Nil unless the head (the last layer) was loaded.
    public func withNeuronOutputWeights<R>(layer: Int, _ body: (NeuronOutputWeights) throws -> R) rethrows -> R? {
        guard let head = weights.head, weights.blocks.indices.contains(layer) else { return nil }
        let output = head.untiedOutput ?? weights.tokenEmbedding
        return try body(NeuronOutputWeights(directions: weights.blocks[layer].mlpDownWeight.pointer, directionsAreColumns: true,
                                            unembedding: output.pointer, neurons: config.intermediateSize,
                                            width: config.hiddenSize, vocabulary: config.vocabSize))
    }

    /// The embed_in row of `token` [hidden]; empty when `token` is outside the vocabulary.
    public func tokenEmbedding(_ token: UInt32) -> [Float] {
        embeddingRow(weights.tokenEmbedding.pointer, token: token, width: config.hiddenSize, vocabulary: config.vocabSize)
    }

    // MARK: - Forward pass

    private func validate(_ batch: TokenBatch) throws {
        try ForwardChecks.validate(batch, maxContext: config.maxPositionEmbeddings, vocabularySize: config.vocabSize)
    }

    /// Layers span.firstLayer...lastLayer, from the span's residual stream or else the embeddings.
    /// The last layer stops after its MLP activations unless `finishLastLayer` (then the residual
    /// stream holds the layer's output, and is handed to the span's `handBack`).
    ///
    /// Every projection is one `blockedSgemm` against weights stored [out, in] (transposeB); the
    /// qkv bias is added inside it, block by block, dense_h_to_4h's inside gelu, which runs on
    /// each block of its product as the block is finished. The attention and MLP
    /// output projections accumulate into the residual stream with beta = 1. With the parallel
    /// residual both layernorms read the block's input, so the MLP's is taken before the
    /// attention output is added.
    private func run(_ batch: TokenBatch, span: ForwardSpan, through lastLayer: Int, finishLastLayer: Bool,
                     captureLayers: Set<Int>, captureMLPInput: Bool,
                     sink: (LayerCapture) throws -> Void) throws {
        let tokens = batch.tokens.count
        let (c, f) = (config.hiddenSize, config.intermediateSize)
        let epsilon = config.layerNormEps
        workspace.reserve(tokens: tokens, longestWindow: batch.windowLengths.max() ?? 0)
        let x = workspace.residual.pointer       // [tokens, c]
        let normed = workspace.normed.pointer    // [tokens, c]
        let qkv = workspace.qkv.pointer          // [tokens, 3c]
        let heads = workspace.attention.pointer  // [tokens, c]
        let hidden = workspace.hidden.pointer    // [tokens, f]

        if let residual = span.residual {
            x.update(from: residual.baseAddress!, count: tokens * c)
        } else {
            // x = embed_in[token]
            for (index, token) in batch.tokens.enumerated() {
                (x + index * c).update(from: weights.tokenEmbedding.pointer + Int(token) * c, count: c)
            }
        }

        let shape = AttentionShape(heads: config.numAttentionHeads, keyValueHeads: config.numAttentionHeads,
                                   headDimension: config.headDimension)
        for layer in span.firstLayer...lastLayer {
            let block = weights.blocks[layer]

            // Attention: heads = attention(rope(q), rope(k), v), q|k|v = input_layernorm(x)·W_qkvᵀ + b_qkv
            layerNorm(x, into: normed, rows: tokens, width: c,
                      weight: block.inputNormWeight.pointer, bias: block.inputNormBias.pointer, epsilon: epsilon,
                      threads: threads)
            blockedSgemm(normed, block.queryKeyValueWeight.pointer, into: qkv, m: tokens, n: 3 * c, k: c, transposeB: true,
                         addingBias: block.queryKeyValueBias.pointer, threads: threads)
            for start in [0, c] {  // queries, then keys: the first rotary dimensions of each head
                applyRotaryEmbedding(qkv + start, rowStride: 3 * c, heads: config.numAttentionHeads,
                                     headStride: config.headDimension, windowLengths: batch.windowLengths,
                                     table: workspace.rotary, pairing: .halves)
            }
            causalAttention(
                query: StridedRows(base: qkv, rowStride: 3 * c),
                key: StridedRows(base: qkv + c, rowStride: 3 * c),
                value: StridedRows(base: qkv + 2 * c, rowStride: 3 * c),
                into: heads, outputRowStride: c,
                windowLengths: batch.windowLengths, shape: shape, threads: threads)

            // x += heads·W_denseᵀ + b_dense, before (sequential) or after (parallel) the MLP's layernorm.
            if config.useParallelResidual {
                layerNorm(x, into: normed, rows: tokens, width: c,
                          weight: block.mlpNormWeight.pointer, bias: block.mlpNormBias.pointer, epsilon: epsilon,
                          threads: threads)
            }
            addBias(x, rows: tokens, width: c, bias: block.attentionOutputBias.pointer)
            blockedSgemm(heads, block.attentionOutputWeight.pointer, into: x, m: tokens, n: c, k: c, transposeB: true, beta: 1, threads: threads)
            if !config.useParallelResidual {
                layerNorm(x, into: normed, rows: tokens, width: c,
                          weight: block.mlpNormWeight.pointer, bias: block.mlpNormBias.pointer, epsilon: epsilon,
                          threads: threads)
            }

            // MLP activations: hidden = gelu(normed·W_h_to_4hᵀ + b_h_to_4h), on each block of the
            // product as it is finished, while it is in cache.
            let upBias = block.mlpUpBias.pointer
            blockedSgemm(normed, block.mlpUpWeight.pointer, into: hidden, m: tokens, n: f, k: c, transposeB: true, threads: threads) {
                gelu($0, bias: upBias)
            }

            if captureLayers.contains(layer) {
                try sink(LayerCapture(
                    layer: layer, tokenCount: tokens,
                    activations: UnsafeBufferPointer(start: hidden, count: tokens * f),
                    mlpInput: captureMLPInput ? UnsafeBufferPointer(start: normed, count: tokens * c) : nil))
            }
            if layer == lastLayer && !finishLastLayer { break }

            // x += hidden·W_4h_to_hᵀ + b_4h_to_h
            addBias(x, rows: tokens, width: c, bias: block.mlpDownBias.pointer)
            blockedSgemm(hidden, block.mlpDownWeight.pointer, into: x, m: tokens, n: c, k: f, transposeB: true, beta: 1, threads: threads)
        }
        try span.handBack?(UnsafeBufferPointer(start: x, count: tokens * c))
    }
}
