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

let llamaHFFixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/llama-hf")

/// The fixture models written by Tools/make_llama_hf_fixtures.py, by HF model_type.
let llamaHFFixtureNames = ["llama", "qwen2", "mistral"]

/// A fixture's token windows and the activations transformers computed for them, from
/// `references` (GPT-2's by default).
struct GPT2Reference {
    let batch: TokenBatch
    let tensors: SafetensorsFile

    init(_ name: String, references folder: URL = gpt2Fixtures.appendingPathComponent("references")) throws {
        struct Windows: Decodable {
            var tokens: [UInt32]
            var window_lengths: [Int]
        }
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
