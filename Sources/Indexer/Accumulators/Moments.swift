/// Count, mean and central moment sums M2…M4 of a stream, mergeable exactly (Pébay 2008).
public struct Moments: Sendable, Equatable, Codable {
    public var count: Double = 0
    public var mean: Double = 0
    public var m2: Double = 0
    public var m3: Double = 0
    public var m4: Double = 0

    public init() {}

    public init(count: Double, mean: Double, m2: Double, m3: Double, m4: Double) {
        self.count = count; self.mean = mean; self.m2 = m2; self.m3 = m3; self.m4 = m4
    }

    /// Moments of `values` computed directly (two passes): the reference for the streaming path.
    public init<C: Collection>(values: C) where C.Element == Double {
        count = Double(values.count)
        guard count > 0 else { return }
        mean = values.reduce(0, +) / count
        for v in values {
            let d = v - mean, d2 = d * d
            m2 += d2; m3 += d2 * d; m4 += d2 * d2
        }
    }

    /// Moments of n values from their power sums S_p = Σ (x − shift)^p, p = 1…4. Exact in
    /// exact arithmetic; with `shift` near the mean the cancellation is small.
    public init(count n: Double, shift: Double, powerSums s: (Double, Double, Double, Double)) {
        guard n > 0 else { self.init(); return }
        let (s1, s2, s3, s4) = s
        let a = s1 / n                        // mean − shift
        self.init(count: n, mean: shift + a,
                  m2: s2 - s1 * a,
                  m3: s3 - 3 * a * s2 + 2 * a * a * s1,
                  m4: s4 - 4 * a * s3 + 6 * a * a * s2 - 3 * a * a * a * s1)
    }

    /// Combines the moments of two disjoint parts of a stream.
    public static func combine(_ a: Moments, _ b: Moments) -> Moments {
        if a.count == 0 { return b }
        if b.count == 0 { return a }
        let n = a.count + b.count
        let delta = b.mean - a.mean
        let d2 = delta * delta
        let ab = a.count * b.count
        var r = Moments()
        r.count = n
        r.mean = a.mean + delta * b.count / n
        r.m2 = a.m2 + b.m2 + d2 * ab / n
        r.m3 = a.m3 + b.m3 + d2 * delta * ab * (a.count - b.count) / (n * n)
            + 3 * delta * (a.count * b.m2 - b.count * a.m2) / n
        r.m4 = a.m4 + b.m4
            + d2 * d2 * ab * (a.count * a.count - ab + b.count * b.count) / (n * n * n)
            + 6 * d2 * (a.count * a.count * b.m2 + b.count * b.count * a.m2) / (n * n)
            + 4 * delta * (a.count * b.m3 - b.count * a.m3) / n
        return r
    }

    /// Population variance (ddof = 0).
    public var variance: Double { count > 0 ? m2 / count : .nan }
    /// Biased sample skewness (scipy.stats.skew default); 0 for a constant stream.
    public var skewness: Double { m2 > 0 ? count.squareRoot() * m3 / (m2 * m2.squareRoot()) : 0 }
    /// Excess kurtosis (scipy.stats.kurtosis default, Fisher); −3 for a constant stream is
    /// undefined, so 0 is reported then.
    public var kurtosis: Double { m2 > 0 ? count * m4 / (m2 * m2) - 3 : 0 }
}
