import Analysis
import Foundation
import Query
import Responses
import Store
import Study

/// `GET /api/layers/{layer}`: one page of a layer's neurons with their headline statistics
/// and, where analyses are cached, their verdict and effect sizes.
public struct LayerTablePage: ResponseDocument, Equatable {
    public static let style = JSONStyle(snakeCaseKeys: true)

    /// One neuron of the table.
    public struct Row: Codable, Sendable, Equatable {
        public var neuron: Int
        /// The highest stored activation (the top record's), nil without records.
        public var max: Double?
        /// Mean over every indexed position, nil without statistics.
        public var mean: Double?
        public var fractionPositive: Double?
        /// The first distinct tokens of the top records, highest activation first.
        public var topTokens: [String]
        /// The interleaving verdict of the cached analysis, nil when none is cached.
        public var verdict: String?
        /// ε² of the clusters' Kruskal–Wallis test, nil without a cached analysis.
        public var epsilonSquared: Double?
        /// The Kruskal–Wallis p-value, nil without a cached analysis.
        public var kruskalWallisP: Double?
    }

    /// What the cached analyses of the layer say, pooled over the analyzed neurons.
    public struct Analyses: Codable, Sendable, Equatable {
        /// The analysis parameters the cached rows were looked up with.
        public var parameters: StudyParameters
        /// Neurons with a cached analysis under those parameters.
        public var analyzed: Int
        /// Analyzed neurons per verdict (segregated, interleaved, undifferentiated).
        public var verdicts: [String: Int]
    }

    public var layer: Int
    public var neuronCount: Int
    /// Rows after filtering (the rows of every page together).
    public var total: Int
    public var offset: Int
    public var limit: Int
    public var sort: LayerTableSort
    public var order: SortOrder
    /// nil when no analysis of the layer is cached.
    public var analyses: Analyses?
    public var neurons: [Row]
}

/// The columns a layer table sorts by.
public enum LayerTableSort: String, Codable, Sendable, CaseIterable {
    case neuron, max, mean
    case fractionPositive = "fraction_positive"
    case verdict
    case epsilonSquared = "epsilon_squared"
}

public enum SortOrder: String, Codable, Sendable, CaseIterable {
    case asc, desc
}

/// What a client asks of a layer table.
public struct LayerTableRequest: Sendable, Hashable {
    public var sort: LayerTableSort = .max
    public var order: SortOrder = .desc
    public var offset = 0
    public var limit = 50
    /// Keeps neurons with a top token containing this text (case-insensitive).
    public var token: String?
    /// Keeps neurons with this cached verdict.
    public var verdict: String?
    /// The parameters of the cached analyses to show.
    public var parameters = StudyParameters()

    public init() {}
}

/// The part of a layer table read from the store once: statistics and top tokens.
struct LayerHeadlines: Sendable {
    struct Headline: Sendable {
        var max: Double?
        var mean: Double?
        var fractionPositive: Double?
        var topTokens: [String]
    }

    var neuronCount: Int
    /// By neuron, for every neuron of the layer.                                   [neuronCount]
    var neurons: [Headline]

    /// Tokens shown per neuron.
    static let topTokenCount = 5

    init(query: StoreQuery, layer: Int) throws {
        let row = try query.layer(layer).row
        neuronCount = row.neuronCount
        var neurons = [Headline](repeating: Headline(topTokens: []), count: row.neuronCount)
        for (neuron, statistics) in try query.statistics(layer: layer) where neurons.indices.contains(neuron) {
            neurons[neuron].mean = statistics.mean
            neurons[neuron].fractionPositive = statistics.fractionPositive
            neurons[neuron].max = statistics.max
        }
        try query.store.activations.read { reader in
            try reader.forEachNeuron(layer: layer) { _, neuron, stored in
                guard neurons.indices.contains(neuron) else { return true }
                if let best = stored.records.first { neurons[neuron].max = Double(best.activation) }
                var seen = Set<UInt32>()
                var tokens: [String] = []
                for record in stored.records where seen.insert(record.token).inserted {
                    tokens.append(query.vocabulary.text(of: record.token))
                    if tokens.count == Self.topTokenCount { break }
                }
                neurons[neuron].topTokens = tokens
                return true
            }
        }
        self.neurons = neurons
    }
}

extension LayerTablePage {
    /// Builds the page `request` asks for from a layer's headlines and its cached analyses.
    init(layer: Int, headlines: LayerHeadlines, analyses: [Int: NeuronAnalysis], request: LayerTableRequest) {
        var rows = headlines.neurons.enumerated().map { neuron, headline in
            let analysis = analyses[neuron]
            return Row(neuron: neuron, max: Self.finite(headline.max), mean: Self.finite(headline.mean),
                       fractionPositive: Self.finite(headline.fractionPositive), topTokens: headline.topTokens,
                       verdict: analysis?.interleaving.verdict.rawValue,
                       epsilonSquared: Self.finite(analysis?.topDown.differentiation.epsilonSquared),
                       kruskalWallisP: Self.finite(analysis?.topDown.differentiation.p))
        }
        if let token = request.token?.lowercased(), !token.isEmpty {
            rows = rows.filter { row in row.topTokens.contains { $0.lowercased().contains(token) } }
        }
        if let verdict = request.verdict, !verdict.isEmpty {
            rows = rows.filter { $0.verdict == verdict }
        }
        rows.sort(by: Self.ordering(request.sort, request.order))
        let start = min(request.offset, rows.count)
        let end = min(rows.count, start + request.limit)

        var verdicts: [String: Int] = [:]
        for analysis in analyses.values { verdicts[analysis.interleaving.verdict.rawValue, default: 0] += 1 }
        self.init(layer: layer, neuronCount: headlines.neuronCount, total: rows.count, offset: request.offset,
                  limit: request.limit, sort: request.sort, order: request.order,
                  analyses: analyses.isEmpty ? nil : Analyses(parameters: request.parameters, analyzed: analyses.count,
                                                              verdicts: verdicts),
                  neurons: Array(rows[start..<end]))
    }

    /// nil for a missing or non-finite value, which sorts last and shows as empty.
    static func finite(_ value: Double?) -> Double? { value.flatMap { $0.isFinite ? $0 : nil } }

    /// Orders rows by `sort`; rows without a value come last in either order, ties by neuron.
    static func ordering(_ sort: LayerTableSort, _ order: SortOrder) -> (Row, Row) -> Bool {
        func compare<T: Comparable>(_ a: T?, _ b: T?, _ first: Int, _ second: Int) -> Bool {
            switch (a, b) {
            case let (a?, b?) where a != b: return order == .asc ? a < b : a > b
            case (nil, _?): return false
            case (_?, nil): return true
            default: return first < second
            }
        }
        return { a, b in
            switch sort {
            case .neuron: order == .asc ? a.neuron < b.neuron : a.neuron > b.neuron
            case .max: compare(a.max, b.max, a.neuron, b.neuron)
            case .mean: compare(a.mean, b.mean, a.neuron, b.neuron)
            case .fractionPositive: compare(a.fractionPositive, b.fractionPositive, a.neuron, b.neuron)
            case .verdict: compare(a.verdict, b.verdict, a.neuron, b.neuron)
            case .epsilonSquared: compare(a.epsilonSquared, b.epsilonSquared, a.neuron, b.neuron)
            }
        }
    }
}
