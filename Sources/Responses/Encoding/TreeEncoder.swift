import Foundation

// The Encoder of ResponseEncoder: builds a JSONValue tree that JSONWriter then writes.

/// A leaf of the tree the encoder builds: a scalar, or an array of scalars of one type.
enum JSONValue {
    case null, bool(Bool), integer(Int64), unsignedInteger(UInt64), float(Float), double(Double), string(String)
    /// Arrays of one leaf type, kept as they are (a neuron document holds thousands of window
    /// values; a node each would dominate the encoding).
    case floats([Float]), strings([String]), unsignedIntegers([UInt32])
}

/// A value being encoded; containers fill it in, `JSONWriter` writes it.
final class Node {
    enum Content {
        /// Nothing encoded: written as an empty object.
        case empty
        case value(JSONValue), array(ArrayBox), object(ObjectBox)
    }

    var content = Content.empty

    /// Encodes `value` into this node, the special cases first.
    /// `encoder` is made only for values that are not leaves (most values of a document are).
    func encode<T: Encodable>(_ value: T, lineBreaks: Bool, encoder: @autoclosure () -> TreeEncoder) throws {
        if let leaf = Self.leaf(value, lineBreaks: lineBreaks) {
            content = .value(leaf)
        } else {
            try value.encode(to: encoder())
        }
    }

    /// The value of the types written without an encoder of their own: floats (which an
    /// `Encoder` would otherwise see as Double), dates, URLs, and arrays of leaves. Compares
    /// type identities rather than casting, since it runs for every value of every document.
    static func leaf<T: Encodable>(_ value: T, lineBreaks: Bool) -> JSONValue? {
        switch ObjectIdentifier(T.self) {
        case LeafType.float: return .float(value as! Float)
        case LeafType.double: return .double(value as! Double)
        case LeafType.string: return .string(value as! String)
        case LeafType.floats where !lineBreaks: return .floats(value as! [Float])
        case LeafType.strings where !lineBreaks: return .strings(value as! [String])
        case LeafType.unsigned where !lineBreaks: return .unsignedIntegers(value as! [UInt32])
        case LeafType.date: return .string(ISO8601DateFormatter().string(from: value as! Date))
        case LeafType.url: return .string((value as! URL).absoluteString)
        default: return nil
        }
    }
}

/// The identities of the leaf types, looked up once.
private enum LeafType {
    static let float = ObjectIdentifier(Float.self), double = ObjectIdentifier(Double.self)
    static let string = ObjectIdentifier(String.self), floats = ObjectIdentifier([Float].self)
    static let strings = ObjectIdentifier([String].self), unsigned = ObjectIdentifier([UInt32].self)
    static let date = ObjectIdentifier(Date.self), url = ObjectIdentifier(URL.self)
}

/// The elements of an array being encoded.
final class ArrayBox {
    var elements: [Node] = []
    /// Whether each element starts a line.
    let lineBreaks: Bool

    init(lineBreaks: Bool) { self.lineBreaks = lineBreaks }
}

/// The members of an object being encoded.
final class ObjectBox {
    /// A member's value: a leaf, kept in place (most members are one), or a node that the
    /// member's own encoder fills in.
    enum Value {
        case leaf(JSONValue), node(Node)
    }

    var members: [(key: String, lineBreak: ResponseLineBreak, value: Value)] = []
    /// Whether the keys are `ResponseCodingKey`s, written in their order (otherwise sorted).
    let declaredOrder: Bool

    init(declaredOrder: Bool) {
        self.declaredOrder = declaredOrder
        members.reserveCapacity(8)  // most of the documents' objects have at most 8 members
    }
}

/// Encodes a value into `node`.
struct TreeEncoder: Encoder {
    let node: Node
    let codingPath: [CodingKey]
    let style: JSONStyle
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// Set for the value of a `.beforeElements` key.
    let lineBreaks: Bool

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
            box = ArrayBox(lineBreaks: lineBreaks)
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

/// The coding key of an array element.
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

    /// Where `key` breaks the line.
    func lineBreak(_ key: Key) -> ResponseLineBreak {
        (key as? any ResponseCodingKey)?.lineBreak ?? .none
    }

    /// Adds the member `key`: `value`.
    func append(_ key: Key, lineBreak: ResponseLineBreak, _ value: ObjectBox.Value) {
        let name = encoder.style.snakeCaseKeys ? SnakeCaseKeys.name(key.stringValue) : key.stringValue
        box.members.append((name, lineBreak, value))
    }

    /// A new member for `key`, a node for its encoder to fill in.
    func member(_ key: Key) -> (Node, ResponseLineBreak) {
        let node = Node()
        let lineBreak = lineBreak(key)
        append(key, lineBreak: lineBreak, .node(node))
        return (node, lineBreak)
    }

    func set(_ value: JSONValue, _ key: Key) { append(key, lineBreak: lineBreak(key), .leaf(value)) }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(.float(value), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.integer(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(.integer(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(.integer(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.integer(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.integer(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(.unsignedInteger(UInt64(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.unsignedInteger(UInt64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.unsignedInteger(UInt64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.unsignedInteger(UInt64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(.unsignedInteger(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let lineBreak = lineBreak(key)
        let lineBreaks = lineBreak == .beforeElements
        if let leaf = Node.leaf(value, lineBreaks: lineBreaks) {
            append(key, lineBreak: lineBreak, .leaf(leaf))
        } else {
            let node = Node()
            append(key, lineBreak: lineBreak, .node(node))
            try value.encode(to: encoder.child(node, key: key, lineBreaks: lineBreaks))
        }
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

    /// A new last element.
    func newNode() -> Node {
        let node = Node()
        box.elements.append(node)
        return node
    }

    /// The encoder of `node`, the last element.
    func encoder(of node: Node) -> TreeEncoder {
        encoder.child(node, key: IndexKey(intValue: box.elements.count - 1))
    }

    func element() -> (Node, TreeEncoder) {
        let node = newNode()
        return (node, encoder(of: node))
    }

    func append(_ value: JSONValue) { newNode().content = .value(value) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.double(value)) }
    mutating func encode(_ value: Float) throws { append(.float(value)) }
    mutating func encode(_ value: Int) throws { append(.integer(Int64(value))) }
    mutating func encode(_ value: Int8) throws { append(.integer(Int64(value))) }
    mutating func encode(_ value: Int16) throws { append(.integer(Int64(value))) }
    mutating func encode(_ value: Int32) throws { append(.integer(Int64(value))) }
    mutating func encode(_ value: Int64) throws { append(.integer(value)) }
    mutating func encode(_ value: UInt) throws { append(.unsignedInteger(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { append(.unsignedInteger(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { append(.unsignedInteger(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { append(.unsignedInteger(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { append(.unsignedInteger(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let node = newNode()
        try node.encode(value, lineBreaks: false, encoder: encoder(of: node))
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
    mutating func encode(_ value: Int) throws { set(.integer(Int64(value))) }
    mutating func encode(_ value: Int8) throws { set(.integer(Int64(value))) }
    mutating func encode(_ value: Int16) throws { set(.integer(Int64(value))) }
    mutating func encode(_ value: Int32) throws { set(.integer(Int64(value))) }
    mutating func encode(_ value: Int64) throws { set(.integer(value)) }
    mutating func encode(_ value: UInt) throws { set(.unsignedInteger(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { set(.unsignedInteger(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { set(.unsignedInteger(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { set(.unsignedInteger(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { set(.unsignedInteger(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws { try encoder.node.encode(value, lineBreaks: encoder.lineBreaks, encoder: encoder) }
}
