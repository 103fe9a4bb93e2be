import Canonical
import Testing

@Suite struct TokenTextTests {
    @Test func validUTF8IsItsOwnText() {
        #expect(TokenText.string(of: Array(" café".utf8)) == " café")
        #expect(TokenText.string(of: [UInt8]()) == "")
    }

    @Test func strayBytesAreWrittenAsHex() {
        #expect(TokenText.string(of: [0x20, 0xE2, 0x80]) == " <0xE2><0x80>")
        #expect(TokenText.string(of: [0x99]) == "<0x99>")
        #expect(TokenText.string(of: [0x41, 0xFF, 0xC3, 0xA9]) == "A<0xFF>é")
        #expect(TokenText.bytes(of: "<0x0a><0xFF>x") == [0x0A, 0xFF, 0x78])
        #expect(TokenText.bytes(of: "<0xZZ>") == Array("<0xZZ>".utf8))
    }

    @Test func writingAndReadingBackGivesTheSameBytes() {
        var generator = SplitMix64(state: 17)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...8, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(TokenText.bytes(of: TokenText.string(of: bytes)) == bytes, "\(bytes)")
        }
    }
}

/// SplitMix64: a seeded generator, so that a failing draw can be replayed.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
