import Foundation
import Testing
import ModelFiles
import Tokenizers
@testable import Models

/// Compares the GPT-NeoX forward pass with transformers for the same random weights
/// (Tools/make_gptneox_fixtures.py): parallel and sequential residual, partial rotary, exact
/// gelu, untied embed_out, F32/F16/BF16, the published Pythia layout and transformers'.
/// Error measure: max |a − b| / max |b| per tensor, each fixture held to 1e-4.
@Suite struct GPTNeoXReferenceTests {
    static let tolerance: Float = 1e-4

    func folder(_ name: String) -> URL { gptNeoXFixtures.appendingPathComponent(name) }

    @Test(arguments: gptNeoXFixtureNames)
    func activationsMatchTransformers(name: String) throws {
        let model = try ModelLoader.loadModel(at: folder(name), maxLayer: nil, threads: 2)
        let reference = try ReferenceActivations(name, fixtures: gptNeoXFixtures)
        let layers = Array(0..<model.description.layerCount)
        let captures = try captureAll(model, reference.batch, through: layers.last!, layers: layers)
        #expect(captures.keys.sorted() == layers)
        for layer in layers {
            let capture = try #require(captures[layer])
            #expect(capture.activations.count == reference.batch.tokens.count * model.description.neuronCount)
            let activationError = relativeError(capture.activations, try reference.activations(layer))
            let inputError = relativeError(capture.mlpInput, try reference.mlpInput(layer))
            #expect(activationError < Self.tolerance, "\(name) layer \(layer) activations: \(activationError)")
            #expect(inputError < Self.tolerance, "\(name) layer \(layer) post_attention_layernorm output: \(inputError)")
        }
    }

    @Test(arguments: gptNeoXFixtureNames)
    func logitsMatchTransformers(name: String) throws {
        let model = try ModelLoader.loadModel(at: folder(name), maxLayer: nil, threads: 1)
        let reference = try ReferenceActivations(name, fixtures: gptNeoXFixtures)
        let logits = try model.logits(reference.batch)
        #expect(logits.count == reference.batch.tokens.count * model.description.vocabularySize)
        let error = relativeError(logits, try reference.logits())
        #expect(error < Self.tolerance, "\(name) logits: \(error)")
    }

    @Test func partialLoadStopsAtItsHighestLayer() throws {
        let reference = try ReferenceActivations("sequential", fixtures: gptNeoXFixtures)
        let model = try GPTNeoX(folder: folder("sequential"), maxLayer: 1, threads: 1)
        #expect(model.loadedLayerCount == 2)
        #expect(model.description.layerCount == 3)
        let captures = try captureAll(model, reference.batch, through: 1, layers: [1])
        #expect(relativeError(try #require(captures[1]).activations, try reference.activations(1)) < Self.tolerance)
        let logits = errorThrown { _ = try model.logits(reference.batch) }
        guard case .layerNotLoaded? = logits as? ModelError else {
            Issue.record("expected layerNotLoaded, got \(String(describing: logits))")
            return
        }
    }

    @Test func descriptionNamesTheArchitectureAndActivation() throws {
        let model = try GPTNeoX(folder: folder("parallel"))
        #expect(model.description == ModelDescription(
            family: .gptNeoX, layerCount: 2, embeddingSize: 64, neuronCount: 128, vocabularySize: 512,
            maxContext: 32, activationDefinition: "gelu(post_attention_layernorm(x)·W_h_to_4h + b_h_to_4h)",
            fingerprint: model.description.fingerprint))
        #expect(ModelFamily.gptNeoX.rawValue == "gpt_neox")
        #expect(model.description.fingerprint.count == 16)
        #expect(try GPTNeoX(folder: folder("parallel"), maxLayer: 0).description == model.description)
        #expect(try GPTNeoX(folder: folder("bf16")).description.fingerprint != model.description.fingerprint)
    }

    @Test func tokenEmbeddingIsTheEmbedInRow() throws {
        let model = try GPTNeoX(folder: folder("parallel"), maxLayer: 0)
        let file = try SafetensorsFile(url: folder("parallel").appendingPathComponent("model.safetensors"))
        let embedIn = try file.floats("gpt_neox.embed_in.weight")
        #expect(model.tokenEmbedding(7) == Array(embedIn[(7 * 64)..<(8 * 64)]))
        #expect(model.tokenEmbedding(512) == [])
    }

    /// Pythia-style tokenizer.json (NFC normalizer, ByteLevel, space-run added tokens): ids
    /// byte-exact against transformers' fast tokenizer on text it was not trained on.
    @Test func tokenizerMatchesTransformers() throws {
        struct Cases: Decodable {
            struct Case: Decodable { var text: String; var ids: [UInt32]; var decoded: String }
            var cases: [Case]
        }
        let bundle = try ModelBundle.load(path: folder("parallel").path, maxLayer: 0, threads: 1)
        let tokenizer = bundle.tokenizer
        #expect(tokenizer.normalizesToNFC)
        #expect(tokenizer.vocabularySize == 512)
        #expect(tokenizer.endOfText == 0)
        let cases = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: gptNeoXFixtures
            .appendingPathComponent("references/tokenizer_cases.json"))).cases
        #expect(cases.count > 500)
        for reference in cases {
            #expect(tokenizer.encode(reference.text) == reference.ids, "text \(reference.text.debugDescription)")
            #expect(tokenizer.decode(reference.ids) == reference.decoded, "text \(reference.text.debugDescription)")
        }
        // NFC before matching: the decomposed and composed spellings give the same ids.
        #expect(tokenizer.encode("cafe\u{301}  x") == tokenizer.encode("caf\u{E9}  x"))
    }
}

/// GPT-NeoX config.json: both spellings of the rotary settings, defaults, and what is refused.
@Suite struct GPTNeoXConfigTests {
    var base: [String: Any] { [
        "model_type": "gpt_neox", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
        "intermediate_size": 256, "max_position_embeddings": 32, "vocab_size": 100,
    ] }

    func load(_ changes: [String: Any]) throws -> GPTNeoXConfig {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let url = scratch.url.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: base.merging(changes) { $1 }).write(to: url)
        return try GPTNeoXConfig.load(from: url)
    }

    @Test func defaultsAndBothRotarySpellings() throws {
        let defaults = try load([:])
        #expect(defaults == GPTNeoXConfig(numHiddenLayers: 2, hiddenSize: 64, numAttentionHeads: 4, intermediateSize: 256,
                                          maxPositionEmbeddings: 32, vocabSize: 100))
        #expect(defaults.hiddenAct == "gelu" && defaults.useParallelResidual && defaults.rotaryDimension == 4)
        let pythia = try load(["rotary_pct": 0.5, "rotary_emb_base": 500.0, "use_parallel_residual": false])
        let transformers5 = try load(["rope_parameters": ["rope_type": "default", "partial_rotary_factor": 0.5, "rope_theta": 500.0],
                                      "use_parallel_residual": false])
        #expect(pythia == transformers5)
        #expect(pythia.rotaryDimension == 8 && pythia.rotaryEmbBase == 500 && !pythia.useParallelResidual)
    }

    @Test func unsupportedValuesAreRefusedNamingTheKey() throws {
        let cases: [([String: Any], String)] = [
            (["hidden_act": "gelu_fast"], "hidden_act"),
            (["hidden_act": "relu"], "hidden_act"),
            (["rotary_pct": 0.1], "rotary_pct"),      // 1.6 → 1 rotary dimension
            (["rotary_pct": 0.0], "rotary_pct"),
            (["num_attention_heads": 5], "num_attention_heads"),
            (["attention_bias": false], "attention_bias"),
            (["model_type": "gpt2"], "model_type"),
            (["hidden_size": 0], "hidden_size"),
        ]
        for (change, key) in cases {
            let error = errorThrown { _ = try load(change) }
            guard let error = error as? ModelConfigError else {
                Issue.record("\(change): expected a ModelConfigError, got \(String(describing: error))")
                continue
            }
            #expect(error.description.contains(key), "\(change): \(error)")
        }
        let activation = errorThrown { _ = try load(["hidden_act": "relu"]) }
        #expect("\(activation!)".contains("'relu'") && "\(activation!)".contains("'gelu'"))
    }
}
