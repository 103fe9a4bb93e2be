import Canonical
import Foundation
import GRDB

/// SHA-256 digests of a store's content: one for each part and one for the whole.
public struct ContentDigest: Sendable, Equatable, Codable {
    /// The digest of every part together (`neurodex info --digest`).
    public var total: String
    /// Part name → digest of that part alone, for the parts listed in `ContentDigest.partNames`.
    public var parts: [String: String]

    /// The parts, in the order they are hashed: the LMDB databases but `state`, then catalog
    /// content. `moments` are the neuron statistics' mean, variance, skewness and kurtosis;
    /// `statistics` the rest of each neuron's statistics row.
    public static let partNames = ["records", "tokens", "by_token", "embeddings", "inputs", "vocabulary", "meta",
                                   "windows", "negative", "logit_lens", "bands", "models", "documents", "layers", "statistics", "moments"]
}

extension NeurodexStore {
    /// A SHA-256 over the store's content (`contentDigests().total`).
    public func contentDigest() throws -> String { try contentDigests().total }

    /// SHA-256 digests of the store's content, independent of file layout, row ids, run history,
    /// times and the path a model was loaded from, so that two stores that hold the same index
    /// have the same digests.
    ///
    /// They cover every LMDB database but `state` (the indexer's checkpoints) and `contexts`
    /// (derived from records and tokens, and absent from stores written before it) — records,
    /// tokens, by_token, embeddings, inputs, vocabulary and meta, entry by entry in key order —
    /// and in the catalog the models' content fields (all but id, source and created_at), the
    /// documents (all but corpus_id), the layers (all but run_id) and the neuron statistics.
    /// Left out: `state`, the `runs`, `corpora` and `analyses` tables. Schema/activations.md
    /// lists the same.
    public func contentDigests() throws -> ContentDigest {
        let digest = DigestHasher()
        try activations.read { r in
            for (name, database) in r.digestedDatabases {
                digest.start(name, entries: try r.txn.count(database))
                try r.txn.scan(database) { key, value in
                    digest.add(key)
                    digest.add(value)
                    return true
                }
            }
        }
        try catalog.read { db in
            digest.start("models", entries: try ModelRow.fetchCount(db))
            for m in try ModelRow.order(Column("fingerprint")).fetchAll(db) {
                digest.fields(m.fingerprint, m.family, m.layerCount, m.embeddingSize, m.neuronCount, m.vocabularySize,
                              m.maxContext, m.activationDefinition, m.configJson)
            }
            digest.start("documents", entries: try DocumentRow.fetchCount(db))
            let documents = try DocumentRow.order(Column("id")).fetchCursor(db)
            while let d = try documents.next() {
                digest.fields(d.id, d.sourcePath, d.byteOffset, d.byteLength, d.sha256, d.tokenCount, d.replacements,
                              d.metadataJson ?? "")
            }
            digest.start("layers", entries: try LayerRow.fetchCount(db))
            for l in try LayerRow.order(Column("layer")).fetchAll(db) {
                digest.fields(l.layer, l.neuronCount, l.topK, l.distinctTokens ? 1 : 0, l.statisticsJson)
            }
            let neurons = try NeuronStatsRow.fetchCount(db)
            digest.start("statistics", entries: neurons)
            let statistics = try NeuronStatsRow.order(Column("layer"), Column("neuron")).fetchCursor(db)
            while let s = try statistics.next() {
                digest.fields(s.layer, s.neuron, s.count)
                for number in [s.min, s.max, s.fractionPositive] { digest.add(number) }
                digest.add(s.histogram)
                digest.add(s.sample)
            }
            // Apart because `neurodex merge` combines them by Pébay's formulas: equal to a
            // single run's only to rounding (docs/cluster.md).
            digest.start("moments", entries: neurons)
            let moments = try NeuronStatsRow.order(Column("layer"), Column("neuron")).fetchCursor(db)
            while let s = try moments.next() {
                digest.fields(s.layer, s.neuron)
                for number in [s.mean, s.variance, s.skewness, s.kurtosis] { digest.add(number) }
            }
        }
        return digest.finish()
    }
}

extension StoreReader {
    /// The LMDB databases the content digest covers, by name: all but `state` and `contexts`.
    var digestedDatabases: [(String, LMDBEnvironment.Database)] {
        [("records", db.records), ("tokens", db.tokens), ("by_token", db.byToken), ("embeddings", db.embeddings),
         ("inputs", db.inputs), ("vocabulary", db.vocabulary), ("meta", db.meta), ("windows", db.windows),
         ("negative", db.negative), ("logit_lens", db.logitLens), ("bands", db.bands)]
    }
}

/// Feeds length-prefixed fields to a SHA-256 of the whole and one of the current part, so that
/// no two different sequences of fields hash the same bytes.
private final class DigestHasher {
    private let total = SHA256()
    private var part: (name: String, hash: SHA256)?
    private var parts: [String: String] = [:]

    /// Starts the part `name`, with its number of entries.
    func start(_ name: String, entries: Int) {
        endPart()
        part = (name, SHA256())
        fields("part", name, entries)
    }

    func finish() -> ContentDigest {
        endPart()
        assert(parts.keys.sorted() == ContentDigest.partNames.sorted(), "the digest's parts and their list differ")
        return ContentDigest(total: total.hexDigest(), parts: parts)
    }

    private func endPart() {
        if let part { parts[part.name] = part.hash.hexDigest() }
        part = nil
    }

    func add(_ bytes: UnsafeRawBufferPointer) {
        var length = UInt64(bytes.count).littleEndian
        for hash in [total, part?.hash].compactMap({ $0 }) {
            withUnsafeBytes(of: &length) { hash.update(bufferPointer: $0) }
            hash.update(bufferPointer: bytes)
        }
    }

    func add(_ bytes: [UInt8]) { bytes.withUnsafeBytes { add($0) } }

    func add(_ data: Data) { data.withUnsafeBytes { add($0) } }

    /// The bit pattern of `number`, so that every NaN payload and ±0 count.
    func add(_ number: Double) {
        var bits = number.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { add($0) }
    }

    /// Text fields as UTF-8, integers in decimal.
    func fields(_ values: any CustomStringConvertible...) {
        for value in values { add(Array(value.description.utf8)) }
    }
}
