import Foundation
import Testing
import ModelFiles
@testable import Models

/// A tiny random Llama (Tools/make_llama_fixtures.py: grouped-query heads, a separate output
/// head, a different GGUF type per matrix) against transformers, and the load errors of
/// damaged copies of it. Runs without the real SmolLM2 file.
@Suite struct LlamaFixtureTests {
    /// Measured worst error ~1e-6 (float32 summation order only; the weights are the same bits).
    static let tolerance: Float = 2e-5

    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/llama")
    static let modelURL = folder.appendingPathComponent("tiny.gguf")

    struct Reference: Decodable {
        struct Tensor: Decodable { var name: String; var shape: [Int]; var offset: Int }
        var windows: [[UInt32]]
        var tensors: [Tensor]
    }

    let reference: Reference
    let values: [Float]

    init() throws {
        reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: Self.folder.appendingPathComponent("tiny.reference.json")))
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("tiny.reference.f32"))
        values = data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }

    func expected(_ name: String) throws -> [Float] {
        let tensor = try #require(reference.tensors.first { $0.name == name }, "no \(name) in the reference")
        return Array(values[tensor.offset..<(tensor.offset + tensor.shape.reduce(1, *))])
    }

    @Test func configurationFromMetadata() throws {
        let model = try Llama(ggufFile: Self.modelURL)
        #expect(model.config == LlamaConfig(
            layerCount: 2, embeddingSize: 64, neuronCount: 96, headCount: 4, keyValueHeadCount: 2,
            headDimension: 16, vocabularySize: 100, contextLength: 32, ropeBase: 10_000,
            rmsNormEpsilon: 1e-5, tiedOutput: false))
    }

    @Test(arguments: [1, 2])
    func activationsInputsAndLogitsMatchTransformers(threads: Int) throws {
        let model = try Llama(ggufFile: Self.modelURL, maxLayer: nil, threads: threads)
        let batch = TokenBatch(windows: reference.windows)
        let captures = try captureAll(model, batch, through: 1, layers: [0, 1])
        for layer in [0, 1] {
            let capture = try #require(captures[layer])
            let activationError = relativeError(capture.activations, try expected("activations.\(layer)"))
            let inputError = relativeError(capture.mlpInput, try expected("mlp_input.\(layer)"))
            #expect(activationError < Self.tolerance, "layer \(layer) activations: \(activationError)")
            #expect(inputError < Self.tolerance, "layer \(layer) MLP input: \(inputError)")
        }
        let logitsError = relativeError(try model.logits(batch), try expected("logits"))
        #expect(logitsError < Self.tolerance, "logits: \(logitsError)")
    }

    @Test func throughLayerZeroOfAPartialModel() throws {
        let model = try Llama(ggufFile: Self.modelURL, maxLayer: 0)
        #expect(model.loadedLayerCount == 1)
        let captures = try captureAll(model, TokenBatch(windows: reference.windows), through: 0, layers: [0])
        #expect(relativeError(try #require(captures[0]).activations, try expected("activations.0")) < Self.tolerance)
    }

    // MARK: - Damaged copies

    /// Loads a copy of tiny.gguf with `replace` applied to its bytes, returning the error.
    func loadError(_ replace: (inout [UInt8]) throws -> Void) throws -> Error? {
        var bytes = [UInt8](try Data(contentsOf: Self.modelURL))
        try replace(&bytes)
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let url = scratch.url.appendingPathComponent("damaged.gguf")
        try Data(bytes).write(to: url)
        return errorThrown { _ = try Llama(ggufFile: url) }
    }

    @Test func anotherArchitectureIsUnsupported() throws {
        let error = try loadError { try $0.replace(Array("\u{05}\0\0\0\0\0\0\0llama".utf8), with: Array("\u{05}\0\0\0\0\0\0\0qwen2".utf8)) }
        guard case .unsupportedFormat(_, let detail)? = error as? ModelLoadError else {
            Issue.record("expected unsupportedFormat, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("qwen2"))
    }

    @Test func missingMetadataIsAGGUFError() throws {
        let error = try loadError { try $0.replace(Array("llama.context_length".utf8), with: Array("llama.context_lengtX".utf8)) }
        guard case .missingMetadata(_, "llama.context_length")? = error as? GGUFError else {
            Issue.record("expected missingMetadata, got \(String(describing: error))")
            return
        }
    }

    @Test func inconsistentSizesAreRefused() throws {
        // llama.feed_forward_length 96 → 97: the MLP weights no longer have the stated shape.
        var error = try loadError { try $0.replaceUInt32(after: "llama.feed_forward_length", 96, with: 97) }
        guard case .wrongShape(_, "blk.0.ffn_gate.weight", [64, 97], [64, 96])? = error as? ModelLoadError else {
            Issue.record("expected wrongShape, got \(String(describing: error))")
            return
        }
        // 3 heads cannot split 64 values evenly.
        error = try loadError { try $0.replaceUInt32(after: "llama.attention.head_count", 4, with: 3) }
        guard case .unsupportedFormat? = error as? ModelLoadError else {
            Issue.record("expected unsupportedFormat, got \(String(describing: error))")
            return
        }
        // 4 query heads cannot share 3 key/value heads.
        error = try loadError { try $0.replaceUInt32(after: "llama.attention.head_count_kv", 2, with: 3) }
        guard case .unsupportedFormat? = error as? ModelLoadError else {
            Issue.record("expected unsupportedFormat, got \(String(describing: error))")
            return
        }
    }

    @Test func missingTensorIsAGGUFError() throws {
        let error = try loadError { try $0.replace(Array("blk.1.ffn_down.weight".utf8), with: Array("blk.1.ffn_dowX.weight".utf8)) }
        guard case .missingTensor(_, "blk.1.ffn_down.weight")? = error as? GGUFError else {
            Issue.record("expected missingTensor, got \(String(describing: error))")
            return
        }
    }
}

extension Array where Element == UInt8 {
    /// Replaces the first occurrence of `pattern` by `replacement` (same length).
    mutating func replace(_ pattern: [UInt8], with replacement: [UInt8]) throws {
        let range = try #require(firstRange(of: pattern), "pattern not found")
        replaceSubrange(range, with: replacement)
    }

    /// Replaces the uint32 metadata value of `key` (after the key and its type code), which must be `old`.
    mutating func replaceUInt32(after key: String, _ old: UInt32, with new: UInt32) throws {
        let keyBytes = littleEndianBytes(UInt64(key.utf8.count)) + Array(key.utf8)
        let valueStart = try #require(firstRange(of: keyBytes), "key \(key) not found").upperBound + 4
        try #require(Array(self[valueStart..<(valueStart + 4)]) == littleEndianBytes(old), "\(key) is not \(old)")
        replaceSubrange(valueStart..<(valueStart + 4), with: littleEndianBytes(new))
    }
}

private func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    Swift.withUnsafeBytes(of: value.littleEndian) { Array($0) }
}
