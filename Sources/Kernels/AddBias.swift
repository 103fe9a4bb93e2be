/// Adds `bias` [width] to every row of `x` [rows, width], in place.
public func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>) {
    for row in 0..<rows {
        addScaled(bias, times: 1, to: x + row * width, count: width)
    }
}

extension Reference {
    /// `x` [rows, width] with `bias` [width] added to every row.
    public static func addBias(_ x: [Float], rows: Int, width: Int, bias: [Float]) -> [Float] {
        (0..<(rows * width)).map { x[$0] + bias[$0 % width] }
    }
}
