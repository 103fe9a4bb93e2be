import Testing
@testable import Store

@Suite struct HistogramBinsTests {
    let bins = HistogramBins()

    @Test func everyValueFallsInsideItsBin() {
        var generator = SplitMix64(state: 23)
        for _ in 0..<20_000 {
            let x = Float(sign: Bool.random(using: &generator) ? .minus : .plus,
                          exponent: Int.random(in: -14...14, using: &generator),
                          significand: Float.random(in: 1..<2, using: &generator))
            let bin = bins.index(of: x)
            let (lower, upper) = bins.range(ofBin: bin)
            #expect(lower <= x && (x < upper || (bin == bins.zeroBin && x <= upper)), "\(x) in bin \(bin): [\(lower), \(upper))")
        }
    }

    @Test func binsAreInAscendingValueOrder() {
        var previous = -Float.infinity
        for bin in 0..<bins.count {
            let (lower, upper) = bins.range(ofBin: bin)
            #expect(lower >= previous || bin == bins.zeroBin)
            #expect(lower < upper)
            previous = upper
        }
        #expect(bins.count == 323)
        #expect(bins.index(of: 0) == bins.zeroBin)
        #expect(bins.index(of: -0.0) == bins.zeroBin)
        #expect(bins.index(of: 1e6) == bins.count - 1)
        #expect(bins.index(of: -1e6) == 0)
        #expect(bins.index(of: 1) == bins.zeroBin + 1 + 10 * 8)
    }

    @Test func quantilesInterpolateWithinBins() {
        var counts = [UInt32](repeating: 0, count: bins.count)
        let values: [Float] = (1...1000).map { Float($0) / 100 }  // 0.01 … 10
        for v in values { counts[bins.index(of: v)] += 1 }
        let median = bins.quantile(0.5, counts: counts, min: 0.01, max: 10)
        #expect(abs(median - 5) / 5 < 0.1)  // within one bin (9% wide at 8 per octave)
        #expect(bins.quantile(0, counts: counts, min: 0.01, max: 10) >= 0.01)
        #expect(bins.quantile(1, counts: counts, min: 0.01, max: 10) <= 10)
    }
}

/// SplitMix64: a seeded generator, so that a failing draw can be replayed.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
