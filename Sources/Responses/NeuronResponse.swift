import Query

/// `neurodex neuron --format json`: one neuron's statistics, its top-activating tokens in
/// context, its most negative ones, its logit lens, its quantile bands' examples and its random
/// sample, `{"layer", "neuron", "stats", "top", "negative", "logit_lens", "bands", "random_sample"}`.
///
/// Numbers are exact (f32 activations as f32); non-finite values are `null`.
public struct NeuronResponse: ResponseDocument {
    public static let style = JSONStyle()

    /// The neuron's activation statistics over every indexed position.
    public struct Statistics: Codable, Sendable, Hashable {
        /// Positions seen.
        public var count: Int
        public var mean: Double
        public var variance: Double
        public var min: Double
        public var max: Double
        /// Share of positions with a positive activation.
        public var fractionPositive: Double

        enum CodingKeys: String, ResponseCodingKey {
            case count, mean, variance, min, max
            case fractionPositive = "fraction_positive"
        }

        public init(count: Int, mean: Double, variance: Double, min: Double, max: Double, fractionPositive: Double) {
            self.count = count
            self.mean = mean
            self.variance = variance
            self.min = min
            self.max = max
            self.fractionPositive = fractionPositive
        }

        /// Reads `null` (a non-finite value) as NaN.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func number(_ key: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: key) ?? .nan }
            self.init(count: try c.decode(Int.self, forKey: .count), mean: try number(.mean), variance: try number(.variance),
                      min: try number(.min), max: try number(.max), fractionPositive: try number(.fractionPositive))
        }

        public func encode(to encoder: Encoder) throws { try encodeMembers(to: encoder) }

        func writeMembers<Members: ResponseMembers>(to members: inout Members) throws where Members.Key == CodingKeys {
            try members.write(count, for: .count)
            try members.write(mean, for: .mean)
            try members.write(variance, for: .variance)
            try members.write(min, for: .min)
            try members.write(max, for: .max)
            try members.write(fractionPositive, for: .fractionPositive)
        }
    }

    /// The neuron's activation at every token of the context window a record came from.
    public struct Window: Codable, Sendable, Hashable {
        public var tokenIDs: [UInt32]
        /// Each token's text.
        public var tokens: [String]
        /// The neuron's activation at each token (f32).
        public var activations: [Float]
        /// Index of the record's own token.
        public var focus: Int

        enum CodingKeys: String, ResponseCodingKey {
            case tokenIDs = "token_ids"
            case tokens, activations, focus
        }

        public init(tokenIDs: [UInt32], tokens: [String], activations: [Float], focus: Int) {
            self.tokenIDs = tokenIDs
            self.tokens = tokens
            self.activations = activations
            self.focus = focus
        }

        public func encode(to encoder: Encoder) throws { try encodeMembers(to: encoder) }

        func writeMembers<Members: ResponseMembers>(to members: inout Members) throws where Members.Key == CodingKeys {
            try members.write(tokenIDs, for: .tokenIDs)
            try members.write(tokens, for: .tokens)
            try members.write(activations, for: .activations)
            try members.write(focus, for: .focus)
        }
    }

    /// A neuron's logit lens: the output tokens its output weights raise and lower most.
    public struct LogitLens: Codable, Sendable, Hashable {
        public struct Entry: Codable, Sendable, Hashable {
            public var tokenID: UInt32
            public var token: String
            /// The neuron's output direction · the token's unembedding row (f32).
            public var value: Float

            enum CodingKeys: String, ResponseCodingKey {
                case tokenID = "token_id"
                case token, value
            }

            public init(tokenID: UInt32, token: String, value: Float) {
                self.tokenID = tokenID
                self.token = token
                self.value = value
            }

            public func encode(to encoder: Encoder) throws { try encodeMembers(to: encoder) }

            func writeMembers<Members: ResponseMembers>(to members: inout Members) throws where Members.Key == CodingKeys {
                try members.write(tokenID, for: .tokenID)
                try members.write(token, for: .token)
                try members.write(value, for: .value)
            }
        }

        /// Highest value first.
        public var raised: [Entry]
        /// Lowest value first.
        public var lowered: [Entry]

        enum CodingKeys: String, ResponseCodingKey {
            case raised, lowered
        }

        public init(raised: [Entry], lowered: [Entry]) {
            self.raised = raised
            self.lowered = lowered
        }

        public func encode(to encoder: Encoder) throws { try encodeMembers(to: encoder) }

        func writeMembers<Members: ResponseMembers>(to members: inout Members) throws where Members.Key == CodingKeys {
            try members.write(raised, for: .raised)
            try members.write(lowered, for: .lowered)
        }
    }

    /// One quantile band of the neuron's activations with its examples.
    public struct Band: Codable, Sendable, Hashable {
        /// [lower, upper): the band's range of cumulative shares, e.g. [0.9, 0.99].
        public var quantiles: [Double]
        /// [lower, upper]: every activation of the band lies in it (each `null` when the band
        /// holds no token).
        public var values: [Float]
        /// The exact share of the neuron's tokens in the band.
        public var share: Double
        /// Band-sample positions in the band; the examples are the first 5 of them by hash.
        public var sampled: Int
        /// Each with its window.
        public var examples: [Record]

        enum CodingKeys: String, ResponseCodingKey {
            case quantiles, values, share, sampled, examples
        }

        public init(quantiles: [Double], values: [Float], share: Double, sampled: Int, examples: [Record]) {
            self.quantiles = quantiles
            self.values = values
            self.share = share
            self.sampled = sampled
            self.examples = examples
        }

        /// Reads `null` values as NaN.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(quantiles: try c.decode([Double].self, forKey: .quantiles),
                      values: try c.decode([Float?].self, forKey: .values).map { $0 ?? .nan },
                      share: try c.decode(Double.self, forKey: .share), sampled: try c.decode(Int.self, forKey: .sampled),
                      examples: try c.decode([Record].self, forKey: .examples))
        }

        public func encode(to encoder: Encoder) throws { try encodeMembers(to: encoder) }

        func writeMembers<Members: ResponseMembers>(to members: inout Members) throws where Members.Key == CodingKeys {
            try members.write(quantiles, for: .quantiles)
            try members.write(values, for: .values)
            try members.write(share, for: .share)
            try members.write(sampled, for: .sampled)
            try members.write(examples, for: .examples)
        }
    }

    /// One core-token record, highest activation first.
    public struct Record: Codable, Sendable, Hashable {
        public var activation: Float
        public var tokenID: UInt32
        /// The token's text.
        public var token: String
        public var document: UInt32
        /// Token position in the document.
        public var position: UInt32
        /// The text of the context window around the token.
        public var context: String
        /// The activations over the record's context window, for the records the store keeps
        /// one for (absent from the JSON otherwise).
        public var window: Window?

        enum CodingKeys: String, ResponseCodingKey {
            case activation
            case tokenID = "token_id"
            case token, document, position, context, window
        }

        public init(activation: Float, tokenID: UInt32, token: String, document: UInt32, position: UInt32, context: String,
                    window: Window? = nil) {
            self.activation = activation
            self.tokenID = tokenID
            self.token = token
            self.document = document
            self.position = position
            self.context = context
            self.window = window
        }

        /// The record of a query's view.
        public init(view: RecordView) {
            self.init(activation: view.record.activation, tokenID: view.record.token, token: view.token,
                      document: view.record.document, position: view.record.position, context: view.context.text,
                      window: view.window.map { w in
                          Window(tokenIDs: w.tokenIDs, tokens: w.tokens, activations: w.activations, focus: w.focus)
                      })
        }

        public func encode(to encoder: Encoder) throws { try encodeMembers(to: encoder) }

        func writeMembers<Members: ResponseMembers>(to members: inout Members) throws where Members.Key == CodingKeys {
            try members.write(activation, for: .activation)
            try members.write(tokenID, for: .tokenID)
            try members.write(token, for: .token)
            try members.write(document, for: .document)
            try members.write(position, for: .position)
            try members.write(context, for: .context)
            try members.writeIfPresent(window, for: .window)
        }
    }

    public var layer: Int
    public var neuron: Int
    /// nil when the store has no statistics for the neuron (written `null`).
    public var stats: Statistics?
    public var top: [Record]
    /// The most negative records, lowest activation first, with their windows.
    public var negative: [Record]
    /// nil when the store has no logit lens for the neuron (written `null`).
    public var logitLens: LogitLens?
    /// The quantile bands, lowest first, with their examples (`[]` for a store without them).
    public var bands: [Band]
    /// The uniform random sample of positions, each with its window (`[]` without bands).
    public var randomSample: [Record]

    enum CodingKeys: String, ResponseCodingKey {
        case layer, neuron, stats, top, negative
        case logitLens = "logit_lens"
        case bands
        case randomSample = "random_sample"
    }

    public init(layer: Int, neuron: Int, stats: Statistics?, top: [Record], negative: [Record] = [],
                logitLens: LogitLens? = nil, bands: [Band] = [], randomSample: [Record] = []) {
        self.layer = layer
        self.neuron = neuron
        self.stats = stats
        self.top = top
        self.negative = negative
        self.logitLens = logitLens
        self.bands = bands
        self.randomSample = randomSample
    }

    /// The document of a query's report.
    public init(report: NeuronReport) {
        self.init(layer: report.layer, neuron: report.neuron,
                  stats: report.statistics.map { s in
                      Statistics(count: s.count, mean: s.mean, variance: s.variance, min: s.min, max: s.max,
                                 fractionPositive: s.fractionPositive)
                  },
                  top: report.records.map(Record.init(view:)), negative: report.negative.map(Record.init(view:)),
                  logitLens: report.logitLens.map { lens in
                      func entries(_ list: [LogitLensView.Entry]) -> [LogitLens.Entry] {
                          list.map { LogitLens.Entry(tokenID: $0.tokenID, token: $0.token, value: $0.value) }
                      }
                      return LogitLens(raised: entries(lens.raised), lowered: entries(lens.lowered))
                  },
                  bands: report.bands.map { b in
                      Band(quantiles: [b.lowerQuantile, b.upperQuantile], values: [b.lowerValue, b.upperValue],
                           share: b.share, sampled: b.sampled, examples: b.examples.map(Record.init(view:)))
                  },
                  randomSample: report.randomSample.map(Record.init(view:)))
    }

    /// Reads a document; one without `negative`, `bands` or `random_sample` (from an older
    /// build) has none.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(layer: try c.decode(Int.self, forKey: .layer), neuron: try c.decode(Int.self, forKey: .neuron),
                  stats: try c.decodeIfPresent(Statistics.self, forKey: .stats),
                  top: try c.decode([Record].self, forKey: .top),
                  negative: try c.decodeIfPresent([Record].self, forKey: .negative) ?? [],
                  logitLens: try c.decodeIfPresent(LogitLens.self, forKey: .logitLens),
                  bands: try c.decodeIfPresent([Band].self, forKey: .bands) ?? [],
                  randomSample: try c.decodeIfPresent([Record].self, forKey: .randomSample) ?? [])
    }

    public func encode(to encoder: Encoder) throws { try encodeMembers(to: encoder) }

    /// Writes `stats` and `logit_lens` as `null` when absent.
    func writeMembers<Members: ResponseMembers>(to members: inout Members) throws where Members.Key == CodingKeys {
        try members.write(layer, for: .layer)
        try members.write(neuron, for: .neuron)
        try members.write(stats, for: .stats)
        try members.write(top, for: .top)
        try members.write(negative, for: .negative)
        try members.write(logitLens, for: .logitLens)
        try members.write(bands, for: .bands)
        try members.write(randomSample, for: .randomSample)
    }
}

extension NeuronResponse: ResponseObject { typealias MemberKey = CodingKeys }
extension NeuronResponse.Statistics: ResponseObject { typealias MemberKey = CodingKeys }
extension NeuronResponse.Window: ResponseObject { typealias MemberKey = CodingKeys }
extension NeuronResponse.LogitLens: ResponseObject { typealias MemberKey = CodingKeys }
extension NeuronResponse.LogitLens.Entry: ResponseObject { typealias MemberKey = CodingKeys }
extension NeuronResponse.Band: ResponseObject { typealias MemberKey = CodingKeys }
extension NeuronResponse.Record: ResponseObject { typealias MemberKey = CodingKeys }
