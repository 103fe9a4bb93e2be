import Foundation
import Testing
@testable import Tokenizers

/// The hand-written scanner against the regex it reproduces, run by NSRegularExpression.
@Suite struct PreTokenizerTests {
    /// `\s` as HF tokenizers' Oniguruma has it (see ScalarClass), spelled out so that ICU's own
    /// idea of `\s` does not matter.
    static let space = #"\t\n\x{0B}\f\r\x{85}\p{Zs}\x{2028}\x{2029}"#
    /// GPT-2's pattern, verbatim but for `\s` and `\S`.
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^"# + space + #"\p{L}\p{N}]+|["#
        + space + "]+(?![^" + space + "])|[" + space + "]+"
    static let gpt2Regex = try! NSRegularExpression(pattern: gpt2Pattern)
    static let numberRegex = try! NSRegularExpression(pattern: #"\p{N}"#)
    /// Llama 3's pattern (Qwen2's with `\p{N}` for `\p{N}{1,3}`), verbatim but for `\s` and `\S`.
    static func llama3Regex(digits: String) -> NSRegularExpression {
        try! NSRegularExpression(pattern: #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"# + digits
            + " ?[^" + space + #"\p{L}\p{N}]+[\r\n]*|["# + space + #"]*[\r\n]+|["# + space + "]+(?![^" + space + "])|[" + space + "]+")
    }
    static let llama3Regex = llama3Regex(digits: "{1,3}|")
    static let qwen2Regex = llama3Regex(digits: "|")

    /// The pieces the regex matches, in order.
    static func referenceGPT2(_ text: String) -> [String] {
        matches(of: gpt2Regex, in: text).map { utf16 in String(decoding: utf16, as: UTF16.self) }
    }

    /// Each `\p{N}` alone, and the regex on the stretches between.
    static func referenceIsolatedDigits(_ text: String) -> [String] {
        let utf16 = Array(text.utf16)
        var pieces: [String] = []
        var stretchStart = 0
        for digit in matches(of: numberRegex, in: text).map(\.indices) {
            pieces += referenceGPT2(String(decoding: utf16[stretchStart..<digit.lowerBound], as: UTF16.self))
            pieces.append(String(decoding: utf16[digit], as: UTF16.self))
            stretchStart = digit.upperBound
        }
        return pieces + referenceGPT2(String(decoding: utf16[stretchStart...], as: UTF16.self))
    }

    /// The UTF-16 code units of each match (NSRegularExpression counts in UTF-16).
    static func matches(of regex: NSRegularExpression, in text: String) -> [ArraySlice<UInt16>] {
        let utf16 = Array(text.utf16)
        return regex.matches(in: text, range: NSRange(location: 0, length: utf16.count)).map {
            utf16[$0.range.location..<($0.range.location + $0.range.length)]
        }
    }

    /// Scalars of every class the pattern tells apart, with the tricky ones weighted up.
    static let scalarPool: [Unicode.Scalar] = {
        var pool: [Unicode.Scalar] = []
        pool += "   \t\n\r\u{0B}\u{0C}".unicodeScalars
        pool += "'''sstrevmlldSTRE".unicodeScalars                       // contractions
        pool += "aZq0123456789.,!?-$()\"#\\_~".unicodeScalars
        pool += "\u{85}\u{A0}\u{1680}\u{2000}\u{2007}\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}".unicodeScalars
        pool += "\u{180E}\u{200B}\u{1C}\u{1D}\u{1E}\u{1F}\u{0}\u{4}\u{7F}\u{FEFF}\u{FFFD}".unicodeScalars
        pool += "éßİıΩжא日本語한ไद\u{301}\u{300}\u{94D}\u{640}".unicodeScalars   // letters, marks
        pool += "٣३½²Ⅻ①１".unicodeScalars                                       // other numbers
        pool += "😀👍🏽❤\u{FE0F}\u{200D}🇫🇷€©".unicodeScalars
        return pool
    }()

    static func generatedTexts(count: Int, seed: UInt64) -> [String] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                if Int.random(in: 0..<8, using: &generator) == 0 {
                    // Any BMP scalar assigned by Unicode 13, outside the surrogates. (Later ones
                    // may be unassigned for one engine and letters for another.)
                    let value = UInt32.random(in: 0...0xFFFF, using: &generator)
                    if let scalar = Unicode.Scalar(value), let age = scalar.properties.age, age.major <= 13 {
                        scalars.append(scalar)
                    }
                } else {
                    scalars.append(scalarPool.randomElement(using: &generator)!)
                }
            }
            return String(scalars)
        }
    }

    @Test func gpt2ScannerMatchesTheRegex() {
        for text in Self.generatedTexts(count: 4000, seed: 1) {
            let pieces = PreTokenizer.gpt2.split(text)
            #expect(pieces == Self.referenceGPT2(text), "text \(Array(text.unicodeScalars))")
            #expect(pieces.joined() == text)
        }
    }

    @Test func isolatedDigitsScannerMatchesTheRegex() {
        for text in Self.generatedTexts(count: 4000, seed: 2) {
            let pieces = PreTokenizer.gpt2IsolatedDigits.split(text)
            #expect(pieces == Self.referenceIsolatedDigits(text), "text \(Array(text.unicodeScalars))")
        }
    }

    @Test(arguments: [(PreTokenizer.llama3, UInt64(3)), (PreTokenizer.qwen2, UInt64(4))])
    func llama3AndQwen2ScannersMatchTheirRegexes(preTokenizer: PreTokenizer, seed: UInt64) throws {
        let regex = preTokenizer == .llama3 ? Self.llama3Regex : Self.qwen2Regex
        let reference = { (text: String) in Self.matches(of: regex, in: text).map { String(decoding: $0, as: UTF16.self) } }
        for text in Self.generatedTexts(count: 4000, seed: seed) + ["'S 'Re 'ſ 'LL'x", "a  \n\n b\r\n\t c", "12345 x1234 !!\n\n\n"] {
            let pieces = preTokenizer.split(text)
            #expect(pieces == reference(text), "text \(Array(text.unicodeScalars))")
            #expect(pieces.joined() == text)
        }
        let shakespeare = try Fixtures.shakespeare()
        #expect(preTokenizer.split(shakespeare) == reference(shakespeare))
    }

    @Test func shakespeareMatchesTheRegex() throws {
        let text = try Fixtures.shakespeare()
        #expect(PreTokenizer.gpt2.split(text) == Self.referenceGPT2(text))
        #expect(PreTokenizer.gpt2IsolatedDigits.split(text) == Self.referenceIsolatedDigits(text))
    }

    @Test func knownSplits() {
        #expect(PreTokenizer.gpt2.split("Hello  world's 'S") == ["Hello", " ", " world", "'s", " '", "S"])
        #expect(PreTokenizer.gpt2.split("a\t\tb\n") == ["a", "\t", "\t", "b", "\n"])
        #expect(PreTokenizer.gpt2.split("x  1") == ["x", " ", " 1"])
        #expect(PreTokenizer.gpt2IsolatedDigits.split("x  12") == ["x", "  ", "1", "2"])
        #expect(PreTokenizer.gpt2.split("a\u{1C}\u{1C}b") == ["a", "\u{1C}\u{1C}", "b"])  // not \s for Oniguruma
    }

    @Test func ggufNames() {
        #expect(PreTokenizer(ggufPre: "smollm") == .gpt2IsolatedDigits)
        #expect(PreTokenizer(ggufPre: "gpt-2") == .gpt2)
        #expect(PreTokenizer(ggufPre: "llama-bpe") == nil)
    }
}
