/// What each tokenizer format provides, read but not yet checked: the vocabulary, the merges in
/// rank order, the added tokens, the normalization and the pre-tokenizer. `Tokenizer.init(tables:)` validates it.
struct TokenizerTables {
    /// An added token: matched whole in the text before pre-tokenization.
    struct AddedToken {
        let bytes: [UInt8]
        let id: UInt32
        /// HF matches tokens with `normalized: false` first, then the others in what is left.
        let normalized: Bool
    }

    /// The file or table the rest came from, for error messages.
    var source: String
    /// Vocabulary entries: a token's bytes and its id.
    var vocabulary: [(bytes: [UInt8], id: UInt32)]
    /// The merges, best first: the bytes of the left and the right token.
    var merges: [(left: [UInt8], right: [UInt8])]
    var addedTokens: [AddedToken] = []
    /// How text outside the `normalized: false` added tokens is rewritten before the other
    /// added tokens are matched (HF normalizer `NFC` in Pythia's tokenizer.json; Llama 2's
    /// SentencePiece spacing).
    var normalizer = TextNormalizer.none
    var preTokenizer: PreTokenizer
    /// Replaces bytes that have no single-byte token; nil drops them.
    var unknownToken: UInt32? = nil
    var beginOfSequence: UInt32? = nil
    var endOfSequence: UInt32? = nil
    /// A word that is a vocabulary entry is that token, without merging (HF `ignore_merges`,
    /// as in Llama 3's tokenizer).
    var ignoreMerges = false
    /// How a word becomes its first tokens: one per byte (byte-level BPE, the vocabulary spelled
    /// over GPT-2's byte alphabet), or one per character (SentencePiece-style BPE, spelled in
    /// UTF-8 with "▁" for a space and `<0xNN>` byte tokens).
    var symbols = Symbols.bytes
    /// The decoder removes one leading space from the decoded text (HF `Strip(" ", 1, 0)`).
    var decodingStripsLeadingSpace = false

    enum Symbols {
        case bytes
        /// `byteFallback`: characters without a token become their `<0xNN>` byte tokens
        /// (and those tokens show as their byte). `fuseUnknown`: unknown characters in a row
        /// become one unknown token.
        case characters(byteFallback: Bool, fuseUnknown: Bool)
    }
}
