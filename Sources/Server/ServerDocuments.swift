import Query
import Responses
import Store

/// `GET /api/server`: what this server offers beyond the store's own documents.
public struct ServerStatus: ResponseDocument, Equatable {
    public static let style = JSONStyle(snakeCaseKeys: true)

    public struct Model: Codable, Sendable, Equatable {
        public var path: String
        public var fingerprint: String
    }

    public struct Limits: Codable, Sendable, Equatable {
        public var bodyBytes: Int
        public var textTokens: Int
        public var batchNeurons: Int
        public var pageRows: Int
    }

    public var version: String
    public var store: String
    /// The model loaded with `--model`, which the inference routes need; nil without one.
    public var model: Model?
    /// Whether analyses asked for are kept in the store's catalog (false for a read-only store).
    public var cachesAnalyses: Bool
    public var limits: Limits
}

/// `GET /api/neurons/{layer}/{neuron}/histogram`: a neuron's activation histogram over every
/// indexed position, its non-empty bins in ascending order.
public struct HistogramDocument: ResponseDocument, Equatable {
    public static let style = JSONStyle(snakeCaseKeys: true)

    public struct Bin: Codable, Sendable, Equatable {
        public var lower: Float
        public var upper: Float
        public var count: UInt32
    }

    public var layer: Int
    public var neuron: Int
    /// Values counted (the number of indexed positions).
    public var total: UInt64
    public var bins: [Bin]
    /// The 50, 90, 99 and 99.9 % quantiles estimated from the histogram, by probability.
    public var quantiles: [String: Float]

    init(layer: Int, neuron: Int, statistics: NeuronStatistics?) {
        self.layer = layer
        self.neuron = neuron
        let histogram = statistics?.histogram
        total = histogram?.total ?? 0
        bins = histogram?.nonEmptyBins.map { Bin(lower: $0.lower, upper: $0.upper, count: $0.count) } ?? []
        var quantiles: [String: Float] = [:]
        for q in NeuronStatistics.standardQuantiles {
            if let value = statistics?.quantile(q), value.isFinite { quantiles[String(q)] = value }
        }
        self.quantiles = quantiles
    }
}
