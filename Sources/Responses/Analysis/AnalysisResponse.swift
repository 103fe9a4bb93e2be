import Analysis
import Query
import Study

/// `neurodex analyze --format json`: every result of an analysis run,
/// `{"store", "parameters", "fdr", "layers": [{"layer", "neurons": [{"neuron", "source",
/// "analysis"}], "failures", "summary", "tokens"}]}`.
///
/// `tokens` maps the token ids of the analyses to their text; `summary` is null for a report of
/// one neuron. Keys are snake_case, numbers as Foundation writes them ("3" for 3.0), non-finite
/// values as the strings "nan", "inf", "-inf". Each layer and each neuron starts a line.
public struct AnalysisResponse: ResponseDocument {
    public static let style = JSONStyle(snakeCaseKeys: true, flavor: .foundation)

    /// One analyzed neuron.
    public struct Neuron: Codable, Sendable {
        public var neuron: Int
        /// Whether the result was computed by this run or read from the store's cache.
        public var source: ResultSource
        public var analysis: NeuronAnalysis

        enum CodingKeys: String, ResponseCodingKey {
            case neuron, source, analysis
        }

        public init(neuron: Int, source: ResultSource, analysis: NeuronAnalysis) {
            self.neuron = neuron
            self.source = source
            self.analysis = analysis
        }
    }

    /// The results of one layer.
    public struct Layer: Codable, Sendable {
        public var layer: Int
        public var neurons: [Neuron]
        /// Neurons that could not be analyzed, with the reason.
        public var failures: [NeuronFailure]
        /// The layer's summary over its neurons; nil (`null`) for a report of one neuron.
        public var summary: Analysis.LayerSummary?
        /// Token id (as a string) → its text, for every token in the clusters of `neurons`.
        public var tokens: [String: String]

        enum CodingKeys: String, ResponseCodingKey {
            case layer
            case neurons, failures, summary, tokens

            public var lineBreak: ResponseLineBreak {
                switch self {
                case .layer: .none
                case .neurons: .beforeElements
                case .failures, .summary, .tokens: .beforeKey
                }
            }
        }

        public init(layer: Int, neurons: [Neuron], failures: [NeuronFailure], summary: Analysis.LayerSummary?,
                    tokens: [String: String]) {
            self.layer = layer
            self.neurons = neurons
            self.failures = failures
            self.summary = summary
            self.tokens = tokens
        }

        /// The document of a study; `summary` says whether to include the layer summary.
        public init(study: LayerStudy, summary: Bool, vocabulary: StoredVocabulary) {
            var ids = Set<UInt32>()
            for neuron in study.neurons {
                for cluster in neuron.analysis.topDown.clusters { ids.formUnion(cluster.tokenIDs) }
            }
            self.init(layer: study.layer,
                      neurons: study.neurons.map { Neuron(neuron: $0.neuron, source: $0.source, analysis: $0.analysis) },
                      failures: study.failures, summary: summary ? study.summary : nil,
                      tokens: Dictionary(uniqueKeysWithValues: ids.map { (String($0), vocabulary.text(of: $0)) }))
        }

        /// Writes `summary` as `null` when absent.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(layer, forKey: .layer)
            try c.encode(neurons, forKey: .neurons)
            try c.encode(failures, forKey: .failures)
            try c.encode(summary, forKey: .summary)
            try c.encode(tokens, forKey: .tokens)
        }
    }

    /// The store directory analyzed.
    public var store: String
    public var parameters: StudyParameters
    /// False-discovery rate of the Benjamini–Hochberg correction over each layer.
    public var fdr: Double
    public var layers: [Layer]

    enum CodingKeys: String, ResponseCodingKey {
        case store, parameters, fdr, layers

        public var lineBreak: ResponseLineBreak { self == .layers ? .beforeElements : .none }
    }

    public init(store: String, parameters: StudyParameters, fdr: Double, layers: [Layer]) {
        self.store = store
        self.parameters = parameters
        self.fdr = fdr
        self.layers = layers
    }

    /// The report of one neuron: its layer without a summary.
    public init(neuron: NeuronStudy, store: String, parameters: StudyParameters, fdr: Double,
                vocabulary: StoredVocabulary) {
        self.init(store: store, parameters: parameters, fdr: fdr,
                  layers: [Layer(study: LayerStudy(single: neuron, fdr: fdr), summary: false, vocabulary: vocabulary)])
    }

    /// The results of several neurons, layer by layer, with each layer's summary.
    public init(layers: [LayerStudy], store: String, parameters: StudyParameters, vocabulary: StoredVocabulary) {
        self.init(store: store, parameters: parameters, fdr: layers.first?.summary.fdr ?? 0.05,
                  layers: layers.map { Layer(study: $0, summary: true, vocabulary: vocabulary) })
    }
}
