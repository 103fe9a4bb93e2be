import Foundation
import ModelFiles

/// The HF GPT-2 `config.json`, with its keys spelled as HF spells them.
///
/// Keys with an HF default may be absent (`layer_norm_epsilon` 1e-5, `activation_function`
/// "gelu_new", `n_inner` null = 4·n_embd, `scale_attn_weights` true,
/// `scale_attn_by_inverse_layer_idx` false); the others are required.
public struct GPT2Config: Codable, Sendable, Equatable {
    public var modelType: String
    public var nLayer: Int
    public var nEmbd: Int
    public var nHead: Int
    public var nPositions: Int
    public var vocabSize: Int
    public var layerNormEpsilon: Float
    public var activationFunction: String
    /// MLP width; nil means 4·n_embd.
    public var nInner: Int?
    public var scaleAttnWeights: Bool
    public var scaleAttnByInverseLayerIdx: Bool

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type"
        case nLayer = "n_layer"
        case nEmbd = "n_embd"
        case nHead = "n_head"
        case nPositions = "n_positions"
        case vocabSize = "vocab_size"
        case layerNormEpsilon = "layer_norm_epsilon"
        case activationFunction = "activation_function"
        case nInner = "n_inner"
        case scaleAttnWeights = "scale_attn_weights"
        case scaleAttnByInverseLayerIdx = "scale_attn_by_inverse_layer_idx"
    }

    public init(nLayer: Int, nEmbd: Int, nHead: Int, nPositions: Int, vocabSize: Int,
                layerNormEpsilon: Float = 1e-5, nInner: Int? = nil) {
        modelType = "gpt2"
        self.nLayer = nLayer
        self.nEmbd = nEmbd
        self.nHead = nHead
        self.nPositions = nPositions
        self.vocabSize = vocabSize
        self.layerNormEpsilon = layerNormEpsilon
        activationFunction = "gelu_new"
        self.nInner = nInner
        scaleAttnWeights = true
        scaleAttnByInverseLayerIdx = false
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try container.decode(String.self, forKey: .modelType)
        nLayer = try container.decode(Int.self, forKey: .nLayer)
        nEmbd = try container.decode(Int.self, forKey: .nEmbd)
        nHead = try container.decode(Int.self, forKey: .nHead)
        nPositions = try container.decode(Int.self, forKey: .nPositions)
        vocabSize = try container.decode(Int.self, forKey: .vocabSize)
        layerNormEpsilon = try container.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-5
        activationFunction = try container.decodeIfPresent(String.self, forKey: .activationFunction) ?? "gelu_new"
        nInner = try container.decodeIfPresent(Int.self, forKey: .nInner)
        scaleAttnWeights = try container.decodeIfPresent(Bool.self, forKey: .scaleAttnWeights) ?? true
        scaleAttnByInverseLayerIdx = try container.decodeIfPresent(Bool.self, forKey: .scaleAttnByInverseLayerIdx) ?? false
    }

    /// MLP neurons per layer: n_inner, or 4·n_embd.
    public var neuronCount: Int { nInner ?? 4 * nEmbd }

    /// Floats per attention head: n_embd / n_head.
    public var headDimension: Int { nEmbd / nHead }

    /// Reads and validates the config file at `url`. Throws `ModelConfigError` naming the file.
    public static func load(from url: URL) throws -> GPT2Config {
        let config = try HFConfig.decode(GPT2Config.self, from: url)
        try config.validate(file: url.path)
        return config
    }

    /// Checks that the values describe a GPT-2 this implementation runs: model_type "gpt2",
    /// positive sizes, n_embd divisible by n_head, gelu_new, default attention scaling, and
    /// weight sizes that fit in memory arithmetic. `file` is named in the errors.
    public func validate(file: String) throws {
        func invalid(_ key: String, _ detail: String) -> ModelConfigError {
            .invalidValue(file: file, key: key, detail: detail)
        }
        guard modelType == "gpt2" else {
            throw ModelConfigError.unsupported(file: file, key: "model_type", value: "'\(modelType)' (expected 'gpt2')")
        }
        for (key, value) in [("n_layer", nLayer), ("n_embd", nEmbd), ("n_head", nHead),
                             ("n_positions", nPositions), ("vocab_size", vocabSize)] where value < 1 {
            throw invalid(key, "\(value) must be at least 1")
        }
        if let nInner, nInner < 1 { throw invalid("n_inner", "\(nInner) must be at least 1") }
        guard nEmbd % nHead == 0 else {
            throw invalid("n_head", "n_embd \(nEmbd) is not divisible by n_head \(nHead)")
        }
        guard layerNormEpsilon.isFinite, layerNormEpsilon > 0 else {
            throw invalid("layer_norm_epsilon", "\(layerNormEpsilon) must be a positive number")
        }
        guard activationFunction == "gelu_new" else {
            throw ModelConfigError.unsupported(file: file, key: "activation_function", value: "'\(activationFunction)' (expected 'gelu_new')")
        }
        guard scaleAttnWeights else {
            throw ModelConfigError.unsupported(file: file, key: "scale_attn_weights", value: "false")
        }
        guard !scaleAttnByInverseLayerIdx else {
            throw ModelConfigError.unsupported(file: file, key: "scale_attn_by_inverse_layer_idx", value: "true")
        }
        // Sizes stay far from overflow in weight counts such as 3·n_embd·n_embd, and every
        // matrix dimension fits the 32-bit integers BLAS takes.
        for (key, value) in [("n_layer", nLayer), ("n_embd", nEmbd), ("n_head", nHead),
                             ("n_positions", nPositions), ("vocab_size", vocabSize),
                             ("n_inner", neuronCount)] where value > 1 << 24 {
            throw invalid(key, "\(value) is larger than \(1 << 24)")
        }
        for (key, a, b) in [("vocab_size", vocabSize, nEmbd), ("n_positions", nPositions, nEmbd),
                            ("n_inner", nEmbd, neuronCount), ("n_embd", 3 * nEmbd, nEmbd)]
            where a * b > Int(Int32.max) {
            throw invalid(key, "weight matrix of \(a) × \(b) is too large")
        }
    }
}
