import Foundation
import Testing
import ModelFiles
import Models

@Suite struct GPT2ConfigTests {
    func write(_ json: String) throws -> (ScratchFolder, URL) {
        let folder = try ScratchFolder()
        let url = folder.url.appendingPathComponent("config.json")
        try Data(json.utf8).write(to: url)
        return (folder, url)
    }

    @Test func decodesHFConfig() throws {
        let (folder, url) = try write("""
        {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
         "n_embd": 1600, "n_head": 25, "n_layer": 48, "n_positions": 1024, "n_ctx": 1024,
         "vocab_size": 50257, "layer_norm_epsilon": 1e-05, "n_inner": null, "resid_pdrop": 0.1}
        """)
        defer { folder.remove() }
        let config = try GPT2Config.load(from: url)
        #expect(config == GPT2Config(nLayer: 48, nEmbd: 1600, nHead: 25, nPositions: 1024, vocabSize: 50257))
        #expect(config.neuronCount == 6400)
        #expect(config.headDimension == 64)
        #expect(try HFConfig.modelType(at: url) == "gpt2")
    }

    @Test func appliesHFDefaultsAndRoundTrips() throws {
        let (folder, url) = try write(#"{"model_type":"gpt2","n_embd":8,"n_head":2,"n_layer":1,"n_positions":4,"vocab_size":10,"n_inner":20}"#)
        defer { folder.remove() }
        let config = try GPT2Config.load(from: url)
        #expect(config.layerNormEpsilon == 1e-5)
        #expect(config.activationFunction == "gelu_new")
        #expect(config.neuronCount == 20)
        let encoded = try JSONEncoder().encode(config)
        let keys = try #require(JSONSerialization.jsonObject(with: encoded) as? [String: Any]).keys
        #expect(Set(keys).isSuperset(of: ["n_layer", "n_embd", "n_head", "n_positions", "vocab_size",
                                          "layer_norm_epsilon", "activation_function", "model_type"]))
        #expect(try JSONDecoder().decode(GPT2Config.self, from: encoded) == config)
    }

    static let invalidConfigs: [(json: String, key: String)] = [
        (#"{"model_type":"gpt2","n_embd":10,"n_head":3,"n_layer":1,"n_positions":4,"vocab_size":10}"#, "n_head"),
        (#"{"model_type":"gpt2","n_embd":8,"n_head":2,"n_layer":0,"n_positions":4,"vocab_size":10}"#, "n_layer"),
        (#"{"model_type":"gpt2","n_embd":8,"n_head":2,"n_layer":1,"n_positions":4,"vocab_size":10,"activation_function":"relu"}"#, "activation_function"),
        (#"{"model_type":"llama","n_embd":8,"n_head":2,"n_layer":1,"n_positions":4,"vocab_size":10}"#, "model_type"),
        (#"{"model_type":"gpt2","n_embd":8,"n_head":2,"n_layer":1,"n_positions":4,"vocab_size":10,"layer_norm_epsilon":-1}"#, "layer_norm_epsilon"),
        (#"{"model_type":"gpt2","n_embd":8,"n_head":2,"n_layer":1,"n_positions":4,"vocab_size":4000000000}"#, "vocab_size"),
    ]

    @Test(arguments: 0..<invalidConfigs.count)
    func rejectsInvalidValues(caseIndex: Int) throws {
        let (json, key) = Self.invalidConfigs[caseIndex]
        let (folder, url) = try write(json)
        defer { folder.remove() }
        let error = errorThrown { _ = try GPT2Config.load(from: url) }
        switch error as? ModelConfigError {
        case .invalidValue(let file, let found, _)?, .unsupported(let file, let found, _)?:
            #expect(found == key)
            #expect(file == url.path)
        default:
            Issue.record("expected an invalid \(key), got \(String(describing: error))")
        }
    }

    @Test func reportsMissingAndMalformedFiles() throws {
        let (folder, url) = try write(#"{"model_type":"gpt2","n_embd":"wide"}"#)
        defer { folder.remove() }
        guard case .malformed(let file, _)? = errorThrown({ _ = try GPT2Config.load(from: url) }) as? ModelConfigError else {
            Issue.record("expected malformed")
            return
        }
        #expect(file == url.path)
        let missing = folder.url.appendingPathComponent("absent.json")
        guard case .missing? = errorThrown({ _ = try GPT2Config.load(from: missing) }) as? ModelConfigError else {
            Issue.record("expected missing")
            return
        }
    }
}
