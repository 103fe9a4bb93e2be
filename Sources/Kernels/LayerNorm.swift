/// Layer normalization of each row of `x` [rows, width], as torch.nn.LayerNorm:
///
///     y = (x − mean) / sqrt(variance + epsilon) · weight + bias
///
/// with the biased variance (divided by `width`). `weight` and `bias` are [width]. `y` [rows, width]
/// may be the same memory as `x` (in place), but must not otherwise overlap it. Rows are split
/// over `threads` threads.
public func layerNorm(
    _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, width: Int,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float, threads: Int = 1
) {
    precondition(width > 0 || rows == 0, "layerNorm needs a positive width")
    forEachRowChunkInParallel(rows, threads: threads) { chunk in
        for row in chunk {
            layerNormRow(x + row * width, into: y + row * width, width: width,
                         weight: weight, bias: bias, epsilon: epsilon)
        }
    }
}

/// `layerNorm` of `x` into `y`, then `x += residualBias` [width] on every row, in one pass over
/// `x` (each row is still in cache when the bias is added): the same values as `layerNorm`
/// followed by `addBias(x, …, bias: residualBias)`. For a residual stream whose next projection
/// accumulates into it (beta = 1) after its bias. `y` must not overlap `x`.
public func layerNorm(
    _ x: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, width: Int,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float,
    thenAddingToInput residualBias: UnsafePointer<Float>, threads: Int = 1
) {
    precondition(width > 0 || rows == 0, "layerNorm needs a positive width")
    precondition(x + rows * width <= y || y + rows * width <= x, "layerNorm(thenAddingToInput:) needs y apart from x")
    forEachRowChunkInParallel(rows, threads: threads) { chunk in
        for row in chunk {
            layerNormRow(x + row * width, into: y + row * width, width: width,
                         weight: weight, bias: bias, epsilon: epsilon)
            addScaled(residualBias, times: 1, to: x + row * width, count: width)
        }
    }
}

@inline(__always)
private func layerNormRow(
    _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, width: Int,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float
) {
    let count = Float(width)
    let mean = sum(input, count: width) / count

    // Two passes (mean, then squared deviations) keep the variance accurate for rows
    // with a large mean, where E[x²] − mean² would cancel.
    var squares = Vector()
    var index = 0
    let meanVector = Vector(repeating: mean)
    while index + vectorWidth <= width {
        let deviation = loadVector(input + index) - meanVector
        squares += deviation * deviation
        index += vectorWidth
    }
    var variance = squares.sum()
    while index < width {
        let deviation = input[index] - mean
        variance += deviation * deviation
        index += 1
    }
    variance /= count

    let inverseDeviation = 1 / (variance + epsilon).squareRoot()
    let scale = Vector(repeating: inverseDeviation)
    index = 0
    while index + vectorWidth <= width {
        let normalized = (loadVector(input + index) - meanVector) * scale
        storeVector(normalized * loadVector(weight + index) + loadVector(bias + index), output + index)
        index += vectorWidth
    }
    while index < width {
        output[index] = (input[index] - mean) * inverseDeviation * weight[index] + bias[index]
        index += 1
    }
}

extension Reference {
    /// Layer normalization of each row of `x` [rows, width] (see `layerNorm`).
    public static func layerNorm(
        _ x: [Float], rows: Int, width: Int, weight: [Float], bias: [Float], epsilon: Float
    ) -> [Float] {
        var y = [Float](repeating: 0, count: rows * width)
        for row in 0..<rows {
            let values = (0..<width).map { Double(x[row * width + $0]) }
            let mean = values.reduce(0, +) / Double(width)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
            let deviation = (variance + Double(epsilon)).squareRoot()
            for column in 0..<width {
                let normalized = (values[column] - mean) / deviation
                y[row * width + column] = Float(normalized * Double(weight[column]) + Double(bias[column]))
            }
        }
        return y
    }
}
