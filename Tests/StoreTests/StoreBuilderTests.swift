import Foundation
import Testing
import Store

/// `StoreBuilder` writes the parts of a store and takes its run through `RunStatus`.
@Suite struct StoreBuilderTests {
    let tmp = TemporaryDirectory()

    func makeBuilder() throws -> StoreBuilder {
        let model = ModelRow(family: "test", source: "memory", fingerprint: "builder-test", layerCount: 1,
                             embeddingSize: 2, neuronCount: 2, vocabularySize: 3, maxContext: 8,
                             activationDefinition: "test", configJson: "{}")
        return try StoreBuilder(directory: tmp.path("store"), model: model, corpusName: "test",
                                corpusSources: ["a/b.txt"], runConfigJSON: "{}")
    }

    @Test func aBuiltStoreHoldsItsPartsAndACompleteRun() throws {
        let builder = try makeBuilder()
        #expect(try builder.store.catalog.latestRun()?.status == .running)
        for id in 0..<UInt32(3) { try builder.addVocabulary(id, bytes: [UInt8(97 + id)]) }
        try builder.addDocument(tokens: [0, 1, 2], sourcePath: "doc0")
        try builder.addDocument(tokens: [2, 2], sourcePath: "doc1")
        #expect(throws: StoreError.layerNotDeclared(0)) { try builder.addNeuron(layer: 0, neuron: 0, records: []) }
        try builder.setLayer(0, neuronCount: 2, topK: 2,
                             statistics: LayerStatisticsSpec(bins: HistogramBins(), sampleSeed: 0, samplePositions: []))
        let records = [CoreRecord(activation: 1, document: 0, position: 1, token: 1),
                       CoreRecord(activation: 3, document: 1, position: 0, token: 2)]
        try builder.addNeuron(layer: 0, neuron: 1, records: records)
        try builder.finish(embedding: { token in token == 2 ? [0.5, -0.5] : nil })

        let store = builder.store
        let run = try #require(try store.catalog.latestRun())
        #expect(run.status == .complete && run.documentsDone == 2 && run.tokensDone == 5 && run.finishedAt != nil)
        #expect(try store.catalog.corpus()?.sourcesJson == #"["a/b.txt"]"#)
        #expect(try store.catalog.documents().map(\.tokenCount) == [3, 2])
        #expect(try store.catalog.layers().map(\.layer) == [0])
        try store.activations.read { (r: StoreReader) throws in
            #expect(try r.records(layer: 0, neuron: 1)?.records == [records[1], records[0]])
            #expect(try r.neurons(withToken: 2).map(\.neuron) == [1])
            #expect(try r.embedding(token: 2) == [0.5, -0.5])
            #expect(try r.embedding(token: 1) == nil)
            #expect(try r.metaUInt32(StoreMeta.embeddingSize) == 2)
        }
    }

    @Test func theTokenIndexHoldsEachNeuronsBestRecordOfAToken() throws {
        let builder = try makeBuilder()
        try builder.setLayer(0, neuronCount: 2, topK: 3,
                             statistics: LayerStatisticsSpec(bins: HistogramBins(), sampleSeed: 0, samplePositions: []))
        try builder.addNeuron(layer: 0, neuron: 1, records: [CoreRecord(activation: 3, document: 0, position: 0, token: 2),
                                                             CoreRecord(activation: 5, document: 0, position: 1, token: 2),
                                                             CoreRecord(activation: 1, document: 0, position: 2, token: 0)])
        try builder.addNeuron(layer: 0, neuron: 0, records: [CoreRecord(activation: 4, document: 0, position: 3, token: 2)])
        try builder.finish()
        try builder.store.activations.read { (r: StoreReader) throws in
            #expect(try r.neurons(withToken: 2) == [TokenHit(layer: 0, neuron: 0, activation: 4),
                                                    TokenHit(layer: 0, neuron: 1, activation: 5)])
            #expect(try r.neurons(withToken: 0) == [TokenHit(layer: 0, neuron: 1, activation: 1)])
            #expect(try r.counts().tokenIndexEntries == 3)
        }
        // What `finish` holds per record until it writes the index (30.7 million for GPT-2 XL at K = 100).
        #expect(MemoryLayout<TokenIndexEntry>.stride == 16)
    }

    @Test func aRunIsMarkedInterruptedFailedAndResumed() throws {
        let builder = try makeBuilder()
        try builder.addDocument(tokens: [1], sourcePath: "doc0")
        try builder.checkpoint(RunProgress(documentsDone: 1, tokensDone: 1, checkpointJSON: "{}"),
                               state: [(name: "progress", encode: { [1] })])
        try builder.markInterrupted()
        #expect(try builder.store.catalog.latestRun()?.status == .interrupted)
        try builder.markFailed("broken")
        let failed = try #require(try builder.store.catalog.latestRun())
        #expect(failed.status == .failed && failed.error == "broken" && failed.documentsDone == 1)

        let model = try #require(try builder.store.catalog.model())
        let resumed = try StoreBuilder(resuming: failed, of: model, in: builder.store)
        try resumed.restart(firstDocumentToRedo: 0)
        let run = try #require(try builder.store.catalog.latestRun())
        #expect(run.status == .running && run.error == nil)
        #expect(try resumed.store.catalog.documents().isEmpty)
        #expect(try resumed.store.activations.read { try $0.state("progress") } == [1])
    }
}
