/// xoshiro256** (Blackman & Vigna 2018), seeded through splitmix64: the generator of the analyses.
///
/// Fast, 256 bits of state, and the same stream on every platform and Swift version. Every
/// randomized step of the analyses draws from one of these, so that a seed reproduces a result
/// exactly. Use `next(below:)`, `nextUnit()` and `shuffle(_:using:)` rather than the standard
/// library's `random(in:using:)`/`shuffle(using:)`, whose algorithms are not guaranteed stable.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose state is four successive splitmix64 outputs from `seed`.
    public init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    /// A generator for one independent stream of a seed, e.g. `(seed, neuron, step)`.
    public init(seed: UInt64, stream: UInt64...) {
        self.init(seed: deriveSeed(seed, stream))
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform integer in `0..<bound` (Lemire's multiply-shift with rejection; unbiased).
    /// `bound` must be positive.
    public mutating func next(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let n = UInt64(bound)
        var product = next().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n
            while product.low < threshold {
                product = next().multipliedFullWidth(by: n)
            }
        }
        return Int(product.high)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}

/// Mixes a seed with stream identifiers into a new seed (splitmix64 finalizer per step), so
/// that streams for different neurons or analysis steps are independent of each other and of
/// the order in which they are used.
public func deriveSeed(_ seed: UInt64, _ streams: [UInt64]) -> UInt64 {
    var mixer = SplitMix64(seed: seed)
    var value = mixer.next()
    for stream in streams {
        var step = SplitMix64(seed: value ^ (stream &* 0xD1B5_4A32_D192_ED03))
        value = step.next()
    }
    return value
}

/// splitmix64 (Steele, Lea & Flood 2014): a tiny seeded generator, the recommended seeder for
/// xoshiro, and the stream of random model weights and benchmark data.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The step added to the state before each output (2^64 / golden ratio).
    public static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.mix(state)
    }

    /// The output function: a well-mixed 64-bit hash of `z`.
    public static func mix(_ z: UInt64) -> UInt64 {
        var z = z
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@inline(__always)
private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
    (x << k) | (x >> (64 - k))
}
