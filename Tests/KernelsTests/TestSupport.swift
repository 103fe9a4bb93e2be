// Deterministic random data and error measures for the kernel tests.

/// SplitMix64: a tiny seeded generator so every test run sees the same data.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `count` uniform values in `range`.
func randomValues(_ count: Int, in range: ClosedRange<Float> = -1...1, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Float.random(in: range, using: &generator) }
}

/// max |a − b| / max |b|: the error relative to the reference tensor's largest magnitude.
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "compared tensors differ in size")
    var difference: Float = 0
    var scale: Float = 0
    for (x, y) in zip(a, b) {
        difference = max(difference, abs(x - y))
        scale = max(scale, abs(y))
    }
    return scale == 0 ? difference : difference / scale
}
