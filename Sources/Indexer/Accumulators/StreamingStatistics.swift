import Store

/// The streaming statistics of every neuron of one layer, in flat arrays: running moments,
/// extrema, positive counts and histograms, plus the power sums of the batch being absorbed.
///
/// Field-major: a field of every neuron is one row of `neurons` values, so that the hot loop
/// walks contiguous memory. The arrays are what a checkpoint stores.
struct StreamingStatistics: Sendable, Equatable {
    /// The rows of `moments`.
    enum MomentRow: Int, CaseIterable {
        /// Running mean and central moment sums M2…M4 over the positions absorbed so far.
        case mean, m2, m3, m4
        /// Scratch of the batch being absorbed: power sums of d = x − shift, p = 1…4, and the shift.
        case sum1, sum2, sum3, sum4, shift
    }

    let neurons: Int
    let binCount: Int
    var moments: [Double]              // [MomentRow.allCases.count, neurons]
    var extrema: [Float]               // [2, neurons]: minimum row, then maximum row
    var positives: [UInt64]            // [neurons]
    var histogram: [UInt32]            // [neurons, binCount]

    init(neurons: Int, binCount: Int) {
        self.neurons = neurons
        self.binCount = binCount
        moments = [Double](repeating: 0, count: MomentRow.allCases.count * neurons)
        extrema = [Float](repeating: .infinity, count: neurons) + [Float](repeating: -.infinity, count: neurons)
        positives = [UInt64](repeating: 0, count: neurons)
        histogram = [UInt32](repeating: 0, count: neurons * binCount)
    }

    subscript(row: MomentRow, neuron: Int) -> Double {
        get { moments[row.rawValue * neurons + neuron] }
        set { moments[row.rawValue * neurons + neuron] = newValue }
    }

    func minimum(_ neuron: Int) -> Float { extrema[neuron] }
    func maximum(_ neuron: Int) -> Float { extrema[neurons + neuron] }

    /// Neuron `j`'s running moments after `count` positions.
    func runningMoments(_ j: Int, count: Double) -> Moments {
        Moments(count: count, mean: self[.mean, j], m2: self[.m2, j], m3: self[.m3, j], m4: self[.m4, j])
    }

    mutating func setRunningMoments(_ j: Int, _ m: Moments) {
        self[.mean, j] = m.mean; self[.m2, j] = m.m2; self[.m3, j] = m.m3; self[.m4, j] = m.m4
    }

    /// Neuron `j`'s moments of the batch in the scratch rows, over `count` positions.
    func batchMoments(_ j: Int, count: Double) -> Moments {
        Moments(count: count, shift: self[.shift, j],
                powerSums: (self[.sum1, j], self[.sum2, j], self[.sum3, j], self[.sum4, j]))
    }

    /// Neuron `j`'s histogram counts.
    func histogramCounts(neuron j: Int) -> [UInt32] {
        Array(histogram[j * binCount..<(j + 1) * binCount])
    }

    /// Adds the extrema, positive counts and histograms of `other` (moments are combined by
    /// the caller, which knows the counts).
    mutating func mergeCounts(_ other: StreamingStatistics) {
        for j in 0..<neurons {
            extrema[j] = min(extrema[j], other.extrema[j])
            extrema[neurons + j] = max(extrema[neurons + j], other.extrema[neurons + j])
            positives[j] += other.positives[j]
        }
        for i in histogram.indices { histogram[i] &+= other.histogram[i] }
    }

    /// Runs `body` with raw-pointer access to every row (for the indexing hot loop).
    mutating func withView<R>(_ body: (StatisticsView) throws -> R) rethrows -> R {
        let n = neurons, binCount = binCount
        return try moments.withUnsafeMutableBufferPointer { m in
            try extrema.withUnsafeMutableBufferPointer { e in
                try positives.withUnsafeMutableBufferPointer { p in
                    try histogram.withUnsafeMutableBufferPointer { h in
                        try body(StatisticsView(neurons: n, binCount: binCount, moments: m.baseAddress!,
                                                extrema: e.baseAddress!, positives: p.baseAddress!,
                                                histogram: h.baseAddress!))
                    }
                }
            }
        }
    }
}

/// Raw-pointer access to the rows of `StreamingStatistics`, for the hot loop (no bounds
/// checks, no CoW). Each row is [neurons] unless noted.
struct StatisticsView: @unchecked Sendable {
    let mean, m2, m3, m4: UnsafeMutablePointer<Double>
    let sum1, sum2, sum3, sum4, shift: UnsafeMutablePointer<Double>
    let minimum, maximum: UnsafeMutablePointer<Float>
    let positives: UnsafeMutablePointer<UInt64>
    let histogram: UnsafeMutablePointer<UInt32>       // [neurons, binCount]
    let binCount: Int

    init(neurons n: Int, binCount: Int, moments: UnsafeMutablePointer<Double>, extrema: UnsafeMutablePointer<Float>,
         positives: UnsafeMutablePointer<UInt64>, histogram: UnsafeMutablePointer<UInt32>) {
        typealias Row = StreamingStatistics.MomentRow
        func row(_ r: Row) -> UnsafeMutablePointer<Double> { moments + r.rawValue * n }
        mean = row(.mean); m2 = row(.m2); m3 = row(.m3); m4 = row(.m4)
        sum1 = row(.sum1); sum2 = row(.sum2); sum3 = row(.sum3); sum4 = row(.sum4); shift = row(.shift)
        minimum = extrema; maximum = extrema + n
        self.positives = positives
        self.histogram = histogram
        self.binCount = binCount
    }
}
