import Foundation
@testable import Tokenizers

/// Test fixtures under Tests/Fixtures, found from this file's path.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let gpt2Folder = root.appendingPathComponent("gpt2-tokenizer")
    static let tokenizerFolder = root.appendingPathComponent("tokenizer")

    /// Texts with the ids (and decoded text) the reference tokenizer gave, from
    /// Tools/make_tokenizer_fixtures.py.
    struct Cases: Decodable {
        struct Case: Decodable {
            let text: String
            let ids: [UInt32]
            let decoded: String
        }
        let source: String
        let cases: [Case]
    }

    static func cases(_ name: String) throws -> Cases {
        let data = try Data(contentsOf: tokenizerFolder.appendingPathComponent(name))
        return try JSONDecoder().decode(Cases.self, from: data)
    }

    /// The SmolLM2 GGUF tokenizer tables, as Tools/make_tokenizer_fixtures.py extracted them.
    struct SmolLM2Tables: Decodable {
        let model: String
        let pre: String
        let tokens: [String]
        let merges: [String]
        let token_type: [Int32]
        let bos_token_id: UInt32
        let eos_token_id: UInt32
    }

    static func smolLM2Tables() throws -> GGUFTokenizerTables {
        let data = try Data(contentsOf: tokenizerFolder.appendingPathComponent("smollm2_vocab.json"))
        let tables = try JSONDecoder().decode(SmolLM2Tables.self, from: data)
        return GGUFTokenizerTables(model: tables.model, pre: tables.pre, tokens: tables.tokens, merges: tables.merges,
                                   tokenTypes: tables.token_type, beginOfSequence: tables.bos_token_id,
                                   endOfSequence: tables.eos_token_id)
    }

    static func gpt2() throws -> Tokenizer { try Tokenizer.load(modelFolder: gpt2Folder) }
    static func smolLM2() throws -> Tokenizer { try Tokenizer(gguf: smolLM2Tables()) }

    /// Lines of the Shakespeare excerpt.
    static func shakespeare() throws -> String {
        try String(contentsOf: tokenizerFolder.appendingPathComponent("shakespeare_excerpt.txt"), encoding: .utf8)
    }
}

/// SplitMix64: a tiny seeded generator so every run sees the same generated texts.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A temporary folder removed when the value goes away.
final class TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }
}
