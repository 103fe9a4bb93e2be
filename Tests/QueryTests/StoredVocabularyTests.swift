import Kernels
import Query
import Testing

@Suite struct StoredVocabularyTests {
    @Test func vocabularyLookups() {
        let vocabulary = StoredVocabulary(table: [Array("a".utf8), [], Array(" a".utf8), Array("a".utf8)])
        #expect(vocabulary.count == 4)
        #expect(vocabulary.tokens(withBytes: Array("a".utf8)) == [0, 3])
        #expect(vocabulary.tokens(withBytes: []) == [])
        #expect(vocabulary.text(of: 1) == "<unk:1>")
        #expect(vocabulary.text(of: 99) == "<unk:99>")
        #expect(vocabulary.decode([2, 0, 99]) == " aa<unk:99>")
    }

    @Test func tokenTextsAreWrittenAsTokenTextWritesThem() {
        let vocabulary = StoredVocabulary(table: [Array(" café".utf8), [0x20, 0xE2, 0x80], [0xFF], [], Array("\n".utf8)])
        #expect((0..<6).map { vocabulary.text(of: $0) } == [" café", " <0xE2><0x80>", "<0xFF>", "<unk:3>", "\n", "<unk:5>"])
    }

    /// The fast concatenation (a token of up to eight bytes copied as one 8-byte word, longer
    /// ones copied whole) gives the tokens' bytes one after the other, unknown ids as
    /// `<unk:ID>`, for tokens of every length from 0 to 20 bytes.
    @Test func concatenationIsEachTokensBytesInTurn() {
        var generator = SplitMix64(seed: 14)
        var table: [[UInt8]] = []
        for id in 0..<300 {
            table.append((0..<(id % 21)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        let vocabulary = StoredVocabulary(table: table)
        for _ in 0..<200 {
            let tokens = (0..<Int.random(in: 0...30, using: &generator)).map { _ in UInt32.random(in: 0..<320, using: &generator) }
            let marking = Int.random(in: -1...tokens.count, using: &generator)
            var expected: [UInt8] = []
            var marked = 0..<0
            for (i, token) in tokens.enumerated() {
                let start = expected.count
                if Int(token) < table.count, !table[Int(token)].isEmpty {
                    expected += table[Int(token)]
                } else {
                    expected += Array("<unk:\(token)>".utf8)
                }
                if i == marking { marked = start..<expected.count }
            }
            let (bytes, foundMarked) = vocabulary.concatenatedBytes(of: tokens, marking: marking)
            #expect(bytes == expected)
            #expect(foundMarked == marked)
        }
        for (id, token) in table.enumerated() {
            #expect(vocabulary.bytes(of: UInt32(id)).map(Array.init) == (token.isEmpty ? nil : token))
        }
        #expect(vocabulary.bytes(of: 300) == nil)
    }
}
