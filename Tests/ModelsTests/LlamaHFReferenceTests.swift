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

    /// Llama 3's and Qwen2's pre-tokenizers (and Llama 3's ignore_merges), Mistral 7B v0.1's
    /// SentencePiece-style tokenizer with byte fallback and a Metaspace one (llama31) in
    /// tokenizer.json files trained by the scripts, against transformers' fast tokenizer on
    /// held-out text.
    @Test(arguments: [("llama", PreTokenizer.llama3, UInt32(0)), ("qwen2", .qwen2, 0), ("mistral", .wholeText, 1),
                      ("llama31", .metaspace(prependScheme: .first), 1)])
    func tokenizersMatchTransformers(name: String, preTokenizer: PreTokenizer, beginOfSequence: UInt32) throws {
        struct Case: Decodable { var text: String; var ids: [UInt32] }
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: llamaHFFixtures
            .appendingPathComponent("references/\(name)_tokenizer_cases.json")))
        let bundle = try ModelBundle.load(path: llamaHFFixtures.appendingPathComponent(name).path, maxLayer: nil, threads: 1)
        #expect(bundle.tokenizer.preTokenizer == preTokenizer)
        #expect(bundle.tokenizer.beginOfSequence == beginOfSequence)
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
            ("rope_parameters", ["rope_type": "yarn", "rope_theta": 500_000.0, "factor": 4.0], "rope type yarn"),
            ("rope_scaling", ["type": "linear", "factor": 2.0], "rope type linear"),
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

    /// Llama 3.1's rope scaling (rope_type "llama3"): the fixture's original context of 64
    /// puts most of its rotary frequencies in the scaled or interpolated bands, and its
    /// 150-token window makes them matter.
    @Test func llama3RopeScalingMatchesTransformers() throws {
        let folder = llamaHFFixtures.appendingPathComponent("llama31")
        let model = try Llama(folder: folder, threads: 2)
        let factors = try #require(model.config.ropeFrequencyFactors)
        #expect(factors.count == 8 && factors[0] == 1 && factors[3...].allSatisfy { $0 == 8 })
        #expect(factors[1] > 1 && factors[1] < factors[2] && factors[2] < 8)  // interpolated
        let reference = try ReferenceActivations("llama31", fixtures: llamaHFFixtures)
        #expect(reference.batch.windowLengths.max() == 150)
        let captures = try captureAll(model, reference.batch, through: 1, layers: [0, 1])
        for layer in [0, 1] {
            let error = relativeError(try #require(captures[layer]).activations, try reference.activations(layer))
            #expect(error < Self.tolerance, "llama31 layer \(layer) activations: \(error)")
        }
        #expect(relativeError(try model.logits(reference.batch), try reference.logits()) < Self.tolerance)

        // The same weights without the scaling are far off: the fixture exercises it.
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name != "config.json" {
            try FileManager.default.createSymbolicLink(at: scratch.url.appendingPathComponent(name),
                                                       withDestinationURL: folder.appendingPathComponent(name))
        }
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as? [String: Any])
        json["rope_parameters"] = ["rope_type": "default", "rope_theta": 10_000.0]
        try JSONSerialization.data(withJSONObject: json).write(to: scratch.url.appendingPathComponent("config.json"))
        let unscaled = try Llama(folder: scratch.url, threads: 2)
        #expect(unscaled.config.ropeFrequencyFactors == nil)
        let unscaledCaptures = try captureAll(unscaled, reference.batch, through: 1, layers: [1])
        #expect(relativeError(try #require(unscaledCaptures[1]).activations, try reference.activations(1)) > 1e-2)

        // Before transformers 5 the parameters were `rope_scaling` beside `rope_theta`.
        json["rope_parameters"] = nil
        json["rope_theta"] = 10_000.0
        json["rope_scaling"] = ["rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                "original_max_position_embeddings": 64]
        try JSONSerialization.data(withJSONObject: json).write(to: scratch.url.appendingPathComponent("config.json"))
        #expect(try Llama(folder: scratch.url).config.ropeFrequencyFactors == factors)
        json["rope_scaling"] = ["rope_type": "llama3", "factor": 8.0, "low_freq_factor": 4.0, "high_freq_factor": 1.0,
                                "original_max_position_embeddings": 64]
        try JSONSerialization.data(withJSONObject: json).write(to: scratch.url.appendingPathComponent("config.json"))
        let error = errorThrown { _ = try Llama(folder: scratch.url) }
        #expect((error as? ModelConfigError)?.description.contains("rope_scaling") == true)
    }

    /// The same Llama 3.1 model as llama.cpp's converter writes it (Tools/make_llama_hf_fixtures.py):
    /// the scaling is the `rope_freqs.weight` tensor of frequency divisors.
    @Test func llama3RopeFrequenciesFromGGUFMatchTransformers() throws {
        let file = llamaHFFixtures.deletingLastPathComponent().appendingPathComponent("llama/llama31.gguf")
        let model = try Llama(ggufFile: file, threads: 2)
        let fromHF = try Llama(folder: llamaHFFixtures.appendingPathComponent("llama31"), maxLayer: 0)
        let factors = try #require(model.config.ropeFrequencyFactors)
        let expected = try #require(fromHF.config.ropeFrequencyFactors)
        #expect(zip(factors, expected).allSatisfy { abs($0 - $1) <= 1e-6 * $1 })
        let reference = try ReferenceActivations("llama31", fixtures: llamaHFFixtures)
        let captures = try captureAll(model, reference.batch, through: 1, layers: [0, 1])
        for layer in [0, 1] {
            let error = relativeError(try #require(captures[layer]).activations, try reference.activations(layer))
            #expect(error < Self.tolerance, "llama31.gguf layer \(layer) activations: \(error)")
        }
    }
}
