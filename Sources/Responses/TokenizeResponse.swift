/// `neurodex tokenize --format json`: `{"ids": [...]}`, the token ids a tokenizer gives a text.
public struct TokenizeResponse: ResponseDocument {
    public static let style = JSONStyle(layout: .spaced)

    public var ids: [UInt32]

    public init(ids: [UInt32]) {
        self.ids = ids
    }

    enum CodingKeys: String, ResponseCodingKey {
        case ids
    }
}
