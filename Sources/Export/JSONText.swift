/// Small JSON writing helpers, so that rows and NeuronRecords stream out without building
/// `Encodable` trees, with exact numbers.
public enum JSONText {
    /// Appends `text` as a JSON string literal (quotes, backslash and control characters
    /// escaped; everything else as UTF-8).
    public static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends a number in its shortest exact form, or `null` when it is not finite (JSON has
    /// no NaN or infinity).
    public static func appendNumber(_ value: Float, to out: inout [UInt8]) {
        out.append(contentsOf: value.isFinite ? Array(NumberFormatting.exact(value).utf8) : Array("null".utf8))
    }

    /// Appends a number in its shortest exact form, or `null` when it is not finite.
    public static func appendNumber(_ value: Double, to out: inout [UInt8]) {
        out.append(contentsOf: value.isFinite ? Array(NumberFormatting.exact(value).utf8) : Array("null".utf8))
    }

    /// Appends an integer.
    public static func appendInteger<I: BinaryInteger>(_ value: I, to out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }

    /// Appends a table cell as a JSON value.
    public static func appendCell(_ cell: TableCell, to out: inout [UInt8]) {
        switch cell {
        case .integer(let v): appendInteger(v, to: &out)
        case .float(let v): appendNumber(v, to: &out)
        case .double(let v): appendNumber(v, to: &out)
        case .text(let s): appendString(s, to: &out)
        case .json(let bytes): out.append(contentsOf: bytes)
        case .null: out.append(contentsOf: "null".utf8)
        }
    }
}
