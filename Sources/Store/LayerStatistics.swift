/// Log-spaced histogram bins read from a float's bit pattern (no logarithm on the hot path).
///
/// In ascending value order: one underflow bin for x < −2^maxExponent, `2^subdivisionBits`
/// bins per octave for −2^maxExponent ≤ x ≤ −2^minExponent, one zero bin for
/// |x| < 2^minExponent, the mirror image for positive values, and one overflow bin for
/// x ≥ 2^maxExponent. Default: 8 bins per octave over [2^−10, 2^10) on each side, 323 bins.
@frozen
public struct HistogramBins: Codable, Sendable, Hashable {
    public var minExponent: Int
    public var maxExponent: Int
    public var subdivisionBits: Int

    public init(minExponent: Int = -10, maxExponent: Int = 10, subdivisionBits: Int = 3) {
        precondition(minExponent < maxExponent && (0...8).contains(subdivisionBits))
        self.minExponent = minExponent
        self.maxExponent = maxExponent
        self.subdivisionBits = subdivisionBits
    }

    /// Bins on one side between 2^minExponent and 2^maxExponent.
    @inlinable public var binsPerSide: Int { (maxExponent - minExponent) << subdivisionBits }
    /// All bins.
    @inlinable public var count: Int { 2 * binsPerSide + 3 }
    /// The index of the zero bin.
    @inlinable public var zeroBin: Int { binsPerSide + 1 }

    /// The bin of `x` (NaN falls in an end bin). Branch-free, since it runs once per
    /// activation and the sign of activations is unpredictable: the magnitude's bit pattern,
    /// clamped to [2^minExponent − one step, 2^maxExponent], gives k = 0 (zero bin), 1…binsPerSide
    /// or binsPerSide + 1 (end bin), taken up from the zero bin for x ≥ 0 and down for x < 0.
    @inlinable @inline(__always)
    public func index(of x: Float) -> Int {
        let bits = x.bitPattern
        let shift = UInt32(23 - subdivisionBits)
        let floor = (UInt32(127 + minExponent) << 23) &- (1 << shift)
        let ceiling = UInt32(127 + maxExponent) << 23
        let magnitude = Swift.min(Swift.max(bits & 0x7fff_ffff, floor), ceiling)
        let k = Int((magnitude &- floor) >> shift)
        let negative = Int(bits >> 31)
        return zeroBin + k - 2 * k * negative
    }

    /// The values that fall into `bin`, as [lower, upper); the end bins are open-ended.
    public func range(ofBin bin: Int) -> (lower: Float, upper: Float) {
        if bin == zeroBin {
            let edge = Float(sign: .plus, exponent: minExponent, significand: 1)
            return (-edge, edge)
        }
        if bin == 0 { return (-.infinity, -Float(sign: .plus, exponent: maxExponent, significand: 1)) }
        if bin == count - 1 { return (Float(sign: .plus, exponent: maxExponent, significand: 1), .infinity) }
        let step = bin > zeroBin ? bin - zeroBin - 1 : zeroBin - 1 - bin
        let low = UInt32(127 + minExponent) << 23 + UInt32(step) << UInt32(23 - subdivisionBits)
        let next = low + UInt32(1) << UInt32(23 - subdivisionBits)
        let a = Float(bitPattern: low), b = Float(bitPattern: next)
        return bin > zeroBin ? (a, b) : (-b, -a)
    }

    /// Estimates the `q`-quantile (0…1) from bin counts by linear interpolation inside the bin,
    /// clamping the open end bins to the observed `min` and `max`.
    public func quantile(_ q: Double, counts: [UInt32], min: Float, max: Float) -> Float {
        let total = counts.reduce(0) { $0 + Double($1) }
        guard total > 0 else { return .nan }
        let target = Swift.max(0, Swift.min(1, q)) * total
        var below = 0.0
        for (bin, c) in counts.enumerated() where c > 0 {
            let count = Double(c)
            if below + count >= target {
                var (lower, upper) = range(ofBin: bin)
                lower = Swift.max(lower, min)
                upper = Swift.min(upper, max)
                let fraction = (target - below) / count
                return lower + Float(fraction) * (upper - lower)
            }
            below += count
        }
        return max
    }
}

/// One sampled position of a document.
public struct SamplePosition: Codable, Sendable, Hashable {
    public var document: UInt32
    public var position: UInt32
    public init(document: UInt32, position: UInt32) {
        self.document = document
        self.position = position
    }
}

/// What a layer's `neuron_stats` rows mean (stored as `layers.statistics_json`).
///
/// Moments are over every indexed position except BOS positions: `variance` is the population
/// variance (ddof = 0), `skewness` the biased sample skewness, `kurtosis` the excess (Fisher)
/// kurtosis — numpy/scipy defaults. `histogram` holds `bins.count` u32 counts; `sample` holds
/// f32 activations at `samplePositions`, a seeded uniform sample of positions shared by all
/// neurons (the positions with the smallest hashes of (seed, document, position), so shards
/// merge exactly).
public struct LayerStatisticsSpec: Codable, Sendable, Hashable {
    public var bins: HistogramBins
    public var sampleSeed: UInt64
    public var samplePositions: [SamplePosition]

    public init(bins: HistogramBins, sampleSeed: UInt64, samplePositions: [SamplePosition]) {
        self.bins = bins
        self.sampleSeed = sampleSeed
        self.samplePositions = samplePositions
    }
}
