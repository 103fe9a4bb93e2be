import Query
import Store
import Testing

@Suite struct TokenSearchTests {
    @Test func textMatchesTheTokenWithAndWithoutALeadingSpace() throws {
        let query = try TestStore().open()
        #expect(query.tokenIDs(matching: "the") == [6, 13])
        #expect(query.tokenIDs(matching: " the") == [6, 13])
        #expect(query.tokenIDs(matching: "the", .exact) == [13])
        #expect(query.tokenIDs(matching: " the", .exact) == [6])
        #expect(query.tokenIDs(matching: " ", .ignoringLeadingSpace) == [])
        #expect(query.tokenIDs(matching: "<0x99>", .exact) == [12])
    }

    @Test func hitsAreOrderedByActivation() throws {
        let result = try TestStore().open().searchToken("the")
        #expect(result.tokens == [MatchedToken(id: 6, text: " the"), MatchedToken(id: 13, text: "the")])
        // " the" is a core token of layer 0 neuron 0 (best 4.0) and layer 2 neuron 0 (7.0).
        #expect(result.hits == [
            TokenSearchHit(layer: 2, neuron: 0, tokenID: 6, token: " the", activation: 7.0),
            TokenSearchHit(layer: 0, neuron: 0, tokenID: 6, token: " the", activation: 4.0),
        ])
        #expect(result.totalHits == 2)
    }

    @Test func layerAndLimitRestrictTheHits() throws {
        let query = try TestStore().open()
        #expect(try query.searchToken(" the", layer: 0).hits.map(\.activation) == [4.0])
        let limited = try query.searchToken(" fox", limit: 1)
        #expect(limited.hits.map(\.activation) == [2.5])
        #expect(limited.totalHits == 2)
        #expect(try query.searchToken(id: 9).hits.isEmpty)  // "." is nobody's core token
    }

    @Test func unknownTextIsAnError() throws {
        let query = try TestStore().open()
        #expect(throws: QueryError.unknownToken("zebra", alsoTriedLeadingSpace: true)) { try query.searchToken("zebra") }
        #expect(throws: QueryError.unknownToken("the ", alsoTriedLeadingSpace: false)) {
            try query.searchToken("the ", matching: .exact)
        }
    }
}
