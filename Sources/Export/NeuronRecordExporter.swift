import Foundation
import Query
import Store

/// Writes a store's neurons as OpenAI NeuronRecord JSON (`OpenAINeuronRecord`): one file per
/// neuron under `{layer}/{neuron}.json`, and/or one JSON Lines file of all of them.
///
/// What each field holds:
/// - `most_positive_activation_records`: one excerpt per stored record, highest first. A
///   record with a stored window (the first `--window-records` of each neuron) gives its window:
///   the tokens of the context window it was indexed in, each with **the neuron's real
///   activation there** (f32, exact). Any other record gives the `excerptLength` (64) tokens
///   around its position (the record at index 32 unless the document starts or ends nearer;
///   the whole document when shorter) with the record's own activation exact and **every other
///   activation written as 0** (unknown).
/// - `mean`, `variance`, `skewness`, `kurtosis`: the neuron's statistics row (null without one).
/// - With band examples (stores indexed with `--band-sample`): `random_sample` is the neuron's
///   random sample and `random_sample_by_quantile` one list per band ([0, .5), [.5, .9),
///   [.9, .99), [.99, .999)) of its examples, each its context window with the neuron's real
///   activation at every token.
/// - Without them: `random_sample` has one excerpt per position of the layer's seeded uniform
///   sample, the sampled activation exact at its position, 0 elsewhere (as above), and
///   `random_sample_by_quantile` is that sample split at the quantile boundaries into 5 groups
///   ([0, 0.5), [0.5, 0.9), [0.9, 0.99), [0.99, 0.999), [0.999, 1]) — usually the top groups
///   are empty, since the sample is uniform; null without a histogram.
/// - `quantile_boundaries`: the 0.5, 0.9, 0.99 and 0.999 quantiles estimated from the
///   histogram (null without one).
/// A store made by `NeuronRecordImporter` gives back the imported values of all fields.
public struct NeuronRecordExporter {
    /// Which files `write` makes.
    public enum Layout: String, Sendable, CaseIterable {
        /// `{layer}/{neuron}.json` for every neuron.
        case files
        /// One `neuron-records.jsonl`, a NeuronRecord per line.
        case jsonl
        /// Both.
        case both
    }

    /// The name of the JSON Lines file.
    public static let bulkFileName = "neuron-records.jsonl"

    public let query: StoreQuery
    /// Tokens per excerpt.
    public var excerptLength = 64
    private let storeHasExtras: Bool

    public init(query: StoreQuery) throws {
        self.query = query
        storeHasExtras = try query.store.catalog.hasAnalyses(method: NeuronRecordExtras.method)
    }

    /// One neuron's record.
    public func record(layer: Int, neuron: Int) throws -> OpenAINeuronRecord {
        let stored = try query.records(layer: layer, neuron: neuron)
        let statistics = try query.statistics(layer: layer, neuron: neuron)
        let extras = try storeHasExtras ? extrasOf(layer: layer, neuron: neuron) : nil
        return try query.store.activations.read { reader in
            try makeRecord(layer: layer, neuron: neuron, stored: stored, statistics: statistics, extras: extras,
                           reader: reader)
        }
    }

    /// Writes every neuron with records of `layers` (all indexed layers when nil) into
    /// `directory` (created when missing); returns the number of neurons written.
    @discardableResult
    public func write(layers: [Int]?, to directory: URL, layout: Layout) throws -> Int {
        let fm = FileManager.default
        do { try fm.createDirectory(at: directory, withIntermediateDirectories: true) }
        catch { throw ExportError.cannotWrite(path: directory.path, reason: "\(error)") }
        let bulk = layout == .files ? nil : try TextOutput(file: directory.appendingPathComponent(Self.bulkFileName))
        var written = 0
        for indexed in try query.layers(layers) {
            let layer = indexed.row.layer
            let layerDirectory = directory.appendingPathComponent(String(layer))
            if layout != .jsonl {
                do { try fm.createDirectory(at: layerDirectory, withIntermediateDirectories: true) }
                catch { throw ExportError.cannotWrite(path: layerDirectory.path, reason: "\(error)") }
            }
            let statistics = try query.statistics(layer: layer)
            let extras = try storeHasExtras ? extrasOf(layer: layer) : [:]
            try query.store.activations.read { reader in
                try reader.forEachNeuron(layer: layer) { _, neuron, stored in
                    let json = try makeRecord(layer: layer, neuron: neuron, stored: stored,
                                              statistics: statistics[neuron], extras: extras[neuron],
                                              reader: reader).json()
                    if layout != .jsonl {
                        let file = layerDirectory.appendingPathComponent("\(neuron).json")
                        do { try Data(json).write(to: file) }
                        catch { throw ExportError.cannotWrite(path: file.path, reason: "\(error)") }
                    }
                    if let bulk {
                        try bulk.write(bytes: json)
                        try bulk.write("\n")
                    }
                    written += 1
                    return true
                }
            }
        }
        try bulk?.flush()
        return written
    }

    // MARK: - Building a record

    func makeRecord(layer: Int, neuron: Int, stored: NeuronRecords, statistics: NeuronStatistics?,
                    extras: NeuronRecordExtras?, reader: StoreReader) throws -> OpenAINeuronRecord {
        var record = OpenAINeuronRecord(layer: layer, neuron: neuron)
        var windows: [SamplePosition: WindowedRecord] = [:]
        for entry in try reader.windows(layer: layer, neuron: neuron) ?? [] {
            windows[SamplePosition(document: entry.record.document, position: entry.record.position)] = entry
        }
        record.mostPositiveActivationRecords = try stored.records.map { r in
            if let activations = extras?.excerptActivations[String(r.document)],  // imported f64 values
               let tokens = try reader.tokens(document: r.document), tokens.count == activations.count {
                return OpenAIActivationRecord(tokens: tokens.map { query.vocabulary.text(of: $0) }, activations: activations)
            }
            if let window = windows[SamplePosition(document: r.document, position: r.position)],
               let excerpt = try windowExcerpt(window, reader: reader) {
                return excerpt
            }
            return try excerpt(document: r.document, position: r.position, activation: r.activation, token: r.token,
                               reader: reader)
        }
        if let statistics {
            record.mean = statistics.mean
            record.variance = statistics.variance
            record.skewness = statistics.skewness
            record.kurtosis = statistics.kurtosis
        } else if let moments = extras?.moments, moments.count == 4 {
            (record.mean, record.variance, record.skewness, record.kurtosis) = (moments[0], moments[1], moments[2], moments[3])
        }
        let bands = extras == nil ? try reader.bands(layer: layer, neuron: neuron) : nil
        if let extras {
            record.randomSample = extras.randomSample
            record.randomSampleByQuantile = extras.randomSampleByQuantile
            record.quantileBoundaries = extras.quantileBoundaries
        } else if let bands {
            record.randomSample = try bands.randomSample.map { try bandExcerpt($0, reader: reader) }
            record.randomSampleByQuantile = try bands.bands.map { band in
                try band.examples.map { try bandExcerpt($0, reader: reader) }
            }
            let boundaries = NeuronStatistics.standardQuantiles.compactMap { statistics?.quantile($0) }
            if boundaries.count == NeuronStatistics.standardQuantiles.count {
                record.quantileBoundaries = boundaries.map(NumberFormatting.decimal)
            }
        } else if let statistics {
            let samples = try statistics.sample.map { s in
                (s.activation, try excerpt(document: s.document, position: s.position, activation: s.activation,
                                           token: nil, reader: reader))
            }
            record.randomSample = samples.map(\.1)
            let boundaries = NeuronStatistics.standardQuantiles.compactMap { statistics.quantile($0) }
            if boundaries.count == NeuronStatistics.standardQuantiles.count {
                record.quantileBoundaries = boundaries.map(NumberFormatting.decimal)
                var groups = [[OpenAIActivationRecord]](repeating: [], count: boundaries.count + 1)
                for (value, excerpt) in samples { groups[boundaries.filter { $0 <= value }.count].append(excerpt) }
                record.randomSampleByQuantile = groups
            }
        }
        return record
    }

    /// A stored window as an excerpt: its tokens, each with the neuron's activation there; nil
    /// when the store lacks the window's tokens.
    func windowExcerpt(_ window: WindowedRecord, reader: StoreReader) throws -> OpenAIActivationRecord? {
        guard let tokens = try reader.tokens(document: window.record.document, range: window.positions),
              tokens.count == window.activations.count else { return nil }
        return OpenAIActivationRecord(tokens: tokens.map { query.vocabulary.text(of: $0) },
                                      activations: window.activations.map(NumberFormatting.decimal))
    }

    /// `windowExcerpt`, or else the excerpt around the window's record.
    func bandExcerpt(_ window: WindowedRecord, reader: StoreReader) throws -> OpenAIActivationRecord {
        let r = window.record
        return try windowExcerpt(window, reader: reader)
            ?? excerpt(document: r.document, position: r.position, activation: r.activation, token: r.token, reader: reader)
    }

    /// The `excerptLength` tokens around (document, position), with `activation` there and 0
    /// elsewhere. Without the document (or the position in it), the token alone.
    func excerpt(document: UInt32, position: UInt32, activation: Float, token: UInt32?,
                 reader: StoreReader) throws -> OpenAIActivationRecord {
        let length = max(1, excerptLength), p = Int(position)
        var start = max(0, p - length / 2)
        var tokens = try reader.tokens(document: document, range: start..<(start + length)) ?? []
        if tokens.count < length && start > 0 {  // the document ends first: move the window back
            start = max(0, start - (length - tokens.count))
            tokens = try reader.tokens(document: document, range: start..<(start + length)) ?? []
        }
        guard p - start < tokens.count else {
            let alone = token.map { [query.vocabulary.text(of: $0)] } ?? []
            return OpenAIActivationRecord(tokens: alone, activations: alone.map { _ in NumberFormatting.decimal(activation) })
        }
        var activations = [Double](repeating: 0, count: tokens.count)
        activations[p - start] = NumberFormatting.decimal(activation)
        return OpenAIActivationRecord(tokens: tokens.map { query.vocabulary.text(of: $0) }, activations: activations)
    }

    // MARK: - Imported extras

    func extrasOf(layer: Int, neuron: Int) throws -> NeuronRecordExtras? {
        let json = try query.store.catalog.analysisResult(method: NeuronRecordExtras.method, layer: layer, neuron: neuron)
        return try json.map { try NeuronRecordExtras(json: $0) }
    }

    func extrasOf(layer: Int) throws -> [Int: NeuronRecordExtras] {
        try query.store.catalog.analysisResults(method: NeuronRecordExtras.method, layer: layer)
            .mapValues { try NeuronRecordExtras(json: $0) }
    }
}
