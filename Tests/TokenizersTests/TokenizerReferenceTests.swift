import Foundation
import Testing
@testable import Tokenizers

/// Token ids byte-exact against transformers / tokenizers (Tools/make_tokenizer_fixtures.py).
@Suite struct TokenizerReferenceTests {
    /// Every case's ids, and its decoded ids: the reference's decoding, or with `roundTrip`
    /// the text itself.
    func expectMatches(_ tokenizer: Tokenizer, _ fixture: String, roundTrip: Bool = true) throws {
        let cases = try Fixtures.cases(fixture)
        #expect(cases.cases.count > 500)
        for reference in cases.cases {
            let ids = tokenizer.encode(reference.text)
            #expect(ids == reference.ids, "text \(reference.text.debugDescription)")
            let decoded = roundTrip ? reference.text : reference.decoded
            #expect(tokenizer.decode(reference.ids) == decoded, "text \(reference.text.debugDescription)")
        }
    }

    @Test func gpt2FromVocabularyAndMerges() throws {
        let tokenizer = try Fixtures.gpt2()
        try expectMatches(tokenizer, "gpt2_cases.json")
        #expect(tokenizer.vocabularySize == 50257)
        #expect(tokenizer.endOfText == 50256)
        #expect(tokenizer.beginOfSequence == 50256 && tokenizer.endOfSequence == 50256)
        #expect(tokenizer.preTokenizer == .gpt2)
    }

    @Test func smolLM2FromGGUFTables() throws {
        let tokenizer = try Fixtures.smolLM2()
        // SmolLM2 drops bytes it has no token for (0x04, …): compare with transformers' decoding.
        try expectMatches(tokenizer, "smollm2_cases.json", roundTrip: false)
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.endOfText == 0)
        #expect(tokenizer.beginOfSequence == 1 && tokenizer.endOfSequence == 2)
        #expect(tokenizer.preTokenizer == .gpt2IsolatedDigits)
    }

    // Decoding is checked against the text: HF decodes the non-special added token "«FIN»" as
    // "\u{FFFD}FIN\u{FFFD}" (its ByteLevel decoder reads the content as byte-level spelling).
    @Test func tokenizerJSONWithMergePairs() throws {
        let tokenizer = try Tokenizer.load(modelFolder: Fixtures.tokenizerFolder.appendingPathComponent("tiny-bpe"))
        try expectMatches(tokenizer, "tiny_bpe_cases.json")
        #expect(tokenizer.vocabularySize == 702)
        #expect(tokenizer.endOfText == 0)
        #expect(tokenizer.preTokenizer == .gpt2IsolatedDigits)
    }

    @Test func tokenizerJSONWithMergeStrings() throws {
        let tokenizer = try Tokenizer.load(
            modelFolder: Fixtures.tokenizerFolder.appendingPathComponent("tiny-bpe-legacy-merges"))
        try expectMatches(tokenizer, "tiny_bpe_cases.json")
    }
}

/// decode(encode(x)) == x, and the per-token accessors.
@Suite struct TokenizerRoundTripTests {
    @Test func roundTripOnGeneratedText() throws {
        let gpt2 = try Fixtures.gpt2()
        let tiny = try Tokenizer.load(modelFolder: Fixtures.tokenizerFolder.appendingPathComponent("tiny-bpe"))
        let smol = try Fixtures.smolLM2()
        for text in PreTokenizerTests.generatedTexts(count: 2000, seed: 5) {
            #expect(gpt2.decode(gpt2.encode(text)) == text)
            #expect(tiny.decode(tiny.encode(text)) == text)
            // SmolLM2 has no tokens for some control bytes, which it drops.
            let representable = text.unicodeScalars.allSatisfy { ![0x04, 0x06, 0x13, 0x14, 0x16, 0x1D].contains($0.value) }
            if representable { #expect(smol.decode(smol.encode(text)) == text) }
        }
        let shakespeare = try Fixtures.shakespeare()
        #expect(gpt2.decode(gpt2.encode(shakespeare)) == shakespeare)
        #expect(smol.decode(smol.encode(shakespeare)) == shakespeare)
    }

    @Test func canonicallyEquivalentTextsStayDistinct() throws {
        let gpt2 = try Fixtures.gpt2()
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        #expect(composed == decomposed)  // Swift's String equality
        #expect(gpt2.encode(composed) != gpt2.encode(decomposed))
        #expect(Array(gpt2.decode(gpt2.encode(decomposed)).utf8) == Array(decomposed.utf8))
    }

    @Test func tokenAccessors() throws {
        let gpt2 = try Fixtures.gpt2()
        #expect(gpt2.tokenBytes(220) == [0x20])
        #expect(gpt2.tokenString(50256) == "<|endoftext|>")
        #expect(gpt2.tokenString(gpt2.tokenID(bytes: Array(" Paris".utf8))!) == " Paris")
        let partial = try #require(gpt2.tokenID(bytes: [0x20, 0xE2, 0x80]))
        #expect(gpt2.tokenString(partial) == " <0xE2><0x80>")
        #expect(gpt2.tokenBytes(60000) == [])
        #expect(gpt2.decode([60000, 31373]) == "hello")
    }
}
