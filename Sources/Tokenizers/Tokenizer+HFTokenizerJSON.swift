import Foundation

extension Tokenizer {
    /// An HF `tokenizer.json` of a BPE (model type "BPE"), either
    /// - byte-level: pre-tokenizer `ByteLevel` (no prefix space), `Sequence[Digits(individual_digits:
    ///   true), ByteLevel]`, or Llama 3's or Qwen2's `Sequence[Split(regex), ByteLevel(use_regex:
    ///   false)]`; no normalizer, or `NFC` (Pythia's); or
    /// - SentencePiece-style (Llama 2, Mistral): a vocabulary spelled in UTF-8 with "▁" for a space,
    ///   `byte_fallback` to `<0xNN>` tokens and `fuse_unk` allowed; either no pre-tokenizer and
    ///   the normalizer `Sequence[Prepend("▁"), Replace(" ", "▁")]`, or no normalizer and the
    ///   pre-tokenizer `Metaspace("▁", prepend_scheme, split: false)`; the decoder
    ///   `Sequence[Replace("▁", " "), ByteFallback (with byte_fallback), Fuse, Strip(" ", 1, 0) (optional)]`.
    ///
    /// Added tokens, special or not, are matched in text. Merges may be "left right" strings or
    /// [left, right] pairs. BOS and EOS come from a `tokenizer_config.json` beside the file when
    /// there is one.
    ///
    /// - Throws: `TokenizerError` naming the file when it is missing, unreadable, malformed, or
    ///   uses a feature outside that list (for example another normalizer, `add_prefix_space`,
    ///   `byte_fallback` in a byte-level BPE, a Metaspace that splits, or added tokens with
    ///   `lstrip`/`rstrip`/`single_word`).
    public init(huggingFaceTokenizerFile file: URL) throws {
        let document = try TokenizerFileReading.decodeJSON(HFTokenizerDocument.self, from: file,
                                                           expecting: "an HF tokenizer.json")
        let source = file.path
        let model = document.model
        func unsupported(_ feature: String) -> TokenizerError { .unsupported(source: source, feature: feature) }

        if let type = model.type, type != "BPE" { throw unsupported("model type \(type) (only BPE)") }
        if let dropout = model.dropout, dropout != 0 { throw unsupported("BPE dropout \(dropout)") }
        if !(model.continuingSubwordPrefix ?? "").isEmpty || !(model.endOfWordSuffix ?? "").isEmpty {
            throw unsupported("continuing_subword_prefix / end_of_word_suffix")
        }
        let normalizer: TextNormalizer, preTokenizer: PreTokenizer
        var symbols = TokenizerTables.Symbols.bytes, stripsLeadingSpace = false
        if let sentencePiece = try Self.sentencePieceSpacing(document, source: source) {
            (normalizer, preTokenizer) = sentencePiece
            let byteFallback = model.byteFallback ?? false
            stripsLeadingSpace = try Self.sentencePieceDecoderStrips(document.decoder, byteFallback: byteFallback, source: source)
            if model.ignoreMerges == true { throw unsupported("ignore_merges in a SentencePiece-style BPE") }
            symbols = .characters(byteFallback: byteFallback, fuseUnknown: model.fuseUnk ?? false)
        } else {
            switch document.normalizer {
            case nil: normalizer = .none
            case let json? where json["type"]?.string == "NFC": normalizer = .nfc
            case let json?: throw unsupported("normalizer \(json) (only NFC, or Prepend(\"▁\") + Replace(\" \", \"▁\") without a pre-tokenizer)")
            }
            if model.byteFallback == true { throw unsupported("byte_fallback in a byte-level BPE") }
            if model.fuseUnk == true { throw unsupported("fuse_unk in a byte-level BPE") }
            preTokenizer = try Self.preTokenizer(document.preTokenizer, source: source)
        }

        // Byte-level spellings are over GPT-2's byte alphabet, where String keys are exact (see
        // vocab.json); SentencePiece-style ones are the pieces' UTF-8.
        let spellingBytes: (String) -> [UInt8] = if case .bytes = symbols { ByteLevelAlphabet.tokenBytes } else { { Array($0.utf8) } }
        let vocabulary = model.vocab.sorted { $0.value < $1.value }.map {
            (bytes: spellingBytes($0.key), id: $0.value)
        }
        var merges: [(left: [UInt8], right: [UInt8])] = []
        merges.reserveCapacity(model.merges.count)
        for (index, merge) in model.merges.enumerated() {
            guard let pair = merge.pair else {
                throw TokenizerError.malformed(source: source, problem: "merge \(index + 1) is not two tokens: \(merge)")
            }
            merges.append((spellingBytes(pair.left), spellingBytes(pair.right)))
        }

        var added: [TokenizerTables.AddedToken] = []
        for token in document.addedTokens ?? [] {
            if token.lstrip == true || token.rstrip == true || token.singleWord == true {
                throw unsupported("added token \"\(token.content)\" with lstrip, rstrip or single_word")
            }
            added.append(.init(bytes: Array(token.content.utf8), id: token.id,
                               normalized: token.normalized ?? !(token.special ?? false)))
        }
        let idByContent = Dictionary(added.map { ($0.bytes, $0.id) }, uniquingKeysWith: { $1 })
        let idBySpelling = model.vocab
        /// The id of a token named in the file: an added token's content or a vocabulary spelling.
        func id(of content: String, _ role: String, in file: String) throws -> UInt32 {
            if let id = idByContent[Array(content.utf8)] ?? idBySpelling[content] { return id }
            throw TokenizerError.malformed(source: file, problem: "\(role) \"\(content)\" is not a token")
        }

        let unknownToken = try model.unkToken.map { try id(of: $0, "unk_token", in: source) }
        let configFile = file.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json")
        var beginOfSequence: UInt32?, endOfSequence: UInt32?
        if FileManager.default.fileExists(atPath: configFile.path) {
            let config = try TokenizerFileReading.decodeJSON(HFTokenizerConfig.self, from: configFile,
                                                             expecting: "an HF tokenizer_config.json")
            beginOfSequence = try config.bosToken?.content.map { try id(of: $0, "bos_token", in: configFile.path) }
            endOfSequence = try config.eosToken?.content.map { try id(of: $0, "eos_token", in: configFile.path) }
        }

        try self.init(tables: TokenizerTables(
            source: source, vocabulary: vocabulary, merges: merges, addedTokens: added,
            normalizer: normalizer, preTokenizer: preTokenizer, unknownToken: unknownToken,
            beginOfSequence: beginOfSequence, endOfSequence: endOfSequence, ignoreMerges: model.ignoreMerges ?? false,
            symbols: symbols, decodingStripsLeadingSpace: stripsLeadingSpace))
    }

    /// The normalizer and pre-tokenizer of a SentencePiece-style tokenizer.json — Llama 2's
    /// `Sequence[Prepend("▁"), Replace(" ", "▁")]` without a pre-tokenizer, or a `Metaspace`
    /// pre-tokenizer without a normalizer — or nil when the file uses neither.
    static func sentencePieceSpacing(_ document: HFTokenizerDocument, source: String) throws -> (TextNormalizer, PreTokenizer)? {
        let metaspace = "\u{2581}"
        func isReplaceSpace(_ step: JSONValue) -> Bool {
            step["type"]?.string == "Replace" && step["pattern"]?["String"]?.string == " " && step["content"]?.string == metaspace
        }
        if document.preTokenizer == nil, let normalizer = document.normalizer {
            guard normalizer["type"]?.string == "Sequence", let steps = normalizer["normalizers"]?.array,
                  steps.count == 2, steps[0]["type"]?.string == "Prepend", steps[0]["prepend"]?.string == metaspace,
                  isReplaceSpace(steps[1]) else { return nil }
            return (.sentencePiece, .wholeText)
        }
        guard let json = document.preTokenizer, json["type"]?.string == "Metaspace" else { return nil }
        // HF's defaults when a key is absent: replacement "▁", split true, prepend_scheme "always"
        // (files older than prepend_scheme say add_prefix_space instead).
        let schemeName = json["prepend_scheme"]?.string ?? (json["add_prefix_space"]?.bool == false ? "never" : "always")
        guard (json["replacement"]?.string ?? metaspace) == metaspace, json["split"]?.bool == false,
              let scheme = MetaspacePrependScheme(rawValue: schemeName),
              document.normalizer == nil else {
            throw TokenizerError.unsupported(
                source: source, feature: "pre_tokenizer \(json) with normalizer \(document.normalizer?.description ?? "null") "
                    + "(a Metaspace needs replacement \"▁\", split false, prepend_scheme first, always or never, and no normalizer)")
        }
        return (.none, .metaspace(prependScheme: scheme))
    }

    /// Whether a SentencePiece-style decoder removes a leading space. It must be
    /// `Sequence[Replace("▁", " "), ByteFallback, Fuse, Strip(" ", 1, 0)]`, with `ByteFallback`
    /// exactly when the model has byte fallback and `Strip` optional.
    static func sentencePieceDecoderStrips(_ json: JSONValue?, byteFallback: Bool, source: String) throws -> Bool {
        var steps = json?["type"]?.string == "Sequence" ? json?["decoders"]?.array ?? [] : []
        let strips = steps.last.map { $0["type"]?.string == "Strip" && $0["content"]?.string == " "
            && $0["start"] == .number(1) && $0["stop"] == .number(0) } ?? false
        if strips { steps.removeLast() }
        let replaces = steps.first.map { $0["type"]?.string == "Replace" && $0["pattern"]?["String"]?.string == "\u{2581}"
            && $0["content"]?.string == " " } ?? false
        let rest = steps.dropFirst().map { $0["type"]?.string ?? "" }
        guard replaces, rest == (byteFallback ? ["ByteFallback", "Fuse"] : ["Fuse"]) else {
            throw TokenizerError.unsupported(
                source: source, feature: "decoder \(json?.description ?? "null") (a SentencePiece-style BPE needs "
                    + "Sequence[Replace(\"▁\", \" \"), \(byteFallback ? "ByteFallback, " : "")Fuse, Strip(\" \", 1, 0)])")
        }
        return strips
    }

    /// The `PreTokenizer` a tokenizer.json's `pre_tokenizer` describes.
    static func preTokenizer(_ json: JSONValue?, source: String) throws -> PreTokenizer {
        func isByteLevel(_ step: JSONValue) -> Bool {
            // HF's defaults when a key is absent: add_prefix_space true, use_regex true.
            step["type"]?.string == "ByteLevel"
                && step["add_prefix_space"]?.bool == false
                && (step["use_regex"]?.bool ?? true)
        }
        /// The regex of a `Split` that keeps each match as a word of its own.
        func splitRegex(_ step: JSONValue) -> String? {
            guard step["type"]?.string == "Split", step["behavior"]?.string == "Isolated",
                  step["invert"]?.bool == false else { return nil }
            return step["pattern"]?["Regex"]?.string
        }
        func isIsolatedDigits(_ step: JSONValue) -> Bool {
            step["type"]?.string == "Digits" && step["individual_digits"]?.bool == true
        }
        if let json {
            if isByteLevel(json) { return .gpt2 }
            if json["type"]?.string == "Sequence", let steps = json["pretokenizers"]?.array {
                if steps.count == 1, isByteLevel(steps[0]) { return .gpt2 }
                if steps.count == 2, isIsolatedDigits(steps[0]), isByteLevel(steps[1]) { return .gpt2IsolatedDigits }
                if steps.count == 2, let split = splitRegex(steps[0]), steps[1]["type"]?.string == "ByteLevel",
                   steps[1]["add_prefix_space"]?.bool == false, steps[1]["use_regex"]?.bool == false,
                   let preTokenizer = PreTokenizer.splitPatterns[split] {
                    return preTokenizer
                }
            }
        }
        throw TokenizerError.unsupported(
            source: source,
            feature: "pre_tokenizer \(json?.description ?? "null") (supported: ByteLevel without prefix space, "
                + "Sequence[Digits(individual_digits), ByteLevel], or Sequence[Split(Llama 3 or Qwen2 regex), ByteLevel])")
    }
}

/// The parts of an HF tokenizer.json that a BPE uses.
struct HFTokenizerDocument: Decodable {
    let addedTokens: [HFAddedToken]?
    let normalizer: JSONValue?
    let preTokenizer: JSONValue?
    let decoder: JSONValue?
    let model: HFBPEModel

    enum CodingKeys: String, CodingKey {
        case addedTokens = "added_tokens", normalizer, preTokenizer = "pre_tokenizer", decoder, model
    }
}

struct HFAddedToken: Decodable {
    let id: UInt32
    let content: String
    let singleWord: Bool?
    let lstrip: Bool?
    let rstrip: Bool?
    let normalized: Bool?
    let special: Bool?

    enum CodingKeys: String, CodingKey {
        case id, content, singleWord = "single_word", lstrip, rstrip, normalized, special
    }
}

struct HFBPEModel: Decodable {
    let type: String?
    let vocab: [String: UInt32]
    let merges: [HFMerge]
    let dropout: Double?
    let unkToken: String?
    let continuingSubwordPrefix: String?
    let endOfWordSuffix: String?
    let fuseUnk: Bool?
    let byteFallback: Bool?
    let ignoreMerges: Bool?

    enum CodingKeys: String, CodingKey {
        case type, vocab, merges, dropout, unkToken = "unk_token"
        case continuingSubwordPrefix = "continuing_subword_prefix", endOfWordSuffix = "end_of_word_suffix"
        case fuseUnk = "fuse_unk", byteFallback = "byte_fallback", ignoreMerges = "ignore_merges"
    }
}

/// A merge as tokenizers writes it: "left right" (before 0.20) or ["left", "right"].
enum HFMerge: Decodable, CustomStringConvertible {
    case legacy(String)
    case pair([String])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .legacy(text)
        } else {
            self = .pair(try container.decode([String].self))
        }
    }

    var pair: (left: String, right: String)? {
        switch self {
        case .legacy(let text):
            let parts = text.split(separator: " ", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty ? (String(parts[0]), String(parts[1])) : nil
        case .pair(let parts):
            return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty ? (parts[0], parts[1]) : nil
        }
    }

    var description: String {
        switch self {
        case .legacy(let text): "\"\(text)\""
        case .pair(let parts): "[" + parts.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        }
    }
}

/// The special tokens of an HF tokenizer_config.json.
struct HFTokenizerConfig: Decodable {
    /// A token named by its text or by an AddedToken object.
    struct TokenName: Decodable {
        let content: String?
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                content = nil
            } else if let text = try? container.decode(String.self) {
                content = text
            } else {
                content = try container.decode([String: JSONValue].self)["content"]?.string
            }
        }
    }

    let bosToken: TokenName?
    let eosToken: TokenName?

    enum CodingKeys: String, CodingKey {
        case bosToken = "bos_token", eosToken = "eos_token"
    }
}
