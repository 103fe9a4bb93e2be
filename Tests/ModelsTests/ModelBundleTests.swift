import Foundation
import Testing
import Tokenizers
@testable import Models

/// A model and its tokenizer loaded through the library, as the CLI and the server load them.
@Suite struct ModelBundleTests {
    /// A GPT-2 folder: the `tiny` fixture's weights with a byte-level vocabulary of 259 ids
    /// (the 256 bytes, the merge "h e", `<|endoftext|>`), small enough for its 512 embeddings.
    func tinyFolderWithTokenizer() throws -> ScratchFolder {
        let scratch = try ScratchFolder()
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: gpt2Fixtures.appendingPathComponent("tiny/\(file)"),
                                             to: scratch.url.appendingPathComponent(file))
        }
        var vocabulary: [String: Int] = [:]
        for (id, byte) in byteLevelOrder().enumerated() { vocabulary[byteLevelSpelling(byte)] = id }
        vocabulary["he"] = 256
        vocabulary["<|endoftext|>"] = 257
        try JSONSerialization.data(withJSONObject: vocabulary, options: .sortedKeys)
            .write(to: scratch.url.appendingPathComponent("vocab.json"))
        try Data("#version: 0.2\nh e\n".utf8).write(to: scratch.url.appendingPathComponent("merges.txt"))
        return scratch
    }

    @Test func loadsAGPT2FolderWithItsTokenizer() throws {
        let scratch = try tinyFolderWithTokenizer()
        defer { scratch.remove() }
        let bundle = try ModelBundle.load(path: scratch.url.path, maxLayer: nil, threads: 1)
        #expect(bundle.model.description.family == .gpt2)
        #expect(bundle.model.description.layerCount == 2)
        #expect(bundle.model.description.vocabularySize == 512)
        let direct = try ModelLoader.loadModel(at: gpt2Fixtures.appendingPathComponent("tiny"), maxLayer: nil, threads: 1)
        #expect(bundle.model.description == direct.description)
        let order = byteLevelOrder()
        let id = { (byte: Character) in UInt32(order.firstIndex(of: UInt8(ascii: byte.unicodeScalars.first!))!) }
        #expect(bundle.tokenizer.encode("hello") == [256, id("l"), id("l"), id("o")])
        #expect(bundle.tokenizer.encode("<|endoftext|>") == [257])
        #expect(try ModelBundle.loadTokenizer(path: scratch.url.path).encode("he") == [256])
    }

    @Test func refusesATokenizerLargerThanTheModelsVocabulary() throws {
        let scratch = try tinyFolderWithTokenizer()
        defer { scratch.remove() }
        // tiny-bpe has ids up to 701; the model has 512 embeddings.
        try FileManager.default.copyItem(
            at: gpt2Fixtures.deletingLastPathComponent().appendingPathComponent("tokenizer/tiny-bpe/tokenizer.json"),
            to: scratch.url.appendingPathComponent("tokenizer.json"))
        let error = errorThrown { _ = try ModelBundle.load(path: scratch.url.path, maxLayer: nil, threads: 1) }
        guard case .unsupportedFormat(let file, let detail)? = error as? ModelLoadError else {
            Issue.record("expected unsupportedFormat, got \(String(describing: error))")
            return
        }
        #expect(file == scratch.url.path)
        #expect(detail.contains("ids up to 701") && detail.contains("512 tokens"))
    }

    @Test func aFolderWithoutTokenizerFilesIsRefused() {
        let folder = gpt2Fixtures.appendingPathComponent("tiny")
        let error = errorThrown { _ = try ModelBundle.load(path: folder.path, maxLayer: nil, threads: 1) }
        #expect(error as? TokenizerError == .noTokenizerFiles(folder: folder.path))
    }
}

/// SmolLM2 loaded through the library: the GGUF tokenizer gives transformers' ids and the model
/// the reference activations. Skipped without the model file, like the other SmolLM2 tests.
@Suite(.enabled(if: SmolLM2.isAvailable, "models/SmolLM2-135M-Instruct.Q4_1.gguf is absent: run Tools/fetch_smollm2.sh"))
struct SmolLM2BundleTests {
    @Test func tokenizerAndModelMatchTransformers() throws {
        let reference = try SmolLM2Reference()
        // Layers 0 and 1 only: the loader reads no weights above maxLayer.
        let bundle = try ModelBundle.load(path: SmolLM2.url.path, maxLayer: 1, threads: 2)
        #expect(bundle.model.description.family == .llama)
        #expect(bundle.tokenizer.vocabularySize == 49152)
        for text in reference.texts {
            #expect(bundle.tokenizer.encode(text.text) == text.ids.map(UInt32.init), "ids of \(text.text)")
        }
        #expect(bundle.tokenizer.encode("The capital of France is") == reference.greedy.ids.map(UInt32.init))
        #expect(bundle.tokenizer.tokenString(UInt32(reference.greedy.next_token_id)) == reference.greedy.next_token)

        let text = reference.texts[0]
        let captures = try captureAll(bundle.model, TokenBatch(windows: [text.ids.map(UInt32.init)]), through: 1, layers: [0, 1])
        for vector in text.vectors where vector.layer <= 1 {
            let capture = try #require(captures[vector.layer])
            let error = relativeError(capture.activations.row(vector.position, width: 1536),
                                      reference.values(at: vector.activation_offset, count: 1536))
            #expect(error < LlamaTests.tolerance, "layer \(vector.layer) position \(vector.position): \(error)")
        }
    }
}

/// GPT-2's byte alphabet order: the printable bytes, then the others (bytes_to_unicode).
private func byteLevelOrder() -> [UInt8] {
    let printable = Array(33...126) + Array(161...172) + Array(174...255)
    return (printable + (0...255).filter { !printable.contains($0) }).map(UInt8.init)
}

/// How GPT-2's vocab.json spells a byte: printable bytes as themselves, the others as 256 + n.
private func byteLevelSpelling(_ byte: UInt8) -> String {
    let printable = Array(33...126) + Array(161...172) + Array(174...255)
    if printable.contains(Int(byte)) { return String(Character(Unicode.Scalar(byte))) }
    let n = (0...255).filter { !printable.contains($0) }.firstIndex(of: Int(byte))!
    return String(Character(Unicode.Scalar(UInt32(256 + n))!))
}
