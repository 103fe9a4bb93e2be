import Query
import Store
import Testing

@Suite struct SpanAndSummaryTests {
    @Test func topNeuronsOfASpan() throws {
        let query = try TestStore().open()
        // "fox jumps over the" = document 0, positions 3..<7.
        let span = try query.topNeurons(document: 0, positions: 3..<7)
        #expect(span.text == " fox jumps over the")
        #expect(span.tokens == [3, 4, 5, 6])
        #expect(span.neurons.map { [$0.layer, $0.neuron] } == [[2, 1], [0, 0]])
        let first = span.neurons[0]
        #expect(first.activation == 9.0 && first.position == 4 && first.token == " jumps" && first.rank == 0)
        #expect(first.positionsInSpan == 2)  // " fox" and " jumps"
        let second = span.neurons[1]
        #expect(second.activation == 4.0 && second.position == 6 && second.rank == 0 && second.positionsInSpan == 2)
        #expect(span.totalNeurons == 2)

        #expect(try query.topNeurons(document: 0, positions: 3..<7, layer: 0).neurons.map(\.neuron) == [0])
        #expect(try query.topNeurons(document: 0, positions: 3..<7, limit: 1).neurons.count == 1)
        #expect(try query.topNeurons(document: 0, positions: 9..<10).neurons.isEmpty)
    }

    @Test func spansOutsideTheDocumentAreErrors() throws {
        let query = try TestStore().open()
        #expect(throws: QueryError.unknownDocument(9)) { try query.topNeurons(document: 9, positions: 0..<1) }
        #expect(throws: QueryError.positionsOutsideDocument(document: 1, positions: 4..<8, tokenCount: 6)) {
            try query.topNeurons(document: 1, positions: 4..<8)
        }
        #expect(throws: QueryError.positionsOutsideDocument(document: 1, positions: 2..<2, tokenCount: 6)) {
            try query.topNeurons(document: 1, positions: 2..<2)
        }
    }

    @Test func layerOverviews() throws {
        let summaries = try TestStore().open().layerOverviews()
        #expect(summaries.map(\.layer) == [0, 2])
        let zero = summaries[0]
        #expect(zero.neuronCount == 3 && zero.topK == 4 && !zero.distinctTokens)
        #expect(zero.neuronsWithRecords == 2 && zero.neuronsWithStatistics == 1)
        #expect(zero.neuronsNeverPositive == 1)  // neuron 1: best -0.25
        #expect(zero.topActivation == LayerOverview.Spread([4.0, -0.25]))
        #expect(zero.topActivation?.median == 1.875)
        // " the" is a core token of one neuron of layer 0 (counted once although it is 3 records).
        #expect(zero.frequentTokens.first == LayerOverview.TokenCount(tokenID: 0, token: "The", neurons: 1))
        #expect(zero.frequentTokens.map(\.neurons).allSatisfy { $0 == 1 })
        #expect(zero.frequentTokens.map(\.tokenID) == [0, 3, 6, 12])
        #expect(summaries[1].meanActivation == nil)
    }
}
