/// The architectures Neurodex runs. The raw value is the family the store catalog records.
public enum ModelFamily: String, Sendable, Codable, CaseIterable {
    /// GPT-2 from an HF folder (config.json + safetensors).
    case gpt2
    /// Llama-architecture models: SmolLM2 and others from a GGUF file, Llama from an HF folder.
    case llama
    /// GPT-NeoX (Pythia) from an HF folder (config.json + safetensors).
    case gptNeoX = "gpt_neox"
    /// Qwen2 from an HF folder: a Llama with q/k/v biases.
    case qwen2
    /// Mistral from an HF folder: a Llama whose sliding window bounds the context.
    case mistral
}

/// What a model is, independent of its family. Recorded in the store catalog.
public struct ModelDescription: Sendable, Codable, Equatable {
    public var family: ModelFamily
    public var layerCount: Int
    public var embeddingSize: Int        // d_model
    public var neuronCount: Int          // MLP neurons per layer (4·n_embd for GPT-2, ffn size for Llama)
    public var vocabularySize: Int
    public var maxContext: Int           // n_positions for GPT-2; context length for Llama
    public var activationDefinition: String // e.g. "gelu_new(ln_2(x)·W_fc + b_fc)" / "silu(x·W_gate) ⊙ (x·W_up)"
    public var fingerprint: String       // stable hash of config + tensor headers/sizes (not all weight bytes)

    public init(family: ModelFamily, layerCount: Int, embeddingSize: Int, neuronCount: Int,
                vocabularySize: Int, maxContext: Int, activationDefinition: String, fingerprint: String) {
        self.family = family
        self.layerCount = layerCount
        self.embeddingSize = embeddingSize
        self.neuronCount = neuronCount
        self.vocabularySize = vocabularySize
        self.maxContext = maxContext
        self.activationDefinition = activationDefinition
        self.fingerprint = fingerprint
    }
}

/// Windows of tokens run together; each window attends only to itself, positions start at 0.
public struct TokenBatch: Sendable {
    public var tokens: [UInt32]          // [totalTokens], windows concatenated
    public var windowLengths: [Int]      // sum == tokens.count, each ≤ maxContext

    public init(tokens: [UInt32], windowLengths: [Int]) {
        self.tokens = tokens
        self.windowLengths = windowLengths
    }

    /// A batch of the given windows, concatenated.
    public init(windows: [[UInt32]]) {
        tokens = windows.flatMap { $0 }
        windowLengths = windows.map(\.count)
    }
}

/// One layer's MLP activations for a batch, handed to the sink; valid only during the call.
public struct LayerCapture {
    public var layer: Int
    public var tokenCount: Int
    public var activations: UnsafeBufferPointer<Float>   // [tokenCount, neuronCount] row-major
    public var mlpInput: UnsafeBufferPointer<Float>?     // [tokenCount, embeddingSize] when asked

    public init(layer: Int, tokenCount: Int, activations: UnsafeBufferPointer<Float>,
                mlpInput: UnsafeBufferPointer<Float>?) {
        self.layer = layer
        self.tokenCount = tokenCount
        self.activations = activations
        self.mlpInput = mlpInput
    }
}

/// Where a forward starts and what it hands back: the whole model from its embeddings, or, for
/// an index run in layer passes, the layers from `firstLayer` on, starting from the residual
/// stream the previous pass handed back.
public struct ForwardSpan {
    /// The first layer run.
    public var firstLayer: Int
    /// The residual stream after layer `firstLayer − 1`, [tokens, embeddingSize]; nil when
    /// `firstLayer` is 0 (the forward starts from the embeddings).
    public var residual: UnsafeBufferPointer<Float>?
    /// When set, the forward's last layer is run to its end and the residual stream after it,
    /// [tokens, embeddingSize], is handed to this (valid only during the call); when nil, the
    /// forward stops after the last layer's MLP activations.
    public var handBack: ((UnsafeBufferPointer<Float>) throws -> Void)?

    public init(firstLayer: Int, residual: UnsafeBufferPointer<Float>?,
                handBack: ((UnsafeBufferPointer<Float>) throws -> Void)?) {
        self.firstLayer = firstLayer
        self.residual = residual
        self.handBack = handBack
    }

    /// From the embeddings, stopping after the last layer's MLP activations.
    public static var whole: ForwardSpan { ForwardSpan(firstLayer: 0, residual: nil, handBack: nil) }
}

public protocol LanguageModel: AnyObject {
    var description: ModelDescription { get }
    /// Runs the batch through layers `span.firstLayer...lastLayer`, calling `sink` once per
    /// layer in `captureLayers` (ascending, within those layers), in layer order. The result
    /// does not depend on the span: a forward cut in two at a layer, the second half started
    /// from the residual stream the first handed back, gives the same bits. Not thread-safe:
    /// one forward at a time.
    func forward(_ batch: TokenBatch, span: ForwardSpan, through lastLayer: Int, captureLayers: [Int],
                 captureMLPInput: Bool, sink: (LayerCapture) throws -> Void) throws
    /// Full forward with the LM head: logits [totalTokens, vocabularySize].
    func logits(_ batch: TokenBatch) throws -> [Float]
    /// Copies the input token-embedding row of `token` (wte / token_embd), [embeddingSize].
    func tokenEmbedding(_ token: UInt32) -> [Float]
    /// Runs `body` with `layer`'s MLP output weights and the unembedding (the logit lens's
    /// inputs); nil when the model does not hold them: `layer` is not loaded, or the
    /// unembedding is an untied matrix, loaded only with the last layer (a tied one is the token
    /// embedding, always there).
    func withNeuronOutputWeights<R>(layer: Int, _ body: (NeuronOutputWeights) throws -> R) rethrows -> R?
}

/// What a layer's MLP neurons write to the residual stream, and the unembedding: the inputs of
/// the logit lens. Pointers into the model's weights, valid during `withNeuronOutputWeights`.
public struct NeuronOutputWeights {
    /// Neuron n's output direction: row n of [neurons, width] (GPT-2's `mlp.c_proj.weight`), or
    /// with `directionsAreColumns` column n of [width, neurons] (Llama's `ffn_down`).
    public var directions: UnsafePointer<Float>
    public var directionsAreColumns: Bool
    /// [vocabulary, width]: the LM head, or the tied token embedding.
    public var unembedding: UnsafePointer<Float>
    public var neurons: Int
    public var width: Int
    public var vocabulary: Int

    public init(directions: UnsafePointer<Float>, directionsAreColumns: Bool, unembedding: UnsafePointer<Float>,
                neurons: Int, width: Int, vocabulary: Int) {
        self.directions = directions
        self.directionsAreColumns = directionsAreColumns
        self.unembedding = unembedding
        self.neurons = neurons
        self.width = width
        self.vocabulary = vocabulary
    }
}

extension LanguageModel {
    /// Runs the batch through layers 0...lastLayer (stops after its MLP activations), calling
    /// `sink` once per layer in `captureLayers` (ascending), in layer order.
    public func forward(_ batch: TokenBatch, through lastLayer: Int, captureLayers: [Int],
                        captureMLPInput: Bool, sink: (LayerCapture) throws -> Void) throws {
        try forward(batch, span: .whole, through: lastLayer, captureLayers: captureLayers,
                    captureMLPInput: captureMLPInput, sink: sink)
    }
}
