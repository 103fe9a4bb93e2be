import Synchronization

/// Serializes the tree `TreeEncoder` builds in a `JSONStyle`.
struct JSONWriter {
    let style: JSONStyle
    var bytes: [UInt8] = []

    init(style: JSONStyle) { self.style = style }

    mutating func write(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// Writes the tree under `node`.
    mutating func write(_ node: Node, indent: Int) {
        switch node.content {
        case .empty:
            writeContainer("{", "}", count: 0, indent: indent) { _, _ in }
        case .value(let value):
            write(value, indent: indent)
        case .array(let box):
            writeContainer("[", "]", count: box.elements.count, indent: indent) { writer, i in
                if box.lineBreaks { writer.write("\n") }
                writer.write(box.elements[i], indent: indent + 1)
            }
        case .object(let box):
            let ordered = box.declaredOrder ? box.members : box.members.sorted { $0.key < $1.key }
            writeContainer("{", "}", count: ordered.count, indent: indent) { writer, i in
                let member = ordered[i]
                if member.lineBreak == .beforeKey { writer.write("\n") }
                writer.writeString(member.key)
                writer.write(writer.style.layout == .compact ? ":" : writer.style.layout == .spaced ? ": " : " : ")
                writer.write(member.node, indent: indent + 1)
            }
        }
    }

    mutating func write(_ value: JSONValue, indent: Int) {
        switch value {
        case .null: write("null")
        case .bool(let v): write(v ? "true" : "false")
        case .integer(let text): write(text)
        case .float(let v): writeNumber(v.isFinite ? v.description : nil, nonFinite: v)
        case .double(let v): writeNumber(v.isFinite ? v.description : nil, nonFinite: Float(v))
        case .string(let text): writeString(text)
        case .floats(let values):
            writeContainer("[", "]", count: values.count, indent: indent) { writer, i in
                writer.write(.float(values[i]), indent: indent + 1)
            }
        case .strings(let values):
            writeContainer("[", "]", count: values.count, indent: indent) { writer, i in writer.writeString(values[i]) }
        case .unsigned(let values):
            writeContainer("[", "]", count: values.count, indent: indent) { writer, i in writer.write(String(values[i])) }
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
        bytes.append(UInt8(ascii: "\""))
        var text = text
        let copied = text.withUTF8 { utf8 -> Bool in
            guard !utf8.contains(where: needsEscape) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !copied {
            let utf8 = text.utf8
            for byte in utf8 {
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
                                              Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0xF)]])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Whether `byte` is written escaped in this style.
    private func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || (byte == UInt8(ascii: "/") && style.escapesSlashes)
    }
}

/// The snake_case spelling of each key seen so far: documents repeat a few dozen keys
/// thousands of times.
enum SnakeCaseKeys {
    private static let names = Mutex<[String: String]>([:])

    static func name(_ key: String) -> String {
        if let known = names.withLock({ $0[key] }) { return known }
        let name = snakeCase(key)
        names.withLock { $0[key] = name }
        return name
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
