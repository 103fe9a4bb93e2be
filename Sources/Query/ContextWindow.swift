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

    /// The window of `radius` tokens on each side of `record`. A document missing from the
    /// store, or one too short to hold the record's position, gives a window of the record's
    /// token alone.
    public init(of record: CoreRecord, radius: Int, reader: StoreReader, vocabulary: StoredVocabulary) throws {
        let position = Int(record.position)
        let radius = min(max(0, radius), 1 << 24)
        let start = max(0, position - radius)
        let end = position + radius + 1
        if let tokens = try reader.tokens(document: record.document, range: start..<end),
           position - start < tokens.count {
            self.init(document: record.document, start: start, tokens: tokens, focus: position - start,
                      vocabulary: vocabulary)
        } else {
            self.init(document: record.document, start: position, tokens: [record.token], focus: 0,
                      vocabulary: vocabulary)
        }
    }
}
