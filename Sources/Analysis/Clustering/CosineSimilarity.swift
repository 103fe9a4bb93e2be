import COpenBLAS

/// Rows scaled to unit Euclidean length. Throws `zeroVector` for a zero row.
public func unitRows(_ matrix: Matrix) throws -> Matrix {
    var result = matrix
    let d = matrix.columns
    let zeroRow: Int? = result.values.withUnsafeMutableBufferPointer { values in
        for row in 0..<matrix.rows {
            let start = row * d
            var squares = 0.0
            for k in start..<(start + d) { squares += values[k] * values[k] }
            guard squares > 0 else { return row }
            let scale = 1 / squares.squareRoot()
            for k in start..<(start + d) { values[k] *= scale }
        }
        return nil
    }
    if let zeroRow { throw AnalysisError.zeroVector(row: zeroRow) }
    return result
}

/// [n, n] cosine similarities between the rows of `embeddings` ([n, d]), in double precision:
/// the rows are normalized, then S = U Uᵀ with BLAS `dsyrk` (upper triangle, mirrored).
public func cosineSimilarityMatrix(_ embeddings: Matrix) throws -> Matrix {
    let unit = try unitRows(embeddings)
    let n = unit.rows, d = unit.columns
    var similarity = Matrix(zeros: n, n)
    guard n > 0 else { return similarity }
    unit.values.withUnsafeBufferPointer { u in
        similarity.values.withUnsafeMutableBufferPointer { s in
            // C (n×n, upper) = 1 · A Aᵀ with A = U (n×d, row-major, leading dimension d).
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(n), Int32(d),
                        1, u.baseAddress, Int32(max(d, 1)), 0, s.baseAddress, Int32(n))
        }
    }
    for i in 0..<n {
        similarity[i, i] = 1
        for j in (i + 1)..<n {
            let value = max(-1, min(1, similarity[i, j]))
            similarity[i, j] = value
            similarity[j, i] = value
        }
    }
    return similarity
}

/// Reference for `cosineSimilarityMatrix`: u·v / (‖u‖‖v‖) pair by pair, the obvious loops.
public func cosineSimilarityMatrixReference(_ embeddings: Matrix) throws -> Matrix {
    let n = embeddings.rows, d = embeddings.columns
    var norms = [Double](repeating: 0, count: n)
    for i in 0..<n {
        for k in 0..<d { norms[i] += embeddings[i, k] * embeddings[i, k] }
        guard norms[i] > 0 else { throw AnalysisError.zeroVector(row: i) }
        norms[i] = norms[i].squareRoot()
    }
    var similarity = Matrix(zeros: n, n)
    for i in 0..<n {
        for j in 0..<n {
            var dot = 0.0
            for k in 0..<d { dot += embeddings[i, k] * embeddings[j, k] }
            similarity[i, j] = i == j ? 1 : max(-1, min(1, dot / (norms[i] * norms[j])))
        }
    }
    return similarity
}

/// Cosine distances 1 − s from a similarity matrix: [n, n], zero diagonal, in [0, 2].
public func cosineDistances(similarity: Matrix) -> Matrix {
    var distances = similarity
    for i in 0..<similarity.rows {
        for j in 0..<similarity.columns {
            distances[i, j] = i == j ? 0 : max(0, min(2, 1 - similarity[i, j]))
        }
    }
    return distances
}

/// The upper triangle of a square matrix as a condensed vector (pairs (0,1), (0,2), …, (1,2), …),
/// the layout of `scipy.spatial.distance.pdist`.
public func condensed(_ square: Matrix) -> [Double] {
    let n = square.rows
    var result: [Double] = []
    result.reserveCapacity(n * (n - 1) / 2)
    for i in 0..<n {
        for j in (i + 1)..<n { result.append(square[i, j]) }
    }
    return result
}
