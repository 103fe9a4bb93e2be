import Foundation

// The Encoder of ResponseEncoder: writes each value into a JSONWriter as it is encoded, without
// building a tree first. Objects keyed by `ResponseCodingKey`s are written in the order their
// members arrive (their `encode(to:)` order); objects with other keys (embedded results,
// dictionaries) are written sorted by key when they close, from their members' bytes.

/// A leaf value: a scalar, or an array of scalars of one type.
enum JSONValue {
    case null, bool(Bool), integer(Int64), unsignedInteger(UInt64), float(Float), double(Double), string(String)
    /// Arrays of one leaf type, written in one go (a neuron document holds thousands of window
    /// values; going through an encoder for each would dominate the encoding).
    case floats([Float]), strings([String]), unsignedIntegers([UInt32])

    /// The value of the types written without an encoder of their own: the documents' integers,
    /// booleans and floats (an `Encoder` would otherwise see a Float as a Double), dates, URLs,
    /// and arrays of leaves unless their elements start lines. Compares types rather than
    /// casting, since it runs for every value of every document.
    static func leaf<T: Encodable>(_ value: T, lineBreaks: Bool) -> JSONValue? {
        if T.self == String.self { return .string(value as! String) }
        if T.self == Float.self { return .float(value as! Float) }
        if T.self == UInt32.self { return .unsignedInteger(UInt64(value as! UInt32)) }
        if T.self == Int.self { return .integer(Int64(value as! Int)) }
        if T.self == Double.self { return .double(value as! Double) }
        if T.self == Bool.self { return .bool(value as! Bool) }
        if !lineBreaks {
            if T.self == [Float].self { return .floats(value as! [Float]) }
            if T.self == [String].self { return .strings(value as! [String]) }
            if T.self == [UInt32].self { return .unsignedIntegers(value as! [UInt32]) }
        }
        if T.self == Date.self { return .string(ISO8601DateFormatter().string(from: value as! Date)) }
        if T.self == URL.self { return .string((value as! URL).absoluteString) }
        return nil
    }
}

/// The output of one `ResponseEncoder.encode`, shared by its encoders and containers.
final class EncodingOutput {
    /// Each container operation is one call on it (one access to a class's stored property,
    /// which Swift checks at run time).
    var state: EncodingState

    init(style: JSONStyle) {
        var writer = JSONWriter(style: style)
        // Room for a neuron document without windows (~24 KB), so that its bytes are not
        // grown, and copied, a dozen times on the way.
        writer.bytes.reserveCapacity(32 << 10)
        state = EncodingState(writer: writer)
    }

    /// Writes `value` at `depth`: a leaf at once, anything else through its `encode(to:)`.
    func encode<T: Encodable>(_ value: T, depth: Int, lineBreaks: Bool) throws {
        if let leaf = JSONValue.leaf(value, lineBreaks: lineBreaks) {
            state.writer.write(leaf, indent: depth)
        } else {
            try value.encode(to: StreamingEncoder(output: self, depth: depth, lineBreaks: lineBreaks))
        }
    }

    /// Writes the member `key`: `value` of the object at `level`.
    func writeMember<T: Encodable>(_ value: T, key: some CodingKey, lineBreak: ResponseLineBreak, level: Int) throws {
        let lineBreaks = lineBreak == .beforeElements
        if let leaf = JSONValue.leaf(value, lineBreaks: lineBreaks) {
            state.writeMember(level: level, key: key, lineBreak: lineBreak, leaf)
        } else {
            state.beginMember(level: level, key: key, lineBreak: lineBreak)
            try value.encode(to: StreamingEncoder(output: self, depth: level + 1, lineBreaks: lineBreaks))
        }
    }
}

/// The bytes written so far and the containers still open, outermost first. A container at
/// level L (its index in `open`) is indented L; its members' values are at depth L + 1.
///
/// A container stays open until its parent begins its next member or closes, or the document
/// ends, so that `nestedContainer` and `superEncoder` work as with any encoder; a value that
/// wrote nothing by then is an empty object, `{}`.
struct EncodingState {
    var writer: JSONWriter
    private var open: [OpenContainer] = []

    struct OpenContainer {
        enum Kind {
            case array
            /// Members written as they come.
            case object
            /// Members sorted by key when the object closes.
            case sortedObject
        }

        let kind: Kind
        /// Whether each element starts a line (the array of a `.beforeElements` key).
        let lineBreaks: Bool
        /// Where the container's bytes begin.
        let start: Int
        /// Members or elements begun.
        var count = 0
        /// The last member's key as the value wrote it (for the coding path), for objects.
        var lastKey = ""
        /// Where the value of the last member or element begins, until the next one begins.
        var pendingValue: Int?
        /// A sorted object's members: key, line break and where the value's bytes begin.
        var members: [(key: String, lineBreak: ResponseLineBreak, valueStart: Int)] = []
    }

    init(writer: JSONWriter) {
        self.writer = writer
        open.reserveCapacity(8)
    }

    /// The coding path of a value at `depth`.
    func codingPath(depth: Int) -> [CodingKey] {
        open.prefix(depth).map { container -> CodingKey in
            container.kind == .array ? IndexKey(intValue: container.count - 1) : MemberKey(stringValue: container.lastKey)
        }
    }

    /// The number of elements begun in the array at `level`.
    func count(level: Int) -> Int { open[level].count }

    /// Opens (or, asked again by the same value, reuses) the container of the value at `depth`.
    mutating func openContainer(depth: Int, _ kind: OpenContainer.Kind, lineBreaks: Bool = false) {
        closeContainers(above: depth)
        if open.count == depth + 1 {
            precondition((open[depth].kind == .array) == (kind == .array), "a value encoded as both an array and an object")
            return
        }
        open.append(OpenContainer(kind: kind, lineBreaks: lineBreaks, start: writer.bytes.count))
        switch kind {
        case .array: writer.openContainer(UInt8(ascii: "["))
        case .object: writer.openContainer(UInt8(ascii: "{"))
        case .sortedObject: break  // written when it closes
        }
    }

    /// Begins the member `key` of the object at `level`; its value comes next.
    mutating func beginMember(level: Int, key: some CodingKey, lineBreak: ResponseLineBreak) {
        checkOpen(level)
        closeContainers(above: level)
        let keyName = key.stringValue
        Self.beginMember(writtenName(keyName), keyName: keyName, lineBreak: lineBreak, of: &open[level], level: level,
                         writer: &writer)
    }

    /// `beginMember` once the containers above `level` are closed: one access to the
    /// container rather than one per field.
    private static func beginMember(_ name: String, keyName: String, lineBreak: ResponseLineBreak,
                                    of container: inout OpenContainer, level: Int, writer: inout JSONWriter) {
        finishPendingValue(of: &container, level: level, writer: &writer)
        if container.kind == .sortedObject {
            container.members.append((name, lineBreak, writer.bytes.count))
        } else {
            writeKey(name, lineBreak: lineBreak, of: container, level: level, writer: &writer)
        }
        container.count += 1
        container.lastKey = keyName
        container.pendingValue = writer.bytes.count
    }

    /// The member `key`: `value` of the object at `level`.
    mutating func writeMember(level: Int, key: some CodingKey, lineBreak: ResponseLineBreak, _ value: JSONValue) {
        // The common case, a leaf of the innermost open object written as it comes: nothing to
        // close, and no key to remember for a coding path (only the encoder of a nested value
        // asks for one, and a nested value begins its member through `beginMember`).
        guard open.count == level + 1, open[level].kind == .object else {
            beginMember(level: level, key: key, lineBreak: lineBreak)
            writer.write(value, indent: level + 1)
            return
        }
        Self.writeLeafMember(writtenName(key.stringValue), value, lineBreak: lineBreak, of: &open[level], level: level,
                             writer: &writer)
    }

    private static func writeLeafMember(_ name: String, _ value: JSONValue, lineBreak: ResponseLineBreak,
                                        of container: inout OpenContainer, level: Int, writer: inout JSONWriter) {
        finishPendingValue(of: &container, level: level, writer: &writer)
        writeKey(name, lineBreak: lineBreak, of: container, level: level, writer: &writer)
        container.count += 1
        writer.write(value, indent: level + 1)
    }

    /// What comes before the value of the next member of an object written as its members
    /// come: the separator, the line break the key asks for, the key.
    private static func writeKey(_ name: String, lineBreak: ResponseLineBreak, of container: OpenContainer, level: Int,
                                 writer: inout JSONWriter) {
        writer.separate(index: container.count, indent: level)
        if lineBreak == .beforeKey { writer.bytes.append(UInt8(ascii: "\n")) }
        writer.writeKey(name)
    }

    /// A key's name as the document spells it.
    private func writtenName(_ keyName: String) -> String {
        writer.style.snakeCaseKeys ? SnakeCaseKeys.name(keyName) : keyName
    }

    /// Begins the next element of the array at `level`; its value comes next.
    mutating func beginElement(level: Int) {
        checkOpen(level)
        closeContainers(above: level)
        Self.beginElement(of: &open[level], level: level, writer: &writer)
    }

    private static func beginElement(of container: inout OpenContainer, level: Int, writer: inout JSONWriter) {
        finishPendingValue(of: &container, level: level, writer: &writer)
        writer.separate(index: container.count, indent: level)
        if container.lineBreaks { writer.bytes.append(UInt8(ascii: "\n")) }
        container.count += 1
        container.pendingValue = writer.bytes.count
    }

    /// The next element of the array at `level`, `value`.
    mutating func writeElement(level: Int, _ value: JSONValue) {
        beginElement(level: level)
        writer.write(value, indent: level + 1)
    }

    /// Closes every container; `{}` for a document that wrote nothing.
    mutating func finishDocument() {
        closeContainers(above: -1)
        if writer.bytes.isEmpty { writer.writeEmptyObject(indent: 0) }
    }

    /// Ends the last value begun in `container`, whose own containers are closed: `{}` when it
    /// wrote nothing.
    private static func finishPendingValue(of container: inout OpenContainer, level: Int, writer: inout JSONWriter) {
        if let pending = container.pendingValue, pending == writer.bytes.count {
            writer.writeEmptyObject(indent: level + 1)
        }
        container.pendingValue = nil
    }

    /// Stops a container written to after its parent went on (its bytes are already closed).
    private func checkOpen(_ level: Int) {
        precondition(level < open.count, "a container was written to after its parent went on (ResponseEncoder writes values as they come)")
    }

    /// Closes the containers above `level`, innermost first, each after its last value.
    private mutating func closeContainers(above level: Int) {
        while open.count > level + 1 {
            let last = open.count - 1
            var container = open.removeLast()
            Self.finishPendingValue(of: &container, level: last, writer: &writer)
            switch container.kind {
            case .array: writer.closeContainer(UInt8(ascii: "]"), indent: last)
            case .object: writer.closeContainer(UInt8(ascii: "}"), indent: last)
            case .sortedObject: writeSorted(container, indent: last)
            }
        }
    }

    /// Rewrites a sorted object's bytes (its members' values, one after the other) as the
    /// object, its members sorted by key.
    private mutating func writeSorted(_ object: OpenContainer, indent: Int) {
        let values = Array(writer.bytes[object.start...])
        writer.bytes.removeSubrange(object.start...)
        let members = object.members
        func valueBytes(_ i: Int) -> ArraySlice<UInt8> {
            let end = i + 1 < members.count ? members[i + 1].valueStart : object.start + values.count
            return values[(members[i].valueStart - object.start)..<(end - object.start)]
        }
        writer.openContainer(UInt8(ascii: "{"))
        for (index, member) in members.indices.sorted(by: { members[$0].key < members[$1].key }).enumerated() {
            writer.separate(index: index, indent: indent)
            if members[member].lineBreak == .beforeKey { writer.bytes.append(UInt8(ascii: "\n")) }
            writer.writeKey(members[member].key)
            writer.bytes.append(contentsOf: valueBytes(member))
        }
        writer.closeContainer(UInt8(ascii: "}"), indent: indent)
    }
}

/// Encodes a value at `depth` into `output`.
struct StreamingEncoder: Encoder {
    let output: EncodingOutput
    let depth: Int
    /// Set for the value of a `.beforeElements` key.
    let lineBreaks: Bool

    var codingPath: [CodingKey] { output.state.codingPath(depth: depth) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let lineBreaks = (Key.self as? any ResponseCodingKey.Type)?.lineBreaks(of: Key.self)
        output.state.openContainer(depth: depth, lineBreaks == nil ? .sortedObject : .object)
        return KeyedEncodingContainer(StreamingKeyedContainer<Key>(output: output, level: depth, keyLineBreak: lineBreaks))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        output.state.openContainer(depth: depth, .array, lineBreaks: lineBreaks)
        return StreamingUnkeyedContainer(output: output, level: depth)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { StreamingSingleValueContainer(encoder: self) }

    /// The members of a `ResponseObject` at this encoder's depth.
    func members<Key: ResponseCodingKey>(keyedBy _: Key.Type) -> StreamingMembers<Key> {
        output.state.openContainer(depth: depth, .object)
        return StreamingMembers(output: output, level: depth)
    }
}

/// The coding key of an object member, in a coding path.
struct MemberKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The coding key of an array element.
struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue!)" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

extension ResponseCodingKey {
    /// `lineBreak` of a key that a container knows only as its generic `Key` (which is `Self`),
    /// found once per container rather than by a protocol cast per key.
    static func lineBreaks<Key: CodingKey>(of _: Key.Type) -> (Key) -> ResponseLineBreak {
        { key in (key as! Self).lineBreak }
    }
}

/// The members of the object at `level`.
struct StreamingKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let output: EncodingOutput
    let level: Int
    /// The line break of each key; nil when `Key` is not a `ResponseCodingKey` (its object is
    /// sorted, and no key breaks the line).
    let keyLineBreak: ((Key) -> ResponseLineBreak)?
    var codingPath: [CodingKey] { output.state.codingPath(depth: level) }

    func lineBreak(_ key: Key) -> ResponseLineBreak { keyLineBreak?(key) ?? .none }

    func set(_ value: JSONValue, _ key: Key) {
        output.state.writeMember(level: level, key: key, lineBreak: lineBreak(key), value)
    }

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
        try output.writeMember(value, key: key, lineBreak: lineBreak(key), level: level)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                       forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        output.state.beginMember(level: level, key: key, lineBreak: lineBreak(key))
        return StreamingEncoder(output: output, depth: level + 1, lineBreaks: false).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        let lineBreak = lineBreak(key)
        output.state.beginMember(level: level, key: key, lineBreak: lineBreak)
        return StreamingEncoder(output: output, depth: level + 1, lineBreaks: lineBreak == .beforeElements).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> Encoder {
        output.state.beginMember(level: level, key: key, lineBreak: lineBreak(key))
        return StreamingEncoder(output: output, depth: level + 1, lineBreaks: false)
    }
}

/// The elements of the array at `level`.
struct StreamingUnkeyedContainer: UnkeyedEncodingContainer {
    let output: EncodingOutput
    let level: Int
    var codingPath: [CodingKey] { output.state.codingPath(depth: level) }
    var count: Int { output.state.count(level: level) }

    /// The encoder of a new last element.
    func element() -> StreamingEncoder {
        output.state.beginElement(level: level)
        return StreamingEncoder(output: output, depth: level + 1, lineBreaks: false)
    }

    func append(_ value: JSONValue) { output.state.writeElement(level: level, value) }

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
        if let leaf = JSONValue.leaf(value, lineBreaks: false) {
            append(leaf)
        } else {
            output.state.beginElement(level: level)
            try value.encode(to: StreamingEncoder(output: output, depth: level + 1, lineBreaks: false))
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        element().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer { element().unkeyedContainer() }

    mutating func superEncoder() -> Encoder { element() }
}

/// The value of an encoder, written in place.
struct StreamingSingleValueContainer: SingleValueEncodingContainer {
    let encoder: StreamingEncoder
    var codingPath: [CodingKey] { encoder.codingPath }

    func set(_ value: JSONValue) { encoder.output.state.writer.write(value, indent: encoder.depth) }

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

    mutating func encode<T: Encodable>(_ value: T) throws {
        try encoder.output.encode(value, depth: encoder.depth, lineBreaks: encoder.lineBreaks)
    }
}
