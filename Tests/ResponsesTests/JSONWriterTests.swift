import Kernels
import Testing
@testable import Responses

/// `JSONWriter` writes numbers and strings straight into its bytes; they must be spelled as
/// `description` and the old per-byte escaping spelled them.
@Suite struct JSONWriterTests {
    static let exact = JSONStyle(), foundation = JSONStyle(flavor: .foundation, escapesSlashes: true)

    func written(_ style: JSONStyle, _ write: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter(style: style)
        write(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Zeros, subnormals, the ends of the range, and the values around the switches between
    /// "0.0001" and "1e-05" and between "16777216.0" and "1.6777216e+07".
    static func edges<F: BinaryFloatingPoint>(_: F.Type) -> [F] {
        var values: [F] = [0, -0, 1, -1, 3, 0.1, 0.5, 100, 1e-4, 1e-5, 1e15, 1e16, 1e17, 123_456_789,
                           .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                           .leastNormalMagnitude.nextDown, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .ulpOfOne]
        for exponent in -60...60 {
            let power = F(sign: .plus, exponent: F.Exponent(exponent), significand: 1)
            values += [power, power.nextUp, power.nextDown]
        }
        var ten: F = 1
        for _ in 0..<30 {
            values += [ten, ten.nextUp, ten.nextDown, 1 / ten, (1 / ten).nextUp, (1 / ten).nextDown]
            ten *= 10
        }
        return values
    }

    @Test func floatsAreTheirDescription() {
        var generator = SplitMix64(seed: 3)
        var floats = Self.edges(Float.self)
        floats += (0..<200_000).map { _ in Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator)) }
        floats += (0..<1_000).map { _ in Float(bitPattern: UInt32.random(in: 1..<0x80_0000, using: &generator)) }  // subnormal
        for value in floats where value.isFinite {
            #expect(written(Self.exact) { $0.writeNumber(value) } == value.description, "\(value.bitPattern)")
        }
    }

    @Test func doublesAreTheirDescription() {
        var generator = SplitMix64(seed: 4)
        var doubles = Self.edges(Double.self)
        doubles += (0..<200_000).map { _ in Double(bitPattern: generator.next()) }
        doubles += (0..<1_000).map { _ in Double(bitPattern: UInt64.random(in: 1..<(1 << 52), using: &generator)) }
        doubles += (0..<1_000).map { _ in Double(Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))) }
        for value in doubles where value.isFinite {
            #expect(written(Self.exact) { $0.writeNumber(value) } == value.description, "\(value.bitPattern)")
        }
    }

    @Test func foundationDropsTheTrailingPointZeroAndSpellsNonFiniteValues() {
        #expect(written(Self.foundation) { $0.writeNumber(Float(3)) } == "3")
        #expect(written(Self.foundation) { $0.writeNumber(-0.0) } == "-0")
        #expect(written(Self.foundation) { $0.writeNumber(1e16) } == "1e+16")
        #expect(written(Self.foundation) { $0.writeNumber(Float(2.5)) } == "2.5")
        #expect(written(Self.foundation) { $0.writeNumber(Double.nan) } == #""nan""#)
        #expect(written(Self.foundation) { $0.writeNumber(-Float.infinity) } == #""-inf""#)
        #expect(written(Self.foundation) { $0.writeNumber(Double.infinity) } == #""inf""#)
        for value in [Float.nan, .infinity, -.infinity] {
            #expect(written(Self.exact) { $0.writeNumber(value) } == "null")
            #expect(written(Self.exact) { $0.writeNumber(Double(value)) } == "null")
        }
    }

    @Test func integersAreTheirDecimalText() {
        var generator = SplitMix64(seed: 5)
        var signed: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, .max, .min, .max - 1, .min + 1]
        signed += (0..<10_000).map { _ in Int64(bitPattern: generator.next()) >> Int64.random(in: 0...63, using: &generator) }
        for value in signed {
            #expect(written(Self.exact) { $0.write(.integer(value), indent: 0) } == String(value))
        }
        for value in [0, 7, UInt64(Int64.max) + 1, .max] + (0..<1_000).map({ _ in generator.next() }) {
            #expect(written(Self.exact) { $0.write(.unsignedInteger(value), indent: 0) } == String(value))
        }
        #expect(written(Self.exact) { $0.write(.unsignedIntegers([0, 12, .max]), indent: 0) } == "[0,12,4294967295]")
    }

    @Test func stringsAreEscapedAsByteByByte() {
        let alphabet: [Character] = ["a", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{8}", "\u{C}", "\u{1}", "\u{1F}", "é", "€", "😀", "\u{7F}"]
        var generator = SplitMix64(seed: 6)
        for _ in 0..<5_000 {
            let text = String((0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            for style in [Self.exact, Self.foundation] {
                #expect(written(style) { $0.writeString(text) } == Self.reference(text, style), "\(Array(text.utf8))")
            }
        }
        // Long runs of bytes that need no escape, read eight at a time, with the odd one that does.
        let plain: [Character] = ["a", "b", " ", "é", "€", "~", "\u{7F}", "0", "\"", "\\", "/", "\n", "\u{1F}", "\u{0}"]
        for _ in 0..<5_000 {
            let text = String((0..<Int.random(in: 0...64, using: &generator)).map { _ in
                plain[Int.random(in: 0..<100, using: &generator) < 96 ? Int.random(in: 0..<8, using: &generator)
                                                                       : Int.random(in: 8..<plain.count, using: &generator)]
            })
            for style in [Self.exact, Self.foundation] {
                #expect(written(style) { $0.writeString(text) } == Self.reference(text, style), "\(Array(text.utf8))")
            }
        }
        #expect(written(Self.exact) { $0.writeString("a/\"\u{8}") } == #""a/\"\u0008""#)
        #expect(written(Self.foundation) { $0.writeString("a/\u{8}\u{C}") } == #""a\/\b\f""#)
    }

    /// The literal of `text` written one byte at a time.
    static func reference(_ text: String, _ style: JSONStyle) -> String {
        var out = Array("\"".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case UInt8(ascii: "/") where style.escapesSlashes: out += Array(#"\/"#.utf8)
            case 0x08 where style.flavor == .foundation: out += Array(#"\b"#.utf8)
            case 0x0C where style.flavor == .foundation: out += Array(#"\f"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0..<0x20: out += Array(#"\u00"#.utf8) + Array((byte < 0x10 ? "0" : "").utf8) + Array(String(byte, radix: 16).utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out + Array("\"".utf8), as: UTF8.self)
    }
}
