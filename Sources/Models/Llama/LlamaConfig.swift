import ModelFiles

/// The shape of a Llama-family model, read from a GGUF file's `llama.*` metadata and the
/// token embedding's shape.
public struct LlamaConfig: Sendable, Codable, Equatable {
    public var layerCount: Int          // llama.block_count
    public var embeddingSize: Int       // llama.embedding_length
    public var neuronCount: Int         // llama.feed_forward_length
    public var headCount: Int           // llama.attention.head_count
    public var keyValueHeadCount: Int   // llama.attention.head_count_kv (default: head_count)
    public var headDimension: Int       // embedding_length / head_count
    public var vocabularySize: Int      // rows of token_embd.weight
    public var contextLength: Int       // llama.context_length
    public var ropeBase: Double         // llama.rope.freq_base (default 10,000)
    public var rmsNormEpsilon: Float    // llama.attention.layer_norm_rms_epsilon
    /// True when the file has no `output.weight`, so the LM head is the token embedding.
    public var tiedOutput: Bool
    /// What each rotary inverse frequency is divided by (Llama 3.1's rope scaling: GGUF
    /// `rope_freqs.weight`, or HF `rope_scaling` of type "llama3"); nil: no scaling.
    /// [headDimension / 2]
    public var ropeFrequencyFactors: [Float]? = nil

    /// Floats per token of the queries (and of the attention output): heads · headDimension.
    public var queryWidth: Int { headCount * headDimension }
    /// Floats per token of the keys, and of the values: kvHeads · headDimension.
    public var keyValueWidth: Int { keyValueHeadCount * headDimension }

    /// Reads and checks the configuration of `file`. Throws `GGUFError` for missing or mistyped
    /// metadata and `ModelLoadError.unsupportedFormat` for models this code cannot run
    /// (another architecture, rope scaling other than Llama 3.1's `rope_freqs.weight`, partial
    /// rotary dimensions, inconsistent sizes).
    public static func load(from file: GGUFFile) throws -> LlamaConfig {
        let path = file.path
        func unsupported(_ detail: String) -> ModelLoadError { .unsupportedFormat(file: path, detail: detail) }

        let architecture = try file.string("general.architecture")
        guard architecture == "llama" else {
            throw unsupported("general.architecture is '\(architecture)'; only 'llama' GGUF models are supported")
        }
        func optionalInteger(_ key: String) throws -> Int? { file.metadata[key] == nil ? nil : try file.integer(key) }

        let embeddingSize = try file.integer("llama.embedding_length")
        let headCount = try file.integer("llama.attention.head_count")
        let keyValueHeadCount = try optionalInteger("llama.attention.head_count_kv") ?? headCount
        let embedding = try file.tensor(named: "token_embd.weight")
        var config = LlamaConfig(
            layerCount: try file.integer("llama.block_count"),
            embeddingSize: embeddingSize,
            neuronCount: try file.integer("llama.feed_forward_length"),
            headCount: headCount,
            keyValueHeadCount: keyValueHeadCount,
            headDimension: headCount > 0 ? embeddingSize / headCount : 0,
            vocabularySize: embedding.dimensions.count == 2 ? embedding.dimensions[1] : 0,
            contextLength: try file.integer("llama.context_length"),
            ropeBase: file.metadata["llama.rope.freq_base"] == nil ? 10_000 : try file.number("llama.rope.freq_base"),
            rmsNormEpsilon: Float(try file.number("llama.attention.layer_norm_rms_epsilon")),
            tiedOutput: !file.hasTensor(named: "output.weight"))

        for (name, value) in [("llama.block_count", config.layerCount), ("llama.embedding_length", embeddingSize),
                              ("llama.feed_forward_length", config.neuronCount),
                              ("llama.attention.head_count", headCount),
                              ("llama.attention.head_count_kv", keyValueHeadCount),
                              ("llama.context_length", config.contextLength),
                              ("token_embd.weight rows", config.vocabularySize)] where value <= 0 {
            throw unsupported("\(name) is \(value); it must be positive")
        }
        guard embeddingSize % headCount == 0, config.headDimension % 2 == 0 else {
            throw unsupported("llama.embedding_length \(embeddingSize) is not an even multiple of \(headCount) heads")
        }
        guard headCount % keyValueHeadCount == 0 else {
            throw unsupported("\(headCount) query heads cannot share \(keyValueHeadCount) key/value heads")
        }
        if let keyLength = try optionalInteger("llama.attention.key_length"), keyLength != config.headDimension {
            throw unsupported("llama.attention.key_length \(keyLength) differs from embedding/heads \(config.headDimension)")
        }
        if let rotary = try optionalInteger("llama.rope.dimension_count"), rotary != config.headDimension {
            throw unsupported("llama.rope.dimension_count \(rotary) rotates part of a head of \(config.headDimension); only full rotary embeddings are supported")
        }
        if let scaling = file.metadata["llama.rope.scaling.type"], scaling != .string("none") {
            throw unsupported("llama.rope.scaling.type \(scaling) is not supported")
        }
        if file.hasTensor(named: "rope_freqs.weight") {
            let factors = try file.floats("rope_freqs.weight")
            guard factors.count == config.headDimension / 2, factors.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw unsupported("rope_freqs.weight holds \(factors.count) factors (\(config.headDimension / 2) positive ones expected, one per rotary frequency)")
            }
            config.ropeFrequencyFactors = factors
        }
        if let experts = try optionalInteger("llama.expert_count"), experts > 0 {
            throw unsupported("mixture-of-experts models (llama.expert_count \(experts)) are not supported")
        }
        guard config.rmsNormEpsilon > 0, config.rmsNormEpsilon.isFinite else {
            throw unsupported("llama.attention.layer_norm_rms_epsilon is \(config.rmsNormEpsilon); it must be positive")
        }
        guard config.ropeBase > 0, config.ropeBase.isFinite else {
            throw unsupported("llama.rope.freq_base is \(config.ropeBase); it must be positive")
        }
        return config
    }
}
