import Foundation
import ModelFiles

extension LlamaConfig {
    /// The HF model types that run as a Llama: Llama (1–3), Qwen2 (q/k/v biases) and Mistral.
    static let huggingFaceFamilies: [String: ModelFamily] = ["llama": .llama, "qwen2": .qwen2, "mistral": .mistral]

    /// Reads and checks an HF `config.json` of a Llama, Qwen2 or Mistral model. Throws
    /// `ModelConfigError` for a malformed file or a setting this code cannot run (rope scaling
    /// other than Llama 3.1's "llama3", an activation other than SiLU, o_proj or MLP biases, a
    /// sliding window that Qwen2 uses).
    /// A sliding window (Mistral) bounds the context, so attention stays plainly causal.
    static func load(huggingFaceConfig url: URL) throws -> (config: LlamaConfig, family: ModelFamily) {
        /// `rope_parameters` (transformers 5) or `rope_scaling` (earlier; "type" before "rope_type").
        struct RopeParameters: Decodable {
            var ropeTheta: Double?
            var ropeType: String?
            var type: String?
            var llama3: Llama3RopeScaling?
            enum CodingKeys: String, CodingKey { case ropeTheta = "rope_theta", ropeType = "rope_type", type }
            init(from decoder: Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                ropeTheta = try container.decodeIfPresent(Double.self, forKey: .ropeTheta)
                ropeType = try container.decodeIfPresent(String.self, forKey: .ropeType)
                type = try container.decodeIfPresent(String.self, forKey: .type)
                llama3 = (ropeType ?? type) == "llama3" ? try Llama3RopeScaling(from: decoder) : nil
            }
        }
        struct File: Decodable {
            var modelType: String
            var hiddenSize: Int
            var intermediateSize: Int
            var numHiddenLayers: Int
            var numAttentionHeads: Int
            var numKeyValueHeads: Int?
            var headDim: Int?
            var vocabSize: Int
            var maxPositionEmbeddings: Int
            var rmsNormEps: Double
            var ropeTheta: Double?
            var ropeParameters: RopeParameters?
            var ropeScaling: RopeParameters?
            var tieWordEmbeddings: Bool?
            var hiddenAct: String?
            var attentionBias: Bool?
            var mlpBias: Bool?
            var slidingWindow: Int?
            var useSlidingWindow: Bool?
            enum CodingKeys: String, CodingKey {
                case modelType = "model_type", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
                case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
                case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", vocabSize = "vocab_size"
                case maxPositionEmbeddings = "max_position_embeddings", rmsNormEps = "rms_norm_eps"
                case ropeTheta = "rope_theta", ropeParameters = "rope_parameters", ropeScaling = "rope_scaling"
                case tieWordEmbeddings = "tie_word_embeddings", hiddenAct = "hidden_act"
                case attentionBias = "attention_bias", mlpBias = "mlp_bias"
                case slidingWindow = "sliding_window", useSlidingWindow = "use_sliding_window"
            }
        }
        let path = url.path
        let file = try HFConfig.decode(File.self, from: url)
        guard let family = huggingFaceFamilies[file.modelType] else {
            throw ModelConfigError.unsupported(file: path, key: "model_type", value: file.modelType)
        }
        func invalid(_ key: String, _ detail: String) -> ModelConfigError { .invalidValue(file: path, key: key, detail: detail) }

        var llama3Scaling: Llama3RopeScaling?
        for rope in [file.ropeParameters, file.ropeScaling].compactMap({ $0 }) {
            switch rope.ropeType ?? rope.type {
            case nil, "default": break
            case "llama3": llama3Scaling = rope.llama3
            case let type?: throw ModelConfigError.unsupported(file: path, key: "rope type", value: type)
            }
        }
        if let act = file.hiddenAct, act != "silu" { throw ModelConfigError.unsupported(file: path, key: "hidden_act", value: act) }
        if file.attentionBias == true { throw ModelConfigError.unsupported(file: path, key: "attention_bias", value: "true") }
        if file.mlpBias == true { throw ModelConfigError.unsupported(file: path, key: "mlp_bias", value: "true") }
        if family == .qwen2, file.useSlidingWindow == true {
            throw ModelConfigError.unsupported(file: path, key: "use_sliding_window", value: "true")
        }
        let window = family == .mistral ? file.slidingWindow : nil
        let heads = file.numAttentionHeads
        guard heads > 0, file.hiddenSize > 0 else { throw invalid("num_attention_heads", "\(heads) heads of a \(file.hiddenSize)-wide model") }
        var config = LlamaConfig(
            layerCount: file.numHiddenLayers, embeddingSize: file.hiddenSize, neuronCount: file.intermediateSize,
            headCount: heads, keyValueHeadCount: file.numKeyValueHeads ?? heads,
            headDimension: file.headDim ?? file.hiddenSize / heads, vocabularySize: file.vocabSize,
            contextLength: min(file.maxPositionEmbeddings, window ?? .max),
            ropeBase: file.ropeParameters?.ropeTheta ?? file.ropeTheta ?? 10_000,
            rmsNormEpsilon: Float(file.rmsNormEps), tiedOutput: file.tieWordEmbeddings ?? false)
        for (key, value) in [("num_hidden_layers", config.layerCount), ("intermediate_size", config.neuronCount),
                             ("num_key_value_heads", config.keyValueHeadCount), ("vocab_size", config.vocabularySize),
                             ("max_position_embeddings", config.contextLength)] where value <= 0 {
            throw invalid(key, "\(value); it must be positive")
        }
        guard config.headDimension > 0, config.headDimension % 2 == 0 else {
            throw invalid("head_dim", "\(config.headDimension); rotary embeddings need an even head size")
        }
        guard heads % config.keyValueHeadCount == 0 else {
            throw invalid("num_key_value_heads", "\(heads) query heads cannot share \(config.keyValueHeadCount) key/value heads")
        }
        guard config.rmsNormEpsilon > 0, config.ropeBase > 0 else {
            throw invalid("rms_norm_eps", "rms_norm_eps and rope_theta must be positive")
        }
        if let llama3Scaling {
            guard let factors = llama3Scaling.frequencyFactors(headDimension: config.headDimension, base: config.ropeBase) else {
                throw invalid("rope_scaling", "llama3 needs factor > 0 and high_freq_factor > low_freq_factor > 0, "
                              + "original_max_position_embeddings > 0; found \(llama3Scaling)")
            }
            config.ropeFrequencyFactors = factors
        }
        return (config, family)
    }
}
