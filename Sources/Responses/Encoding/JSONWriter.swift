import Synchronization

/// Writes JSON in a `JSONStyle` straight into its bytes, as `StreamingEncoder` hands it the
/// values: numbers without a String each, strings copied in runs between the bytes they escape.
struct JSONWriter: TextOutputStream {
    let style: JSONStyle
    var bytes: [UInt8] = []

    init(style: JSONStyle) { self.style = style }

    mutating func write(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// Where `Float.write(to:)` and `Double.write(to:)` hand over their text, so that a
    /// number's text goes into `bytes` without becoming a String (TextOutputStream's own
    /// version of this makes one).
    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }

    /// Writes a leaf; `indent` is its depth in the document (for arrays in the indented layout).
    mutating func write(_ value: JSONValue, indent: Int) {
        switch value {
        case .null: write("null")
        case .bool(let v): write(v ? "true" : "false")
        case .integer(let v): writeDecimal(v.magnitude, negative: v < 0)
        case .unsignedInteger(let v): writeDecimal(v)
        case .float(let v): writeNumber(v)
        case .double(let v): writeNumber(v)
        case .string(let text): writeString(text)
        case .floats(let values):
            writeContainer(UInt8(ascii: "["), UInt8(ascii: "]"), count: values.count, indent: indent) { writer, i in writer.writeNumber(values[i]) }
        case .strings(let values):
            writeContainer(UInt8(ascii: "["), UInt8(ascii: "]"), count: values.count, indent: indent) { writer, i in writer.writeString(values[i]) }
        case .unsignedIntegers(let values):
            writeContainer(UInt8(ascii: "["), UInt8(ascii: "]"), count: values.count, indent: indent) { writer, i in writer.writeDecimal(UInt64(values[i])) }
        }
    }

    /// Brackets around `count` elements, separated and indented as the layout says.
    mutating func writeContainer(_ open: UInt8, _ close: UInt8, count: Int, indent: Int,
                                 element: (inout JSONWriter, Int) -> Void) {
        openContainer(open)
        for i in 0..<count {
            separate(index: i, indent: indent)
            element(&self, i)
        }
        closeContainer(close, indent: indent)
    }

    /// A container's opening bracket (in the indented layout, Foundation's pretty printing, a
    /// line break follows it even when the container is empty: "[\n\n  ]").
    mutating func openContainer(_ open: UInt8) {
        bytes.append(open)
        if style.layout == .indented { bytes.append(UInt8(ascii: "\n")) }
    }

    /// What comes before element `index` of a container indented `indent`: the separator after
    /// the previous element and, in the indented layout, the element's indentation.
    mutating func separate(index: Int, indent: Int) {
        switch style.layout {
        case .compact:
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
        case .spaced:
            if index > 0 { bytes.append(UInt8(ascii: ",")); bytes.append(UInt8(ascii: " ")) }
        case .indented:
            if index > 0 { bytes.append(UInt8(ascii: ",")); bytes.append(UInt8(ascii: "\n")) }
            writeIndentation(indent + 1)
        }
    }

    /// A container's closing bracket, on a line of its own in the indented layout.
    mutating func closeContainer(_ close: UInt8, indent: Int) {
        if style.layout == .indented {
            bytes.append(UInt8(ascii: "\n"))
            writeIndentation(indent)
        }
        bytes.append(close)
    }

    /// `{}` as the layout spells it.
    mutating func writeEmptyObject(indent: Int) {
        openContainer(UInt8(ascii: "{"))
        closeContainer(UInt8(ascii: "}"), indent: indent)
    }

    /// An object member's key and the colon after it.
    mutating func writeKey(_ key: String) {
        writeString(key)
        switch style.layout {
        case .compact: bytes.append(UInt8(ascii: ":"))
        case .spaced: write(": ")
        case .indented: write(" : ")
        }
    }

    private mutating func writeIndentation(_ level: Int) {
        for _ in 0..<level {
            bytes.append(UInt8(ascii: " "))
            bytes.append(UInt8(ascii: " "))
        }
    }

    /// A finite number in the shortest text that reads back exactly, as its `description` spells
    /// it ("3.0", "0.1", "1e-05"; Foundation's flavor drops a trailing ".0"), or the style's
    /// spelling of a non-finite value. `write(to:)` prints the text of `description`
    /// (`JSONWriterTests` holds it to that) without making a String of it.
    mutating func writeNumber<Number: BinaryFloatingPoint & TextOutputStreamable>(_ value: Number) {
        guard value.isFinite else {
            switch style.flavor {
            case .exact: write("null")
            case .foundation: writeString(value.isNaN ? "nan" : value < 0 ? "-inf" : "inf")
            }
            return
        }
        let start = bytes.count
        value.write(to: &self)
        if style.flavor == .foundation, bytes.count - start >= 2, bytes[bytes.count - 2] == UInt8(ascii: "."),
           bytes[bytes.count - 1] == UInt8(ascii: "0") {
            bytes.removeLast(2)
        }
    }

    /// `magnitude` in decimal, after a "-" when `negative`.
    mutating func writeDecimal(_ magnitude: UInt64, negative: Bool = false) {
        // The digits from the last one, into the end of a buffer that holds UInt64.max and a sign.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { buffer in
            var start = buffer.count
            var rest = magnitude
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            if negative {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// A string literal: quotes, backslash and control characters escaped (`\b \f \n \r \t`,
    /// others as `\u00xx`), "/" as the style says, everything else as UTF-8.
    mutating func writeString(_ text: String) {
        // Native strings (every one a document holds) lend their bytes without a copy.
        if text.utf8.withContiguousStorageIfAvailable({ writeString(utf8: $0) }) == nil {
            var text = text
            text.withUTF8 { writeString(utf8: $0) }
        }
    }

    /// The string literal of UTF-8 `utf8`: the runs between escaped bytes copied at once, found
    /// eight bytes at a time where none of them is escaped.
    mutating func writeString(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var run = 0
        var i = 0
        while i < utf8.count {
            if i + 8 <= utf8.count, let base = utf8.baseAddress,
               !mayNeedEscape(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) {
                i += 8
                continue
            }
            if needsEscape(utf8[i]) {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i]))
                writeEscaped(utf8[i])
                run = i + 1
            }
            i += 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        bytes.append(UInt8(ascii: "\""))
    }

    /// Whether any of the eight bytes of `word` may be one `needsEscape` picks (never false
    /// when one is): a byte below 0x20, a quote, a backslash, or a slash when the style escapes
    /// them.
    private func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highBits: UInt64 = 0x8080_8080_8080_8080
        /// The high bit of each byte of `x` that is zero (and maybe of bytes above one that is).
        func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highBits }
        var found = (word &- ones &* 0x20) & ~word & highBits  // bytes below 0x20
        found |= zeroBytes(word ^ (ones &* UInt64(UInt8(ascii: "\""))))
        found |= zeroBytes(word ^ (ones &* UInt64(UInt8(ascii: "\\"))))
        if style.escapesSlashes { found |= zeroBytes(word ^ (ones &* UInt64(UInt8(ascii: "/")))) }
        return found != 0
    }

    /// The escape of a byte `needsEscape` picked.
    private mutating func writeEscaped(_ byte: UInt8) {
        bytes.append(0x5C)
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(byte)
        case 0x08 where style.flavor == .foundation: bytes.append(UInt8(ascii: "b"))
        case 0x0C where style.flavor == .foundation: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            bytes.append(UInt8(ascii: "u"))
            bytes.append(UInt8(ascii: "0"))
            bytes.append(UInt8(ascii: "0"))
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0xF)])
        }
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
