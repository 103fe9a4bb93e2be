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
}
