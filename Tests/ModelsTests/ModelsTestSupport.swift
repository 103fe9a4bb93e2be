import Foundation
import Testing
import ModelFiles
@testable import Models

/// Tests/Fixtures/gpt2, found from this source file's path.
let gpt2Fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/gpt2")

/// The fixture models written by Tools/make_gpt2_fixtures.py.
let gpt2FixtureNames = ["tiny", "f16", "sharded", "bf16"]

/// Tests/Fixtures/llama-hf (Tools/make_llama_hf_fixtures.py), by HF model_type.
let llamaHFFixtures = gpt2Fixtures.deletingLastPathComponent().appendingPathComponent("llama-hf")
let llamaHFFixtureNames = ["llama", "qwen2", "mistral"]

/// Tests/Fixtures/gptneox (Tools/make_gptneox_fixtures.py).
let gptNeoXFixtures = gpt2Fixtures.deletingLastPathComponent().appendingPathComponent("gptneox")

/// The GPT-NeoX fixture models: parallel residual (F32), sequential (F16), transformers-saved (BF16).
let gptNeoXFixtureNames = ["parallel", "sequential", "bf16"]

/// A fixture's token windows and the activations transformers computed for them, from
/// `<fixtures>/references/<name>.{json,safetensors}`.
struct ReferenceActivations {
    let batch: TokenBatch
    let tensors: SafetensorsFile

    init(_ name: String, fixtures: URL = gpt2Fixtures) throws {
        struct Windows: Decodable {
            var tokens: [UInt32]
            var window_lengths: [Int]
        }
        let folder = fixtures.appendingPathComponent("references")
        let windows = try JSONDecoder().decode(
            Windows.self, from: Data(contentsOf: folder.appendingPathComponent("\(name).json")))
        batch = TokenBatch(tokens: windows.tokens, windowLengths: windows.window_lengths)
        tensors = try SafetensorsFile(url: folder.appendingPathComponent("\(name).safetensors"))
    }

    func activations(_ layer: Int) throws -> [Float] { try tensors.floats("activations.\(layer)") }
    func mlpInput(_ layer: Int) throws -> [Float] { try tensors.floats("mlp_input.\(layer)") }
    func logits() throws -> [Float] { try tensors.floats("logits") }
}

/// max |a − b| / max |b| over the whole tensor: the error relative to the reference tensor's
/// largest magnitude (robust to reference values near zero).
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var difference: Float = 0
    var scale: Float = 0
    for (x, y) in zip(a, b) {
        difference = max(difference, abs(x - y))
        scale = max(scale, abs(y))
    }
    return scale == 0 ? difference : difference / scale
}

/// Runs `model` over `batch` and copies every capture out: [layer: (activations, mlpInput)].
func captureAll(_ model: any LanguageModel, _ batch: TokenBatch, through lastLayer: Int,
                layers: [Int]) throws -> [Int: (activations: [Float], mlpInput: [Float])] {
    var captures: [Int: (activations: [Float], mlpInput: [Float])] = [:]
    try model.forward(batch, through: lastLayer, captureLayers: layers, captureMLPInput: true) { capture in
        captures[capture.layer] = (Array(capture.activations), Array(capture.mlpInput ?? UnsafeBufferPointer(start: nil, count: 0)))
    }
    return captures
}

/// A fresh empty directory, removed by `remove()`.
struct ScratchFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("neurodex-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// The error thrown by `body`, or nil.
func errorThrown(_ body: () throws -> Void) -> Error? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}
