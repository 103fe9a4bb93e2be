/// The classes GPT-2's pre-tokenization regex tells apart: `\p{L}`, `\p{N}`, `\s` and the rest.
///
/// `\s` is the whitespace of the Oniguruma engine HF `tokenizers` runs the regex with:
/// U+0009…U+000D, U+0085 and the separators Zs, Zl, Zp. (Python's `str.isspace` would also
/// count U+001C…U+001F; transformers' fast tokenizers do not, and they are the reference.)
enum ScalarClass: UInt8 {
    case letter
    case number
    case whitespace
    case other

    /// Classes of the ASCII scalars.                                          // [128]
    private static let asciiClasses: [ScalarClass] = (0..<128).map { value in
        switch value {
        case 0x41...0x5A, 0x61...0x7A: .letter
        case 0x30...0x39: .number
        case 0x09...0x0D, 0x20: .whitespace
        default: .other
        }
    }

    init(_ value: UInt32) {
        if value < 0x80 {
            self = Self.asciiClasses[Int(value)]
            return
        }
        guard let scalar = Unicode.Scalar(value) else {
            self = .other
            return
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            self = .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            self = .number
        case .spaceSeparator, .lineSeparator, .paragraphSeparator:
            self = .whitespace
        default:
            self = value == 0x85 ? .whitespace : .other
        }
    }
}

/// Reads the scalar starting at `index` of valid UTF-8 `bytes` (a Swift String's UTF-8);
/// returns its value and byte length, never reading at or past `end`.
@inline(__always)
func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> (value: UInt32, length: Int) {
    let lead = UInt32(bytes[index])
    if lead < 0x80 { return (lead, 1) }
    let length = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    guard index + length <= end else { return (lead, 1) }  // cut sequence: only on non-UTF-8 input
    var value = lead & (0x7F >> UInt32(length))
    for offset in 1..<length {
        value = value << 6 | UInt32(bytes[index + offset] & 0x3F)
    }
    return (value, length)
}
