import Foundation

/// The one JSON encoding of values whose text is stored, hashed or compared: keys sorted,
/// slashes unescaped, non-finite numbers as the strings "inf", "-inf" and "nan". Equal values
/// give equal bytes, so the text can serve as a cache key or a fingerprint.
public enum CanonicalJSON {
    /// A new encoder configured as described above.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// The canonical JSON bytes of `value`.
    public static func data<T: Encodable>(_ value: T) throws -> Data {
        try encoder().encode(value)
    }

    /// The canonical JSON text of `value`.
    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try data(value), as: UTF8.self)
    }
}
