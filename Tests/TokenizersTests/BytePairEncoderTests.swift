import Foundation
import Testing
@testable import Tokenizers

/// The heap-based merge against the rescan-after-every-merge reference.
@Suite struct BytePairEncoderTests {
    static func words(of text: String, _ preTokenizer: PreTokenizer) -> [[UInt8]] {
        preTokenizer.split(text).map { Array($0.utf8) }
    }

    static func randomByteWords(count: Int, seed: UInt64) -> [[UInt8]] {
        var generator = SeededGenerator(seed: seed)
        let common = Array("  eeettaaoinshrdlu".utf8)
        return (0..<count).map { _ in
            (0..<Int.random(in: 0...300, using: &generator)).map { _ in
                Bool.random(using: &generator) ? common.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            }
        }
    }

    func expectHeapMatchesReference(_ encoder: BytePairEncoder, _ words: [[UInt8]]) {
        for word in words {
            word.withUnsafeBufferPointer { bytes in
                #expect(encoder.encode(bytes) == encoder.encodeReference(bytes), "word \(word)")
            }
        }
    }

    @Test func gpt2MergesAgree() throws {
        let tokenizer = try Fixtures.gpt2()
        let text = try Fixtures.shakespeare()
        expectHeapMatchesReference(tokenizer.bytePairs, Self.words(of: text, .gpt2))
        expectHeapMatchesReference(tokenizer.bytePairs, Self.randomByteWords(count: 400, seed: 3))
        // Long runs, where many merges compete.
        expectHeapMatchesReference(tokenizer.bytePairs, [Array(String(repeating: "=", count: 257).utf8),
                                                         Array(String(repeating: " ", count: 100).utf8),
                                                         Array(text.utf8.prefix(2000))])
    }

    @Test func smolLM2MergesAgree() throws {
        let tokenizer = try Fixtures.smolLM2()
        let text = try Fixtures.shakespeare()
        expectHeapMatchesReference(tokenizer.bytePairs, Self.words(of: text, .gpt2IsolatedDigits))
        expectHeapMatchesReference(tokenizer.bytePairs, Self.randomByteWords(count: 400, seed: 4))
    }

    @Test func bytesWithoutTokensAreDropped() throws {
        // SmolLM2 has no token for the byte 0x04; its neighbours then merge as if adjacent.
        let encoder = try Fixtures.smolLM2().bytePairs
        let withGap: [UInt8] = [UInt8(ascii: "t"), 0x04, UInt8(ascii: "h"), UInt8(ascii: "e")]
        let plain = Array("the".utf8)
        withGap.withUnsafeBufferPointer { gap in
            plain.withUnsafeBufferPointer { #expect(encoder.encode(gap) == encoder.encode($0)) }
        }
    }
}
