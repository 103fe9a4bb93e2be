import Canonical
import Store

/// A record's token in the text around it, read from the document's stored token stream.
public struct ContextWindow: Sendable, Hashable {
    /// The document the tokens come from.
    public var document: UInt32
    /// Position in the document of `tokens[0]`.
    public var start: Int
    /// Up to `radius` tokens before the focus token, the focus token, up to `radius` after.
    public var tokens: [UInt32]
    /// Index in `tokens` of the focus token.
    public var focus: Int
    /// The bytes of `tokens`, concatenated.
    public var bytes: [UInt8]
    /// Where the focus token's bytes are in `bytes`.
    public var focusBytes: Range<Int>

    /// The whole window as text (characters split between tokens come out whole).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    /// The text before the focus token.
    public var before: String { String(decoding: bytes[..<focusBytes.lowerBound], as: UTF8.self) }
    /// The focus token's text, as `TokenText` writes one token.
    public var focusText: String { TokenText.string(of: bytes[focusBytes]) }
    /// The text after the focus token.
    public var after: String { String(decoding: bytes[focusBytes.upperBound...], as: UTF8.self) }

    /// Builds the window from its tokens; `focus` indexes `tokens`.
    public init(document: UInt32, start: Int, tokens: [UInt32], focus: Int, vocabulary: StoredVocabulary) {
        let (bytes, focusBytes) = vocabulary.concatenatedBytes(of: tokens, marking: focus)
        self.document = document
        self.start = start
        self.tokens = tokens
        self.focus = focus
        self.bytes = bytes
        self.focusBytes = focusBytes
    }

    /// The window of `radius` tokens on each side of `record`, from its stored context when
    /// `stored` is one for this record and radius, else from the document's tokens. A document
    /// missing from the store, or one too short to hold the record's position, gives a window
    /// of the record's token alone.
    public init(of record: CoreRecord, radius: Int, stored: NeuronContexts? = nil, index: Int = 0,
                reader: StoreReader, vocabulary: StoredVocabulary) throws {
        let (start, tokens): (UInt32, [UInt32])
        if let stored, stored.radius == radius, index < stored.entries.count, stored.entries[index].belongs(to: record),
           stored.entries[index].tokens.indices.contains(Int(record.position) - Int(stored.entries[index].start)) {
            (start, tokens) = (stored.entries[index].start, stored.entries[index].tokens)
        } else {
            (start, tokens) = try reader.context(of: record, radius: radius)
        }
        self.init(document: record.document, start: Int(start), tokens: tokens,
                  focus: Int(record.position) - Int(start), vocabulary: vocabulary)
    }
}
