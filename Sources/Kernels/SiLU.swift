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
/// overlap `gateUp`.
public func swiGLU(_ gateUp: UnsafePointer<Float>, into hidden: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
    for row in 0..<rows {
        let gate = gateUp + row * 2 * width
        let up = gate + width
        let output = hidden + row * width
        for i in 0..<width {
            output[i] = silu(gate[i]) * up[i]
        }
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
