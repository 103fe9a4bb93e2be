import CLMDB
import Foundation
import Testing
@testable import Store

@Suite struct ActivationStoreTests {
    let tmp = TemporaryDirectory()

    func openStore(create: Bool = true, options: LMDBEnvironment.Options = .init()) throws -> ActivationStore {
        try ActivationStore(path: tmp.path("activations.lmdb"), create: create, options: options)
    }

    @Test func roundTripsEveryValueType() throws {
        let store = try openStore()
        let records = NeuronRecords(flags: .distinctTokens, records: [
            CoreRecord(activation: 3.5, document: 7, position: 12, token: 50256),
            CoreRecord(activation: -0.25, document: 0, position: 0, token: 0),
            CoreRecord(activation: .greatestFiniteMagnitude, document: .max, position: .max, token: .max),
        ])
        let tokens: [UInt32] = [464, 2068, 7586, 0, .max]
        let embedding: [Float] = [0.1, -2, 3e-8, .infinity]
        let input: [Float] = [0.5, -1.25, 1024, 0]
        try store.write { w in
            try w.putRecords(layer: 1, neuron: 6399, records)
            try w.putTokens(document: 3, tokens)
            try w.putTokenHit(token: 2068, TokenHit(layer: 1, neuron: 6399, activation: 3.5))
            try w.putEmbedding(token: 2068, embedding)
            try w.putInput(layer: 1, document: 7, position: 12, input)
            try w.setMeta("model_fingerprint", string: "abc→def")
            try w.setState("checkpoint", [1, 2, 3])
            try w.putTokenBytes(2, [0x20, 0xE2])
            try w.putTokenBytes(0, Array("!".utf8))
        }
        try store.read { (r: StoreReader) throws in
            #expect(try r.records(layer: 1, neuron: 6399) == records)
            #expect(try r.records(layer: 1, neuron: 6398) == nil)
            #expect(try r.tokens(document: 3) == tokens)
            #expect(try r.tokens(document: 3, range: 1..<3) == [2068, 7586])
            #expect(try r.tokens(document: 3, range: 4..<99) == [.max])
            #expect(try r.neurons(withToken: 2068) == [TokenHit(layer: 1, neuron: 6399, activation: 3.5)])
            #expect(try r.embedding(token: 2068) == embedding)
            #expect(try r.input(layer: 1, document: 7, position: 12) == input) // exact in f16
            #expect(try r.metaString("model_fingerprint") == "abc→def")
            #expect(try r.state("checkpoint") == [1, 2, 3])
            #expect(try r.tokenBytes(2) == [0x20, 0xE2])
            #expect(try r.vocabulary() == [Array("!".utf8), [], [0x20, 0xE2]])
            #expect(try r.formatVersion() == ActivationStore.formatVersion)
        }
    }

    @Test func recordsEncodeInSixteenBytesEach() {
        let records = NeuronRecords(records: Array(repeating: CoreRecord(activation: 1, document: 2, position: 3, token: 4), count: 100))
        #expect(records.encoded().count == NeuronRecords.headerSize + 100 * 16)
        let truncated = Array(records.encoded().dropLast())
        #expect(truncated.withUnsafeBytes { NeuronRecords(encoded: $0) } == nil)
    }

    @Test func keyOrderIsNumericOrder() throws {
        let store = try openStore()
        let layers = [0, 1, 255, 256, 1000]
        let neurons = [0, 1, 255, 256, 65535, 65536, 1 << 24]
        try store.write { w in
            for layer in layers.shuffled() {
                for neuron in neurons.shuffled() {
                    try w.putRecords(layer: layer, neuron: neuron, NeuronRecords(records: []))
                    try w.putTokenHit(token: UInt32(neuron), TokenHit(layer: layer, neuron: neuron, activation: Float(layer)))
                }
            }
        }
        var seen: [[Int]] = []
        try store.read { (r: StoreReader) throws in
            try r.forEachNeuron { layer, neuron, _ in seen.append([layer, neuron]); return true }
        }
        #expect(seen == layers.flatMap { l in neurons.map { [l, $0] } })
        var layer256: [Int] = []
        try store.read { (r: StoreReader) throws in
            try r.forEachNeuron(layer: 256) { _, neuron, _ in layer256.append(neuron); return true }
            #expect(try r.neurons(withToken: 256).map(\.layer) == layers)
            #expect(try r.neurons(withToken: 256, layer: 255).map(\.neuron) == [256])
        }
        #expect(layer256 == neurons)
    }

    @Test func readerKeepsItsSnapshotWhileAWriterCommits() throws {
        let store = try openStore()
        try store.write { try $0.setMeta("value", string: "old") }
        try store.read { (r: StoreReader) throws in
            #expect(try r.metaString("value") == "old")
            // Another thread commits while this read transaction is open.
            let done = DispatchSemaphore(value: 0)
            let box = ErrorBox()
            Thread.detachNewThread {
                do { try store.write { try $0.setMeta("value", string: "new") } } catch { box.error = "\(error)" }
                done.signal()
            }
            done.wait()
            #expect(box.error == nil)
            #expect(try r.metaString("value") == "old")
        }
        try store.read { (r: StoreReader) throws in #expect(try r.metaString("value") == "new") }
    }

    @Test func abortedWriteLeavesNothing() throws {
        let store = try openStore()
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try store.write { w in
                try w.putTokens(document: 1, [1, 2, 3])
                try w.setMeta("half", string: "written")
                throw Abort()
            }
        }
        try store.read { (r: StoreReader) throws in
            #expect(try r.tokens(document: 1) == nil)
            #expect(try r.meta("half") == nil)
            #expect(try r.counts().documents == 0)
        }
    }

    @Test func reopensAnExistingStore() throws {
        do {
            let store = try openStore()
            try store.write { try $0.putTokens(document: 9, [42]) }
        }
        let reopened = try openStore(create: false, options: { var o = LMDBEnvironment.Options(); o.readOnly = true; return o }())
        try reopened.read { (r: StoreReader) throws in #expect(try r.tokens(document: 9) == [42]) }
    }

    @Test func refusesAnotherFormatVersion() throws {
        do {
            let store = try openStore()
            try store.write { try $0.setMeta(StoreMeta.formatVersion, uint32: ActivationStore.formatVersion + 1) }
        }
        #expect(throws: StoreError.unsupportedFormat(path: tmp.path("activations.lmdb").path,
                                                     found: ActivationStore.formatVersion + 1,
                                                     supported: ActivationStore.formatVersion)) {
            _ = try openStore(create: false)
        }
    }

    /// A version-4 store (its `band_sample` database aside, the same as version 5) is read, and
    /// refused for writing.
    @Test func readsButDoesNotWriteAVersion4Store() throws {
        do {
            let store = try openStore()
            try store.write { w in
                try w.setMeta(StoreMeta.formatVersion, uint32: 4)
                try w.putTokens(document: 9, [42])
            }
        }
        do {
            let reader = try openStore(create: false, options: { var o = LMDBEnvironment.Options(); o.readOnly = true; return o }())
            try reader.read { (r: StoreReader) throws in
                #expect(try r.tokens(document: 9) == [42])
                #expect(try r.formatVersion() == 4)
            }
        }
        #expect(throws: StoreError.readOnlyFormat(path: tmp.path("activations.lmdb").path, found: 4,
                                                  writes: ActivationStore.formatVersion)) {
            _ = try openStore(create: true)
        }
    }

    /// A version-1 store (no `windows` or `negative` database) is reported as an old format.
    @Test func refusesAStoreOfTheFirstFormat() throws {
        let path = tmp.path("activations.lmdb")
        do {
            let env = try LMDBEnvironment(path: path, options: .init())
            let meta = try env.database("meta", create: true)
            _ = try env.database("records", create: true)
            try env.write { try $0.put(meta, key: StoreKey.name(StoreMeta.formatVersion), bytes: ByteCoding.bytes(of: [UInt32(1)])) }
        }
        #expect(throws: StoreError.unsupportedFormat(path: path.path, found: 1, supported: ActivationStore.formatVersion)) {
            _ = try openStore(create: false)
        }
    }

    @Test func refusesAFileThatIsNotLMDB() throws {
        let path = tmp.path("activations.lmdb")
        try Data(repeating: 0x5A, count: 64 * 1024).write(to: path)
        let error = #expect(throws: StoreError.self) { _ = try openStore(create: false) }
        guard case .corrupted? = error else { Issue.record("expected .corrupted, got \(String(describing: error))"); return }
    }

    @Test func refusesAnLMDBFileWithoutNeurodexData() throws {
        let path = tmp.path("activations.lmdb")
        do { _ = try LMDBEnvironment(path: path) }
        let error = #expect(throws: StoreError.self) { _ = try openStore(create: false) }
        guard case .notAStore? = error else { Issue.record("expected .notAStore, got \(String(describing: error))"); return }
    }

    @Test func growsTheMapWhenFull() throws {
        var options = LMDBEnvironment.Options()
        options.mapSize = 1 << 20
        options.maxMapSize = 1 << 26
        options.noSync = true
        let store = try openStore(options: options)
        let big = [UInt32](repeating: 7, count: 1 << 20) // 4 MiB, more than the initial map
        try store.write { try $0.putTokens(document: 1, big) }
        try store.read { (r: StoreReader) throws in #expect(try r.tokens(document: 1)?.count == big.count) }
    }

    @Test func mapFullAtTheLimitIsAnErrorAndLeavesTheStoreConsistent() throws {
        var options = LMDBEnvironment.Options()
        options.mapSize = 1 << 20
        options.maxMapSize = 1 << 20
        let store = try openStore(options: options)
        try store.write { try $0.putTokens(document: 1, [1, 2, 3]) }
        let error = #expect(throws: StoreError.self) {
            try store.write { try $0.putTokens(document: 2, [UInt32](repeating: 0, count: 1 << 20)) }
        }
        guard case .full(let path, let detail)? = error else {
            Issue.record("expected .full, got \(String(describing: error))")
            return
        }
        #expect(path.hasSuffix("activations.lmdb"))
        #expect(detail.contains("MDB_MAP_FULL"))
        try store.read { (r: StoreReader) throws in
            #expect(try r.tokens(document: 1) == [1, 2, 3])
            #expect(try r.tokens(document: 2) == nil)
        }
    }
}

final class ErrorBox: @unchecked Sendable {
    var error: String?
}
