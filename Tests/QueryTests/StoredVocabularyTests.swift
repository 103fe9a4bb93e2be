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
}
