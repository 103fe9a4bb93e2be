import CKernels
import Foundation

/// SiLU (swish), x · sigmoid(x) = x / (1 + exp(−x)), the activation of Llama's MLP.
@inline(__always)
public func silu(_ x: Float) -> Float {
    x / (1 + exp(-x))
}

/// The gated MLP activation of Llama (SwiGLU), HF `act_fn(gate_proj(x)) * up_proj(x)`:
///
///     hidden[r, i] = silu(gateUp[r, i]) · gateUp[r, width + i]
///
/// `gateUp` [rows, 2·width] holds each row's gate projection followed by its up projection (one
/// matrix product with the two weights stacked); `hidden` is [rows, width] and must not
/// overlap `gateUp`. exp is the vectorized `exponential` (within 2 ulps), evaluated in C on
/// `instructions`' widest vectors with the bits of `Reference.swiGLUInKernelOrder` on every
/// instruction set. Rows are split over `threads` threads.
public func swiGLU(_ gateUp: UnsafePointer<Float>, into hidden: UnsafeMutablePointer<Float>,
                   rows: Int, width: Int, threads: Int = 1, instructions: InstructionSet = .best) {
    let chunks = min(rows, max(1, threads))
    forEachJobInParallel(chunks, threads: chunks) { chunk in
        for row in (rows * chunk / chunks)..<(rows * (chunk + 1) / chunks) {
            neurodex_swiglu(instructions.rawValue, gateUp + row * 2 * width, hidden + row * width, width)
        }
    }
}

extension Reference {
    /// `swiGLU` one value at a time, as the kernel computes it: e^−g by `exponential` for the
    /// values in whole groups of 8 of a row, by libm's `exp` for the last width mod 8. The kernel
    /// must give these bits.
    public static func swiGLUInKernelOrder(_ gateUp: [Float], rows: Int, width: Int) -> [Float] {
        var hidden = [Float](repeating: 0, count: rows * width)
        for row in 0..<rows {
            for i in 0..<width {
                let gate = gateUp[row * 2 * width + i], up = gateUp[row * 2 * width + width + i]
                let e = i < width / vectorWidth * vectorWidth ? exponential(Vector(repeating: -gate))[0] : exp(-gate)
                hidden[row * width + i] = gate / (1 + e) * up
            }
        }
        return hidden
    }

    /// silu(gate) · up for each row of `gateUp` [rows, 2·width] (see `swiGLU`), in `Double`.
    public static func swiGLU(_ gateUp: [Float], rows: Int, width: Int) -> [Float] {
        var hidden = [Float](repeating: 0, count: rows * width)
        for row in 0..<rows {
            for i in 0..<width {
                let gate = Double(gateUp[row * 2 * width + i])
                let up = Double(gateUp[row * 2 * width + width + i])
                hidden[row * width + i] = Float(gate / (1 + Foundation.exp(-gate)) * up)
            }
        }
        return hidden
    }
}
