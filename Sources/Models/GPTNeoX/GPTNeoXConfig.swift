import Foundation
import ModelFiles

/// The HF GPT-NeoX `config.json` (Pythia, GPT-NeoX-20B), with its keys spelled as HF spells them.
///
/// Rotary settings are read from `rotary_pct` / `rotary_emb_base` (the keys of the published
/// checkpoints) or, as transformers 5 writes them, from `rope_parameters.partial_rotary_factor` /
/// `rope_theta`. Keys with an HF default may be absent (`layer_norm_eps` 1e-5, `hidden_act`
/// "gelu", `rotary_pct` 0.25, `rotary_emb_base` 10000, `use_parallel_residual` true,
/// `attention_bias` true, `tie_word_embeddings` false); the others are required.
public struct GPTNeoXConfig: Codable, Sendable, Equatable {
    public var modelType: String
    public var numHiddenLayers: Int
    public var hiddenSize: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int
    public var vocabSize: Int
    public var layerNormEps: Float
    public var hiddenAct: String
    /// Fraction of each head's dimensions that rotary embeddings rotate.
    public var rotaryPct: Double
    public var rotaryEmbBase: Double
    /// x + attn(ln1(x)) + mlp(ln2(x)) when true; x' = x + attn(ln1(x)), x' + mlp(ln2(x')) when false.
    public var useParallelResidual: Bool
    public var attentionBias: Bool
    public var tieWordEmbeddings: Bool

    /// The `hidden_act` values this implementation runs, HF `ACT2FN` names.
    public static let supportedActivations = ["gelu"]

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type"
        case numHiddenLayers = "num_hidden_layers"
        case hiddenSize = "hidden_size"
        case numAttentionHeads = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case maxPositionEmbeddings = "max_position_embeddings"
        case vocabSize = "vocab_size"
        case layerNormEps = "layer_norm_eps"
        case hiddenAct = "hidden_act"
        case rotaryPct = "rotary_pct"
        case rotaryEmbBase = "rotary_emb_base"
        case useParallelResidual = "use_parallel_residual"
        case attentionBias = "attention_bias"
        case tieWordEmbeddings = "tie_word_embeddings"
        case ropeParameters = "rope_parameters"
    }

    /// transformers 5's spelling of the rotary settings.
    private struct RopeParameters: Decodable {
        var ropeTheta: Double?
        var partialRotaryFactor: Double?
        enum CodingKeys: String, CodingKey {
            case ropeTheta = "rope_theta", partialRotaryFactor = "partial_rotary_factor"
        }
    }

    public init(numHiddenLayers: Int, hiddenSize: Int, numAttentionHeads: Int, intermediateSize: Int,
                maxPositionEmbeddings: Int, vocabSize: Int, rotaryPct: Double = 0.25,
                useParallelResidual: Bool = true) {
        modelType = "gpt_neox"
        self.numHiddenLayers = numHiddenLayers
        self.hiddenSize = hiddenSize
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.vocabSize = vocabSize
        layerNormEps = 1e-5
        hiddenAct = "gelu"
        self.rotaryPct = rotaryPct
        rotaryEmbBase = 10_000
        self.useParallelResidual = useParallelResidual
        attentionBias = true
        tieWordEmbeddings = false
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try container.decode(String.self, forKey: .modelType)
        numHiddenLayers = try container.decode(Int.self, forKey: .numHiddenLayers)
        hiddenSize = try container.decode(Int.self, forKey: .hiddenSize)
        numAttentionHeads = try container.decode(Int.self, forKey: .numAttentionHeads)
        intermediateSize = try container.decode(Int.self, forKey: .intermediateSize)
        maxPositionEmbeddings = try container.decode(Int.self, forKey: .maxPositionEmbeddings)
        vocabSize = try container.decode(Int.self, forKey: .vocabSize)
        layerNormEps = try container.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? 1e-5
        hiddenAct = try container.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "gelu"
        let rope = try container.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters)
        rotaryPct = try container.decodeIfPresent(Double.self, forKey: .rotaryPct)
            ?? rope?.partialRotaryFactor ?? 0.25
        rotaryEmbBase = try container.decodeIfPresent(Double.self, forKey: .rotaryEmbBase)
            ?? rope?.ropeTheta ?? 10_000
        useParallelResidual = try container.decodeIfPresent(Bool.self, forKey: .useParallelResidual) ?? true
        attentionBias = try container.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? true
        tieWordEmbeddings = try container.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
    }

    /// Writes the published checkpoints' keys (rotary_pct, rotary_emb_base), not rope_parameters.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(modelType, forKey: .modelType)
        try container.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try container.encode(hiddenSize, forKey: .hiddenSize)
        try container.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try container.encode(intermediateSize, forKey: .intermediateSize)
        try container.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try container.encode(vocabSize, forKey: .vocabSize)
        try container.encode(layerNormEps, forKey: .layerNormEps)
        try container.encode(hiddenAct, forKey: .hiddenAct)
        try container.encode(rotaryPct, forKey: .rotaryPct)
        try container.encode(rotaryEmbBase, forKey: .rotaryEmbBase)
        try container.encode(useParallelResidual, forKey: .useParallelResidual)
        try container.encode(attentionBias, forKey: .attentionBias)
        try container.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
    }

    /// Floats per attention head: hidden_size / num_attention_heads.
    public var headDimension: Int { hiddenSize / numAttentionHeads }

    /// The leading dimensions of each head that rotate: int(head_size · rotary_pct), as HF
    /// truncates it.
    public var rotaryDimension: Int { Int(Double(headDimension) * rotaryPct) }

    /// Reads and validates the config file at `url`. Throws `ModelConfigError` naming the file.
    public static func load(from url: URL) throws -> GPTNeoXConfig {
        let config = try HFConfig.decode(GPTNeoXConfig.self, from: url)
        try config.validate(file: url.path)
        return config
    }

    /// Checks that the values describe a GPT-NeoX this implementation runs: model_type
    /// "gpt_neox", positive sizes, hidden_size divisible by the heads, an even number (≥ 2) of
    /// rotary dimensions, a supported hidden_act, attention biases, and weight sizes that fit
    /// in memory arithmetic. `file` is named in the errors.
    public func validate(file: String) throws {
        func invalid(_ key: String, _ detail: String) -> ModelConfigError {
            .invalidValue(file: file, key: key, detail: detail)
        }
        guard modelType == "gpt_neox" else {
            throw ModelConfigError.unsupported(file: file, key: "model_type", value: "'\(modelType)' (expected 'gpt_neox')")
        }
        let sizes = [("num_hidden_layers", numHiddenLayers), ("hidden_size", hiddenSize),
                     ("num_attention_heads", numAttentionHeads), ("intermediate_size", intermediateSize),
                     ("max_position_embeddings", maxPositionEmbeddings), ("vocab_size", vocabSize)]
        for (key, value) in sizes where value < 1 {
            throw invalid(key, "\(value) must be at least 1")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw invalid("num_attention_heads", "hidden_size \(hiddenSize) is not divisible by num_attention_heads \(numAttentionHeads)")
        }
        guard layerNormEps.isFinite, layerNormEps > 0 else {
            throw invalid("layer_norm_eps", "\(layerNormEps) must be a positive number")
        }
        guard Self.supportedActivations.contains(hiddenAct) else {
            throw ModelConfigError.unsupported(
                file: file, key: "hidden_act",
                value: "'\(hiddenAct)' (supported: \(Self.supportedActivations.map { "'\($0)'" }.joined(separator: ", ")), the exact erf GELU Pythia uses)")
        }
        guard rotaryPct.isFinite, rotaryPct > 0, rotaryPct <= 1 else {
            throw invalid("rotary_pct", "\(rotaryPct) must be in (0, 1]")
        }
        guard rotaryDimension >= 2, rotaryDimension % 2 == 0 else {
            throw invalid("rotary_pct", "\(rotaryPct) of head size \(headDimension) gives \(rotaryDimension) rotary dimensions; an even number of at least 2 is needed")
        }
        guard rotaryEmbBase.isFinite, rotaryEmbBase > 1 else {
            throw invalid("rotary_emb_base", "\(rotaryEmbBase) must be greater than 1")
        }
        guard attentionBias else {
            throw ModelConfigError.unsupported(file: file, key: "attention_bias", value: "false")
        }
        // Sizes stay far from overflow in weight counts, and every matrix dimension fits the
        // 32-bit integers BLAS takes.
        for (key, value) in sizes where value > 1 << 24 {
            throw invalid(key, "\(value) is larger than \(1 << 24)")
        }
        for (key, a, b) in [("vocab_size", vocabSize, hiddenSize), ("intermediate_size", hiddenSize, intermediateSize),
                            ("hidden_size", 3 * hiddenSize, hiddenSize)]
            where a * b > Int(Int32.max) {
            throw invalid(key, "weight matrix of \(a) × \(b) is too large")
        }
    }
}
