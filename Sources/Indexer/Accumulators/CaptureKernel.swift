import CPrefetch
import Store

/// How `LayerAccumulator.absorb` walks a batch.
enum CaptureKernel: Sendable {
    /// `CaptureJob.laneWidth` neurons at a time, in SIMD lanes (the default).
    case vectorized
    /// One neuron at a time, in plain scalar code: the reference the vectorized kernel is
    /// tested against (it must give bit-identical state).
    case scalar
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
    static let laneWidth = 8
    /// How many rows ahead a group's activations are prefetched: enough to cover a memory
    /// latency at the loop's speed.
    static let prefetchDistance = 16
    typealias Floats = SIMD8<Float>
    typealias Doubles = SIMD4<Double>
    typealias Integers = SIMD8<Int32>

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
        if kernel == .vectorized {
            while j + Self.laneWidth <= range.upperBound {
                absorbGroup(j)
                j += Self.laneWidth
            }
        }
        while j < range.upperBound {
            absorbNeuron(j)
            j += 1
        }
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

    /// Neurons j0..<j0 + laneWidth over every counted row, one neuron per lane.
    func absorbGroup(_ j0: Int) {
        let shiftLow = load(stats.shift + j0), shiftHigh = load(stats.shift + j0 + 4)
        var sum1Low = Doubles(), sum2Low = Doubles(), sum3Low = Doubles(), sum4Low = Doubles()
        var sum1High = Doubles(), sum2High = Doubles(), sum3High = Doubles(), sum4High = Doubles()
        var minimum = load(stats.minimum + j0), maximum = load(stats.maximum + j0)
        var positives = Integers()
        let histogram = stats.histogram + j0 * stats.binCount  // [laneWidth, binCount]
        let laneRows = Integers(0, 1, 2, 3, 4, 5, 6, 7) &* Int32(stats.binCount)
        let bottomThreshold = bottom.map { $0.heap.threshold + j0 }
        let ahead = Self.prefetchDistance
        for (i, r) in counted.enumerated() {
            // The group's lanes of each row are a row apart (`neurons` floats): a stride the
            // hardware does not prefetch, so every load would wait for memory.
            if i + ahead < counted.count { neurodex_prefetch(activations + counted[i + ahead] * neurons + j0) }
            let v = load(activations + r * neurons + j0)
            func fold(_ x: Doubles, _ shift: Doubles, _ s1: inout Doubles, _ s2: inout Doubles,
                      _ s3: inout Doubles, _ s4: inout Doubles) {
                let d = x - shift, d2 = d * d
                s1 += d; s2 += d2; s3 += d2 * d; s4 += d2 * d2
            }
            fold(Doubles(v.lowHalf), shiftLow, &sum1Low, &sum2Low, &sum3Low, &sum4Low)
            fold(Doubles(v.highHalf), shiftHigh, &sum1High, &sum2High, &sum3High, &sum4High)
            minimum.replace(with: v, where: v .< minimum)   // Swift.min(minimum, v)
            maximum.replace(with: v, where: v .>= maximum)  // Swift.max(maximum, v)
            positives &-= unsafeBitCast(v .> 0, to: Integers.self)  // a true lane is −1
            let bin = laneRows &+ binIndices(v)
            for lane in 0..<Self.laneWidth { histogram[Int(bin[lane])] &+= 1 }
            var candidates = v .> load(heap.threshold + j0)
            if let bottomThreshold { candidates .|= -v .> load(bottomThreshold) }
            if any(candidates) {
                for lane in 0..<Self.laneWidth where candidates[lane] {
                    offer(neuron: j0 + lane, value: v[lane], row: r)
                }
            }
        }
        store(sum1Low, stats.sum1 + j0); store(sum1High, stats.sum1 + j0 + 4)
        store(sum2Low, stats.sum2 + j0); store(sum2High, stats.sum2 + j0 + 4)
        store(sum3Low, stats.sum3 + j0); store(sum3High, stats.sum3 + j0 + 4)
        store(sum4Low, stats.sum4 + j0); store(sum4High, stats.sum4 + j0 + 4)
        store(minimum, stats.minimum + j0); store(maximum, stats.maximum + j0)
        for lane in 0..<Self.laneWidth {
            stats.positives[j0 + lane] &+= UInt64(positives[lane])
            copyPendingWindows(j0 + lane)
        }
    }

    /// The windows of neuron `j`'s windowed records that entered during this batch.
    @inline(__always)
    func copyPendingWindows(_ j: Int) {
        top?.copyPendingWindows(neuron: j, rows: rows, activations: activations, neurons: neurons)
        bottom?.copyPendingWindows(neuron: j, rows: rows, activations: activations, neurons: neurons)
    }

    /// `bins.index(of:)` of each lane.
    @inline(__always)
    func binIndices(_ v: Floats) -> Integers {
        let bits = unsafeBitCast(v, to: Integers.self)
        let shift = Int32(23 - bins.subdivisionBits)
        let floor = (Int32(127 + bins.minExponent) << 23) &- (1 << shift)
        let ceiling = Int32(127 + bins.maxExponent) << 23
        // Clamped to [floor, ceiling] with shifts and masks (`replace(with:where:)` on integer
        // lanes runs lane by lane): all three are in [0, 2^31), so differences do not overflow
        // and their sign bit, spread by `&>> 31`, is the comparison.
        var magnitude = bits & 0x7fff_ffff
        let belowFloor = magnitude &- floor
        magnitude &-= belowFloor & (belowFloor &>> 31)
        let belowCeiling = Integers(repeating: ceiling) &- magnitude
        magnitude &+= belowCeiling & (belowCeiling &>> 31)
        let k = (magnitude &- floor) &>> shift
        let negative = bits &>> 31                  // −1 for x < 0 (sign bit set), else 0
        return Int32(bins.zeroBin) &+ ((k ^ negative) &- negative)  // zeroBin + k, or zeroBin − k
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

    @inline(__always) private func load(_ p: UnsafePointer<Float>) -> Floats {
        UnsafeRawPointer(p).loadUnaligned(as: Floats.self)
    }
    @inline(__always) private func load(_ p: UnsafeMutablePointer<Float>) -> Floats { load(UnsafePointer(p)) }
    @inline(__always) private func load(_ p: UnsafeMutablePointer<Double>) -> Doubles {
        UnsafeRawPointer(p).loadUnaligned(as: Doubles.self)
    }
    @inline(__always) private func store(_ v: Floats, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Floats.self)
    }
    @inline(__always) private func store(_ v: Doubles, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Doubles.self)
    }
}
