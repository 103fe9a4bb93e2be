/// Cell text for tables meant for people (terminal, Markdown, LaTeX): numbers through
/// `NumberFormatting.display`, control characters shown as escapes (`\n`, `\t`, `\r`, `\x0B`)
/// so that a token like a newline stays visible and keeps the table on one line per row.
public enum DisplayText {
    public static func cell(_ cell: TableCell) -> String {
        switch cell {
        case .integer(let v): String(v)
        case .float(let v): NumberFormatting.display(Double(v))
        case .double(let v): NumberFormatting.display(v)
        case .text(let s): visible(s)
        case .json(let bytes): String(decoding: bytes, as: UTF8.self)
        case .null: ""
        }
    }

    /// `text` with control characters written as escapes.
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar):
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }
}
