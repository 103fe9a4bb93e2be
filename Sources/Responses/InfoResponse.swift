import Store

/// `neurodex info --format json`: what a store holds — its model, corpora, runs, layers,
/// content counts and file sizes.
///
/// The object is the store summary itself, keys as the summary's property names (camelCase),
/// sorted, indented, times in ISO 8601.
public struct InfoResponse: ResponseDocument {
    public static let style = JSONStyle(flavor: .foundation, escapesSlashes: true, layout: .indented)

    public var summary: StoreSummary

    public init(summary: StoreSummary) {
        self.summary = summary
    }

    public init(from decoder: Decoder) throws {
        summary = try decoder.singleValueContainer().decode(StoreSummary.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(summary)
    }
}
