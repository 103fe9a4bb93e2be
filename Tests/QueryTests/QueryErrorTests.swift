import Foundation
import Query
import Store
import Testing

@Suite struct QueryErrorTests {
    @Test func anEmptyStoreSaysSo() throws {
        let query = try TestStore(layers: false).open()
        #expect(throws: QueryError.emptyStore(path: query.store.directory.path)) {
            try query.neuron(layer: 0, neuron: 0)
        }
        #expect(throws: QueryError.emptyStore(path: query.store.directory.path)) {
            try query.searchToken("the")
        }
        #expect(throws: QueryError.emptyStore(path: query.store.directory.path)) {
            try query.layerOverviews()
        }
    }

    @Test func unknownAndMissingLayersAreTold() throws {
        let query = try TestStore().open()
        #expect(throws: QueryError.unknownLayer(layer: 7, layerCount: 4)) { try query.neuron(layer: 7, neuron: 0) }
        #expect(throws: QueryError.unknownLayer(layer: -1, layerCount: 4)) { try query.neuron(layer: -1, neuron: 0) }
        #expect(throws: QueryError.layerNotIndexed(layer: 1, indexed: [0, 2])) { try query.neuron(layer: 1, neuron: 0) }
        #expect(throws: QueryError.layerNotIndexed(layer: 3, indexed: [0, 2])) { try query.searchToken("the", layer: 3) }
        let message = QueryError.layerNotIndexed(layer: 1, indexed: [0, 2, 3, 4]).description
        #expect(message == "layer 1 is not in this store; indexed layers: 0, 2–4")
    }

    @Test func unknownNeuronsAndNeuronsWithoutRecordsAreTold() throws {
        let query = try TestStore().open()
        #expect(throws: QueryError.unknownNeuron(layer: 0, neuron: 3, neuronCount: 3)) {
            try query.neuron(layer: 0, neuron: 3)
        }
        #expect(throws: QueryError.unknownNeuron(layer: 0, neuron: -2, neuronCount: 3)) {
            try query.records(layer: 0, neuron: -2)
        }
        #expect(throws: QueryError.neuronNotIndexed(layer: 0, neuron: 2)) { try query.neuron(layer: 0, neuron: 2) }
    }

    @Test func unreadableStatisticsAreTold() throws {
        let badJSON = try TestStore(statisticsJSON: "{\"bins\": 3}").open()
        #expect(throws: QueryError.self) { try badJSON.neuron(layer: 0, neuron: 0) }
        // The records are still there without statistics.
        #expect(try badJSON.neuron(layer: 0, neuron: 0, statistics: .none).records.count == 4)

        let outOfRange = try TestStore(statisticsJSON: """
            {"bins":{"minExponent":-200,"maxExponent":10,"subdivisionBits":3},"sampleSeed":0,"samplePositions":[]}
            """).open()
        #expect(throws: QueryError.self) { try outOfRange.statistics(layer: 0, neuron: 0) }

        let shortHistogram = try TestStore(histogramBytes: 100).open()
        do {
            _ = try shortHistogram.statistics(layer: 0, neuron: 0)
            Issue.record("a histogram of the wrong length was accepted")
        } catch let error as QueryError {
            guard case .badStatistics(0, 0, let detail) = error else { Issue.record("\(error)"); return }
            #expect(detail.contains("100 bytes"))
        }
    }

    @Test func aMissingStoreIsAStoreError() {
        #expect(throws: StoreError.self) { try StoreQuery(directory: URL(fileURLWithPath: "/nonexistent/neurodex-store")) }
    }
}
