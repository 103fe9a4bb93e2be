import Foundation

/// GPT-2's activation, HF `NewGELUActivation` (the tanh approximation of GELU), in place on
/// `x` [rows, width], after adding `bias` [width] to every row when given:
///
///     gelu_new(x) = 0.5 · x · (1 + tanh(sqrt(2/π) · (x + 0.044715 · x³)))
///
/// tanh is evaluated with a vectorized rational approximation, within a few float ulps of the
/// true value (see `tanhApproximation`). Rows are split over `threads` threads.
public func geluNew(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                    bias: UnsafePointer<Float>? = nil, threads: Int = 1) {
    forEachRowChunkInParallel(rows, threads: threads) { chunk in
        for row in chunk { geluNewRow(x + row * width, width: width, bias: bias) }
    }
}

/// `geluNew` on one block of a matrix (the epilogue of `blockedSgemm`), on this thread: each
/// row of `block` after adding `bias` [n] (the block's columns of it). The same values as
/// `geluNew` on the whole matrix: the function is elementwise.
public func geluNew(_ block: SgemmBlock, bias: UnsafePointer<Float>?) {
    block.forEachRow(bias: bias) { geluNewRow($0, width: $1, bias: $2) }
}

/// gelu_new(values + bias) in place for one row of `width` values.
@inline(__always)
private func geluNewRow(_ values: UnsafeMutablePointer<Float>, width: Int, bias: UnsafePointer<Float>?) {
    var index = 0
    while index + vectorWidth <= width {
        var input = loadVector(values + index)
        if let bias { input += loadVector(bias + index) }
        storeVector(geluNew(input), values + index)
        index += vectorWidth
    }
    let lanes = width - index
    if lanes > 0 {
        var input = loadPartialVector(values + index, count: lanes)
        if let bias { input += loadPartialVector(bias + index, count: lanes) }
        storePartialVector(geluNew(input), values + index, count: lanes)
    }
}

@inline(__always)
func geluNew(_ x: Vector) -> Vector {
    let inner = geluScale * (x + 0.044715 * (x * x * x))
    return 0.5 * x * (1 + tanhApproximation(inner))
}

/// sqrt(2/π)
private let geluScale: Float = 0.7978845608028654

/// tanh(x) by a 13/6-degree odd/even rational function, accurate to a few ulps on [−9, 9];
/// outside that range tanh is ±1 in single precision, so inputs are clamped to it.
/// Coefficients are those of Eigen's `generic_fast_tanh_float`.
@inline(__always)
func tanhApproximation(_ value: Vector) -> Vector {
    // (`replace(with:where:)` inlines; `clamped` calls out to generic min/max.)
    var x = value
    x.replace(with: 9, where: x .> 9)
    x.replace(with: -9, where: x .< -9)
    let x2 = x * x
    var numerator = x2 * Float(-2.76076847742355e-16) + Float(2.00018790482477e-13)
    numerator = numerator * x2 + Float(-8.60467152213735e-11)
    numerator = numerator * x2 + Float(5.12229709037114e-08)
    numerator = numerator * x2 + Float(1.48572235717979e-05)
    numerator = numerator * x2 + Float(6.37261928875436e-04)
    numerator = numerator * x2 + Float(4.89352455891786e-03)
    numerator = numerator * x
    var denominator = x2 * Float(1.19825839466702e-06) + Float(1.18534705686654e-04)
    denominator = denominator * x2 + Float(2.26843463243900e-03)
    denominator = denominator * x2 + Float(4.89352518554385e-03)
    return numerator / denominator
}

extension Reference {
    /// gelu_new of each value, computed in `Double` with the library tanh.
    public static func geluNew(_ x: [Float]) -> [Float] {
        x.map { value in
            let v = Double(value)
            let inner = (2.0 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)
            return Float(0.5 * v * (1 + Foundation.tanh(inner)))
        }
    }
}
