import Store

/// Everything the store knows about one neuron: its core tokens in context and its statistics.
public struct NeuronReport: Sendable {
    public var layer: Int
    public var neuron: Int
    /// Flags stored with the records (e.g. distinct tokens).
    public var flags: NeuronRecords.Flags
    /// Statistics over every indexed position; nil when the catalog has none for the neuron.
    public var statistics: NeuronStatistics?
    /// The core tokens, highest activation first.
    public var records: [RecordView]
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
}

extension StoreQuery {
    /// Looks up a neuron: its records (highest activation first, at most `limit`) each with
    /// `contextRadius` tokens of context on either side, and its statistics when `statistics`.
    ///
    /// Throws `QueryError` for an empty store, a layer the model or the store does not have, a
    /// neuron the layer does not have, or a neuron without records.
    public func neuron(layer: Int, neuron: Int, contextRadius: Int = 12, limit: Int? = nil,
                       statistics includeStatistics: Bool = true) throws -> NeuronReport {
        try checkNeuron(layer: layer, neuron: neuron)
        let (flags, views) = try store.activations.read { reader -> (NeuronRecords.Flags, [RecordView]) in
            guard let stored = try reader.records(layer: layer, neuron: neuron) else {
                throw QueryError.neuronNotIndexed(layer: layer, neuron: neuron)
            }
            let records = limit.map { stored.records.prefix(max(0, $0)) } ?? stored.records[...]
            var views: [RecordView] = []
            views.reserveCapacity(records.count)
            for (rank, record) in records.enumerated() {
                let context = try ContextWindow(of: record, radius: contextRadius, reader: reader, vocabulary: vocabulary)
                views.append(RecordView(rank: rank, record: record, token: vocabulary.text(of: record.token),
                                        context: context))
            }
            return (stored.flags, views)
        }
        let stats = includeStatistics ? try statistics(layer: layer, neuron: neuron) : nil
        return NeuronReport(layer: layer, neuron: neuron, flags: flags, statistics: stats, records: views)
    }

    /// Visits every neuron of `layer` that has records, in neuron order, with contexts (no
    /// statistics), inside one read snapshot.
    public func forEachNeuron(in layer: Int, contextRadius: Int = 12,
                              _ body: (NeuronReport) throws -> Void) throws {
        _ = try self.layer(layer)
        try store.activations.read { reader in
            try reader.forEachNeuron(layer: layer) { _, neuron, stored in
                var views: [RecordView] = []
                views.reserveCapacity(stored.records.count)
                for (rank, record) in stored.records.enumerated() {
                    let context = try ContextWindow(of: record, radius: contextRadius, reader: reader,
                                                    vocabulary: vocabulary)
                    views.append(RecordView(rank: rank, record: record, token: vocabulary.text(of: record.token),
                                            context: context))
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
