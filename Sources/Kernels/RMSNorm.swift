/// Root-mean-square normalization of each row of `x` [rows, width], as HF `LlamaRMSNorm`:
///
///     y = weight · (x / sqrt(mean(x²) + epsilon))
///
/// `weight` is [width]. `y` [rows, width] may be the same memory as `x` (in place), but must
/// not otherwise overlap it. Rows are split over `threads` threads.
public func rmsNorm(
    _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, width: Int,
    weight: UnsafePointer<Float>, epsilon: Float, threads: Int = 1
) {
    precondition(width > 0 || rows == 0, "rmsNorm needs a positive width")
    let chunks = min(rows, max(1, threads))
    forEachJobInParallel(chunks, threads: chunks) { chunk in
        for row in (rows * chunk / chunks)..<(rows * (chunk + 1) / chunks) {
            rmsNormRow(x + row * width, into: y + row * width, width: width, weight: weight, epsilon: epsilon)
        }
    }
}

@inline(__always)
private func rmsNormRow(
    _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, width: Int,
    weight: UnsafePointer<Float>, epsilon: Float
) {
    var squares = Vector()
    var index = 0
    while index + vectorWidth <= width {
        let value = loadVector(input + index)
        squares += value * value
        index += vectorWidth
    }
    var sumOfSquares = squares.sum()
    while index < width {
        sumOfSquares += input[index] * input[index]
        index += 1
    }

    let inverseRoot = 1 / (sumOfSquares / Float(width) + epsilon).squareRoot()
    let scale = Vector(repeating: inverseRoot)
    index = 0
    while index + vectorWidth <= width {
        storeVector(loadVector(weight + index) * (loadVector(input + index) * scale), output + index)
        index += vectorWidth
    }
    while index < width {
        output[index] = weight[index] * (input[index] * inverseRoot)
        index += 1
    }
}

extension Reference {
    /// RMS normalization of each row of `x` [rows, width] (see `rmsNorm`), computed in `Double`.
    public static func rmsNorm(_ x: [Float], rows: Int, width: Int, weight: [Float], epsilon: Float) -> [Float] {
        var y = [Float](repeating: 0, count: rows * width)
        for row in 0..<rows {
            let values = x[(row * width)..<((row + 1) * width)].map(Double.init)
            let meanSquare = values.reduce(0) { $0 + $1 * $1 } / Double(width)
            let inverseRoot = 1 / (meanSquare + Double(epsilon)).squareRoot()
            for i in 0..<width {
                y[row * width + i] = Float(Double(weight[i]) * values[i] * inverseRoot)
            }
        }
        return y
    }
}
