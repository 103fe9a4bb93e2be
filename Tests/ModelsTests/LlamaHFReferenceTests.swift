import Foundation
import Testing
import ModelFiles
import Tokenizers
@testable import Models

/// Llama, Qwen2 and Mistral HF folders with random weights (Tools/make_llama_hf_fixtures.py)
/// against the activations, MLP inputs and logits transformers computed for them. Error
/// measure: max |a − b| / max |b| per tensor, held to 1e-4.
@Suite struct LlamaHFReferenceTests {
    static let tolerance: Float = 1e-4

    static func reference(_ name: String) throws -> ReferenceActivations {
        try ReferenceActivations(name, fixtures: llamaHFFixtures)
    }

    @Test(arguments: llamaHFFixtureNames)
    func activationsMatchTransformers(name: String) throws {
        let model = try ModelLoader.loadModel(at: llamaHFFixtures.appendingPathComponent(name), maxLayer: nil, threads: 2)
        #expect(model.description.family.rawValue == name)
        #expect(model.description.activationDefinition == Llama.activationDefinition)
        let reference = try Self.reference(name)
        let layers = Array(0..<model.description.layerCount)
        let captures = try captureAll(model, reference.batch, through: layers.last!, layers: layers)
        #expect(captures.keys.sorted() == layers)
        for layer in layers {
            let capture = try #require(captures[layer])
            let activationError = relativeError(capture.activations, try reference.activations(layer))
            let inputError = relativeError(capture.mlpInput, try reference.mlpInput(layer))
            #expect(activationError < Self.tolerance, "\(name) layer \(layer) activations: \(activationError)")
            #expect(inputError < Self.tolerance, "\(name) layer \(layer) post_attention_layernorm output: \(inputError)")
        }
    }

    @Test(arguments: llamaHFFixtureNames)
    func logitsMatchTransformers(name: String) throws {
        let model = try ModelLoader.loadModel(at: llamaHFFixtures.appendingPathComponent(name), maxLayer: nil, threads: 1)
        let reference = try Self.reference(name)
        let error = relativeError(try model.logits(reference.batch), try reference.logits())
        #expect(error < Self.tolerance, "\(name) logits: \(error)")
    }

    /// Llama 3's and Qwen2's pre-tokenizers (and Llama 3's ignore_merges) in tokenizer.json
    /// files trained by the script, against transformers' fast tokenizer on held-out text.
    @Test(arguments: ["llama", "qwen2"])
    func tokenizersMatchTransformers(name: String) throws {
        struct Case: Decodable { var text: String; var ids: [UInt32] }
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: llamaHFFixtures
            .appendingPathComponent("references/\(name)_tokenizer_cases.json")))
        let bundle = try ModelBundle.load(path: llamaHFFixtures.appendingPathComponent(name).path, maxLayer: nil, threads: 1)
        #expect(bundle.tokenizer.preTokenizer == (name == "llama" ? .llama3 : .qwen2))
        #expect(bundle.tokenizer.beginOfSequence == 0)
        #expect(cases.count > 20)
        for testCase in cases {
            #expect(bundle.tokenizer.encode(testCase.text) == testCase.ids, "\(name): \(testCase.text)")
        }
    }

    @Test func theConfigsAreReadAsWritten() throws {
        let qwen2 = try Llama(folder: llamaHFFixtures.appendingPathComponent("qwen2"))
        #expect(qwen2.config.ropeBase == 1_000_000)
        #expect(qwen2.config.tiedOutput)
        #expect(qwen2.description.family == .qwen2)
        let mistral = try Llama(folder: llamaHFFixtures.appendingPathComponent("mistral"))
        #expect(mistral.config.contextLength == 64)  // max_position_embeddings, below the sliding window
        let llama = try Llama(folder: llamaHFFixtures.appendingPathComponent("llama"), maxLayer: 0)
        #expect(llama.loadedLayerCount == 1)
        #expect(llama.config == LlamaConfig(layerCount: 2, embeddingSize: 64, neuronCount: 128, headCount: 4,
                                            keyValueHeadCount: 2, headDimension: 16, vocabularySize: 320,
                                            contextLength: 64, ropeBase: 10_000, rmsNormEpsilon: 1e-5, tiedOutput: false))
    }

    @Test func unsupportedSettingsAreRefusedNamingTheFile() throws {
        let source = llamaHFFixtures.appendingPathComponent("llama/config.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as? [String: Any])
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let cases: [(String, Any, String)] = [
            ("rope_parameters", ["rope_type": "llama3", "rope_theta": 500_000.0], "rope type llama3"),
            ("hidden_act", "gelu", "hidden_act gelu"),
            ("attention_bias", true, "attention_bias true"),
        ]
        for (key, value, detail) in cases {
            var changed = json
            changed[key] = value
            let config = scratch.url.appendingPathComponent("config.json")
            try JSONSerialization.data(withJSONObject: changed).write(to: config)
            let error = errorThrown { _ = try Llama(folder: scratch.url) }
            #expect((error as? ModelConfigError)?.description == "\(config.path): unsupported \(detail)")
        }
    }
}
