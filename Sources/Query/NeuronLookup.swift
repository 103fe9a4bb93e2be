import Store

/// Everything the store knows about one neuron: its core tokens in context and its statistics.
public struct NeuronReport: Sendable {
    public var layer: Int
    public var neuron: Int
    /// Flags stored with the records (e.g. distinct tokens).
    public var flags: NeuronRecords.Flags
    /// Statistics over every indexed position; nil when the catalog has none for the neuron.
    public var statistics: NeuronStatistics?
    /// The core tokens, highest activation first; the first ones carry their window.
    public var records: [RecordView]
    /// The most negative records, lowest activation first, each with its window (empty for a
    /// store without them).
    public var negative: [RecordView] = []
    /// The tokens the neuron's output weights raise and lower most; nil when the store has none.
    public var logitLens: LogitLensView? = nil
    /// The quantile bands with their examples (empty for a store without them).
    public var bands: [BandView] = []
    /// The uniform random sample of positions, each with its window (empty without bands).
    public var randomSample: [RecordView] = []
}

/// One quantile band of a neuron (see `ActivationBand`) with its examples ready to show.
public struct BandView: Sendable, Hashable {
    public var lowerQuantile: Double
    public var upperQuantile: Double
    /// The band's activations lie in [lowerValue, upperValue]; NaN when it holds no token.
    public var lowerValue: Float
    public var upperValue: Float
    /// The exact share of the neuron's tokens in the band.
    public var share: Double
    /// Band-sample positions in the band (the examples are the first 5 of them).
    public var sampled: Int
    /// Lowest sample hash first, each with its window; `rank` is the index in this list.
    public var examples: [RecordView]
}

/// A neuron's logit lens with token texts.
public struct LogitLensView: Sendable, Hashable {
    /// One token of the lens.
    public struct Entry: Sendable, Hashable {
        public var tokenID: UInt32
        public var token: String
        public var value: Float
    }

    /// Highest value first.
    public var raised: [Entry]
    /// Lowest value first.
    public var lowered: [Entry]

    init(_ lens: NeuronLogitLens, vocabulary: StoredVocabulary) {
        func entries(_ scores: [TokenScore]) -> [Entry] {
            scores.map { Entry(tokenID: $0.token, token: vocabulary.text(of: $0.token), value: $0.value) }
        }
        raised = entries(lens.raised)
        lowered = entries(lens.lowered)
    }
}

/// One core token of a neuron, ready to show.
public struct RecordView: Sendable, Hashable {
    /// 0 for the neuron's highest activation.
    public var rank: Int
    public var record: CoreRecord
    /// The record's token as text (see `TokenText`).
    public var token: String
    /// The token in the text around it.
    public var context: ContextWindow
    /// The neuron's activation at every token of the context window the record came from,
    /// when the store keeps it for this record.
    public var window: ActivationWindow? = nil
}

/// The neuron's activation at every token of a record's context window.
public struct ActivationWindow: Sendable, Hashable {
    /// Document position of the first token.
    public var start: UInt32
    public var tokenIDs: [UInt32]
    /// Each token's text (see `TokenText`).
    public var tokens: [String]
    /// [tokenIDs.count] the neuron's activation at each token.
    public var activations: [Float]
    /// Index of the record's own token.
    public var focus: Int

    /// The window of a stored entry, its tokens read from the document's token stream (a
    /// document missing from the store gives token id 0 and empty text at every position).
    init(_ entry: WindowedRecord, reader: StoreReader, vocabulary: StoredVocabulary) throws {
        let ids = try reader.tokens(document: entry.record.document, range: entry.positions) ?? []
        tokenIDs = ids.count == entry.activations.count ? ids : [UInt32](repeating: 0, count: entry.activations.count)
        tokens = ids.count == entry.activations.count ? ids.map { vocabulary.text(of: $0) }
            : [String](repeating: "", count: entry.activations.count)
        start = entry.windowStart
        activations = entry.activations
        focus = entry.focus
    }
}

extension StoreQuery {
    /// Looks up a neuron: its records (highest activation first, at most `limit`) each with
    /// `contextRadius` tokens of context on either side, and as much of its statistics as
    /// `statistics` asks for (a neuron document shows only the moments).
    ///
    /// Throws `QueryError` for an empty store, a layer the model or the store does not have, a
    /// neuron the layer does not have, or a neuron without records.
    public func neuron(layer: Int, neuron: Int, contextRadius: Int = NeuronContexts.radius, limit: Int? = nil,
                       statistics detail: StatisticsDetail = .full) throws -> NeuronReport {
        try checkNeuron(layer: layer, neuron: neuron)
        let (flags, views, negative, lens, bands, randomSample) = try store.activations.read {
            reader -> (NeuronRecords.Flags, [RecordView], [RecordView], LogitLensView?, [BandView], [RecordView]) in
            guard let stored = try reader.records(layer: layer, neuron: neuron) else {
                throw QueryError.neuronNotIndexed(layer: layer, neuron: neuron)
            }
            let records = limit.map { stored.records.prefix(max(0, $0)) } ?? stored.records[...]
            let contexts = contextRadius == NeuronContexts.radius ? try reader.contexts(layer: layer, neuron: neuron) : nil
            var windows: [SamplePosition: WindowedRecord] = [:]
            for entry in try reader.windows(layer: layer, neuron: neuron) ?? [] {
                windows[SamplePosition(document: entry.record.document, position: entry.record.position)] = entry
            }
            var views: [RecordView] = []
            views.reserveCapacity(records.count)
            for (rank, record) in records.enumerated() {
                var view = try recordView(rank: rank, record, contextRadius: contextRadius, stored: contexts,
                                          reader: reader)
                if let entry = windows[SamplePosition(document: record.document, position: record.position)] {
                    view.window = try ActivationWindow(entry, reader: reader, vocabulary: vocabulary)
                }
                views.append(view)
            }
            func windowed(_ entries: [WindowedRecord]) throws -> [RecordView] {
                try entries.enumerated().map { rank, entry in
                    var view = try recordView(rank: rank, entry.record, contextRadius: contextRadius, reader: reader)
                    view.window = try ActivationWindow(entry, reader: reader, vocabulary: vocabulary)
                    return view
                }
            }
            let negative = try windowed(reader.negative(layer: layer, neuron: neuron) ?? [])
            let lens = try reader.logitLens(layer: layer, neuron: neuron).map { LogitLensView($0, vocabulary: vocabulary) }
            let storedBands = try reader.bands(layer: layer, neuron: neuron)
            let bands = try (storedBands?.bands ?? []).map { b in
                BandView(lowerQuantile: b.lowerQuantile, upperQuantile: b.upperQuantile, lowerValue: b.lowerValue,
                         upperValue: b.upperValue, share: b.share, sampled: b.sampled, examples: try windowed(b.examples))
            }
            let randomSample = try windowed(storedBands?.randomSample ?? [])
            return (stored.flags, views, negative, lens, bands, randomSample)
        }
        // The neuron was checked above; `.none` needs no second look at it.
        let stats = detail == .none ? nil : try statistics(layer: layer, neuron: neuron, detail: detail)
        return NeuronReport(layer: layer, neuron: neuron, flags: flags, statistics: stats, records: views,
                            negative: negative, logitLens: lens, bands: bands, randomSample: randomSample)
    }

    /// `stored`: the neuron's stored contexts when `record` is its record number `rank`.
    private func recordView(rank: Int, _ record: CoreRecord, contextRadius: Int, stored: NeuronContexts? = nil,
                            reader: StoreReader) throws -> RecordView {
        RecordView(rank: rank, record: record, token: vocabulary.text(of: record.token),
                   context: try ContextWindow(of: record, radius: contextRadius, stored: stored, index: rank,
                                              reader: reader, vocabulary: vocabulary))
    }

    /// Visits every neuron of `layer` that has records, in neuron order, with contexts (no
    /// statistics) and, with `windows`, the stored windows of its records, inside one read
    /// snapshot.
    public func forEachNeuron(in layer: Int, contextRadius: Int = NeuronContexts.radius, windows: Bool = false,
                              _ body: (NeuronReport) throws -> Void) throws {
        _ = try self.layer(layer)
        try store.activations.read { reader in
            try reader.forEachNeuron(layer: layer) { _, neuron, stored in
                var windowed: [SamplePosition: WindowedRecord] = [:]
                for entry in try windows ? reader.windows(layer: layer, neuron: neuron) ?? [] : [] {
                    windowed[SamplePosition(document: entry.record.document, position: entry.record.position)] = entry
                }
                let contexts = contextRadius == NeuronContexts.radius ? try reader.contexts(layer: layer, neuron: neuron) : nil
                var views: [RecordView] = []
                views.reserveCapacity(stored.records.count)
                for (rank, record) in stored.records.enumerated() {
                    let context = try ContextWindow(of: record, radius: contextRadius, stored: contexts, index: rank,
                                                    reader: reader, vocabulary: vocabulary)
                    var view = RecordView(rank: rank, record: record, token: vocabulary.text(of: record.token),
                                          context: context)
                    if let entry = windowed[SamplePosition(document: record.document, position: record.position)] {
                        view.window = try ActivationWindow(entry, reader: reader, vocabulary: vocabulary)
                    }
                    views.append(view)
                }
                try body(NeuronReport(layer: layer, neuron: neuron, flags: stored.flags, statistics: nil, records: views))
                return true
            }
        }
    }

    /// A neuron's records as stored, without context or statistics (the fastest lookup).
    public func records(layer: Int, neuron: Int) throws -> NeuronRecords {
        try checkNeuron(layer: layer, neuron: neuron)
        return try store.activations.read { reader in
            guard let stored = try reader.records(layer: layer, neuron: neuron) else {
                throw QueryError.neuronNotIndexed(layer: layer, neuron: neuron)
            }
            return stored
        }
    }
}
