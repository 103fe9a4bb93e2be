/// How text is cut into words before byte-pair merging. Merges never cross a word boundary.
public enum PreTokenizer: Sendable, Equatable {
    /// GPT-2's regex (see `GPT2PatternScanner`): HF `ByteLevel(use_regex: true)`,
    /// llama.cpp `tokenizer.ggml.pre` "gpt-2", "phi-2", "mpt", "olmo", "jais", "exaone4".
    case gpt2
    /// Every `\p{N}` scalar is a word of its own, and GPT-2's regex cuts the text between them
    /// (each stretch is the regex's whole input). HF `Sequence[Digits(individual_digits: true),
    /// ByteLevel]`, as in SmolLM2's and StarCoder's tokenizer.json; llama.cpp "smollm",
    /// "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva".
    case gpt2IsolatedDigits
    /// Llama 3's regex (see `Llama3PatternScanner`): HF `Sequence[Split(that regex, Isolated),
    /// ByteLevel(use_regex: false)]` (from tokenizer.json only; GGUF "llama-bpe" is not read).
    case llama3
    /// Qwen2's regex: Llama 3's with single digits; HF as for `llama3`.
    case qwen2
    /// No pre-tokenizer: each stretch of text between the added tokens is one word, as in Llama 2's
    /// and Mistral 7B v0.1's tokenizer.json (whose normalizer already wrote each space as "▁").
    case wholeText
    /// HF `Metaspace(replacement: "▁", split: false)`: each stretch of text between the added
    /// tokens is one word whose spaces count as "▁", with a "▁" put before it as `prependScheme`
    /// says unless it starts with a space or "▁" (newer Llama and Mistral conversions).
    case metaspace(prependScheme: MetaspacePrependScheme)

    /// The Split regexes of the `llama3` and `qwen2` pre-tokenizers, as tokenizer.json spells them.
    static let splitPatterns: [String: PreTokenizer] = [
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#: .llama3,
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#: .qwen2,
    ]

    /// The pre-tokenizer llama.cpp's `llama-vocab.cpp` uses for a GGUF `tokenizer.ggml.pre`
    /// value ("gpt2" is taken as "gpt-2"), or nil when Neurodex does not implement that one.
    public init?(ggufPre pre: String) {
        switch pre {
        case "gpt2", "gpt-2", "phi-2", "mpt", "olmo", "jais", "exaone4":
            self = .gpt2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b":
            self = .gpt2IsolatedDigits
        default:
            return nil
        }
    }

    /// The words of `text`, for inspection and tests; `encode` works on bytes.
    public func split(_ text: String) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            var words: [String] = []
            forEachWord(in: bytes, range: 0..<bytes.count) { range in
                words.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
            }
            return words
        }
    }

    /// Calls `body` with the byte range of each word of `bytes[range]`, in order.
    /// `range` must start and end on scalar boundaries of valid UTF-8.
    func forEachWord(in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, _ body: (Range<Int>) -> Void) {
        switch self {
        case .gpt2:
            GPT2PatternScanner(bytes: bytes, end: range.upperBound).forEachPiece(from: range.lowerBound, body)
        case .gpt2IsolatedDigits:
            var stretchStart = range.lowerBound
            var position = range.lowerBound
            while position < range.upperBound {
                let (value, length) = decodeScalar(bytes, at: position, end: range.upperBound)
                if ScalarClass(value) == .number {
                    GPT2PatternScanner(bytes: bytes, end: position).forEachPiece(from: stretchStart, body)
                    body(position..<position + length)
                    stretchStart = position + length
                }
                position += length
            }
            GPT2PatternScanner(bytes: bytes, end: range.upperBound).forEachPiece(from: stretchStart, body)
        case .llama3:
            Llama3PatternScanner(bytes: bytes, end: range.upperBound, maxDigits: 3).forEachPiece(from: range.lowerBound, body)
        case .qwen2:
            Llama3PatternScanner(bytes: bytes, end: range.upperBound, maxDigits: 1).forEachPiece(from: range.lowerBound, body)
        case .wholeText, .metaspace:
            if !range.isEmpty { body(range) }
        }
    }
}

/// When HF's `Metaspace` pre-tokenizer puts a "▁" before a stretch of text (one that does not
/// already start with a space or "▁").
public enum MetaspacePrependScheme: String, Sendable, Equatable {
    /// Before the stretch that starts the text (not after a leading added token).
    case first
    /// Before every stretch between added tokens.
    case always
    /// Never.
    case never

    /// Whether a stretch gets a "▁"; `startsText` says it begins at the start of the text.
    func prepends(startsText: Bool) -> Bool {
        switch self {
        case .first: startsText
        case .always: true
        case .never: false
        }
    }
}
