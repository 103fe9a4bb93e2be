import Kernels
import Store

/// Everything the indexer keeps about one layer while it streams: each neuron's top-K core
/// records, the windows of its first records and its most negative records with their windows,
/// moments, min/max, positive count, histogram, and activations at sampled positions.
public struct LayerAccumulator: Sendable, Equatable {
    public let layer: Int
    public let neurons: Int
    public let bins: HistogramBins
    public var topK: TopK
    /// The first `--window-records` records of each neuron with their windows (nil when off).
    public var windows: WindowedTopK?
    /// The `--negative-k` most negative records of each neuron with their windows (nil when off).
    public var negative: WindowedTopK?
    /// Counted positions seen (the same for every neuron).
    public var count: Double = 0
    var neuronStatistics: StreamingStatistics
    /// Activations of every neuron at each sampled position: [neurons] per position.
    public var sampled: [SamplePosition: [Float]] = [:]

    /// - Parameters:
    ///   - windowRecords: how many of the top-K records keep their window (at most `k`; 0: none).
    ///   - negativeK: how many most negative records are kept with their windows (0: none).
    ///   - windowWidth: the longest context window (the run's `--context`); needed for windows.
    public init(layer: Int, neurons: Int, k: Int, distinctTokens: Bool, bins: HistogramBins = HistogramBins(),
                windowRecords: Int = 0, negativeK: Int = 0, windowWidth: Int = 0) {
        self.layer = layer
        self.neurons = neurons
        self.bins = bins
        topK = TopK(neurons: neurons, k: k, distinctTokens: distinctTokens)
        if windowRecords > 0 {
            windows = WindowedTopK(neurons: neurons, k: min(windowRecords, k), distinctTokens: distinctTokens,
                                   width: windowWidth, order: .highest)
        }
        if negativeK > 0 {
            negative = WindowedTopK(neurons: neurons, k: negativeK, distinctTokens: distinctTokens,
                                    width: windowWidth, order: .lowest)
        }
        neuronStatistics = StreamingStatistics(neurons: neurons, binCount: bins.count)
    }

    /// The bytes the accumulator of a layer of `neurons` takes with `options`, its arrays and its
    /// sampled values (what `LayerPasses` plans with; the dictionary's overhead not counted).
    public static func estimatedBytes(neurons: Int, options: IndexingOptions, bins: HistogramBins = HistogramBins()) -> Int {
        let record = 16  // activation, document, position, token
        let topK = options.topK * record + 8  // + count and threshold
        // + slot, window start, length and pending row, and the window's values
        func windowed(_ k: Int) -> Int { k == 0 ? 0 : k * (record + 16 + 4 * options.context) + 8 }
        let statistics = StreamingStatistics.MomentRow.allCases.count * 8 + 2 * 4 + 8 + 4 * bins.count
        let sampled = 4 * options.sampleSize
        return neurons * (topK + windowed(options.windowedRecords) + windowed(options.negativeK) + statistics + sampled)
    }

    /// Folds one batch of this layer's activations into the accumulator.
    ///
    /// - Parameters:
    ///   - activations: [rows.count, neurons], row-major.
    ///   - rows: where each row comes from; only `rows.counted` rows are used.
    ///   - sampleEntered: rows whose positions entered the position sample in this batch.
    ///   - sampleLeft: positions that left the sample.
    /// - Returns: the rows that entered at least one neuron's top-K, ascending.
    /// - Throws: `IndexError.nonFiniteActivation` on NaN or ±∞; the accumulator must then be
    ///   dropped (the run stops; its last checkpoint is intact).
    @discardableResult
    public mutating func absorb(_ activations: UnsafeBufferPointer<Float>, rows: BatchRows,
                                sampleEntered: [Int] = [], sampleLeft: [SamplePosition] = [],
                                threads: Int) throws -> [Int] {
        try absorb(activations, rows: rows, sampleEntered: sampleEntered, sampleLeft: sampleLeft,
                   threads: threads, kernel: .best)
    }

    /// `absorb` with the capture kernel chosen (tests compare the two).
    mutating func absorb(_ activations: UnsafeBufferPointer<Float>, rows: BatchRows,
                         sampleEntered: [Int], sampleLeft: [SamplePosition],
                         threads: Int, kernel: CaptureKernel) throws -> [Int] {
        precondition(activations.count == rows.count * neurons, "activations must be [rows, neurons]")
        let counted = rows.counted
        guard !counted.isEmpty else { return [] }
        if let width = windows?.width ?? negative?.width {
            precondition(rows.windowRows.allSatisfy { $0.count <= width }, "a context window longer than the window width")
        }
        let n = neurons, bins = self.bins
        let act = activations.baseAddress!
        // Neurons are cut into chunks of whole SIMD groups, one job each; a job owns its neurons' state.
        let lanes = CaptureJob.laneWidth
        let wantedJobs = min(max(1, threads) * 4, max(1, n / 64))
        let chunk = ((n + wantedJobs - 1) / wantedJobs + lanes - 1) / lanes * lanes
        let jobs = (n + chunk - 1) / chunk
        let hasRunningMean = count > 0
        // Per job: whether it met a non-finite value, and the rows that entered its neurons' top-K.
        let nonFiniteInJob = UnsafeMutableBufferPointer<Bool>.allocate(capacity: jobs)
        let enteredInJob = UnsafeMutableBufferPointer<Bool>.allocate(capacity: jobs * rows.count)  // [jobs, rows]
        nonFiniteInJob.initialize(repeating: false)
        enteredInJob.initialize(repeating: false)
        defer { nonFiniteInJob.deallocate(); enteredInJob.deallocate() }

        var windows = self.windows, negative = self.negative
        self.windows = nil; self.negative = nil  // not copied on write while their views are held
        defer { self.windows = windows; self.negative = negative }
        counted.withUnsafeBufferPointer { countedRows in
        windows.withView { top in
        negative.withView { bottom in
        topK.withHeapView { heap in
            neuronStatistics.withView { stats in
                forEachJobInParallel(jobs, threads: threads) { job in
                    let lo = job * chunk, hi = min(n, lo + chunk)
                    guard lo < hi else { return }
                    // Power sums of d = x − shift (shift = running mean, or the first value of a
                    // first batch), extrema, positives, histogram, heaps.
                    let first = act + counted[0] * n
                    for j in lo..<hi {
                        stats.shift[j] = hasRunningMean ? stats.mean[j] : Double(first[j])
                    }
                    CaptureJob(activations: act, neurons: n, counted: countedRows, rows: rows, bins: bins,
                               stats: stats, heap: heap, top: top, bottom: bottom,
                               entered: enteredInJob.baseAddress! + job * rows.count)
                        .absorb(lo..<hi, kernel: kernel)
                    for j in lo..<hi where !stats.sum1[j].isFinite || !stats.sum4[j].isFinite {
                        nonFiniteInJob[job] = true
                    }
                }
            }
        }
        }
        }
        }
        if nonFiniteInJob.contains(true) {
            // The state is already touched: the caller must stop (the last checkpoint is intact).
            for r in counted {
                for j in 0..<n where !act[r * n + j].isFinite {
                    throw IndexError.nonFiniteActivation(layer: layer, neuron: j, document: rows.documents[r],
                                                         position: rows.positions[r], value: act[r * n + j])
                }
            }
        }
        let batchCount = Double(counted.count)
        for j in 0..<n {
            neuronStatistics.setRunningMoments(j, Moments.combine(neuronStatistics.runningMoments(j, count: count),
                                                            neuronStatistics.batchMoments(j, count: batchCount)))
        }
        count += batchCount
        for p in sampleLeft { sampled[p] = nil }
        for r in sampleEntered {
            sampled[SamplePosition(document: rows.documents[r], position: rows.positions[r])] =
                Array(UnsafeBufferPointer(start: act + r * n, count: n))
        }
        return counted.filter { r in (0..<jobs).contains { enteredInJob[$0 * rows.count + r] } }
    }

    /// Neuron `j`'s statistics row; `samplePositions` fixes the order of the sample values.
    public func statistics(neuron j: Int, samplePositions: [SamplePosition]) -> NeuronStatsRow {
        let m = neuronStatistics.runningMoments(j, count: count)
        return NeuronStatsRow(
            layer: layer, neuron: j, count: Int(count), mean: m.mean, variance: m.variance,
            skewness: m.skewness, kurtosis: m.kurtosis,
            min: count > 0 ? Double(neuronStatistics.minimum(j)) : .nan,
            max: count > 0 ? Double(neuronStatistics.maximum(j)) : .nan,
            fractionPositive: count > 0 ? Double(neuronStatistics.positives[j]) / count : .nan,
            histogram: NeuronStatsRow.histogramBlob(histogramCounts(neuron: j)),
            sample: NeuronStatsRow.sampleBlob(samplePositions.map { sampled[$0]?[j] ?? .nan }))
    }

    /// Neuron `j`'s histogram counts.
    public func histogramCounts(neuron j: Int) -> [UInt32] {
        neuronStatistics.histogramCounts(neuron: j)
    }

    /// Adds the state of the same layer accumulated over other documents (another shard).
    /// `sample` is the merged position sample: values are kept for its positions only.
    public mutating func merge(_ other: LayerAccumulator, keepingSample sample: PositionSample) {
        precondition(other.layer == layer && other.neurons == neurons && other.bins == bins)
        topK.merge(other.topK)
        if let otherWindows = other.windows { windows?.merge(otherWindows) }
        if let otherNegative = other.negative { negative?.merge(otherNegative) }
        for j in 0..<neurons {
            neuronStatistics.setRunningMoments(j, Moments.combine(neuronStatistics.runningMoments(j, count: count),
                                                            other.neuronStatistics.runningMoments(j, count: other.count)))
        }
        neuronStatistics.mergeCounts(other.neuronStatistics)
        count += other.count
        let keep = Set(sample.kept.map(\.position))
        sampled = sampled.merging(other.sampled) { a, _ in a }.filter { keep.contains($0.key) }
    }
}
