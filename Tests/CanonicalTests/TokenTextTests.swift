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
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...8, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(TokenText.bytes(of: TokenText.string(of: bytes)) == bytes, "\(bytes)")
        }
    }
}
