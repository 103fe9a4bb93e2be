import Store

/// What one indexed layer looks like as a whole: coverage, spreads of per-neuron values and
/// the tokens most neurons share (not the analyses' `Analysis.LayerSummary`).
public struct LayerOverview: Sendable, Hashable, Codable {
    /// Minimum, median, mean and maximum of a set of values.
    public struct Spread: Sendable, Hashable, Codable {
        public var min: Double
        public var median: Double
        public var mean: Double
        public var max: Double

        /// nil for no values.
        public init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            let n = sorted.count
            min = sorted[0]
            max = sorted[n - 1]
            median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
            mean = sorted.reduce(0, +) / Double(n)
        }
    }

    /// A token and how many of the layer's neurons have it among their core tokens.
    public struct TokenCount: Sendable, Hashable, Codable {
        public var tokenID: UInt32
        public var token: String
        public var neurons: Int

        public init(tokenID: UInt32, token: String, neurons: Int) {
            self.tokenID = tokenID
            self.token = token
            self.neurons = neurons
        }
    }

    public var layer: Int
    public var neuronCount: Int
    public var topK: Int
    public var distinctTokens: Bool
    /// Neurons that have records in the store.
    public var neuronsWithRecords: Int
    /// Neurons that have a statistics row.
    public var neuronsWithStatistics: Int
    /// Spread over neurons of each neuron's highest activation.
    public var topActivation: Spread?
    /// Neurons whose highest activation is ≤ 0.
    public var neuronsNeverPositive: Int
    /// Spread over neurons of the mean activation (from the statistics rows).
    public var meanActivation: Spread?
    /// Spread over neurons of the fraction of positions with a positive activation.
    public var fractionPositive: Spread?
    /// The tokens that are core tokens of the most neurons (ties by token id).
    public var frequentTokens: [TokenCount]
}

extension StoreQuery {
    /// An overview of `layer`: record and statistics coverage, spreads of per-neuron values, and
    /// the `frequentTokens` tokens shared by the most neurons. Reads every record of the layer.
    public func layerOverview(_ layer: Int, frequentTokens: Int = 10) throws -> LayerOverview {
        let row = try self.layer(layer).row
        var topActivations: [Double] = []
        var neuronsPerToken: [UInt32: Int] = [:]
        var seen = Set<UInt32>()
        try store.activations.read { reader in
            try reader.forEachNeuron(layer: layer) { _, _, stored in
                if let best = stored.records.first { topActivations.append(Double(best.activation)) }
                seen.removeAll(keepingCapacity: true)
                for r in stored.records where seen.insert(r.token).inserted { neuronsPerToken[r.token, default: 0] += 1 }
                return true
            }
        }
        let statistics = try store.catalog.meansAndFractionsPositive(layer: layer)
        let means = statistics.map(\.mean), fractions = statistics.map(\.fractionPositive)
        let frequent = neuronsPerToken.sorted { a, b in a.value != b.value ? a.value > b.value : a.key < b.key }
            .prefix(max(0, frequentTokens))
            .map { LayerOverview.TokenCount(tokenID: $0.key, token: vocabulary.text(of: $0.key), neurons: $0.value) }
        return LayerOverview(
            layer: layer, neuronCount: row.neuronCount, topK: row.topK, distinctTokens: row.distinctTokens,
            neuronsWithRecords: topActivations.count, neuronsWithStatistics: means.count,
            topActivation: .init(topActivations), neuronsNeverPositive: topActivations.filter { $0 <= 0 }.count,
            meanActivation: .init(means), fractionPositive: .init(fractions), frequentTokens: Array(frequent))
    }

    /// Overviews of `layers` (every indexed layer when nil).
    public func layerOverviews(_ layers: [Int]? = nil, frequentTokens: Int = 10) throws -> [LayerOverview] {
        try self.layers(layers).map { try layerOverview($0.row.layer, frequentTokens: frequentTokens) }
    }
}
