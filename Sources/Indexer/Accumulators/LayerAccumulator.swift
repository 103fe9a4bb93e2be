import Kernels
import Store

/// Everything the indexer keeps about one layer while it streams: each neuron's top-K core
/// records, moments, min/max, positive count, histogram, and activations at sampled positions.
public struct LayerAccumulator: Sendable, Equatable {
    public let layer: Int
    public let neurons: Int
    public let bins: HistogramBins
    public var topK: TopK
    /// Counted positions seen (the same for every neuron).
    public var count: Double = 0
    // Per-neuron doubles, field-major: field f of neuron n at f * neurons + n.
    // Fields 0–3: running mean, M2, M3, M4; 4–8: batch scratch (power sums 1–4, shift).
    var moments: [Double]
    var extrema: [Float]               // [2, neurons]: min then max
    var positives: [UInt64]            // [neurons]
    var histogram: [UInt32]            // [neurons, bins.count]
    /// Activations of every neuron at each sampled position: [neurons] per position.
    public var sampled: [SamplePosition: [Float]] = [:]

    public init(layer: Int, neurons: Int, k: Int, distinctTokens: Bool, bins: HistogramBins = HistogramBins()) {
        self.layer = layer
        self.neurons = neurons
        self.bins = bins
        topK = TopK(neurons: neurons, k: k, distinctTokens: distinctTokens)
        moments = [Double](repeating: 0, count: 9 * neurons)
        extrema = [Float](repeating: .infinity, count: neurons) + [Float](repeating: -.infinity, count: neurons)
        positives = [UInt64](repeating: 0, count: neurons)
        histogram = [UInt32](repeating: 0, count: neurons * bins.count)
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
        precondition(activations.count == rows.count * neurons, "activations must be [rows, neurons]")
        let counted = rows.counted
        guard !counted.isEmpty else { return [] }
        let n = neurons, binCount = bins.count, bins = self.bins
        let act = activations.baseAddress!
        let jobs = min(max(1, threads) * 4, max(1, n / 64))
        let chunk = (n + jobs - 1) / jobs
        var nonFinite = false
        let batchCount = Double(counted.count)
        let hasRunningMean = count > 0
        var entered = [Bool](repeating: false, count: jobs * rows.count)  // [jobs, rows]

        topK.withHeapView { heap in
            moments.withUnsafeMutableBufferPointer { mb in
                extrema.withUnsafeMutableBufferPointer { eb in
                    positives.withUnsafeMutableBufferPointer { pb in
                        histogram.withUnsafeMutableBufferPointer { hb in
                            let m = mb.baseAddress!, minimum = eb.baseAddress!, maximum = minimum + n
                            let positive = pb.baseAddress!, hist = hb.baseAddress!
                            let s1 = m + 4 * n, s2 = m + 5 * n, s3 = m + 6 * n, s4 = m + 7 * n
                            let shift = m + 8 * n
                            var flags = [Bool](repeating: false, count: jobs)
                            flags.withUnsafeMutableBufferPointer { fb in
                              entered.withUnsafeMutableBufferPointer { enteredBuffer in
                                let flag = fb.baseAddress!, enteredRow = enteredBuffer.baseAddress!
                                forEachJobInParallel(jobs, threads: threads) { job in
                                    let lo = job * chunk, hi = min(n, lo + chunk)
                                    guard lo < hi else { return }
                                    // One pass: power sums of d = x − shift (shift = running
                                    // mean, or the first value of a first batch), extrema,
                                    // positives, histogram, top-K.
                                    let first = act + counted[0] * n
                                    for j in lo..<hi {
                                        shift[j] = hasRunningMean ? m[j] : Double(first[j])
                                        s1[j] = 0; s2[j] = 0; s3[j] = 0; s4[j] = 0
                                    }
                                    for r in counted {
                                        let row = act + r * n
                                        for j in lo..<hi {
                                            let v = row[j]
                                            let d = Double(v) - shift[j], d2 = d * d
                                            s1[j] += d; s2[j] += d2; s3[j] += d2 * d; s4[j] += d2 * d2
                                            minimum[j] = Swift.min(minimum[j], v)
                                            maximum[j] = Swift.max(maximum[j], v)
                                            positive[j] &+= v > 0 ? 1 : 0
                                        }
                                        for j in lo..<hi {
                                            hist[j * binCount + bins.index(of: row[j])] &+= 1
                                        }
                                        for j in lo..<hi where row[j] > heap.threshold[j] {
                                            if heap.offer(neuron: j, CoreRecord(
                                                activation: row[j], document: rows.documents[r],
                                                position: rows.positions[r], token: rows.tokens[r])) {
                                                enteredRow[job * rows.count + r] = true
                                            }
                                        }
                                    }
                                    for j in lo..<hi where !s1[j].isFinite || !s4[j].isFinite { flag[job] = true }
                                }
                                nonFinite = (0..<jobs).contains { flag[$0] }
                              }
                            }
                        }
                    }
                }
            }
        }
        if nonFinite {
            // The state is already touched: the caller must stop (the last checkpoint is intact).
            for r in counted {
                for j in 0..<n where !act[r * n + j].isFinite {
                    throw IndexError.nonFiniteActivation(layer: layer, neuron: j, document: rows.documents[r],
                                                         position: rows.positions[r], value: act[r * n + j])
                }
            }
        }
        for j in 0..<n {
            let batch = Moments(count: batchCount, shift: moments[8 * n + j], powerSums: (
                moments[4 * n + j], moments[5 * n + j], moments[6 * n + j], moments[7 * n + j]))
            setRunningMoments(j, Moments.combine(runningMoments(j), batch))
        }
        count += batchCount
        for p in sampleLeft { sampled[p] = nil }
        for r in sampleEntered {
            sampled[SamplePosition(document: rows.documents[r], position: rows.positions[r])] =
                Array(UnsafeBufferPointer(start: act + r * n, count: n))
        }
        return counted.filter { r in (0..<jobs).contains { entered[$0 * rows.count + r] } }
    }

    func runningMoments(_ j: Int) -> Moments {
        let n = neurons
        return Moments(count: count, mean: moments[j], m2: moments[n + j], m3: moments[2 * n + j], m4: moments[3 * n + j])
    }

    mutating func setRunningMoments(_ j: Int, _ m: Moments) {
        let n = neurons
        moments[j] = m.mean; moments[n + j] = m.m2; moments[2 * n + j] = m.m3; moments[3 * n + j] = m.m4
    }

    /// Neuron `j`'s statistics row; `samplePositions` fixes the order of the sample values.
    public func statistics(neuron j: Int, samplePositions: [SamplePosition]) -> NeuronStatsRow {
        let m = runningMoments(j)
        return NeuronStatsRow(
            layer: layer, neuron: j, count: Int(count), mean: m.mean, variance: m.variance,
            skewness: m.skewness, kurtosis: m.kurtosis,
            min: count > 0 ? Double(extrema[j]) : .nan, max: count > 0 ? Double(extrema[neurons + j]) : .nan,
            fractionPositive: count > 0 ? Double(positives[j]) / count : .nan,
            histogram: NeuronStatsRow.histogramBlob(histogramCounts(neuron: j)),
            sample: NeuronStatsRow.sampleBlob(samplePositions.map { sampled[$0]?[j] ?? .nan }))
    }

    /// Neuron `j`'s histogram counts.
    public func histogramCounts(neuron j: Int) -> [UInt32] {
        Array(histogram[j * bins.count..<(j + 1) * bins.count])
    }

    /// Adds the state of the same layer accumulated over other documents (another shard).
    /// `sample` is the merged position sample: values are kept for its positions only.
    public mutating func merge(_ other: LayerAccumulator, keepingSample sample: PositionSample) {
        precondition(other.layer == layer && other.neurons == neurons && other.bins == bins)
        topK.merge(other.topK)
        for j in 0..<neurons {
            setRunningMoments(j, Moments.combine(runningMoments(j), other.runningMoments(j)))
            extrema[j] = min(extrema[j], other.extrema[j])
            extrema[neurons + j] = max(extrema[neurons + j], other.extrema[neurons + j])
            positives[j] += other.positives[j]
        }
        count += other.count
        for i in histogram.indices { histogram[i] &+= other.histogram[i] }
        let keep = Set(sample.kept.map(\.position))
        sampled = sampled.merging(other.sampled) { a, _ in a }.filter { keep.contains($0.key) }
    }
}
