/// How a single token is written as text everywhere Neurodex shows or exports one token.
///
/// A token's bytes are its text when they are valid UTF-8; a token that holds only part of a
/// character (byte-level BPE splits some characters across tokens) is written with each stray
/// byte as `<0xNN>`, e.g. `" <0xE2><0x80>"` (`Tokenizer.tokenString` writes tokens this way too). The
/// mapping is reversible (`bytes(of:)`), so exported token strings import back to the same
/// bytes — except for a token whose own text contains `<0xNN>` literally, which no GPT-2 or
/// SmolLM2 token does. Running text (a context window) is decoded as a whole instead, so that characters
/// split between tokens come out whole.
public enum TokenText {
    /// The text of one token's bytes.
    public static func string<Bytes: Collection>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.withContiguousStorageIfAvailable(string(ofContiguous:))
            ?? Array(bytes).withUnsafeBufferPointer(string(ofContiguous:))
    }

    /// `string(of:)` without generics: vocabularies call it for every token.
    static func string(ofContiguous bytes: UnsafeBufferPointer<UInt8>) -> String {
        if let text = validUTF8(bytes) { return text }
        var display = ""
        var position = 0
        while position < bytes.count {
            let lead = bytes[position]
            let length = switch lead {
            case 0..<0x80: 1
            case 0xC2..<0xE0: 2
            case 0xE0..<0xF0: 3
            case 0xF0..<0xF5: 4
            default: 0
            }
            if length > 0, position + length <= bytes.count,
               let character = validUTF8(UnsafeBufferPointer(rebasing: bytes[position..<(position + length)])) {
                display += character
                position += length
            } else {
                display += strayByte(lead)
                position += 1
            }
        }
        return display
    }

    /// The bytes a token string stands for: its UTF-8, with every `<0xNN>` (two upper- or
    /// lower-case hex digits) read as the byte NN. Inverse of `string(of:)`.
    public static func bytes(of text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "<"), i + 6 <= utf8.count, utf8[i + 1] == UInt8(ascii: "0"),
               utf8[i + 2] == UInt8(ascii: "x"), utf8[i + 5] == UInt8(ascii: ">"),
               let high = hexValue(utf8[i + 3]), let low = hexValue(utf8[i + 4]) {
                bytes.append(high << 4 | low)
                i += 6
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return bytes
    }

    /// The text of `bytes` when they are valid UTF-8.
    static func validUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        // Decoding writes U+FFFD for invalid bytes, so the text is valid exactly when it holds the
        // same bytes (ASCII always is). Several times faster than `String(validating:)`.
        let text = String(decoding: bytes, as: UTF8.self)
        return bytes.allSatisfy({ $0 < 0x80 }) || text.utf8.elementsEqual(bytes) ? text : nil
    }

    static func strayByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "<0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)]) + ">"
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
