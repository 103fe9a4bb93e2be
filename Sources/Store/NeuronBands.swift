/// One quantile band of a neuron's activation distribution with its examples.
///
/// The bands are cut from the neuron's exact histogram (`HistogramBins`): a bin belongs to the
/// band [lowerQuantile, upperQuantile) when the share of the neuron's tokens in the bins below
/// it (the cumulative share at its lower edge) is in [lowerQuantile, upperQuantile).
public struct ActivationBand: Sendable, Hashable {
    /// The band's range of cumulative shares, e.g. 0.9 and 0.99.
    public var lowerQuantile: Double
    public var upperQuantile: Double
    /// Every activation of the band lies in [lowerValue, upperValue]: the lower edge of its
    /// first occupied bin and the upper edge of its last one, clamped to the neuron's minimum
    /// and maximum. NaN when the band holds no token.
    public var lowerValue: Float
    public var upperValue: Float
    /// The exact share of the neuron's tokens in the band.
    public var share: Double
    /// How many positions of the band sample fall in the band (examples are the first
    /// `NeuronBands.examplesPerBand` of them; fewer when this is smaller).
    public var sampled: Int
    /// The band's examples, one per window first, in band-sample order, each with its window.
    public var examples: [WindowedRecord]

    public init(lowerQuantile: Double, upperQuantile: Double, lowerValue: Float, upperValue: Float, share: Double,
                sampled: Int, examples: [WindowedRecord]) {
        self.lowerQuantile = lowerQuantile
        self.upperQuantile = upperQuantile
        self.lowerValue = lowerValue
        self.upperValue = upperValue
        self.share = share
        self.sampled = sampled
        self.examples = examples
    }
}

/// A neuron's band examples (OpenAI's `random_sample_by_quantile`) and its uniform random
/// sample, each example with the neuron's activation at every token of its window.
public struct NeuronBands: Sendable, Hashable {
    /// The band edges: the bands [0, .5), [.5, .9), [.9, .99), [.99, .999). Tokens above
    /// .999 belong to no band (the top records cover them).
    public static let quantileEdges: [Double] = [0, 0.5, 0.9, 0.99, 0.999]
    /// Examples kept per band.
    public static let examplesPerBand = 5
    /// Positions of the uniform random sample.
    public static let randomSampleSize = 20

    /// One per pair of consecutive `quantileEdges`, lowest first.
    public var bands: [ActivationBand]
    /// `randomSampleSize` positions of the band sample, one per window first (the same
    /// positions for every neuron of a store), each with its window.
    public var randomSample: [WindowedRecord]

    public init(bands: [ActivationBand], randomSample: [WindowedRecord]) {
        self.bands = bands
        self.randomSample = randomSample
    }

    /// The band of each histogram bin (nil: in no band), by the rule of `ActivationBand`.
    public static func bandOfBin(histogram counts: [UInt32]) -> [Int?] {
        let total = counts.reduce(0) { $0 + UInt64($1) }
        guard total > 0 else { return counts.map { _ in nil } }
        var below: UInt64 = 0
        return counts.map { count in
            let share = Double(below) / Double(total)
            below += UInt64(count)
            guard count > 0 else { return nil }
            return (0..<quantileEdges.count - 1).first { share >= quantileEdges[$0] && share < quantileEdges[$0 + 1] }
        }
    }

    /// The bands of a histogram (with no examples yet): their value ranges and shares.
    public static func bands(histogram counts: [UInt32], bins: HistogramBins, min: Float, max: Float) -> [ActivationBand] {
        let bandOfBin = Self.bandOfBin(histogram: counts)
        let total = Double(counts.reduce(0) { $0 + UInt64($1) })
        return (0..<quantileEdges.count - 1).map { band in
            let members = counts.indices.filter { bandOfBin[$0] == band }
            var lower = Float.nan, upper = Float.nan
            if let first = members.first, let last = members.last {
                lower = Swift.max(bins.range(ofBin: first).lower, min)
                upper = Swift.min(bins.range(ofBin: last).upper, max)
            }
            let inBand = members.reduce(0) { $0 + UInt64(counts[$1]) }
            return ActivationBand(lowerQuantile: quantileEdges[band], upperQuantile: quantileEdges[band + 1],
                                  lowerValue: lower, upperValue: upper, share: total > 0 ? Double(inBand) / total : 0,
                                  sampled: 0, examples: [])
        }
    }

    /// The value stored in `bands`: band count u32, then per band lower and upper quantile f64,
    /// lower and upper value f32, share f64, sampled u32 and its examples as in `windows`; then
    /// the random sample as in `windows`. Little-endian.
    public func encoded() -> [UInt8] {
        var out = [UInt8]()
        ByteCoding.appendLittleEndian(UInt32(bands.count), to: &out)
        for band in bands {
            ByteCoding.appendLittleEndian(band.lowerQuantile.bitPattern, to: &out)
            ByteCoding.appendLittleEndian(band.upperQuantile.bitPattern, to: &out)
            ByteCoding.appendLittleEndian(band.lowerValue.bitPattern, to: &out)
            ByteCoding.appendLittleEndian(band.upperValue.bitPattern, to: &out)
            ByteCoding.appendLittleEndian(band.share.bitPattern, to: &out)
            ByteCoding.appendLittleEndian(UInt32(band.sampled), to: &out)
            out += WindowedRecord.encoded(band.examples)
        }
        out += WindowedRecord.encoded(randomSample)
        return out
    }

    /// Size of a band's fixed part.
    private static let bandHeaderSize = 8 + 8 + 4 + 4 + 8 + 4

    /// Decodes a stored value; nil when its length does not match what it declares.
    public init?(encoded bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 4 else { return nil }
        let count = Int(ByteCoding.readLittleEndian(UInt32.self, bytes, at: 0))
        guard count <= bytes.count / Self.bandHeaderSize else { return nil }
        var offset = 4
        var bands: [ActivationBand] = []
        for _ in 0..<count {
            guard offset + Self.bandHeaderSize <= bytes.count else { return nil }
            func double(_ at: Int) -> Double { Double(bitPattern: ByteCoding.readLittleEndian(UInt64.self, bytes, at: offset + at)) }
            let lowerQuantile = double(0), upperQuantile = double(8)
            let lowerValue = ByteCoding.readFloat(bytes, at: offset + 16), upperValue = ByteCoding.readFloat(bytes, at: offset + 20)
            let share = double(24)
            let sampled = Int(ByteCoding.readLittleEndian(UInt32.self, bytes, at: offset + 32))
            offset += Self.bandHeaderSize
            guard let examples = WindowedRecord.decoded(bytes, from: &offset) else { return nil }
            bands.append(ActivationBand(lowerQuantile: lowerQuantile, upperQuantile: upperQuantile, lowerValue: lowerValue,
                                        upperValue: upperValue, share: share, sampled: sampled, examples: examples))
        }
        guard let randomSample = WindowedRecord.decoded(bytes, from: &offset), offset == bytes.count else { return nil }
        self.init(bands: bands, randomSample: randomSample)
    }
}

/// The band sample of a store: the positions the bands' examples are chosen from (stored in
/// `meta` as `band_sample`; an append or a merge continues it).
public enum BandSamplePositions {
    /// count u32, then (document u32, position u32) per position, little-endian.
    public static func encoded(_ positions: [SamplePosition]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(4 + 8 * positions.count)
        ByteCoding.appendLittleEndian(UInt32(positions.count), to: &out)
        for p in positions {
            ByteCoding.appendLittleEndian(p.document, to: &out)
            ByteCoding.appendLittleEndian(p.position, to: &out)
        }
        return out
    }

    /// Decodes a stored value; nil when its length does not match its count.
    public static func decoded(_ bytes: UnsafeRawBufferPointer) -> [SamplePosition]? {
        guard bytes.count >= 4 else { return nil }
        let count = Int(ByteCoding.readLittleEndian(UInt32.self, bytes, at: 0))
        guard bytes.count == 4 + 8 * count else { return nil }
        return (0..<count).map { i in
            SamplePosition(document: ByteCoding.readLittleEndian(UInt32.self, bytes, at: 4 + 8 * i),
                           position: ByteCoding.readLittleEndian(UInt32.self, bytes, at: 8 + 8 * i))
        }
    }
}
