import Tokenizers

/// A tokenizer's vocabulary, as the NeuronRecord importer uses it to turn token text into ids.
/// `Tokenizer` conforms; tests use small tables.
public protocol TokenVocabulary {
    /// Number of token ids: one more than the largest id.
    var vocabularySize: Int { get }
    /// The bytes of token `id` (empty for an id without a token).
    func tokenBytes(_ id: UInt32) -> [UInt8]
    /// The id of the token whose bytes are `bytes`, if any.
    func tokenID(bytes: [UInt8]) -> UInt32?
}

extension Tokenizer: TokenVocabulary {}
