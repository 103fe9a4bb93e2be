/// A GGUF file's `tokenizer.ggml.*` metadata, as a GGUF reader hands it over.
public struct GGUFTokenizerTables: Sendable {
    /// `tokenizer.ggml.model`; only "gpt2" (byte-level BPE) is supported.
    public var model: String
    /// `tokenizer.ggml.pre`, the pre-tokenizer name ("gpt-2", "smollm", …); nil when absent.
    public var pre: String?
    /// `tokenizer.ggml.tokens`: token spellings over GPT-2's byte alphabet, indexed by id.
    public var tokens: [String]
    /// `tokenizer.ggml.merges`: "left right", best first.
    public var merges: [String]
    /// `tokenizer.ggml.token_type`, one per token: 1 normal, 2 unknown, 3 control,
    /// 4 user-defined, 5 unused, 6 byte. Control and user-defined tokens are matched in text.
    public var tokenTypes: [Int32]?
    /// `tokenizer.ggml.bos_token_id`.
    public var beginOfSequence: UInt32?
    /// `tokenizer.ggml.eos_token_id`.
    public var endOfSequence: UInt32?

    public init(model: String, pre: String?, tokens: [String], merges: [String], tokenTypes: [Int32]?,
                beginOfSequence: UInt32?, endOfSequence: UInt32?) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.merges = merges
        self.tokenTypes = tokenTypes
        self.beginOfSequence = beginOfSequence
        self.endOfSequence = endOfSequence
    }

    static let controlType: Int32 = 3
    static let userDefinedType: Int32 = 4
}

extension Tokenizer {
    /// The tokenizer a GGUF file describes. A missing `pre` means GPT-2's regex (what
    /// transformers uses); known `pre` values map as in llama.cpp (`PreTokenizer(ggufPre:)`).
    /// Bytes without a single-byte token are dropped, as llama.cpp and transformers do
    /// (SmolLM2 has none for 21 byte values, such as 0x04).
    ///
    /// - Throws: `TokenizerError` for another tokenizer model or pre-tokenizer, a merge that is
    ///   not two tokens or uses tokens not in the vocabulary, token types of the wrong count,
    ///   or special ids outside the vocabulary.
    public init(gguf tables: GGUFTokenizerTables) throws {
        let source = "GGUF tokenizer.ggml metadata"
        guard tables.model == "gpt2" else {
            throw TokenizerError.unsupported(source: source, feature: "tokenizer.ggml.model \"\(tables.model)\" (only \"gpt2\")")
        }
        guard let preTokenizer = PreTokenizer(ggufPre: tables.pre ?? "gpt2") else {
            throw TokenizerError.unsupported(source: source, feature: "tokenizer.ggml.pre \"\(tables.pre ?? "")\"")
        }
        guard tables.tokens.count <= Self.maximumVocabularySize else {
            throw TokenizerError.malformed(source: source, problem: "\(tables.tokens.count) tokens is too many")
        }
        if let types = tables.tokenTypes, types.count != tables.tokens.count {
            throw TokenizerError.malformed(
                source: source, problem: "\(types.count) token types for \(tables.tokens.count) tokens")
        }

        // Control and user-defined tokens are plain text, matched whole in the input (as
        // transformers and llama.cpp do); the others are spelled in GPT-2's byte alphabet.
        let types = tables.tokenTypes ?? []
        let isAdded = { (id: Int) in
            id < types.count && (types[id] == GGUFTokenizerTables.controlType || types[id] == GGUFTokenizerTables.userDefinedType)
        }
        let vocabulary = tables.tokens.enumerated().map { id, token in
            (bytes: isAdded(id) ? Array(token.utf8) : ByteLevelAlphabet.tokenBytes(token), id: UInt32(id))
        }
        var merges: [(left: [UInt8], right: [UInt8])] = []
        merges.reserveCapacity(tables.merges.count)
        for (index, merge) in tables.merges.enumerated() {
            // llama.cpp splits at the first space after the first character.
            guard let space = merge.unicodeScalars.dropFirst().firstIndex(of: " ") else {
                throw TokenizerError.malformed(source: source, problem: "merge \(index + 1) \"\(merge)\" is not two tokens")
            }
            let left = String(merge.unicodeScalars[..<space])
            let right = String(merge.unicodeScalars[merge.unicodeScalars.index(after: space)...])
            guard !right.isEmpty else {
                throw TokenizerError.malformed(source: source, problem: "merge \(index + 1) \"\(merge)\" is not two tokens")
            }
            merges.append((ByteLevelAlphabet.tokenBytes(left), ByteLevelAlphabet.tokenBytes(right)))
        }

        let added = vocabulary.filter { isAdded(Int($0.id)) }.map {
            TokenizerTables.AddedToken(bytes: $0.bytes, id: $0.id, normalized: false)
        }

        try self.init(tables: TokenizerTables(
            source: source, vocabulary: vocabulary, merges: merges, addedTokens: added, preTokenizer: preTokenizer,
            beginOfSequence: tables.beginOfSequence, endOfSequence: tables.endOfSequence))
    }
}
