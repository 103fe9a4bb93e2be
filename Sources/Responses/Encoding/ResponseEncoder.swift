import Foundation

/// Writes and reads the response documents: the one place that decides how the CLI's JSON (and
/// the HTTP API's) is spelled.
///
/// Every document declares its `JSONStyle`; the encoder follows it and two fixed rules:
/// - keys of the documents' own `ResponseCodingKey`s come in the order the object writes them
///   (declaration order for a synthesized `encode(to:)`, `writeMembers` order for a
///   `ResponseObject`), written as they come; keys of embedded results (the analyses, the store
///   summary) and of dictionaries come sorted;
/// - a `ResponseCodingKey` may start a line, or start a line for each element of its array, so that
///   a long document (`analyze`) has one layer and one neuron per line.
public enum ResponseEncoder {
    /// `document` as UTF-8 JSON, without a trailing newline.
    public static func encode<Document: ResponseDocument>(_ document: Document) throws -> [UInt8] {
        let output = EncodingOutput(style: Document.style)
        try output.encode(document, depth: 0, lineBreaks: false)
        output.state.finishDocument()
        return output.state.writer.bytes
    }

    /// Reads a document written by `encode` (the HTTP API's tests read responses with it).
    public static func decode<Document: ResponseDocument>(_ type: Document.Type, from data: Data) throws -> Document {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let style = Document.style
        if style.flavor == .foundation {
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        }
        if style.snakeCaseKeys {
            decoder.keyDecodingStrategy = .custom { path in CamelCaseKey(snakeCase: path.last?.stringValue ?? "") }
        }
        return try decoder.decode(type, from: data)
    }
}

/// A document of the CLI and HTTP contract, written by `ResponseEncoder`.
public protocol ResponseDocument: Codable, Sendable {
    /// How the document is spelled.
    static var style: JSONStyle { get }
}

/// The spelling of a document's JSON.
public struct JSONStyle: Sendable, Hashable {
    /// How numbers and strings are spelled.
    public enum Flavor: Sendable, Hashable {
        /// Numbers in the shortest text that reads back exactly ("3.0", "0.1", "1e-05"), f32
        /// values as f32; `null` for NaN and infinities; control characters other than
        /// `\n \r \t` as `\u00xx` (the spelling of Export's tables).
        case exact
        /// Foundation's `JSONEncoder`: numbers as `exact` without a trailing ".0" ("3");
        /// non-finite values as the strings "nan", "inf" and "-inf"; also `\b` and `\f`.
        case foundation
    }

    public enum Layout: Sendable, Hashable {
        /// No whitespace (except the line breaks `ResponseCodingKey`s ask for).
        case compact
        /// One member per line, two spaces of indentation, `"key" : value` (Foundation's pretty printing).
        case indented
        /// One line with a space after each `:` and `,`.
        case spaced
    }

    /// Keys turned to snake_case ("tokenIDs" → "token_ids", "nullMean" → "null_mean"). Read
    /// back by `ResponseEncoder.decode`, so the document's own keys must be single words
    /// (`snakeCase` would not tell "token_id" from "tokenID").
    public var snakeCaseKeys: Bool
    public var flavor: Flavor
    /// Whether "/" is written "\/".
    public var escapesSlashes: Bool
    public var layout: Layout

    public init(snakeCaseKeys: Bool = false, flavor: Flavor = .exact, escapesSlashes: Bool = false,
                layout: Layout = .compact) {
        self.snakeCaseKeys = snakeCaseKeys
        self.flavor = flavor
        self.escapesSlashes = escapesSlashes
        self.layout = layout
    }
}

/// The coding keys of a document's own objects: written in the order the object encodes them,
/// optionally on a new line.
public protocol ResponseCodingKey: CodingKey {
    var lineBreak: ResponseLineBreak { get }
}

extension ResponseCodingKey {
    public var lineBreak: ResponseLineBreak { .none }
}

/// Where a `ResponseCodingKey` breaks the line.
public enum ResponseLineBreak: Sendable {
    case none
    /// Before the key.
    case beforeKey
    /// Before each element of the key's array.
    case beforeElements
}
