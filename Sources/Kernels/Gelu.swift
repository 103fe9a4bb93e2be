import Foundation

/// The exact GELU, HF `GELUActivation` (`hidden_act` "gelu", as in Pythia), in place on `x`
/// [rows, width], after adding `bias` [width] to every row when given:
///
///     gelu(x) = x · Φ(x) = 0.5 · x · erfc(−x / √2)
///
/// Written with erfc rather than 1 + erf(x / √2) so that the left tail, where the two terms
/// cancel, keeps its relative precision. Rows are split over `threads` threads.
public func gelu(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                 bias: UnsafePointer<Float>? = nil, threads: Int = 1) {
    forEachRowChunkInParallel(rows, threads: threads) { chunk in
        for row in chunk { geluRow(x + row * width, width: width, bias: bias) }
    }
}

/// `gelu` on one block of a matrix (the epilogue of `blockedSgemm`), on this thread: each row
/// of `block` after adding `bias` [n] (the block's columns of it). The same values as `gelu`
/// on the whole matrix: the function is elementwise.
public func gelu(_ block: SgemmBlock, bias: UnsafePointer<Float>?) {
    block.forEachRow(bias: bias) { geluRow($0, width: $1, bias: $2) }
}

/// gelu(values + bias) in place for one row of `width` values.
@inline(__always)
private func geluRow(_ values: UnsafeMutablePointer<Float>, width: Int, bias: UnsafePointer<Float>?) {
    for i in 0..<width {
        let input = bias.map { values[i] + $0[i] } ?? values[i]
        values[i] = 0.5 * input * erfc(-input * inverseSquareRootOfTwo)
    }
}

/// 1 / √2
private let inverseSquareRootOfTwo: Float = 0.70710678118654752

extension Reference {
    /// The exact GELU of each value, 0.5 · x · erfc(−x / √2), computed in `Double`.
    public static func gelu(_ x: [Float]) -> [Float] {
        x.map { value in
            let v = Double(value)
            return Float(0.5 * v * Foundation.erfc(-v / 2.0.squareRoot()))
        }
    }
}
