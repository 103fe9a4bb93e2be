import Analysis

/// Where a result came from.
public enum ResultSource: String, Codable, Sendable, Hashable {
    /// Computed by this call (and cached, when a cache is in use).
    case computed
    /// Read back from the catalog's `analyses` table.
    case cache
}

/// One neuron's analysis, read from the store or from the cache.
public struct NeuronStudy: Sendable {
    public var layer: Int
    public var neuron: Int
    public var analysis: NeuronAnalysis
    public var source: ResultSource

    public init(layer: Int, neuron: Int, analysis: NeuronAnalysis, source: ResultSource) {
        self.layer = layer
        self.neuron = neuron
        self.analysis = analysis
        self.source = source
    }
}

/// A neuron of a layer run that could not be analyzed, and why.
public struct NeuronFailure: Sendable, Codable, Hashable {
    public var layer: Int
    public var neuron: Int
    /// The error's description.
    public var reason: String

    public init(layer: Int, neuron: Int, reason: String) {
        self.layer = layer
        self.neuron = neuron
        self.reason = reason
    }
}

/// The analyses of some or all neurons of one layer and their layer-level summary.
public struct LayerStudy: Sendable {
    public var layer: Int
    /// The analyzed neurons, in neuron order; `summary`'s per-neuron arrays follow this order.
    public var neurons: [NeuronStudy]
    /// Neurons that could not be analyzed (too few core tokens, identical embeddings, …).
    public var failures: [NeuronFailure]
    /// Summary over `neurons` (Benjamini–Hochberg over the layer).
    public var summary: LayerSummary
    public var summarySource: ResultSource

    public init(layer: Int, neurons: [NeuronStudy], failures: [NeuronFailure], summary: LayerSummary,
                summarySource: ResultSource) {
        self.layer = layer
        self.neurons = neurons
        self.failures = failures
        self.summary = summary
        self.summarySource = summarySource
    }

    /// A layer study of one neuron, summarized on its own (not cached).
    public init(single neuron: NeuronStudy, fdr: Double) {
        self.init(layer: neuron.layer, neurons: [neuron], failures: [],
                  summary: LayerSummary(analyses: [neuron.analysis], fdr: fdr), summarySource: .computed)
    }

    /// Number of neuron analyses computed by this run (the others came from the cache).
    public var computedCount: Int { neurons.count { $0.source == .computed } }

    /// The Benjamini–Hochberg-adjusted p-value of `test` for `neurons[index]`.
    public func adjustedP(_ test: LayerTest, at index: Int) -> Double? {
        summary.significance.first { $0.test == test }?.adjusted[index]
    }
}
