import Foundation
import CKernels

/// GPT-2's activation, HF `NewGELUActivation` (the tanh approximation of GELU), in place on
/// `x` [rows, width], after adding `bias` [width] to every row when given:
///
///     gelu_new(x) = 0.5 · x · (1 + tanh(sqrt(2/π) · (x + 0.044715 · x³)))
///
/// tanh is a rational approximation within a few float ulps of the true value (see
/// `Reference.geluNewApproximation`), evaluated in C on `instructions`' widest vectors, with
/// the same bits on every instruction set. Rows are split over `threads` threads.
public func geluNew(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                    bias: UnsafePointer<Float>? = nil, threads: Int = 1, instructions: InstructionSet = .best) {
    forEachRowChunkInParallel(rows, threads: threads) { chunk in
        for row in chunk { neurodex_gelu_new(instructions.rawValue, x + row * width, width, bias) }
    }
}

/// `geluNew` on one block of a matrix (the epilogue of `blockedSgemm`), on this thread: each
/// row of `block` after adding `bias` [n] (the block's columns of it). The same values as
/// `geluNew` on the whole matrix: the function is elementwise.
public func geluNew(_ block: SgemmBlock, bias: UnsafePointer<Float>?) {
    let instructions = InstructionSet.best.rawValue
    block.forEachRow(bias: bias) { neurodex_gelu_new(instructions, $0, $1, $2) }
}

extension Reference {
    /// gelu_new as the kernel evaluates it, one value at a time in `Float`, each operation
    /// rounded on its own: the kernel must give these bits on every instruction set. tanh is a
    /// 13/6-degree odd/even rational function, accurate to a few ulps on [−9, 9]; outside that
    /// range tanh is ±1 in single precision, so its input is clamped to it. Coefficients are
    /// those of Eigen's `generic_fast_tanh_float`.
    public static func geluNewApproximation(_ x: [Float], bias: [Float]? = nil) -> [Float] {
        x.indices.map { i in
            let value = bias.map { x[i] + $0[i] } ?? x[i]
            let inner: Float = 0.7978845608028654 * (value + 0.044715 * (value * value * value))
            var t = inner
            if t > 9 { t = 9 }
            if t < -9 { t = -9 }
            let t2 = t * t
            var numerator = t2 * Float(-2.76076847742355e-16) + Float(2.00018790482477e-13)
            numerator = numerator * t2 + Float(-8.60467152213735e-11)
            numerator = numerator * t2 + Float(5.12229709037114e-08)
            numerator = numerator * t2 + Float(1.48572235717979e-05)
            numerator = numerator * t2 + Float(6.37261928875436e-04)
            numerator = numerator * t2 + Float(4.89352455891786e-03)
            numerator = numerator * t
            var denominator = t2 * Float(1.19825839466702e-06) + Float(1.18534705686654e-04)
            denominator = denominator * t2 + Float(2.26843463243900e-03)
            denominator = denominator * t2 + Float(4.89352518554385e-03)
            return 0.5 * value * (1 + numerator / denominator)
        }
    }

    /// gelu_new of each value, computed in `Double` with the library tanh.
    public static func geluNew(_ x: [Float]) -> [Float] {
        x.map { value in
            let v = Double(value)
            let inner = (2.0 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)
            return Float(0.5 * v * (1 + Foundation.tanh(inner)))
        }
    }
}
