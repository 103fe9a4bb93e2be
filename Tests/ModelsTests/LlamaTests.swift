import Foundation
import Testing
import ModelFiles
@testable import Models

/// SmolLM2-135M-Instruct (Q4_1 GGUF) against transformers (Tools/make_smollm2_reference.py).
///
/// transformers dequantizes the same blocks with gguf-py (bit-identical to ours) and runs
/// float32, so the only differences are float32 summation order (OpenBLAS vs torch), the
/// rotary angles' last bits and exp/rsqrt rounding, compounded over 30 layers. Error measure:
/// max |a − b| / max |b| per vector (one token, one layer). Measured: at most 5e-6 for the
/// activations, 1.3e-6 for the MLP inputs, 1.2e-6 for the top logits; the tolerance 2e-5 leaves
/// 4× room for other BLAS builds, while real mistakes (e.g. the wrong rotary pairing) give 1e-2
/// and more.
///
/// Needs models/SmolLM2-135M-Instruct.Q4_1.gguf (Tools/fetch_smollm2.sh); skipped without it.
@Suite(.serialized, .enabled(if: SmolLM2.isAvailable, "models/SmolLM2-135M-Instruct.Q4_1.gguf is absent: run Tools/fetch_smollm2.sh"))
struct LlamaTests {
    static let tolerance: Float = 2e-5

    @Test func describesTheModel() throws {
        let model = try SmolLM2.model()
        let description = model.description
        #expect(description.family == .llama)
        #expect(description.layerCount == 30)
        #expect(description.embeddingSize == 576)
        #expect(description.neuronCount == 1536)
        #expect(description.vocabularySize == 49152)
        #expect(description.maxContext == 8192)
        #expect(description.activationDefinition == "silu(x·W_gate) ⊙ (x·W_up)")
        #expect(description.fingerprint.count == 16)
        #expect(model.config.keyValueHeadCount == 3 && model.config.headCount == 9)
        #expect(model.config.tiedOutput)
        #expect(model.config.ropeBase == 100_000)
    }

    @Test func activationsAndMLPInputsMatchTransformers() throws {
        let model = try SmolLM2.model()
        let reference = try SmolLM2Reference()
        var worst: (activation: Float, input: Float) = (0, 0)
        for text in reference.texts {
            let batch = TokenBatch(windows: [text.ids.map(UInt32.init)])
            let captures = try captureAll(model, batch, through: reference.layers.last!, layers: reference.layers)
            for vector in text.vectors {
                let capture = try #require(captures[vector.layer])
                let activationError = relativeError(capture.activations.row(vector.position, width: 1536),
                                                    reference.values(at: vector.activation_offset, count: 1536))
                let inputError = relativeError(capture.mlpInput.row(vector.position, width: 576),
                                               reference.values(at: vector.mlp_input_offset, count: 576))
                worst = (max(worst.activation, activationError), max(worst.input, inputError))
                #expect(activationError < Self.tolerance, "layer \(vector.layer) position \(vector.position) of \(text.text): \(activationError)")
                #expect(inputError < Self.tolerance, "MLP input, layer \(vector.layer) position \(vector.position) of \(text.text): \(inputError)")
            }
        }
        print("SmolLM2 vs transformers, worst relative error: activations \(worst.activation), MLP inputs \(worst.input)")
    }

    /// Windows in one batch attend only to themselves: the same values as one at a time.
    @Test func windowsOfOneBatchAreIndependent() throws {
        let model = try SmolLM2.model()
        let reference = try SmolLM2Reference()
        let windows = reference.texts.map { $0.ids.map(UInt32.init) }
        let together = try captureAll(model, TokenBatch(windows: windows), through: 15, layers: [15])
        let all = try #require(together[15]).activations
        var start = 0
        for window in windows {
            let alone = try #require(try captureAll(model, TokenBatch(windows: [window]), through: 15, layers: [15])[15])
            let slice = Array(all[(start * 1536)..<((start + window.count) * 1536)])
            #expect(relativeError(slice, alone.activations) < 1e-5)
            start += window.count
        }
    }

    @Test func greedyNextTokenIsParis() throws {
        let model = try SmolLM2.model()
        let greedy = try SmolLM2Reference().greedy
        let tokens = greedy.ids.map(UInt32.init)
        let logits = try model.logits(TokenBatch(windows: [tokens]))
        let last = Array(logits[((tokens.count - 1) * 49152)...])
        let best = try #require(last.indices.max { last[$0] < last[$1] })
        #expect(best == greedy.next_token_id)
        #expect(greedy.next_token == " Paris")
        let topLogits = greedy.top_ids.map { last[$0] }
        let error = relativeError(topLogits, greedy.top_logits)
        print("SmolLM2 top-20 logits vs transformers, relative error \(error)")
        #expect(error < Self.tolerance)
    }

    @Test func partialLoadHoldsOnlyTheLayersAskedFor() throws {
        let model = try Llama(ggufFile: SmolLM2.url, maxLayer: 1, threads: 2)
        #expect(model.loadedLayerCount == 2)
        #expect(model.description == (try SmolLM2.model()).description)
        let reference = try SmolLM2Reference()
        let text = reference.texts[1]
        let captures = try captureAll(model, TokenBatch(windows: [text.ids.map(UInt32.init)]), through: 1, layers: [0, 1])
        for vector in text.vectors where vector.layer <= 1 {
            let activations = try #require(captures[vector.layer]).activations.row(vector.position, width: 1536)
            #expect(relativeError(activations, reference.values(at: vector.activation_offset, count: 1536)) < Self.tolerance)
        }
        let batch = TokenBatch(windows: [[1, 2, 3]])
        guard case .layerNotLoaded(2, 2)? = errorThrown({ _ = try captureAll(model, batch, through: 2, layers: []) }) as? ModelError else {
            Issue.record("forward beyond the loaded layers must throw layerNotLoaded")
            return
        }
        guard case .layerNotLoaded? = errorThrown({ _ = try model.logits(batch) }) as? ModelError else {
            Issue.record("logits without every layer must throw layerNotLoaded")
            return
        }
        guard case .invalidMaxLayer(30, 30)? = errorThrown({ _ = try Llama(ggufFile: SmolLM2.url, maxLayer: 30) }) as? ModelLoadError else {
            Issue.record("maxLayer 30 of a 30-layer model must throw invalidMaxLayer")
            return
        }
    }

    @Test func tokenEmbeddingIsTheDequantizedRow() throws {
        let model = try SmolLM2.model()
        let file = try GGUFFile(path: SmolLM2.url.path)
        let table = try file.tensor(named: "token_embd.weight")
        for token in [0, 7042, 49151] {
            #expect(model.tokenEmbedding(UInt32(token)) == (try file.floats(of: table, rows: token..<(token + 1))))
        }
        #expect(model.tokenEmbedding(49152).isEmpty)
    }

    @Test func badBatchesAreRefused() throws {
        let model = try SmolLM2.model()
        guard case .tokenOutOfRange(49152, 49152)? = errorThrown({
            _ = try model.logits(TokenBatch(windows: [[5, 49152]]))
        }) as? ModelError else {
            Issue.record("a token outside the vocabulary must be refused")
            return
        }
        for batch in [TokenBatch(tokens: [1, 2, 3], windowLengths: [2]), TokenBatch(tokens: [], windowLengths: [0]),
                      TokenBatch(tokens: [UInt32](repeating: 1, count: 8193), windowLengths: [8193])] {
            guard case .invalidBatch? = errorThrown({ _ = try captureAll(model, batch, through: 0, layers: [0]) }) as? ModelError else {
                Issue.record("batch \(batch.windowLengths) must be refused")
                return
            }
        }
        guard case .captureOutsideForward(3, 0, 2)? = errorThrown({
            _ = try captureAll(model, TokenBatch(windows: [[1]]), through: 2, layers: [3])
        }) as? ModelError else {
            Issue.record("a capture beyond the last layer must be refused")
            return
        }
    }
}

/// The real model file, if fetched, and one loaded instance shared by the serialized tests.
enum SmolLM2 {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")

    static var isAvailable: Bool { FileManager.default.fileExists(atPath: url.path) }

    nonisolated(unsafe) private static var loaded: Llama?

    static func model() throws -> Llama {
        if let loaded { return loaded }
        let model = try Llama(ggufFile: url, maxLayer: nil, threads: 2)
        loaded = model
        return model
    }
}

/// Tests/Fixtures/smollm2/reference.json and .f32, written by Tools/make_smollm2_reference.py.
struct SmolLM2Reference: Decodable {
    struct Vector: Decodable { var layer: Int; var position: Int; var activation_offset: Int; var mlp_input_offset: Int }
    struct Text: Decodable { var text: String; var ids: [Int]; var vectors: [Vector] }
    struct Greedy: Decodable {
        var ids: [Int]
        var next_token_id: Int
        var next_token: String
        var top_ids: [Int]
        var top_logits: [Float]
    }
    var layers: [Int]
    var texts: [Text]
    var greedy: Greedy
    private var floats: [Float] = []

    private enum CodingKeys: String, CodingKey { case layers, texts, greedy }

    init() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/smollm2")
        self = try JSONDecoder().decode(SmolLM2Reference.self,
                                        from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        let data = try Data(contentsOf: folder.appendingPathComponent("reference.f32"))
        floats = data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }

    func values(at offset: Int, count: Int) -> [Float] { Array(floats[offset..<(offset + count)]) }
}

extension Array where Element == Float {
    /// Row `index` of a row-major [rows, width] array.
    func row(_ index: Int, width: Int) -> [Float] { Array(self[(index * width)..<((index + 1) * width)]) }
}
