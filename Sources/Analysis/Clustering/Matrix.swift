/// A dense row-major matrix of doubles: `values[row * columns + column]`.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// [rows, columns] row-major.
    public var values: [Double]

    /// Wraps `values`, which must hold exactly rows × columns finite numbers.
    public init(rows: Int, columns: Int, values: [Double]) throws {
        guard rows >= 0, columns >= 0 else {
            throw AnalysisError.invalidParameter(name: "matrix shape", value: "\(rows)×\(columns)", reason: "must not be negative")
        }
        guard values.count == rows * columns else {
            throw AnalysisError.lengthMismatch(what: "\(rows)×\(columns) matrix", expected: rows * columns, found: values.count)
        }
        try requireFinite(values, "matrix")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Widens single-precision `values` (e.g. stored embeddings) to double.
    public init(rows: Int, columns: Int, widening values: [Float]) throws {
        try self.init(rows: rows, columns: columns, values: values.map(Double.init))
    }

    /// An all-zero matrix.
    public init(zeros rows: Int, _ columns: Int) {
        self.rows = rows
        self.columns = columns
        self.values = [Double](repeating: 0, count: rows * columns)
    }

    @inline(__always)
    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// The given rows, in the given order.
    public func selectingRows(_ indices: [Int]) -> Matrix {
        var result = Matrix(zeros: indices.count, columns)
        for (r, index) in indices.enumerated() {
            result.values.replaceSubrange(r * columns..<(r + 1) * columns,
                                          with: values[index * columns..<(index + 1) * columns])
        }
        return result
    }

    /// The square submatrix over the given rows and the same columns (for a square matrix).
    public func principalSubmatrix(_ indices: [Int]) -> Matrix {
        var result = Matrix(zeros: indices.count, indices.count)
        for (r, i) in indices.enumerated() {
            for (c, j) in indices.enumerated() { result[r, c] = self[i, j] }
        }
        return result
    }
}
