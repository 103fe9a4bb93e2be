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
