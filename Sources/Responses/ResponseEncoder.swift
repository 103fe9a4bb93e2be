import Foundation

/// Writes and reads the response documents: the one place that decides how the CLI's JSON (and
/// the HTTP API's) is spelled.
///
/// Every document declares its `JSONStyle`; the encoder follows it and two fixed rules:
/// - keys of the documents' own `ResponseCodingKey`s come in the order they are declared; keys of
///   embedded results (the analyses, the store summary) and of dictionaries come sorted;
/// - a `ResponseCodingKey` may start a line, or start a line for each element of its array, so that
///   a long document (`analyze`) has one layer and one neuron per line.
public enum ResponseEncoder {
    /// `document` as UTF-8 JSON, without a trailing newline.
    public static func encode<Document: ResponseDocument>(_ document: Document) throws -> [UInt8] {
        let style = Document.style
        let root = Node()
        try root.encode(document, encoder: TreeEncoder(node: root, codingPath: [], style: style))
        var writer = JSONWriter(style: style)
        writer.write(root.value, indent: 0)
        return writer.bytes
    }

    /// Reads a document written by `encode`.
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

    /// Property names of embedded results turned to snake_case ("tokenIDs" → "token_ids",
    /// "nullMean" → "null_mean").
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

/// The coding keys of a document's own objects: written in declaration order, optionally on a
/// new line.
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

// MARK: - The tree

/// A JSON value as the encoder builds it.
indirect enum JSONValue {
    struct Member {
        var key: String
        var lineBreak: ResponseLineBreak
        var value: JSONValue
    }

    case null, bool(Bool), integer(String), float(Float), double(Double), string(String)
    case array([JSONValue], lineBreaks: Bool)
    /// `declaredOrder` false: the members are sorted by key when written.
    case object([Member], declaredOrder: Bool)
}

/// A value being encoded; containers fill it in.
final class Node {
    enum Content {
        case empty, value(JSONValue), array(ArrayBox), object(ObjectBox)
    }

    var content = Content.empty

    var value: JSONValue {
        switch content {
        case .empty: .object([], declaredOrder: true)
        case .value(let value): value
        case .array(let box): .array(box.elements.map(\.value), lineBreaks: box.lineBreaks)
        case .object(let box):
            .object(box.members.map { .init(key: $0.key, lineBreak: $0.lineBreak, value: $0.node.value) },
                    declaredOrder: box.declaredOrder)
        }
    }

    /// Encodes `value` into this node, the special cases first.
    func encode<T: Encodable>(_ value: T, encoder: TreeEncoder) throws {
        switch value {
        case let v as Float: content = .value(.float(v))
        case let v as Double: content = .value(.double(v))
        case let v as Date: content = .value(.string(ISO8601DateFormatter().string(from: v)))
        case let v as URL: content = .value(.string(v.absoluteString))
        default: try value.encode(to: encoder)
        }
    }
}

final class ArrayBox {
    var elements: [Node] = []
    var lineBreaks = false
}

final class ObjectBox {
    var members: [(key: String, lineBreak: ResponseLineBreak, node: Node)] = []
    var declaredOrder: Bool

    init(declaredOrder: Bool) { self.declaredOrder = declaredOrder }
}

struct TreeEncoder: Encoder {
    let node: Node
    let codingPath: [CodingKey]
    let style: JSONStyle
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// Set for the value of a `.beforeElements` key.
    var lineBreaks = false

    init(node: Node, codingPath: [CodingKey], style: JSONStyle, lineBreaks: Bool = false) {
        self.node = node
        self.codingPath = codingPath
        self.style = style
        self.lineBreaks = lineBreaks
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: ObjectBox
        if case .object(let existing) = node.content {
            box = existing
        } else {
            box = ObjectBox(declaredOrder: Key.self is any ResponseCodingKey.Type)
            node.content = .object(box)
        }
        return KeyedEncodingContainer(KeyedContainer<Key>(box: box, encoder: self))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        let box: ArrayBox
        if case .array(let existing) = node.content {
            box = existing
        } else {
            box = ArrayBox()
            box.lineBreaks = lineBreaks
            node.content = .array(box)
        }
        return UnkeyedContainer(box: box, encoder: self)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { SingleValueContainer(encoder: self) }

    /// An encoder for a child value at `key`.
    func child(_ node: Node, key: CodingKey, lineBreaks: Bool = false) -> TreeEncoder {
        TreeEncoder(node: node, codingPath: codingPath + [key], style: style, lineBreaks: lineBreaks)
    }
}

struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue!)" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: ObjectBox
    let encoder: TreeEncoder
    var codingPath: [CodingKey] { encoder.codingPath }

    /// A new member for `key`.
    func member(_ key: Key) -> (Node, ResponseLineBreak) {
        let node = Node()
        let lineBreak = (key as? any ResponseCodingKey)?.lineBreak ?? .none
        let name = encoder.style.snakeCaseKeys ? snakeCase(key.stringValue) : key.stringValue
        box.members.append((name, lineBreak, node))
        return (node, lineBreak)
    }

    func set(_ value: JSONValue, _ key: Key) { member(key).0.content = .value(value) }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(.float(value), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.integer(String(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(.integer(String(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(.integer(String(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.integer(String(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.integer(String(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(.integer(String(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.integer(String(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.integer(String(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.integer(String(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(.integer(String(value)), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let (node, lineBreak) = member(key)
        try node.encode(value, encoder: encoder.child(node, key: key, lineBreaks: lineBreak == .beforeElements))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                       forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let node = member(key).0
        return encoder.child(node, key: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        let (node, lineBreak) = member(key)
        return encoder.child(node, key: key, lineBreaks: lineBreak == .beforeElements).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> Encoder { encoder.child(member(key).0, key: key) }
}

struct UnkeyedContainer: UnkeyedEncodingContainer {
    let box: ArrayBox
    let encoder: TreeEncoder
    var codingPath: [CodingKey] { encoder.codingPath }
    var count: Int { box.elements.count }

    func element() -> (Node, TreeEncoder) {
        let node = Node()
        let key = IndexKey(intValue: box.elements.count)
        box.elements.append(node)
        return (node, encoder.child(node, key: key))
    }

    func append(_ value: JSONValue) { element().0.content = .value(value) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.double(value)) }
    mutating func encode(_ value: Float) throws { append(.float(value)) }
    mutating func encode(_ value: Int) throws { append(.integer(String(value))) }
    mutating func encode(_ value: Int8) throws { append(.integer(String(value))) }
    mutating func encode(_ value: Int16) throws { append(.integer(String(value))) }
    mutating func encode(_ value: Int32) throws { append(.integer(String(value))) }
    mutating func encode(_ value: Int64) throws { append(.integer(String(value))) }
    mutating func encode(_ value: UInt) throws { append(.integer(String(value))) }
    mutating func encode(_ value: UInt8) throws { append(.integer(String(value))) }
    mutating func encode(_ value: UInt16) throws { append(.integer(String(value))) }
    mutating func encode(_ value: UInt32) throws { append(.integer(String(value))) }
    mutating func encode(_ value: UInt64) throws { append(.integer(String(value))) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let (node, encoder) = element()
        try node.encode(value, encoder: encoder)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        element().1.container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer { element().1.unkeyedContainer() }

    mutating func superEncoder() -> Encoder { element().1 }
}

struct SingleValueContainer: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [CodingKey] { encoder.codingPath }

    func set(_ value: JSONValue) { encoder.node.content = .value(value) }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(.double(value)) }
    mutating func encode(_ value: Float) throws { set(.float(value)) }
    mutating func encode(_ value: Int) throws { set(.integer(String(value))) }
    mutating func encode(_ value: Int8) throws { set(.integer(String(value))) }
    mutating func encode(_ value: Int16) throws { set(.integer(String(value))) }
    mutating func encode(_ value: Int32) throws { set(.integer(String(value))) }
    mutating func encode(_ value: Int64) throws { set(.integer(String(value))) }
    mutating func encode(_ value: UInt) throws { set(.integer(String(value))) }
    mutating func encode(_ value: UInt8) throws { set(.integer(String(value))) }
    mutating func encode(_ value: UInt16) throws { set(.integer(String(value))) }
    mutating func encode(_ value: UInt32) throws { set(.integer(String(value))) }
    mutating func encode(_ value: UInt64) throws { set(.integer(String(value))) }

    mutating func encode<T: Encodable>(_ value: T) throws { try encoder.node.encode(value, encoder: encoder) }
}

// MARK: - Writing

/// Serializes a `JSONValue` tree in a `JSONStyle`.
struct JSONWriter {
    let style: JSONStyle
    var bytes: [UInt8] = []

    init(style: JSONStyle) { self.style = style }

    mutating func write(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func write(_ value: JSONValue, indent: Int) {
        switch value {
        case .null: write("null")
        case .bool(let v): write(v ? "true" : "false")
        case .integer(let text): write(text)
        case .float(let v): writeNumber(v.isFinite ? v.description : nil, nonFinite: v)
        case .double(let v): writeNumber(v.isFinite ? v.description : nil, nonFinite: Float(v))
        case .string(let text): writeString(text)
        case .array(let elements, let lineBreaks):
            writeContainer("[", "]", count: elements.count, indent: indent) { writer, i in
                if lineBreaks { writer.write("\n") }
                writer.write(elements[i], indent: indent + 1)
            }
        case .object(let members, let declaredOrder):
            let ordered = declaredOrder ? members : members.sorted { $0.key < $1.key }
            writeContainer("{", "}", count: ordered.count, indent: indent) { writer, i in
                let member = ordered[i]
                if member.lineBreak == .beforeKey { writer.write("\n") }
                writer.writeString(member.key)
                writer.write(writer.style.layout == .compact ? ":" : writer.style.layout == .spaced ? ": " : " : ")
                writer.write(member.value, indent: indent + 1)
            }
        }
    }

    /// Brackets around `count` elements, separated and indented as the layout says.
    mutating func writeContainer(_ open: String, _ close: String, count: Int, indent: Int,
                                 element: (inout JSONWriter, Int) -> Void) {
        write(open)
        switch style.layout {
        case .compact, .spaced:
            for i in 0..<count {
                if i > 0 { write(style.layout == .spaced ? ", " : ",") }
                element(&self, i)
            }
        case .indented:
            // Foundation's pretty printing, also for empty containers ("[\n\n  ]").
            let inner = String(repeating: "  ", count: indent + 1)
            write("\n")
            for i in 0..<count {
                if i > 0 { write(",\n") }
                write(inner)
                element(&self, i)
            }
            write("\n" + String(repeating: "  ", count: indent))
        }
        write(close)
    }

    /// `text` (a finite number's shortest form) or the style's spelling of a non-finite value.
    mutating func writeNumber(_ text: String?, nonFinite value: Float) {
        switch (style.flavor, text) {
        case (.exact, let text?): write(text)
        case (.exact, nil): write("null")
        case (.foundation, let text?): write(text.hasSuffix(".0") ? String(text.dropLast(2)) : text)
        case (.foundation, nil): writeString(value.isNaN ? "nan" : value < 0 ? "-inf" : "inf")
        }
    }

    /// A string literal: quotes, backslash and control characters escaped (`\b \f \n \r \t`,
    /// others as `\u00xx`), "/" as the style says, everything else as UTF-8.
    mutating func writeString(_ text: String) {
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case UInt8(ascii: "/") where style.escapesSlashes: bytes.append(contentsOf: [0x5C, 0x2F])
            case 0x08 where style.flavor == .foundation: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C where style.flavor == .foundation: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

// MARK: - Keys

/// "tokenIDs" → "token_ids", "nullMean" → "null_mean", "URLPath" → "url_path".
func snakeCase(_ camelCase: String) -> String {
    var out = ""
    let characters = Array(camelCase.replacingOccurrences(of: "IDs", with: "Ids"))
    for (i, character) in characters.enumerated() {
        if character.isUppercase {
            let previousIsLower = i > 0 && (characters[i - 1].isLowercase || characters[i - 1].isNumber)
            let startsWord = i > 0 && characters[i - 1].isUppercase && i + 1 < characters.count && characters[i + 1].isLowercase
            if previousIsLower || startsWord { out.append("_") }
            out.append(Character(character.lowercased()))
        } else {
            out.append(character)
        }
    }
    return out
}

/// The property name of a snake_case key: "null_mean" → "nullMean", "token_ids" → "tokenIDs".
struct CamelCaseKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(snakeCase: String) {
        let words = snakeCase.split(separator: "_", omittingEmptySubsequences: false)
        let camel = words.enumerated().map { i, word in
            i == 0 ? String(word) : word == "ids" ? "IDs" : word.prefix(1).uppercased() + word.dropFirst()
        }
        stringValue = camel.joined()
    }

    init?(stringValue: String) { self.init(snakeCase: stringValue) }
    init?(intValue: Int) { nil }
}
