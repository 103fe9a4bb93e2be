import Foundation
import Testing
@testable import Tokenizers

/// SentencePiece-style BPE tokenizer.json files with byte fallback (Llama 2's and Mistral 7B
/// v0.1's normalizer, and Metaspace with both prepend schemes), against transformers' fast
/// tokenizer (Tools/make_sentencepiece_fixtures.py).
@Suite struct SentencePieceTokenizerTests {
    static let variants: [(name: String, preTokenizer: PreTokenizer)] = [
        ("legacy", .wholeText), ("first", .metaspace(prependScheme: .first)), ("always", .metaspace(prependScheme: .always)),
    ]

    static func tokenizer(_ variant: String) throws -> Tokenizer {
        try Tokenizer.load(modelFolder: Fixtures.tokenizerFolder.appendingPathComponent("sentencepiece-\(variant)"))
    }

    @Test(arguments: variants.map(\.name))
    func idsAndDecodedTextsMatchTransformers(variant: String) throws {
        let tokenizer = try Self.tokenizer(variant)
        #expect(tokenizer.preTokenizer == Self.variants.first { $0.name == variant }!.preTokenizer)
        let cases = try Fixtures.cases("sentencepiece_\(variant)_cases.json")
        #expect(cases.cases.count > 700)
        let fallbacks = cases.cases.reduce(0) { $0 + $1.ids.filter { (3..<259).contains($0) }.count }
        #expect(fallbacks > 1000)  // unicode outside the vocabulary goes through byte fallback
        for reference in cases.cases {
            #expect(tokenizer.encode(reference.text) == reference.ids, "\(variant): \(reference.text.debugDescription)")
            #expect(tokenizer.decode(reference.ids) == reference.decoded, "\(variant): \(reference.text.debugDescription)")
        }
    }

    @Test func theVariantsDifferWhereHFSaysTheyDo() throws {
        let legacy = try Self.tokenizer("legacy"), first = try Self.tokenizer("first"), always = try Self.tokenizer("always")
        let space = try #require(legacy.tokenID(bytes: [0x20]))
        let b = try #require(first.tokenID(bytes: Array("b".utf8))), spaceB = try #require(first.tokenID(bytes: Array(" b".utf8)))
        // Legacy prepends "▁" to every stretch, even one that starts with a space; Metaspace does not.
        #expect(legacy.encode(" ") == [space, space])
        #expect(first.encode(" ") == [space] && always.encode(" ") == [space])
        // After an added token, "first" prepends nothing, "always" and legacy do.
        #expect(first.encode("<s>b") == [1, b])
        #expect(always.encode("<s>b") == [1, spaceB] && legacy.encode("<s>b") == [1, spaceB])
        // The normalized added token "<pad>" is matched by its normalized content "▁<pad>" in legacy.
        #expect(legacy.encode("<pad>") == [512] && legacy.encode("a<pad>b").count > 3)
        #expect(first.encode("a<pad>b") == [first.tokenID(bytes: Array(" a".utf8))!, 512, b])
        #expect(legacy.decode([1, spaceB]) == "<s> b" && legacy.decode([spaceB]) == "b")
    }

    @Test func tokenTextsShowBytesAndSpaces() throws {
        let tokenizer = try Self.tokenizer("legacy")
        #expect(tokenizer.tokenBytes(3 + 0x0A) == [0x0A])           // <0x0A>
        #expect(tokenizer.tokenString(3 + 0x0A) == "\n")
        #expect(tokenizer.tokenString(3 + 0xE2) == "<0xE2>")        // a lone byte of a longer character
        #expect(tokenizer.tokenString(3 + 0x41) == "A")
        #expect(tokenizer.tokenID(bytes: Array("A".utf8)) != UInt32(3 + 0x41))  // the piece "A", not its byte token
        #expect(tokenizer.tokenID(bytes: Array("D".utf8)) == UInt32(3 + 0x44))  // "D" has only its byte token
        let the = try #require(tokenizer.tokenID(bytes: Array(" the".utf8)))  // the piece "▁the"
        #expect(tokenizer.tokenString(the) == " the")
        #expect(tokenizer.tokenString(1) == "<s>" && tokenizer.beginOfSequence == 1 && tokenizer.endOfSequence == 2)
        #expect(tokenizer.vocabularySize == 513)
        // A normalized added token shows as its normalized content, as HF's id_to_token gives it.
        #expect(tokenizer.tokenString(512) == " <pad>")
        #expect(try Self.tokenizer("first").tokenString(512) == "<pad>")
        // Byte tokens that do not make a character decode as one U+FFFD each, as HF's ByteFallback.
        #expect(tokenizer.decode([3 + 0xE2, 3 + 0x82]) == "\u{FFFD}\u{FFFD}")
        #expect(tokenizer.decode([3 + 0xE2, 3 + 0x82, 3 + 0xAC]) == "€")
    }

    @Test func heapMergesAgreeWithTheReferenceOnCharacters() throws {
        let tokenizer = try Self.tokenizer("legacy")
        let words = try [Fixtures.shakespeare()] + PreTokenizerTests.generatedTexts(count: 300, seed: 9)
        for word in words {
            let normalized = TextNormalizer.sentencePiece.normalized(Array(word.utf8))
            let symbols = try #require(tokenizer.characterSymbols)
            let initial = normalized.withUnsafeBufferPointer { symbols.initialTokens($0) }
            #expect(tokenizer.bytePairs.merge(initial) == tokenizer.bytePairs.mergeReference(initial))
        }
    }

    @Test func unsupportedSentencePieceSettingsAreRefused() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.tokenizerFolder
            .appendingPathComponent("sentencepiece-first/tokenizer.json"))) as? [String: Any])
        let metaspace = document["pre_tokenizer"] as! [String: Any]
        let decoder = document["decoder"] as! [String: Any]
        var changes: [(String, Any)] = [
            ("pre_tokenizer", metaspace.merging(["split": true]) { $1 }),
            ("pre_tokenizer", metaspace.merging(["prepend_scheme": "sometimes"]) { $1 }),
            ("normalizer", ["type": "NFC"]),
            ("decoder", NSNull()),
            ("decoder", decoder.merging(["decoders": Array((decoder["decoders"] as! [Any]).dropFirst())]) { $1 }),
        ]
        var model = document["model"] as! [String: Any]
        model["ignore_merges"] = true
        changes.append(("model", model))
        let folder = try TemporaryFolder()
        for (key, value) in changes {
            var changed = document
            changed[key] = value
            let file = folder.url.appendingPathComponent("tokenizer.json")
            try JSONSerialization.data(withJSONObject: changed).write(to: file)
            #expect { try Tokenizer.load(modelFolder: folder.url) } throws: { error in
                guard case TokenizerError.unsupported(let source, _) = error else { return false }
                return source == file.path
            }
        }
    }
}
