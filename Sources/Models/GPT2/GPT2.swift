import Foundation
import Kernels
import ModelFiles

/// GPT-2 (HF `GPT2LMHeadModel`) in float32 on the CPU, for reading MLP activations.
///
/// Weights come from an HF folder (config.json + safetensors, F32/F16/BF16, single or sharded,
/// keys with or without `transformer.`) or are random with real shapes (benchmarks). Only the
/// layers up to the highest one needed are held in memory.
public final class GPT2: LanguageModel {
    public let description: ModelDescription
    public let config: GPT2Config
    /// Blocks held in memory: layers 0..<loadedLayerCount.
    public var loadedLayerCount: Int { weights.blocks.count }
    /// Threads for the matrix products (`blockedSgemm`), the attention and the row kernels.
    public let threads: Int

    private let weights: GPT2Weights
    private let workspace: GPT2Workspace

    /// What `description.activationDefinition` says for GPT-2.
    public static let activationDefinition = "gelu_new(ln_2(x)·W_fc + b_fc)"

    /// Loads the HF GPT-2 folder at `folder`, holding layers 0...`maxLayer` (all when nil).
    /// Throws `ModelConfigError`, `SafetensorsError` or `ModelLoadError`, each naming the file.
    public convenience init(folder: URL, maxLayer: Int? = nil, threads: Int = 1) throws {
        let configURL = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw ModelLoadError.missingConfig(folder: folder.path)
        }
        let config = try GPT2Config.load(from: configURL)
        let layerCount = try Self.layerCount(config: config, maxLayer: maxLayer)
        let checkpoint = try SafetensorsCheckpoint(folder: folder)
        let weights = try GPT2Weights(checkpoint: checkpoint, config: config, layerCount: layerCount)

        var fingerprint = Fingerprint()
        fingerprint.add(Self.canonicalConfig(config))
        let prefix = "transformer."
        for name in checkpoint.tensorNames {
            guard let tensor = checkpoint.tensor(name) else { continue }
            let key = name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
            fingerprint.add("\(key) \(tensor.dtype.rawValue) \(tensor.shape)")
        }
        self.init(config: config, weights: weights, threads: threads, fingerprint: fingerprint.hex)
    }

    /// A model of `config`'s shapes with random weights (deterministic for `seed`), holding
    /// layers 0...`maxLayer` (all when nil). `config` must be valid (see `GPT2Config.validate`).
    public convenience init(randomWeightsFor config: GPT2Config, maxLayer: Int? = nil,
                            threads: Int = 1, seed: UInt64 = 0) throws {
        try config.validate(file: "random GPT-2 config")
        let layerCount = try Self.layerCount(config: config, maxLayer: maxLayer)
        var fingerprint = Fingerprint()
        fingerprint.add(Self.canonicalConfig(config))
        fingerprint.add("random weights, seed \(seed)")
        self.init(config: config,
                  weights: GPT2Weights.random(config: config, layerCount: layerCount, seed: seed, threads: threads),
                  threads: threads, fingerprint: fingerprint.hex)
    }

    private init(config: GPT2Config, weights: GPT2Weights, threads: Int, fingerprint: String) {
        self.config = config
        self.weights = weights
        self.threads = max(1, threads)
        workspace = GPT2Workspace(embeddingSize: config.nEmbd, neuronCount: config.neuronCount)
        description = ModelDescription(
            family: .gpt2, layerCount: config.nLayer, embeddingSize: config.nEmbd,
            neuronCount: config.neuronCount, vocabularySize: config.vocabSize,
            maxContext: config.nPositions, activationDefinition: Self.activationDefinition,
            fingerprint: fingerprint)
    }

    private static func layerCount(config: GPT2Config, maxLayer: Int?) throws -> Int {
        guard let maxLayer else { return config.nLayer }
        guard (0..<config.nLayer).contains(maxLayer) else {
            throw ModelLoadError.invalidMaxLayer(maxLayer: maxLayer, layerCount: config.nLayer)
        }
        return maxLayer + 1
    }

    private static func canonicalConfig(_ config: GPT2Config) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(config)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: - LanguageModel

    public func forward(_ batch: TokenBatch, span: ForwardSpan, through lastLayer: Int, captureLayers: [Int],
                        captureMLPInput: Bool, sink: (LayerCapture) throws -> Void) throws {
        try validate(batch)
        try ForwardChecks.validate(span: span, lastLayer: lastLayer, captureLayers: captureLayers,
                                   loadedLayerCount: loadedLayerCount, tokens: batch.tokens.count, width: config.nEmbd)
        try run(batch, span: span, through: lastLayer, finishLastLayer: span.handBack != nil,
                captureLayers: Set(captureLayers), captureMLPInput: captureMLPInput, sink: sink)
    }

    public func logits(_ batch: TokenBatch) throws -> [Float] {
        try validate(batch)
        guard let head = weights.head else {
            throw ModelError.layerNotLoaded(layer: config.nLayer - 1, loadedLayerCount: loadedLayerCount)
        }
        let tokens = batch.tokens.count
        let (c, vocab) = (config.nEmbd, config.vocabSize)
        try run(batch, span: .whole, through: config.nLayer - 1, finishLastLayer: true,
                captureLayers: [], captureMLPInput: false, sink: { _ in })
        layerNorm(workspace.residual.pointer, into: workspace.normed.pointer, rows: tokens, width: c,
                  weight: head.lnFWeight.pointer, bias: head.lnFBias.pointer,
                  epsilon: config.layerNormEpsilon)
        // logits [tokens, vocab] = ln_f(x) [tokens, nEmbd] · Wᵀ, W = wte or lm_head [vocab, nEmbd].
        let output = head.untiedOutput ?? weights.tokenEmbedding
        return projectToVocabulary(workspace.normed.pointer, output: output.pointer, tokens: tokens, width: c,
                                   vocabulary: vocab, threads: threads)
    }

    /// c_proj [nInner, nEmbd] (row n: neuron n) and lm_head or the tied wte [vocab, nEmbd].
    public func withNeuronOutputWeights<R>(layer: Int, _ body: (NeuronOutputWeights) throws -> R) rethrows -> R? {
        // wte when tied, which is always loaded; an untied lm_head only with the head.
        guard weights.blocks.indices.contains(layer),
              let output = weights.head?.untiedOutput ?? (weights.outputIsTied ? weights.tokenEmbedding : nil) else { return nil }
        return try body(NeuronOutputWeights(directions: weights.blocks[layer].mlpDownWeight.pointer, directionsAreColumns: false,
                                            unembedding: output.pointer, neurons: config.neuronCount,
                                            width: config.nEmbd, vocabulary: config.vocabSize))
    }

    /// The wte row of `token` [nEmbd]; empty when `token` is outside the vocabulary.
    public func tokenEmbedding(_ token: UInt32) -> [Float] {
        embeddingRow(weights.tokenEmbedding.pointer, token: token, width: config.nEmbd, vocabulary: config.vocabSize)
    }

    // MARK: - Forward pass

    private func validate(_ batch: TokenBatch) throws {
        try ForwardChecks.validate(batch, maxContext: config.nPositions, vocabularySize: config.vocabSize)
    }

    /// Layers span.firstLayer...lastLayer, from the span's residual stream or else the embeddings.
    /// The last layer stops after its MLP activations unless `finishLastLayer` (then the residual
    /// stream holds the layer's output, and is handed to the span's `handBack`).
    ///
    /// Matrix products: HF's Conv1D stores its weight W as [in, out] row-major, which is exactly
    /// the B of `C[tokens, out] = A[tokens, in] · B[in, out]`, so every projection is one
    /// `blockedSgemm` with no transposition (CblasNoTrans, ldb = out) and weights are used as stored.
    /// c_attn's bias is added block by block inside `blockedSgemm`, c_fc's inside gelu, which runs
    /// on each block of its product as the block is finished; the attention and MLP output
    /// projections accumulate into the residual stream with beta = 1, after their biases were
    /// added to it in the pass of the layernorm before them.
    private func run(_ batch: TokenBatch, span: ForwardSpan, through lastLayer: Int, finishLastLayer: Bool,
                     captureLayers: Set<Int>, captureMLPInput: Bool,
                     sink: (LayerCapture) throws -> Void) throws {
        let tokens = batch.tokens.count
        let (c, f) = (config.nEmbd, config.neuronCount)
        let epsilon = config.layerNormEpsilon
        workspace.reserve(tokens: tokens)
        let x = workspace.residual.pointer       // [tokens, c]
        let normed = workspace.normed.pointer    // [tokens, c]
        let qkv = workspace.qkv.pointer          // [tokens, 3c]
        let heads = workspace.attention.pointer  // [tokens, c]
        let hidden = workspace.hidden.pointer    // [tokens, f]

        if let residual = span.residual {
            x.update(from: residual.baseAddress!, count: tokens * c)
        } else {
            // x = wte[token] + wpe[position in window]
            var token = 0
            for length in batch.windowLengths {
                for position in 0..<length {
                    let row = x + token * c
                    let wte = weights.tokenEmbedding.pointer + Int(batch.tokens[token]) * c
                    let wpe = weights.positionEmbedding.pointer + position * c
                    for i in 0..<c { row[i] = wte[i] + wpe[i] }
                    token += 1
                }
            }
        }

        let shape = AttentionShape(heads: config.nHead, keyValueHeads: config.nHead,
                                   headDimension: config.headDimension)
        for layer in span.firstLayer...lastLayer {
            let block = weights.blocks[layer]

            // Attention: x += c_proj(attention(c_attn(ln_1(x)))); c_proj's bias joins x in ln_1's pass.
            layerNorm(x, into: normed, rows: tokens, width: c,
                      weight: block.ln1Weight.pointer, bias: block.ln1Bias.pointer, epsilon: epsilon,
                      thenAddingToInput: block.projectionBias.pointer, threads: threads)
            blockedSgemm(normed, block.attentionWeight.pointer, into: qkv, m: tokens, n: 3 * c, k: c,
                         addingBias: block.attentionBias.pointer, threads: threads)
            causalAttention(
                query: StridedRows(base: qkv, rowStride: 3 * c),
                key: StridedRows(base: qkv + c, rowStride: 3 * c),
                value: StridedRows(base: qkv + 2 * c, rowStride: 3 * c),
                into: heads, outputRowStride: c,
                windowLengths: batch.windowLengths, shape: shape, threads: threads)
            blockedSgemm(heads, block.projectionWeight.pointer, into: x, m: tokens, n: c, k: c, beta: 1, threads: threads)

            // MLP activations: hidden = gelu_new(ln_2(x) · W_fc + b_fc); mlp.c_proj's bias joins x
            // in ln_2's pass (x is not read again before mlp.c_proj adds into it).
            layerNorm(x, into: normed, rows: tokens, width: c,
                      weight: block.ln2Weight.pointer, bias: block.ln2Bias.pointer, epsilon: epsilon,
                      thenAddingToInput: block.mlpDownBias.pointer, threads: threads)
            // gelu_new on each block of the product as it is finished, while it is in cache.
            let upBias = block.mlpUpBias.pointer
            blockedSgemm(normed, block.mlpUpWeight.pointer, into: hidden, m: tokens, n: f, k: c, threads: threads) {
                geluNew($0, bias: upBias)
            }

            if captureLayers.contains(layer) {
                try sink(LayerCapture(
                    layer: layer, tokenCount: tokens,
                    activations: UnsafeBufferPointer(start: hidden, count: tokens * f),
                    mlpInput: captureMLPInput ? UnsafeBufferPointer(start: normed, count: tokens * c) : nil))
            }
            if layer == lastLayer && !finishLastLayer { break }

            // x += hidden · W_proj (b_proj is in x already)
            blockedSgemm(hidden, block.mlpDownWeight.pointer, into: x, m: tokens, n: c, k: f, beta: 1, threads: threads)
        }
        try span.handBack?(UnsafeBufferPointer(start: x, count: tokens * c))
    }
}
