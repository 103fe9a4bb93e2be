import Foundation

/// Which two values of a head a rotary embedding rotates together (frequency i of d/2).
public enum RotaryPairing: Sendable {
    /// (x[2i], x[2i + 1]): llama.cpp's default rope (GPT-J style). GGUF Llama files need this:
    /// llama.cpp's converter permutes the rows of W_q and W_k so that adjacent pairs of the
    /// permuted projection are exactly the (i, i + d/2) pairs of the original HF model.
    case adjacent
    /// (x[i], x[i + d/2]): HF Llama's `rotate_half` (GPT-NeoX style), on unpermuted weights.
    case halves
}

/// The cosines and sines of rotary position embeddings for positions 0..<positions, computed
/// the way HF Llama does in float32: inverse frequency i = 1 / base^(2i/d) (divided by
/// `frequencyFactors[i]` when given), angle = position · inverse frequency (a float32
/// product), then cos and sin of that angle.
public struct RotaryTable: Sendable {
    public let headDimension: Int
    public let base: Double
    public let positions: Int
    /// [positions, headDimension / 2]
    let cosines: [Float]
    let sines: [Float]

    /// `headDimension` must be even and positive; `frequencyFactors` [headDimension / 2], if
    /// given, divide the inverse frequencies (Llama 3.1's rope scaling, llama.cpp's `rope_freqs`).
    public init(headDimension: Int, base: Double, positions: Int, frequencyFactors: [Float]? = nil) {
        precondition(headDimension > 0 && headDimension % 2 == 0, "rotary head dimension must be even")
        precondition(frequencyFactors.map { $0.count == headDimension / 2 } ?? true, "one frequency factor per frequency")
        self.headDimension = headDimension
        self.base = base
        self.positions = max(0, positions)
        let frequencies = headDimension / 2
        let inverseFrequencies = Self.inverseFrequencies(headDimension: headDimension, base: base).enumerated().map {
            $0.element / (frequencyFactors?[$0.offset] ?? 1)
        }
        var cosines = [Float](repeating: 0, count: self.positions * frequencies)
        var sines = cosines
        for position in 0..<self.positions {
            for i in 0..<frequencies {
                let angle = Double(Float(position) * inverseFrequencies[i])
                cosines[position * frequencies + i] = Float(Foundation.cos(angle))
                sines[position * frequencies + i] = Float(Foundation.sin(angle))
            }
        }
        self.cosines = cosines
        self.sines = sines
    }

    /// The unscaled inverse frequencies, 1 / base^(2i/d) in float32.             // [headDimension / 2]
    public static func inverseFrequencies(headDimension: Int, base: Double) -> [Float] {
        (0..<headDimension / 2).map { i in 1 / Float(Foundation.pow(base, Double(Float(2 * i) / Float(headDimension)))) }
    }
}

/// Rotary position embedding, in place, of the `heads` heads in each row of `x`.
///
/// Row t starts at `x + t · rowStride` and holds `heads` heads, one every `headStride` values
/// (queries or keys; the row may be part of a wider fused q|k|v row). Only the first
/// `table.headDimension` values of each head are rotated: `headStride` nil means heads of
/// exactly that size; a larger one is partial rotary (GPT-NeoX's `rotary_pct`), where the rest
/// of each head passes through. Rows are packed windows of `windowLengths`; a token's position
/// is its index in its window. Each pair (a, b) chosen by `pairing` is rotated by its angle θ:
/// (a·cos θ − b·sin θ, b·cos θ + a·sin θ). Every window must be at most `table.positions` long.
public func applyRotaryEmbedding(
    _ x: UnsafeMutablePointer<Float>, rowStride: Int, heads: Int, headStride: Int? = nil,
    windowLengths: [Int], table: RotaryTable, pairing: RotaryPairing
) {
    let d = table.headDimension
    let headStride = headStride ?? d
    precondition(headStride >= d, "rotary dimensions exceed the head")
    let frequencies = d / 2
    // The second value of pair i sits `step` after the first, which is at `first(i)`.
    let step = pairing == .adjacent ? 1 : frequencies
    let stride = pairing == .adjacent ? 2 : 1
    table.cosines.withUnsafeBufferPointer { cosines in
        table.sines.withUnsafeBufferPointer { sines in
            guard let cosines = cosines.baseAddress, let sines = sines.baseAddress else { return }
            var token = 0
            for length in windowLengths {
                precondition(length <= table.positions, "window longer than the rotary table")
                for position in 0..<length {
                    let cos = cosines + position * frequencies
                    let sin = sines + position * frequencies
                    for head in 0..<heads {
                        let values = x + token * rowStride + head * headStride
                        for i in 0..<frequencies {
                            let a = values[i * stride], b = values[i * stride + step]
                            values[i * stride] = a * cos[i] - b * sin[i]
                            values[i * stride + step] = b * cos[i] + a * sin[i]
                        }
                    }
                    token += 1
                }
            }
        }
    }
}

extension Reference {
    /// Rotary embedding of `x` [tokens, heads · headDimension] at the given `positions`
    /// [tokens] (see `applyRotaryEmbedding`), with angles position · base^(−2i/d) in `Double`.
    public static func rotaryEmbedding(
        _ x: [Float], positions: [Int], heads: Int, headDimension d: Int, base: Double, pairing: RotaryPairing
    ) -> [Float] {
        var y = x
        for (token, position) in positions.enumerated() {
            for head in 0..<heads {
                for i in 0..<(d / 2) {
                    let (first, second) = pairing == .adjacent ? (2 * i, 2 * i + 1) : (i, i + d / 2)
                    let angle = Double(position) * Foundation.pow(base, -Double(2 * i) / Double(d))
                    let offset = token * heads * d + head * d
                    let a = Double(x[offset + first]), b = Double(x[offset + second])
                    y[offset + first] = Float(a * Foundation.cos(angle) - b * Foundation.sin(angle))
                    y[offset + second] = Float(b * Foundation.cos(angle) + a * Foundation.sin(angle))
                }
            }
        }
        return y
    }
}
