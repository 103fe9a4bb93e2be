/// An object of a response document that writes its own members: `writeMembers` is the one
/// place its key order is written down. Under `ResponseEncoder` the members go straight into the
/// bytes, without a keyed container; any other encoder gets the same members through one.
protocol ResponseObject: Encodable {
    associatedtype MemberKey: ResponseCodingKey
    /// Writes the members in the order the JSON has them.
    func writeMembers<Members: ResponseMembers>(to members: inout Members) throws where Members.Key == MemberKey
}

/// Where a `ResponseObject` writes its members.
protocol ResponseMembers {
    associatedtype Key: ResponseCodingKey
    /// `key`: `value` (`null` for a nil optional).
    mutating func write<Value: Encodable>(_ value: Value, for key: Key) throws
}

extension ResponseMembers {
    /// `key`: `value`, or nothing when `value` is nil.
    mutating func writeIfPresent<Value: Encodable>(_ value: Value?, for key: Key) throws {
        if let value { try write(value, for: key) }
    }
}

extension ResponseObject {
    /// The `encode(to:)` of a response object.
    func encodeMembers(to encoder: Encoder) throws {
        if let streaming = encoder as? StreamingEncoder {
            var members = streaming.members(keyedBy: MemberKey.self)
            try writeMembers(to: &members)
        } else {
            var members = KeyedContainerMembers(container: encoder.container(keyedBy: MemberKey.self))
            try writeMembers(to: &members)
        }
    }
}

/// The members of an object written by `StreamingEncoder`, at `level`.
struct StreamingMembers<Key: ResponseCodingKey>: ResponseMembers {
    let output: EncodingOutput
    let level: Int

    mutating func write<Value: Encodable>(_ value: Value, for key: Key) throws {
        try output.writeMember(value, key: key, lineBreak: key.lineBreak, level: level)
    }
}

/// The members of an object written by another encoder, through its keyed container.
struct KeyedContainerMembers<Key: ResponseCodingKey>: ResponseMembers {
    var container: KeyedEncodingContainer<Key>

    mutating func write<Value: Encodable>(_ value: Value, for key: Key) throws {
        try container.encode(value, forKey: key)
    }
}
