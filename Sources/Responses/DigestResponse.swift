import Store

/// `neurodex info --digest --format json`: the store's content digest and one digest per part
/// (records, tokens, … statistics, moments), to see which part two stores differ in.
///
/// The object is the content digest itself, keys sorted, indented.
public struct DigestResponse: ResponseDocument {
    public static let style = JSONStyle(flavor: .foundation, escapesSlashes: true, layout: .indented)

    public var digest: ContentDigest

    public init(digest: ContentDigest) {
        self.digest = digest
    }

    public init(from decoder: Decoder) throws {
        digest = try decoder.singleValueContainer().decode(ContentDigest.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digest)
    }
}
