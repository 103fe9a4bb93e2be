import Foundation
import Testing
@testable import Tokenizers

/// Missing and malformed tokenizer files give typed errors naming the file.
@Suite struct TokenizerErrorTests {
    /// A tiny valid GPT-2 style tokenizer: the 256 byte tokens, then "he" and "hel".
    static let byteSpellings = (0..<256).map { ByteLevelAlphabet.spelling(of: [UInt8($0)]) }
    static func vocabularyJSON(extra: [String] = ["he", "hel"]) -> String {
        let entries = (byteSpellings + extra).enumerated().map { "\(jsonString($0.element)): \($0.offset)" }
        return "{" + entries.joined(separator: ", ") + "}"
    }
    static func jsonString(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }

    func expectError(_ expected: TokenizerError, _ body: () throws -> Tokenizer) {
        #expect(throws: expected) { _ = try body() }
    }

    @Test func validTinyFilesLoad() throws {
        let folder = try TemporaryFolder()
        try folder.write("vocab.json", Self.vocabularyJSON())
        try folder.write("merges.txt", "#version: 0.2\nh e\r\nhe l\n")
        let tokenizer = try Tokenizer.load(modelFolder: folder.url)
        #expect(tokenizer.encode("hello") == [256 + 1, 108, 111])
        #expect(tokenizer.endOfText == nil)
    }

    @Test func folderWithoutTokenizer() throws {
        let folder = try TemporaryFolder()
        expectError(.noTokenizerFiles(folder: folder.url.path)) { try Tokenizer.load(modelFolder: folder.url) }
    }

    @Test func missingMerges() throws {
        let folder = try TemporaryFolder()
        try folder.write("vocab.json", Self.vocabularyJSON())
        let merges = folder.url.appendingPathComponent("merges.txt").path
        expectError(.missingFile(path: merges)) { try Tokenizer.load(modelFolder: folder.url) }
    }

    @Test func unreadableVocabulary() throws {
        let folder = try TemporaryFolder()
        let vocabulary = folder.url.appendingPathComponent("vocab.json")
        try FileManager.default.createDirectory(at: vocabulary, withIntermediateDirectories: false)
        try folder.write("merges.txt", "h e\n")
        #expect { try Tokenizer.load(modelFolder: folder.url) } throws: { error in
            guard case TokenizerError.unreadableFile(let path, _) = error else { return false }
            return path == vocabulary.path
        }
    }

    @Test func malformedVocabulary() throws {
        let folder = try TemporaryFolder()
        for text in ["{\"a\": 1", "[1, 2]", "{\"a\": -1}", ""] {
            let vocabulary = try folder.write("vocab.json", text)
            try folder.write("merges.txt", "h e\n")
            #expect { try Tokenizer.load(modelFolder: folder.url) } throws: { error in
                guard case TokenizerError.malformed(let source, _) = error else { return false }
                return source == vocabulary.path
            }
        }
    }

    @Test func malformedMergeLines() throws {
        let folder = try TemporaryFolder()
        try folder.write("vocab.json", Self.vocabularyJSON())
        for (text, line) in [("h e\nhe l x\n", 2), ("#version: 0.2\nh  e\n", 2), ("he\n", 1), (" e\n", 1)] {
            let merges = try folder.write("merges.txt", text)
            #expect { try Tokenizer.load(modelFolder: folder.url) } throws: { error in
                guard case TokenizerError.malformed(let source, let problem) = error else { return false }
                return source == merges.path && problem.hasPrefix("line \(line) ")
            }
        }
    }

    @Test func mergesOutsideTheVocabulary() throws {
        let folder = try TemporaryFolder()
        let vocabulary = try folder.write("vocab.json", Self.vocabularyJSON(extra: ["he"]))
        try folder.write("merges.txt", "h e\nhe l\n")   // "hel" is not a token
        #expect { try Tokenizer.load(modelFolder: folder.url) } throws: { error in
            guard case TokenizerError.malformed(let source, let problem) = error else { return false }
            return source == vocabulary.path && problem.contains("merge 2")
        }
        try folder.write("merges.txt", "h e\nq! l\n")  // "q!" is not a token
        #expect(throws: TokenizerError.self) { try Tokenizer.load(modelFolder: folder.url) }
    }

    /// A minimal tokenizer.json with `model` and `preTokenizer` replaced as asked.
    static func tokenizerJSON(modelType: String = "\"BPE\"", merges: String = "[\"h e\", [\"he\", \"l\"]]",
                              normalizer: String = "null",
                              preTokenizer: String = #"{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}"#,
                              addedTokens: String = "[]", extraModel: String = "") -> String {
        """
        {"added_tokens": \(addedTokens), "normalizer": \(normalizer), "pre_tokenizer": \(preTokenizer),
         "model": {"type": \(modelType), "vocab": \(vocabularyJSON()), "merges": \(merges)\(extraModel)}}
        """
    }

    @Test func tokenizerJSONLoadsAndMatchesAddedTokens() throws {
        let folder = try TemporaryFolder()
        let added = #"[{"id": 258, "content": "<|endoftext|>", "special": true}, {"id": 259, "content": "<|end|>", "special": true}]"#
        try folder.write("tokenizer.json", Self.tokenizerJSON(addedTokens: added))
        try folder.write("tokenizer_config.json", #"{"bos_token": {"content": "<|end|>"}, "eos_token": "<|endoftext|>"}"#)
        let tokenizer = try Tokenizer.load(modelFolder: folder.url)
        #expect(tokenizer.encode("hel<|end|><|endoftext|>") == [257, 259, 258])
        #expect(tokenizer.beginOfSequence == 259 && tokenizer.endOfSequence == 258 && tokenizer.endOfText == 258)
    }

    @Test func unsupportedTokenizerJSON() throws {
        let folder = try TemporaryFolder()
        let cases = [
            Self.tokenizerJSON(modelType: "\"WordPiece\""),
            Self.tokenizerJSON(normalizer: #"{"type": "NFKC"}"#),
            Self.tokenizerJSON(normalizer: #"{"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}]}"#),
            Self.tokenizerJSON(preTokenizer: #"{"type": "ByteLevel", "add_prefix_space": true}"#),
            Self.tokenizerJSON(preTokenizer: #"{"type": "Metaspace"}"#),
            Self.tokenizerJSON(preTokenizer: "null"),
            Self.tokenizerJSON(addedTokens: #"[{"id": 300, "content": "<mask>", "lstrip": true}]"#),
            Self.tokenizerJSON(extraModel: #", "byte_fallback": true"#),
            Self.tokenizerJSON(preTokenizer: #"{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Isolated", "invert": false}, {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]}"#),
        ]
        for text in cases {
            let file = try folder.write("tokenizer.json", text)
            #expect { try Tokenizer.load(modelFolder: folder.url) } throws: { error in
                guard case TokenizerError.unsupported(let source, _) = error else { return false }
                return source == file.path
            }
        }
    }

    @Test func malformedTokenizerJSON() throws {
        let folder = try TemporaryFolder()
        let full = Self.tokenizerJSON()
        let cases = [
            String(full.prefix(full.count / 2)),                              // truncated
            Self.tokenizerJSON(merges: #"[["h", "e", "x"]]"#),                // a merge of three
            Self.tokenizerJSON(merges: #"["he"]"#),                           // a merge of one
            Self.tokenizerJSON(merges: #"["h e", "he zz"]"#),                 // unknown token
            Self.tokenizerJSON(extraModel: #", "unk_token": "<unk>""#),       // unk not a token
            #"{"model": {"type": "BPE"}}"#,                                   // no vocab
        ]
        for text in cases {
            let file = try folder.write("tokenizer.json", text)
            #expect { try Tokenizer.load(modelFolder: folder.url) } throws: { error in
                guard case TokenizerError.malformed(let source, _) = error else { return false }
                return source == file.path
            }
        }
    }

    @Test func ggufTables() throws {
        // Byte tokens, "he", and a control token written as plain text (Ġ is not a space here).
        let tokens = Self.byteSpellings + ["he", "<Ġx>"]
        func tables(model: String = "gpt2", pre: String? = "smollm", merges: [String] = ["h e"],
                    types: [Int32]? = nil, bos: UInt32? = 0) -> GGUFTokenizerTables {
            GGUFTokenizerTables(model: model, pre: pre, tokens: tokens, merges: merges,
                                tokenTypes: types ?? Array(repeating: 1, count: tokens.count - 1) + [3],
                                beginOfSequence: bos, endOfSequence: nil)
        }
        let tokenizer = try Tokenizer(gguf: tables())
        #expect(tokenizer.encode("he 12<Ġx>") == [256, 32, 49, 50, 257])
        #expect(tokenizer.decode([257]) == "<Ġx>")
        #expect(try Tokenizer(gguf: tables(pre: nil)).preTokenizer == .gpt2)

        let unsupported = [tables(model: "llama"), tables(pre: "llama-bpe")]
        for table in unsupported {
            #expect { try Tokenizer(gguf: table) } throws: { error in
                if case TokenizerError.unsupported = error { true } else { false }
            }
        }
        let malformed = [tables(merges: ["he"]), tables(merges: ["h "]), tables(merges: ["h x"]),
                         tables(types: [1, 1, 3]), tables(bos: 258)]
        for table in malformed {
            #expect { try Tokenizer(gguf: table) } throws: { error in
                if case TokenizerError.malformed = error { true } else { false }
            }
        }
    }

    @Test func errorsDescribeFileAndProblem() {
        let error = TokenizerError.malformed(source: "/m/merges.txt", problem: "line 3 is not two tokens")
        #expect(error.description == "malformed tokenizer /m/merges.txt: line 3 is not two tokens")
    }
}
