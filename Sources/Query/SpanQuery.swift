import Store

/// A neuron whose core tokens include positions of a text span.
public struct SpanNeuron: Sendable, Hashable, Codable {
    public var layer: Int
    public var neuron: Int
    /// The neuron's highest activation inside the span, and where.
    public var activation: Float
    public var position: UInt32
    public var tokenID: UInt32
    public var token: String
    /// Rank of that record among the neuron's core tokens (0 = its highest activation).
    public var rank: Int
    /// How many positions of the span are among the neuron's core tokens.
    public var positionsInSpan: Int
}

/// The neurons for which a span of a stored document holds core tokens.
public struct SpanResult: Sendable {
    public var document: UInt32
    public var positions: Range<Int>
    /// The span's tokens and text.
    public var tokens: [UInt32]
    public var text: String
    /// Highest activation first.
    public var neurons: [SpanNeuron]
    /// Neurons before `limit` was applied.
    public var totalNeurons: Int
}

extension StoreQuery {
    /// The neurons whose core tokens include positions `positions` of `document`, by their best
    /// activation inside the span (ties by layer, neuron); only `layer` when given; at most
    /// `limit`.
    ///
    /// Candidates come from the reverse token index (a neuron with a record at a position has
    /// that position's token in the index), then each candidate's records are checked for the
    /// exact (document, position).
    public func topNeurons(document: UInt32, positions: Range<Int>, layer: Int? = nil,
                           limit: Int? = nil) throws -> SpanResult {
        try checkLayerFilter(layer)
        return try store.activations.read { reader in
            guard let all = try reader.tokens(document: document) else { throw QueryError.unknownDocument(document) }
            guard positions.lowerBound >= 0, positions.upperBound <= all.count, !positions.isEmpty else {
                throw QueryError.positionsOutsideDocument(document: document, positions: positions, tokenCount: all.count)
            }
            let span = Array(all[positions])
            var candidates = Set<NeuronKey>()
            for token in Set(span) {
                for hit in try reader.neurons(withToken: token, layer: layer) {
                    candidates.insert(NeuronKey(layer: hit.layer, neuron: hit.neuron))
                }
            }
            var found: [SpanNeuron] = []
            for key in candidates {
                guard let stored = try reader.records(layer: key.layer, neuron: key.neuron) else { continue }
                var best: SpanNeuron?
                var inSpan = 0
                for (rank, r) in stored.records.enumerated()
                where r.document == document && positions.contains(Int(r.position)) {
                    inSpan += 1
                    if best == nil {  // records are stored highest activation first
                        best = SpanNeuron(layer: key.layer, neuron: key.neuron, activation: r.activation,
                                          position: r.position, tokenID: r.token, token: vocabulary.text(of: r.token),
                                          rank: rank, positionsInSpan: 0)
                    }
                }
                if var best {
                    best.positionsInSpan = inSpan
                    found.append(best)
                }
            }
            found.sort { a, b in
                if a.activation != b.activation { return a.activation > b.activation }
                return (a.layer, a.neuron) < (b.layer, b.neuron)
            }
            let total = found.count
            if let limit { found = Array(found.prefix(max(0, limit))) }
            return SpanResult(document: document, positions: positions, tokens: span,
                              text: vocabulary.decode(span), neurons: found, totalNeurons: total)
        }
    }
}

struct NeuronKey: Hashable {
    var layer: Int
    var neuron: Int
}
