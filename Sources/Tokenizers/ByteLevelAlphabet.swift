/// GPT-2's reversible spelling of the 256 byte values as printable characters.
///
/// Byte-level BPE vocabularies (`vocab.json`, `tokenizer.json`, GGUF `tokenizer.ggml.tokens`)
/// write every token as a string over this alphabet: printable Latin-1 bytes stand for
/// themselves, the other 68 bytes (controls, space, 0x7F–0xA0, 0xAD) map in order to
/// U+0100…U+0143. So the space 0x20 is spelled "Ġ" (U+0120) and the newline 0x0A "Ċ" (U+010A).
/// This is `bytes_to_unicode()` of GPT-2's `encoder.py`.
enum ByteLevelAlphabet {
    /// The character spelling each byte value.                              // [256]
    static let scalarForByte: [Unicode.Scalar] = {
        let printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var scalars = [Unicode.Scalar](repeating: "\0", count: 256)
        for byte in printable { scalars[byte] = Unicode.Scalar(UInt8(byte)) }
        var next: UInt32 = 0x100
        for byte in 0..<256 where !printable.contains(byte) {
            scalars[byte] = Unicode.Scalar(next)!  // 0x100…0x143 are valid scalars
            next += 1
        }
        return scalars
    }()

    /// The byte a character of the alphabet spells, indexed by scalar value (0…0x143);
    /// -1 for characters outside the alphabet.
    static let byteForScalarValue: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar.value)] = Int16(byte) }
        return table
    }()

    /// The bytes a string spells, or nil when it has a character outside the alphabet.
    static func bytes(spelledBy spelling: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(spelling.unicodeScalars.count)
        for scalar in spelling.unicodeScalars {
            let value = Int(scalar.value)
            guard value < byteForScalarValue.count, byteForScalarValue[value] >= 0 else { return nil }
            bytes.append(UInt8(byteForScalarValue[value]))
        }
        return bytes
    }

    /// The token's bytes: decoded from the alphabet when the string is spelled in it, otherwise
    /// its UTF-8 (added tokens such as `<|endoftext|>` are plain text; transformers does the same
    /// for GGUF tokens that use characters outside the alphabet).
    static func tokenBytes(_ token: String) -> [UInt8] {
        bytes(spelledBy: token) ?? Array(token.utf8)
    }

    /// The alphabet spelling of `bytes`.
    static func spelling<Bytes: Sequence<UInt8>>(of bytes: Bytes) -> String {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(scalarForByte[Int(byte)]) }
        return String(text)
    }
}
