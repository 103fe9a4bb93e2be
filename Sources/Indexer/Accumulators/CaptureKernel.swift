import CCapture
import Kernels
import Store

/// How `LayerAccumulator.absorb` walks a batch.
enum CaptureKernel: Sendable {
    /// `CaptureJob.laneWidth` neurons at a time, in SIMD lanes: the group step of `CCapture`,
    /// compiled for `instructions`.
    case vectorized(InstructionSet)
    /// One neuron at a time, in plain scalar code: the reference the vectorized kernel is
    /// tested against (it must give bit-identical state).
    case scalar

    /// The vectorized kernel on the widest instructions this CPU has (the default).
    static let best = CaptureKernel.vectorized(.best)
}

/// One job of `LayerAccumulator.absorb`: the batch, and raw views of the state of the neurons
/// the job owns. Each neuron (or group of `laneWidth` neurons) is taken over every counted row
/// before the next one, so its power sums, extrema and counts stay in registers and its
/// histogram row in L1, and only activations above a heap's threshold reach the heaps.
///
/// Per neuron, rows are folded in ascending order with the same operations in the same order
/// as the scalar reference, so both kernels give bit-identical results: SIMD lanes hold
/// different neurons, never different rows of one neuron.
struct CaptureJob {
    /// Neurons per SIMD group.
    static let laneWidth = Int(NEURODEX_CAPTURE_LANES)

    let activations: UnsafePointer<Float>  // [rows.count, neurons]
    let neurons: Int
    let counted: UnsafeBufferPointer<Int>
    let rows: BatchRows
    let bins: HistogramBins
    let stats: StatisticsView
    let heap: HeapView
    let top: WindowedView?
    let bottom: WindowedView?
    /// [rows.count] set for each row that entered one of this job's top-K heaps.
    let entered: UnsafeMutablePointer<Bool>

    /// Folds the batch into neurons `range`, `kernel`'s way. Their `shift` rows must be set and
    /// their power-sum rows are overwritten with the batch's.
    func absorb(_ range: Range<Int>, kernel: CaptureKernel) {
        var j = range.lowerBound
        if case .vectorized(let instructions) = kernel, range.count >= Self.laneWidth {
            // The rows each group step found for the heaps: indices into `counted`, and lanes.
            let candidates = UnsafeMutablePointer<Int32>.allocate(capacity: counted.count)
            let lanes = UnsafeMutablePointer<UInt8>.allocate(capacity: counted.count)
            defer { candidates.deallocate(); lanes.deallocate() }
            var batch = neurodex_capture_batch(
                activations: activations, neurons: neurons, counted: counted.baseAddress, countedCount: counted.count,
                binCount: Int32(bins.count), zeroBin: Int32(bins.zeroBin), subdivisionBits: Int32(bins.subdivisionBits),
                minExponent: Int32(bins.minExponent), maxExponent: Int32(bins.maxExponent))
            while j + Self.laneWidth <= range.upperBound {
                absorbGroup(j, instructions: instructions, batch: &batch, candidates: candidates, lanes: lanes)
                j += Self.laneWidth
            }
        }
        while j < range.upperBound {
            absorbNeuron(j)
            j += 1
        }
    }

    /// Neurons j0..<j0 + laneWidth over every counted row, one neuron per lane: the statistics
    /// in C, then the candidates it found offered to the heaps, row by row.
    func absorbGroup(_ j0: Int, instructions: InstructionSet, batch: inout neurodex_capture_batch,
                     candidates: UnsafeMutablePointer<Int32>, lanes: UnsafeMutablePointer<UInt8>) {
        var state = neurodex_capture_group_state(
            shift: stats.shift + j0, sum1: stats.sum1 + j0, sum2: stats.sum2 + j0, sum3: stats.sum3 + j0,
            sum4: stats.sum4 + j0, minimum: stats.minimum + j0, maximum: stats.maximum + j0,
            positives: stats.positives + j0, histogram: stats.histogram + j0 * stats.binCount,
            topThreshold: heap.threshold + j0, bottomThreshold: bottom.map { UnsafePointer($0.heap.threshold + j0) })
        let found = neurodex_capture_group(instructions.rawValue, &batch, j0, &state, candidates, lanes)
        for c in 0..<found {
            let r = counted[Int(candidates[c])]
            var mask = lanes[c]
            while mask != 0 {
                let lane = mask.trailingZeroBitCount
                mask &= mask - 1
                offer(neuron: j0 + lane, value: activations[r * neurons + j0 + lane], row: r)
            }
        }
        for j in j0..<j0 + Self.laneWidth { copyPendingWindows(j) }
    }

    /// The reference: neuron `j` over every counted row.
    func absorbNeuron(_ j: Int) {
        let shift = stats.shift[j]
        var sum1 = 0.0, sum2 = 0.0, sum3 = 0.0, sum4 = 0.0
        var minimum = stats.minimum[j], maximum = stats.maximum[j]
        var positives = stats.positives[j]
        let histogram = stats.histogram + j * stats.binCount  // [binCount]
        for r in counted {
            let v = activations[r * neurons + j]
            let d = Double(v) - shift, d2 = d * d
            sum1 += d; sum2 += d2; sum3 += d2 * d; sum4 += d2 * d2
            minimum = Swift.min(minimum, v)
            maximum = Swift.max(maximum, v)
            positives &+= v > 0 ? 1 : 0
            histogram[bins.index(of: v)] &+= 1
            offer(neuron: j, value: v, row: r)
        }
        copyPendingWindows(j)
        stats.sum1[j] = sum1; stats.sum2[j] = sum2; stats.sum3[j] = sum3; stats.sum4[j] = sum4
        stats.minimum[j] = minimum; stats.maximum[j] = maximum
        stats.positives[j] = positives
    }

    /// The windows of neuron `j`'s windowed records that entered during this batch.
    @inline(__always)
    func copyPendingWindows(_ j: Int) {
        top?.copyPendingWindows(neuron: j, rows: rows, activations: activations, neurons: neurons)
        bottom?.copyPendingWindows(neuron: j, rows: rows, activations: activations, neurons: neurons)
    }

    /// Offers neuron `j`'s activation `v` at row `r` to its heaps, each only when above its
    /// threshold; the windowed top records are a subset of the top-K's.
    @inline(__always)
    func offer(neuron j: Int, value v: Float, row r: Int) {
        if v > heap.threshold[j] {
            if heap.offer(neuron: j, CoreRecord(activation: v, document: rows.documents[r],
                                                position: rows.positions[r], token: rows.tokens[r])) != nil {
                entered[r] = true
            }
            top?.offer(neuron: j, value: v, row: r, rows: rows)
        }
        if let bottom, -v > bottom.heap.threshold[j] {
            bottom.offer(neuron: j, value: v, row: r, rows: rows)
        }
    }
}
