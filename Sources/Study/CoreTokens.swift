import Analysis
import Query
import Store

/// A neuron's core tokens as read from the store, with the vectors that stand for them.
public struct CoreTokens: Sendable {
    public let layer: Int
    public let neuron: Int
    /// [K] the records used, highest activation first (store order).
    public let records: [CoreRecord]
    /// [K, dimension] row-major embedding of each record's token (or contextual input).
    public let embeddings: [Float]
    public let dimension: Int

    /// Reads neuron (`layer`, `neuron`)'s records and their embeddings from one snapshot.
    /// `embeddingSize` is the store's recorded size (checked when given). Throws
    /// `QueryError.neuronNotIndexed` when the store holds no records for it.
    public init(reader: StoreReader, layer: Int, neuron: Int, embeddings source: EmbeddingSource,
                distinctTokens: Bool, embeddingSize: Int?, storePath: String) throws {
        guard let stored = try reader.records(layer: layer, neuron: neuron), !stored.records.isEmpty else {
            throw QueryError.neuronNotIndexed(layer: layer, neuron: neuron)
        }
        var records = stored.records
        if distinctTokens {
            // Store order is by decreasing activation, so the first occurrence is the best one.
            var seen = Set<UInt32>()
            records = records.filter { seen.insert($0.token).inserted }
        }
        var vectors: [Float] = []
        var dimension = embeddingSize
        for record in records {
            let vector: [Float]
            switch source {
            case .static:
                guard let found = try reader.embedding(token: record.token) else {
                    if try reader.counts().embeddings == 0 { throw StudyError.noEmbeddings(store: storePath) }
                    throw StudyError.missingEmbedding(layer: layer, neuron: neuron, token: record.token)
                }
                vector = found
            case .contextual:
                guard let found = try reader.input(layer: layer, document: record.document, position: record.position) else {
                    if try reader.counts().inputs == 0 {
                        throw StudyError.noContextualInputs(layer: layer, store: storePath)
                    }
                    throw StudyError.missingContextualInput(layer: layer, neuron: neuron, document: record.document,
                                                            position: record.position)
                }
                vector = found
            }
            let expected = dimension ?? vector.count
            guard vector.count == expected, expected > 0 else {
                throw StudyError.embeddingSizeMismatch(layer: layer, neuron: neuron, expected: expected, found: vector.count)
            }
            dimension = expected
            vectors += vector
        }
        self.layer = layer
        self.neuron = neuron
        self.records = records
        self.embeddings = vectors
        self.dimension = dimension ?? 0
    }

    /// Number of different token ids among the records.
    public var distinctTokenCount: Int { Set(records.map(\.token)).count }

    /// The analyses' input.
    public func input() throws -> NeuronInput {
        try NeuronInput(activations: records.map(\.activation), tokenIDs: records.map(\.token),
                        embeddings: embeddings, dimension: dimension)
    }
}
