/// One document of a corpus, decoded and ready to tokenize.
public struct CorpusDocument: Sendable {
    /// Position in the corpus order (the document id in the store).
    public var index: Int
    public var sourcePath: String
    public var byteOffset: Int
    public var byteLength: Int
    public var text: String
    /// Invalid UTF-8 sequences replaced by U+FFFD.
    public var replacements: Int
    /// Hex SHA-256 of the document's bytes as read.
    public var sha256: String
    /// Extra JSONL fields as a JSON object, or nil.
    public var metadataJSON: String?
    /// Bytes of the corpus files on disk read through this document (compressed bytes for a
    /// compressed file), to show progress against `Corpus.byteCount`.
    public var corpusBytesRead = 0
}

/// Decodes UTF-8, replacing each invalid sequence by U+FFFD and counting the replacements.
func decodeUTF8<C: Collection>(_ bytes: C) -> (text: String, replacements: Int) where C.Element == UInt8 {
    if let text = String(validating: bytes, as: UTF8.self) { return (text, 0) }
    var scalars = String.UnicodeScalarView()
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    var replacements = 0
    loop: while true {
        switch decoder.decode(&iterator) {
        case .scalarValue(let scalar): scalars.append(scalar)
        case .emptyInput: break loop
        case .error:
            replacements += 1
            scalars.append("\u{FFFD}")
        }
    }
    return (String(scalars), replacements)
}
