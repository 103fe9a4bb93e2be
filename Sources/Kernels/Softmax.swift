import Foundation

/// Softmax of `count` values in place: x[i] = exp(x[i] − max) / Σ exp(x[j] − max).
/// Vectorized; the exponential is within 2 ulps (see `exponential`).
public func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
    guard count > 0 else { return }
    let total = exponentiateShifted(x, count: count)
    let inverse = Vector(repeating: 1 / total)
    var index = 0
    while index + vectorWidth <= count {
        storeVector(loadVector(x + index) * inverse, x + index)
        index += vectorWidth
    }
    while index < count {
        x[index] *= inverse[0]
        index += 1
    }
}

/// x[i] = exp(x[i] − max x) in place; returns Σ x[i] afterwards. `count` > 0.
@inline(__always)
func exponentiateShifted(_ x: UnsafeMutablePointer<Float>, count: Int) -> Float {
    var largest = Vector(repeating: x[0])
    var index = 0
    while index + vectorWidth <= count {
        largest = maximum(largest, loadVector(x + index))
        index += vectorWidth
    }
    var top = largest.max()
    for tail in index..<count { top = max(top, x[tail]) }

    let shift = Vector(repeating: top)
    var sums = Vector()
    index = 0
    while index + vectorWidth <= count {
        let value = exponential(loadVector(x + index) - shift)
        storeVector(value, x + index)
        sums += value
        index += vectorWidth
    }
    let lanes = count - index
    if lanes > 0 {
        var value = exponential(loadPartialVector(x + index, count: lanes) - shift)
        for lane in lanes..<vectorWidth { value[lane] = 0 }
        storePartialVector(value, x + index, count: lanes)
        sums += value
    }
    return sums.sum()
}

extension Reference {
    /// Softmax of `x`, computed in `Double`.
    public static func softmax(_ x: [Float]) -> [Float] {
        guard let maximum = x.max() else { return [] }
        let exponentials = x.map { Foundation.exp(Double($0) - Double(maximum)) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { Float($0 / total) }
    }
}
