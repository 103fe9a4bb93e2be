import CLMDB
import Foundation

/// The LMDB half of a store: core-token records, token streams, the reverse token index,
/// embeddings, optional layer inputs, metadata and indexer state.
///
/// Layout: Schema/activations.md. Readers see one committed snapshot per `read` call, while
/// one writer (`write`) commits.
public final class ActivationStore: Sendable {
    /// The store format this build writes.
    /// Version 2 added the `windows`, `negative` and `logit_lens` databases; version 3 the
    /// `bands` and `band_sample` databases; version 4 drew the band sample by whole windows;
    /// version 5 drops `band_sample` (the bins are computed again where they are needed).
    public static let formatVersion: UInt32 = 5
    /// The versions this build reads. A version-4 store differs only by its `band_sample`
    /// database, which this build never opens; it can be read (and merged) but not written.
    public static let readableFormatVersions: ClosedRange<UInt32> = 4...formatVersion
    /// File name inside a store directory.
    public static let fileName = "activations.lmdb"

    public let environment: LMDBEnvironment
    let databases: Databases

    struct Databases: Sendable {
        let records, tokens, byToken, embeddings, inputs, vocabulary, meta, state, windows, negative, logitLens: LMDBEnvironment.Database
        let bands: LMDBEnvironment.Database
        /// Nil in a store written before the `contexts` database (read only: its contexts are
        /// read from the documents).
        let contexts: LMDBEnvironment.Database?
    }

    /// Opens the store file at `path`. With `create`, a missing file is created and stamped
    /// with the format version; otherwise the file must exist and carry a supported version.
    public init(path: URL, create: Bool, options: LMDBEnvironment.Options = .init()) throws {
        let exists = FileManager.default.fileExists(atPath: path.path)
        if !exists && !create { throw StoreError.notAStore(path: path.path, reason: "no \(Self.fileName)") }
        let environment: LMDBEnvironment
        do {
            environment = try LMDBEnvironment(path: path, options: options)
        } catch let error as LMDBError {
            throw Self.storeError(error, path: path)
        }
        let writable = create && !options.readOnly
        func open(_ name: String) throws -> LMDBEnvironment.Database {
            do { return try environment.database(name, create: writable) }
            catch let error as LMDBError where error.code == MDB_NOTFOUND {
                throw StoreError.notAStore(path: path.path, reason: "no '\(name)' database")
            } catch let error as LMDBError {
                throw Self.storeError(error, path: path)
            }
        }
        // Created in every store this build writes; a store from before it has none.
        func openContexts() throws -> LMDBEnvironment.Database? {
            do { return try environment.database("contexts", create: writable) }
            catch let error as LMDBError where error.code == MDB_NOTFOUND && !writable { return nil }
            catch let error as LMDBError { throw Self.storeError(error, path: path) }
        }
        // The version is checked before the other databases are opened, so that a store of
        // another version is reported as such rather than as missing a database.
        let meta = try open("meta")
        try Self.checkFormat(environment, meta: meta, path: path, writable: writable)
        self.databases = Databases(
            records: try open("records"), tokens: try open("tokens"), byToken: try open("by_token"),
            embeddings: try open("embeddings"), inputs: try open("inputs"), vocabulary: try open("vocabulary"),
            meta: meta, state: try open("state"), windows: try open("windows"), negative: try open("negative"),
            logitLens: try open("logit_lens"), bands: try open("bands"), contexts: try openContexts())
        self.environment = environment
    }

    private static func checkFormat(_ environment: LMDBEnvironment, meta: LMDBEnvironment.Database, path: URL,
                                    writable: Bool) throws {
        let key = StoreKey.name(StoreMeta.formatVersion)
        let found = try environment.read { txn in
            try txn.withValue(meta, key: key) { $0.count == 4 ? ByteCoding.readLittleEndian(UInt32.self, $0, at: 0) : 0 }
        }
        switch found {
        case nil where writable:
            try environment.write { try $0.put(meta, key: key, bytes: ByteCoding.bytes(of: [formatVersion])) }
        case nil:
            throw StoreError.notAStore(path: path.path, reason: "no format version")
        case let version? where !readableFormatVersions.contains(version):
            throw StoreError.unsupportedFormat(path: path.path, found: version, supported: formatVersion)
        case let version? where version != formatVersion && writable:
            throw StoreError.readOnlyFormat(path: path.path, found: version, writes: formatVersion)
        default:
            break
        }
    }

    static func storeError(_ error: LMDBError, path: URL) -> Error {
        switch error.code {
        case MDB_INVALID, MDB_VERSION_MISMATCH, MDB_CORRUPTED, MDB_PAGE_NOTFOUND:
            StoreError.corrupted(path: path.path, detail: error.description)
        case EACCES, EROFS, EPERM:
            StoreError.readOnly(path: path.path)
        default:
            error
        }
    }

    /// Runs `body` on one consistent snapshot.
    public func read<T>(_ body: (StoreReader) throws -> T) throws -> T {
        try environment.read { try body(StoreReader(txn: $0, db: databases)) }
    }

    /// Runs `body` in one transaction: all of its writes land together or not at all. A full
    /// disk (or a map that cannot grow further) is `StoreError.full`.
    public func write<T>(_ body: (StoreWriter) throws -> T) throws -> T {
        do {
            return try environment.write { try body(StoreWriter(txn: $0, db: databases)) }
        } catch let error as LMDBError where error.isMapFull || error.code == ENOSPC || error.code == EDQUOT {
            throw StoreError.full(path: environment.path.path, detail: error.description)
        } catch let error as LMDBError {
            throw StoreError.writeFailed(path: environment.path.path, detail: error.description)
        }
    }
}

/// Names of the values kept in the `meta` database.
public enum StoreMeta {
    public static let formatVersion = "format_version"
    public static let modelFingerprint = "model_fingerprint"
    public static let embeddingSize = "embedding_size"
    /// The band sample's positions (`BandSamplePositions`), lowest hash first.
    public static let bandSample = "band_sample"
}

/// Typed reads of one snapshot of the activation store.
public struct StoreReader {
    let txn: ReadTransaction
    let db: ActivationStore.Databases

    /// The core tokens of a neuron, or nil when the store has none for it.
    public func records(layer: Int, neuron: Int) throws -> NeuronRecords? {
        try txn.withValue(db.records, key: StoreKey.neuron(layer: layer, neuron: neuron)) { bytes in
            guard let decoded = NeuronRecords(encoded: bytes) else {
                throw StoreError.corrupted(path: ActivationStore.fileName,
                                           detail: "records of layer \(layer) neuron \(neuron) have a bad length")
            }
            return decoded
        }
    }

    /// The first records of a neuron with their windows (store order), or nil when the store
    /// has none for it.
    public func windows(layer: Int, neuron: Int) throws -> [WindowedRecord]? {
        try windowedRecords(db.windows, "windows", layer: layer, neuron: neuron)
    }

    /// The most negative records of a neuron with their windows (lowest activation first), or
    /// nil when the store has none for it.
    public func negative(layer: Int, neuron: Int) throws -> [WindowedRecord]? {
        try windowedRecords(db.negative, "negative", layer: layer, neuron: neuron)
    }

    /// A neuron's logit lens, or nil when the store has none for it.
    public func logitLens(layer: Int, neuron: Int) throws -> NeuronLogitLens? {
        try txn.withValue(db.logitLens, key: StoreKey.neuron(layer: layer, neuron: neuron)) { bytes in
            guard let decoded = NeuronLogitLens(encoded: bytes) else {
                throw StoreError.corrupted(path: ActivationStore.fileName,
                                           detail: "logit lens of layer \(layer) neuron \(neuron) has a bad length")
            }
            return decoded
        }
    }

    /// A neuron's band examples and random sample, or nil when the store has none for it.
    public func bands(layer: Int, neuron: Int) throws -> NeuronBands? {
        try txn.withValue(db.bands, key: StoreKey.neuron(layer: layer, neuron: neuron)) { bytes in
            guard let decoded = NeuronBands(encoded: bytes) else {
                throw StoreError.corrupted(path: ActivationStore.fileName,
                                           detail: "bands of layer \(layer) neuron \(neuron) have a bad length")
            }
            return decoded
        }
    }

    /// The band sample's positions (see `StoreMeta.bandSample`), or nil when the store has none.
    public func bandSamplePositions() throws -> [SamplePosition]? {
        try txn.withValue(db.meta, key: StoreKey.name(StoreMeta.bandSample)) { bytes in
            guard let decoded = BandSamplePositions.decoded(bytes) else {
                throw StoreError.corrupted(path: ActivationStore.fileName, detail: "the band sample's positions have a bad length")
            }
            return decoded
        }
    }

    private func windowedRecords(_ database: LMDBEnvironment.Database, _ name: String, layer: Int,
                                 neuron: Int) throws -> [WindowedRecord]? {
        try txn.withValue(database, key: StoreKey.neuron(layer: layer, neuron: neuron)) { bytes in
            guard let decoded = WindowedRecord.decoded(bytes) else {
                throw StoreError.corrupted(path: ActivationStore.fileName,
                                           detail: "\(name) of layer \(layer) neuron \(neuron) have a bad length")
            }
            return decoded
        }
    }

    /// Visits the stored neurons of `layer` in neuron order (all layers when nil).
    public func forEachNeuron(layer: Int? = nil, _ body: (_ layer: Int, _ neuron: Int, NeuronRecords) throws -> Bool) throws {
        let start = layer.map { StoreKey.neuron(layer: $0, neuron: 0) } ?? []
        try txn.scan(db.records, from: start) { key, value in
            let l = Int(ByteCoding.readBigEndian(UInt16.self, key, at: 0))
            if let layer, l != layer { return false }
            let n = Int(ByteCoding.readBigEndian(UInt32.self, key, at: 2))
            guard let records = NeuronRecords(encoded: value) else {
                throw StoreError.corrupted(path: ActivationStore.fileName, detail: "records of layer \(l) neuron \(n) have a bad length")
            }
            return try body(l, n, records)
        }
    }

    /// The token stream of a document.
    public func tokens(document: UInt32) throws -> [UInt32]? {
        try txn.withValue(db.tokens, key: StoreKey.document(document)) { ByteCoding.uint32s($0) }
    }

    /// Tokens `range` of a document (clamped to the document), without copying the rest.
    public func tokens(document: UInt32, range: Range<Int>) throws -> [UInt32]? {
        try txn.withValue(db.tokens, key: StoreKey.document(document)) { bytes in
            let n = bytes.count / 4
            let lo = max(0, min(range.lowerBound, n)), hi = max(lo, min(range.upperBound, n))
            return ByteCoding.uint32s(UnsafeRawBufferPointer(rebasing: bytes[lo * 4..<hi * 4]))
        }
    }

    /// Neurons that have `token` among their core tokens, with the best activation of that
    /// token for each neuron, in (layer, neuron) order; restricted to `layer` when given.
    public func neurons(withToken token: UInt32, layer: Int? = nil) throws -> [TokenHit] {
        var hits: [TokenHit] = []
        let start = StoreKey.tokenNeuron(token: token, layer: layer ?? 0, neuron: 0)
        try txn.scan(db.byToken, from: start) { key, value in
            guard ByteCoding.readBigEndian(UInt32.self, key, at: 0) == token else { return false }
            let l = Int(ByteCoding.readBigEndian(UInt16.self, key, at: 4))
            if let layer, l != layer { return false }
            hits.append(TokenHit(layer: l, neuron: Int(ByteCoding.readBigEndian(UInt32.self, key, at: 6)),
                                 activation: ByteCoding.readFloat(value, at: 0)))
            return true
        }
        return hits
    }

    /// The stored input embedding of a token.
    public func embedding(token: UInt32) throws -> [Float]? {
        try txn.withValue(db.embeddings, key: StoreKey.token(token)) { ByteCoding.floats($0) }
    }

    /// The stored MLP input vector (f16 on disk) of layer `layer` at one occurrence.
    public func input(layer: Int, document: UInt32, position: UInt32) throws -> [Float]? {
        try txn.withValue(db.inputs, key: StoreKey.occurrence(layer: layer, document: document, position: position)) { bytes in
            (0..<bytes.count / 2).map { Float(Float16(bitPattern: ByteCoding.readLittleEndian(UInt16.self, bytes, at: $0 * 2))) }
        }
    }

    /// The (document, position) of every stored MLP input of `layer`, in key order.
    public func inputPositions(layer: Int) throws -> [SamplePosition] {
        var positions: [SamplePosition] = []
        try txn.scan(db.inputs, from: StoreKey.occurrence(layer: layer, document: 0, position: 0)) { key, _ in
            guard Int(ByteCoding.readBigEndian(UInt16.self, key, at: 0)) == layer else { return false }
            positions.append(SamplePosition(document: ByteCoding.readBigEndian(UInt32.self, key, at: 2),
                                            position: ByteCoding.readBigEndian(UInt32.self, key, at: 6)))
            return true
        }
        return positions
    }

    /// The bytes of a token as the tokenizer decodes it (UTF-8, possibly a partial character).
    public func tokenBytes(_ token: UInt32) throws -> [UInt8]? {
        try txn.get(db.vocabulary, key: StoreKey.token(token))
    }

    /// Visits every stored token's bytes in id order, without copying them.
    public func forEachTokenBytes(_ body: (UInt32, UnsafeRawBufferPointer) throws -> Void) throws {
        try txn.scan(db.vocabulary) { key, value in
            try body(ByteCoding.readBigEndian(UInt32.self, key, at: 0), value)
            return true
        }
    }

    /// The whole stored vocabulary: index = token id (empty for ids the store does not have).
    public func vocabulary() throws -> [[UInt8]] {
        var table: [[UInt8]] = []
        try txn.scan(db.vocabulary) { key, value in
            let id = Int(ByteCoding.readBigEndian(UInt32.self, key, at: 0))
            if table.count <= id { table.append(contentsOf: repeatElement([], count: id + 1 - table.count)) }
            table[id] = Array(value)
            return true
        }
        return table
    }

    /// A metadata value as raw bytes.
    public func meta(_ name: String) throws -> [UInt8]? {
        try txn.get(db.meta, key: StoreKey.name(name))
    }

    /// A metadata value as a UTF-8 string.
    public func metaString(_ name: String) throws -> String? {
        try meta(name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A metadata value stored as a u32 (little-endian); nil when missing or not 4 bytes.
    public func metaUInt32(_ name: String) throws -> UInt32? {
        try txn.withValue(db.meta, key: StoreKey.name(name)) { bytes in
            bytes.count == 4 ? ByteCoding.readLittleEndian(UInt32.self, bytes, at: 0) : nil
        } ?? nil
    }

    /// The format version stamped in the store, if any.
    public func formatVersion() throws -> UInt32? {
        try metaUInt32(StoreMeta.formatVersion)
    }

    /// An opaque indexer-state blob (checkpoints).
    public func state(_ name: String) throws -> [UInt8]? {
        try txn.get(db.state, key: StoreKey.name(name))
    }

    /// Entry counts of each database.
    public func counts() throws -> StoreCounts {
        StoreCounts(neurons: try txn.count(db.records), documents: try txn.count(db.tokens),
                    tokenIndexEntries: try txn.count(db.byToken), embeddings: try txn.count(db.embeddings),
                    inputs: try txn.count(db.inputs), vocabulary: try txn.count(db.vocabulary))
    }
}

/// One record of a store being built, as the reverse token index keys it: 16 bytes, where a
/// `(UInt32, TokenHit)` pair takes 32 (a GPT-2 XL store at K = 100 has 30.7 million of them).
public struct TokenIndexEntry: Sendable, Equatable {
    public var token: UInt32
    public var layer: UInt16
    public var neuron: UInt32
    public var activation: Float

    public init(token: UInt32, layer: Int, neuron: Int, activation: Float) {
        self.token = token
        self.layer = UInt16(layer)
        self.neuron = UInt32(neuron)
        self.activation = activation
    }

    /// The token index's order: by (token, layer, neuron), the highest activation first.
    public static func indexOrder(_ a: TokenIndexEntry, _ b: TokenIndexEntry) -> Bool {
        if !sameKey(a, b) { return (a.token, a.layer, a.neuron) < (b.token, b.layer, b.neuron) }
        return a.activation > b.activation
    }

    public static func sameKey(_ a: TokenIndexEntry, _ b: TokenIndexEntry) -> Bool {
        (a.token, a.layer, a.neuron) == (b.token, b.layer, b.neuron)
    }
}

/// One entry of the reverse token index.
public struct TokenHit: Sendable, Hashable, Codable {
    public var layer: Int
    public var neuron: Int
    public var activation: Float

    public init(layer: Int, neuron: Int, activation: Float) {
        self.layer = layer
        self.neuron = neuron
        self.activation = activation
    }
}

/// How many entries each database of the activation store holds.
public struct StoreCounts: Sendable, Hashable, Codable {
    public var neurons: Int
    public var documents: Int
    public var tokenIndexEntries: Int
    public var embeddings: Int
    public var inputs: Int
    public var vocabulary: Int
}

/// Typed writes inside one transaction.
public struct StoreWriter {
    let txn: WriteTransaction
    let db: ActivationStore.Databases

    /// Reads that see this transaction's writes.
    public var reader: StoreReader { StoreReader(txn: txn.reader, db: db) }

    /// Stores a neuron's records and, in `contexts`, their contexts from the documents this
    /// transaction sees (none when a record's document is not among them yet).
    public func putRecords(layer: Int, neuron: Int, _ records: NeuronRecords) throws {
        let key = StoreKey.neuron(layer: layer, neuron: neuron)
        try txn.put(db.records, key: key, bytes: records.encoded())
        guard let database = db.contexts else { return }
        if let contexts = try reader.storedContexts(of: records.records) {
            try txn.put(database, key: key, bytes: contexts.encoded())
        } else {
            try txn.delete(database, key: key)
        }
    }

    /// Stores the first records of a neuron with their windows.
    public func putWindows(layer: Int, neuron: Int, _ entries: [WindowedRecord]) throws {
        try txn.put(db.windows, key: StoreKey.neuron(layer: layer, neuron: neuron), bytes: WindowedRecord.encoded(entries))
    }

    /// Stores the most negative records of a neuron with their windows.
    public func putNegative(layer: Int, neuron: Int, _ entries: [WindowedRecord]) throws {
        try txn.put(db.negative, key: StoreKey.neuron(layer: layer, neuron: neuron), bytes: WindowedRecord.encoded(entries))
    }

    /// Stores a neuron's logit lens.
    public func putLogitLens(layer: Int, neuron: Int, _ lens: NeuronLogitLens) throws {
        try txn.put(db.logitLens, key: StoreKey.neuron(layer: layer, neuron: neuron), bytes: lens.encoded())
    }

    /// Stores a neuron's band examples and random sample.
    public func putBands(layer: Int, neuron: Int, _ bands: NeuronBands) throws {
        try txn.put(db.bands, key: StoreKey.neuron(layer: layer, neuron: neuron), bytes: bands.encoded())
    }

    public func putTokens(document: UInt32, _ tokens: [UInt32]) throws {
        try txn.put(db.tokens, key: StoreKey.document(document), bytes: ByteCoding.bytes(of: tokens))
    }

    /// Removes a document's tokens; returns whether it had any.
    @discardableResult
    public func deleteTokens(document: UInt32) throws -> Bool {
        try txn.delete(db.tokens, key: StoreKey.document(document))
    }

    public func putTokenHit(token: UInt32, _ hit: TokenHit) throws {
        try txn.put(db.byToken, key: StoreKey.tokenNeuron(token: token, layer: hit.layer, neuron: hit.neuron),
                    bytes: ByteCoding.bytes(of: [hit.activation]))
    }

    /// Replaces the whole token index with `entries`, loaded in key order (`entries` is sorted
    /// in place, so that the index of a large store needs no second copy); of several entries
    /// for one (token, layer, neuron) the highest activation is kept.
    public func replaceTokenIndex(_ entries: inout [TokenIndexEntry]) throws {
        try txn.clear(db.byToken)
        entries.sort(by: TokenIndexEntry.indexOrder)
        var last: TokenIndexEntry?
        try appendToTokenIndex(entries, after: &last)
    }

    /// Removes the whole token index (before it is written again with `appendToTokenIndex`).
    public func clearTokenIndex() throws {
        try txn.clear(db.byToken)
    }

    /// Appends `entries`, sorted in `TokenIndexEntry.indexOrder`, to the token index, keeping
    /// the first (best) of each key. `last` is the last entry appended, carried from one call
    /// (and transaction) to the next; nil before the first.
    public func appendToTokenIndex<S: Sequence<TokenIndexEntry>>(_ entries: S, after last: inout TokenIndexEntry?) throws {
        var key = [UInt8](repeating: 0, count: 10)
        for entry in entries {
            if let p = last, TokenIndexEntry.sameKey(p, entry) { continue }  // keep the first of duplicates
            last = entry
            key.withUnsafeMutableBytes { k in
                k.storeBytes(of: entry.token.bigEndian, toByteOffset: 0, as: UInt32.self)
                k.storeBytes(of: entry.layer.bigEndian, toByteOffset: 4, as: UInt16.self)
                k.storeBytes(of: entry.neuron.bigEndian, toByteOffset: 6, as: UInt32.self)
            }
            var value = entry.activation.bitPattern.littleEndian
            try key.withUnsafeBytes { k in
                try withUnsafeBytes(of: &value) { try txn.append(db.byToken, key: k, value: $0) }
            }
        }
    }

    /// Removes every stored embedding.
    public func removeAllEmbeddings() throws {
        try txn.clear(db.embeddings)
    }

    public func putEmbedding(token: UInt32, _ vector: [Float]) throws {
        try txn.put(db.embeddings, key: StoreKey.token(token), bytes: ByteCoding.bytes(of: vector))
    }

    /// Stores a layer-input vector as f16.
    public func putInput(layer: Int, document: UInt32, position: UInt32, _ vector: [Float]) throws {
        var bytes = [UInt8](); bytes.reserveCapacity(vector.count * 2)
        for v in vector { ByteCoding.appendLittleEndian(Float16(v).bitPattern, to: &bytes) }
        try txn.put(db.inputs, key: StoreKey.occurrence(layer: layer, document: document, position: position), bytes: bytes)
    }

    public func deleteInput(layer: Int, document: UInt32, position: UInt32) throws {
        try txn.delete(db.inputs, key: StoreKey.occurrence(layer: layer, document: document, position: position))
    }

    /// Stores the tokenizer's bytes for `token`, so that contexts can be shown without the model.
    public func putTokenBytes(_ token: UInt32, _ bytes: [UInt8]) throws {
        try txn.put(db.vocabulary, key: StoreKey.token(token), bytes: bytes)
    }

    public func setMeta(_ name: String, bytes: [UInt8]) throws {
        try txn.put(db.meta, key: StoreKey.name(name), bytes: bytes)
    }

    public func setMeta(_ name: String, string: String) throws {
        try setMeta(name, bytes: Array(string.utf8))
    }

    public func setMeta(_ name: String, uint32 value: UInt32) throws {
        try setMeta(name, bytes: ByteCoding.bytes(of: [value]))
    }

    public func setState(_ name: String, _ bytes: [UInt8]) throws {
        try txn.put(db.state, key: StoreKey.name(name), bytes: bytes)
    }

    public func removeState(_ name: String) throws {
        try txn.delete(db.state, key: StoreKey.name(name))
    }
}
