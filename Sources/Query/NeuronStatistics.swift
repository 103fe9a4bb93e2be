import Foundation
import Store

/// A neuron's statistics over every indexed position, decoded from its `neuron_stats` row
/// with the help of the layer's `LayerStatisticsSpec` (what the histogram bins and the sample
/// positions are).
public struct NeuronStatistics: Sendable, Hashable {
    public var count: Int
    public var mean: Double
    /// Population variance.
    public var variance: Double
    public var skewness: Double
    /// Excess (Fisher) kurtosis.
    public var kurtosis: Double
    public var min: Double
    public var max: Double
    public var fractionPositive: Double
    /// Bin counts; nil when the row has no histogram.
    public var histogram: Histogram?
    /// The activations at the layer's sampled positions (positions whose value the neuron's
    /// row does not have, stored as NaN, are left out).
    public var sample: [SampledActivation]

    /// The probabilities of OpenAI's `quantile_boundaries`.
    public static let standardQuantiles: [Double] = [0.5, 0.9, 0.99, 0.999]

    /// The `q`-quantile (0…1) estimated from the histogram, or nil without one.
    public func quantile(_ q: Double) -> Float? {
        guard let histogram, histogram.total > 0 else { return nil }
        return histogram.bins.quantile(q, counts: histogram.counts, min: Float(min), max: Float(max))
    }

    /// Decodes a row. Throws `QueryError.badStatistics` when the blobs do not match the spec.
    public init(row: NeuronStatsRow, spec: LayerStatisticsSpec?) throws {
        count = row.count
        mean = row.mean
        variance = row.variance
        skewness = row.skewness
        kurtosis = row.kurtosis
        min = row.min
        max = row.max
        fractionPositive = row.fractionPositive
        func bad(_ detail: String) -> QueryError { .badStatistics(layer: row.layer, neuron: row.neuron, detail: detail) }

        if row.histogram.isEmpty {
            histogram = nil
        } else {
            guard let spec else { throw bad("the layer has no statistics description for its histogram") }
            guard row.histogram.count == spec.bins.count * 4 else {
                throw bad("histogram has \(row.histogram.count) bytes, expected \(spec.bins.count) bins × 4")
            }
            histogram = Histogram(bins: spec.bins, counts: row.histogramCounts)
        }

        if row.sample.isEmpty {
            sample = []
        } else {
            guard let spec else { throw bad("the layer has no statistics description for its sample") }
            guard row.sample.count == spec.samplePositions.count * 4 else {
                throw bad("sample has \(row.sample.count) bytes, expected \(spec.samplePositions.count) positions × 4")
            }
            let values = row.sampleValues
            sample = zip(spec.samplePositions, values).compactMap { position, value in
                value.isNaN ? nil : SampledActivation(document: position.document, position: position.position,
                                                      activation: value)
            }
        }
    }
}

/// A neuron's activation at one sampled position.
public struct SampledActivation: Sendable, Hashable, Codable {
    public var document: UInt32
    public var position: UInt32
    public var activation: Float

    public init(document: UInt32, position: UInt32, activation: Float) {
        self.document = document
        self.position = position
        self.activation = activation
    }
}

/// A neuron's histogram: counts per bin of `bins`.
public struct Histogram: Sendable, Hashable {
    public var bins: HistogramBins
    /// One count per bin, in ascending value order.                                    [bins.count]
    public var counts: [UInt32]

    /// The number of values counted.
    public var total: UInt64 { counts.reduce(0) { $0 + UInt64($1) } }

    /// The bins that hold values, with their value ranges.
    public var nonEmptyBins: [(lower: Float, upper: Float, count: UInt32)] {
        counts.indices.compactMap { bin in
            guard counts[bin] > 0 else { return nil }
            let (lower, upper) = bins.range(ofBin: bin)
            return (lower, upper, counts[bin])
        }
    }
}

/// How much of a neuron's statistics a lookup reads.
public enum StatisticsDetail: Sendable {
    /// None: the report has no statistics.
    case none
    /// Count, moments, extrema and the positive share: what a neuron document shows.
    case moments
    /// The moments, the histogram and the position sample (quantiles, the histogram route).
    case full
}
