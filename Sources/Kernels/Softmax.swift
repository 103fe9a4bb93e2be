import Foundation

/// Softmax of `count` values in place: x[i] = exp(x[i] − max) / Σ exp(x[j] − max).
public func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
    guard count > 0 else { return }
    var maximum = x[0]
    for index in 1..<count where x[index] > maximum { maximum = x[index] }
    var total: Float = 0
    for index in 0..<count {
        let value = exp(x[index] - maximum)
        x[index] = value
        total += value
    }
    let inverse = 1 / total
    for index in 0..<count { x[index] *= inverse }
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
