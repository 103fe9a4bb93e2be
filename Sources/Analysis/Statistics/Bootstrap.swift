import Kernels
/// A statistic with a bootstrap confidence interval.
public struct IntervalEstimate: Codable, Sendable, Equatable {
    /// The statistic on the original units.
    public var value: Double
    public var lower: Double
    public var upper: Double

    public init(value: Double, lower: Double, upper: Double) {
        self.value = value
        self.lower = lower
        self.upper = upper
    }
}

/// Percentile bootstrap over independent units (e.g. the neurons of a layer): `statistic` is
/// evaluated on `units` and on `samples` resamples of the same size drawn with replacement from
/// `generator`; the interval holds the central `level` of the resampled values (numpy-linear
/// quantiles). Resamples on which the statistic is undefined (nil) are skipped; nil when it is
/// undefined on `units`.
public func bootstrapInterval<Unit>(_ units: [Unit], samples: Int, level: Double = 0.95,
                                    generator: inout SeededGenerator,
                                    statistic: ([Unit]) -> Double?) -> IntervalEstimate? {
    guard !units.isEmpty, let value = statistic(units) else { return nil }
    var resampled: [Double] = []
    resampled.reserveCapacity(samples)
    var draw = units
    for _ in 0..<samples {
        for i in draw.indices { draw[i] = units[generator.next(below: units.count)] }
        if let replicate = statistic(draw) { resampled.append(replicate) }
    }
    guard !resampled.isEmpty else { return IntervalEstimate(value: value, lower: value, upper: value) }
    resampled.sort()
    let tail = (1 - level) / 2
    return IntervalEstimate(value: value, lower: quantile(sorted: resampled, tail),
                            upper: quantile(sorted: resampled, 1 - tail))
}
