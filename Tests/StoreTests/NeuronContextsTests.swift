import CLMDB
import Foundation
import Testing
@testable import Store

/// The `contexts` database: what `putRecords` stores beside a neuron's records, how it is
/// encoded, and stores without it.
@Suite struct NeuronContextsTests {
    let tmp = TemporaryDirectory()

    /// Document 0 has 40 tokens (ids 100…139), document 1 has 3, document 2 has 70,000…70,004
    /// (wider than 16 bits).
    static let documents: [[UInt32]] = [(0..<40).map { 100 + $0 }, [7, 8, 9], (0..<5).map { 70_000 + $0 }]

    func store(documents: [[UInt32]] = Self.documents) throws -> ActivationStore {
        let store = try ActivationStore(path: tmp.path("activations.lmdb"), create: true)
        try store.write { w in
            for (id, tokens) in documents.enumerated() { try w.putTokens(document: UInt32(id), tokens) }
        }
        return store
    }

    static func record(_ document: UInt32, _ position: UInt32, token: UInt32 = 1, activation: Float = 1) -> CoreRecord {
        CoreRecord(activation: activation, document: document, position: position, token: token)
    }

    @Test func putRecordsStoresTheContextReadFromTheDocuments() throws {
        let store = try store()
        // Middle, both edges of a document, a short document, wide token ids, and a position
        // past a document's end.
        let records = [Self.record(0, 20), Self.record(0, 0), Self.record(0, 39), Self.record(1, 1),
                       Self.record(2, 4), Self.record(1, 3, token: 42)]
        try store.write { try $0.putRecords(layer: 2, neuron: 5, NeuronRecords(records: records)) }
        try store.read { r in
            let contexts = try #require(try r.contexts(layer: 2, neuron: 5))
            #expect(contexts.radius == NeuronContexts.radius)
            #expect(contexts.entries.count == records.count)
            for (entry, record) in zip(contexts.entries, records) {
                let (start, tokens) = try r.context(of: record, radius: NeuronContexts.radius)
                #expect(entry == NeuronContexts.Entry(document: record.document, position: record.position,
                                                      start: start, tokens: tokens))
            }
            #expect(contexts.entries[0].start == 8 && contexts.entries[0].tokens == Array(108...132))
            #expect(contexts.entries[1].start == 0 && contexts.entries[1].tokens == Array(100...112))
            #expect(contexts.entries[2].start == 27 && contexts.entries[2].tokens == Array(127...139))
            #expect(contexts.entries[3].tokens == [7, 8, 9])
            #expect(contexts.entries[4].tokens == Array(70_000...70_004))
            #expect(contexts.entries[5].start == 3 && contexts.entries[5].tokens == [42])
        }
    }

    @Test func aRecordWhoseDocumentIsNotStoredYetLeavesTheNeuronWithoutContexts() throws {
        let store = try store()
        try store.write { try $0.putRecords(layer: 0, neuron: 1, NeuronRecords(records: [Self.record(0, 5)])) }
        #expect(try store.read { try $0.contexts(layer: 0, neuron: 1) } != nil)
        // Rewritten with a record in a document that comes later: the earlier entry goes too.
        try store.write { try $0.putRecords(layer: 0, neuron: 1, NeuronRecords(records: [Self.record(0, 5), Self.record(9, 2)])) }
        #expect(try store.read { try $0.contexts(layer: 0, neuron: 1) } == nil)
        // The document arrives in the same transaction as the records, before them.
        try store.write { w in
            try w.putTokens(document: 9, [1, 2, 3])
            try w.putRecords(layer: 0, neuron: 1, NeuronRecords(records: [Self.record(0, 5), Self.record(9, 2)]))
        }
        #expect(try store.read { try $0.contexts(layer: 0, neuron: 1) }?.entries.last?.tokens == [1, 2, 3])
    }

    @Test func encodingRoundTripsInBothTokenWidths() throws {
        let narrow = NeuronContexts(radius: 12, entries: [
            .init(document: 3, position: 14, start: 2, tokens: [0, 65_535, 17]),
            .init(document: .max, position: 0, start: 0, tokens: []),
        ])
        let wide = NeuronContexts(radius: 3, entries: [.init(document: 1, position: 2, start: 1, tokens: [65_536, .max, 5])])
        for contexts in [narrow, wide, NeuronContexts(radius: 12, entries: [])] {
            #expect(contexts.encoded().withUnsafeBytes { NeuronContexts(encoded: $0) } == contexts)
        }
        #expect(narrow.encoded().count == 8 + 2 * NeuronContexts.entryHeaderSize + 2 * 3)
        #expect(wide.encoded().count == 8 + NeuronContexts.entryHeaderSize + 4 * 3)
    }

    @Test func malformedValuesAreRejected() throws {
        let good = NeuronContexts(radius: 12, entries: [.init(document: 3, position: 14, start: 2, tokens: [1, 2, 3])]).encoded()
        var badWidth = good
        badWidth[6] = 3
        for bytes in [Array(good.dropLast()), good + [0], badWidth, Array(good.prefix(7)), []] {
            #expect(bytes.withUnsafeBytes { NeuronContexts(encoded: $0) } == nil)
        }
        // Through the reader, as a corrupted store.
        let store = try store()
        try store.write { w in try w.txn.put(try #require(w.db.contexts), key: StoreKey.neuron(layer: 0, neuron: 0), bytes: badWidth) }
        #expect(throws: StoreError.self) { try store.read { try $0.contexts(layer: 0, neuron: 0) } }
    }

    /// A store written before the `contexts` database: read-only it opens without one (and its
    /// contexts come from the documents); writable, it gets one.
    @Test func aStoreWithoutTheDatabaseOpensAndGetsItWhenWritten() throws {
        let path = tmp.path("activations.lmdb")
        do {
            let environment = try LMDBEnvironment(path: path, options: .init())
            let meta = try environment.database("meta", create: true)
            for name in ["records", "tokens", "by_token", "embeddings", "inputs", "vocabulary", "state", "windows",
                         "negative", "logit_lens", "bands"] {
                _ = try environment.database(name, create: true)
            }
            try environment.write { txn in
                try txn.put(meta, key: StoreKey.name(StoreMeta.formatVersion), bytes: ByteCoding.bytes(of: [ActivationStore.formatVersion]))
            }
        }
        var readOnly = LMDBEnvironment.Options()
        readOnly.readOnly = true
        do {
            let old = try ActivationStore(path: path, create: false, options: readOnly)
            #expect(old.databases.contexts == nil)
            #expect(try old.read { try $0.contexts(layer: 0, neuron: 0) } == nil)
        }
        let written = try ActivationStore(path: path, create: true)
        #expect(written.databases.contexts != nil)
    }
}
