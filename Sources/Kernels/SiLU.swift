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
/// overlap `gateUp`. exp is the vectorized `exponential` (within 2 ulps). Rows are split over
/// `threads` threads.
public func swiGLU(_ gateUp: UnsafePointer<Float>, into hidden: UnsafeMutablePointer<Float>,
                   rows: Int, width: Int, threads: Int = 1) {
    let chunks = min(rows, max(1, threads))
    forEachJobInParallel(chunks, threads: chunks) { chunk in
        for row in (rows * chunk / chunks)..<(rows * (chunk + 1) / chunks) {
            swiGLURow(gateUp + row * 2 * width, into: hidden + row * width, width: width)
        }
    }
}

@inline(__always)
private func swiGLURow(_ gate: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, width: Int) {
    let up = gate + width
    var index = 0
    while index + vectorWidth <= width {
        let g = loadVector(gate + index)
        storeVector(g / (1 + exponential(-g)) * loadVector(up + index), output + index)
        index += vectorWidth
    }
    while index < width {
        output[index] = silu(gate[index]) * up[index]
        index += 1
    }
}

extension Reference {
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
