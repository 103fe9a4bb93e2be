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

/// [n, n] cosine similarities between the rows of `embeddings` ([n, d]), in double precision.
///
/// The value of a pair depends only on its two vectors, so equal inputs give equal outputs bit
/// for bit, whatever the matrix size, the row order or any thread count:
/// - bitwise-equal rows (the same token's static embedding, or a repeated contextual vector) are
///   one point: their similarity is exactly 1, and each has the same similarity to every other row;
/// - every other pair is u·v of the unit rows, summed in one fixed order (`unitDot`), with no
///   threaded BLAS; the matrix is symmetric with a diagonal of exactly 1, clamped to [−1, 1].
public func cosineSimilarityMatrix(_ embeddings: Matrix) throws -> Matrix {
    let (distinct, point) = distinctRows(embeddings)
    let unit: Matrix  // [points, d]
    do {
        unit = try unitRows(embeddings.selectingRows(distinct))
    } catch AnalysisError.zeroVector(let group) {
        throw AnalysisError.zeroVector(row: distinct[group])
    }
    let points = unit.rows, d = unit.columns
    // [points, points] similarities between the distinct points.
    var between = [Double](repeating: 1, count: points * points)
    unit.values.withUnsafeBufferPointer { u in
        for a in 0..<points {
            for b in (a + 1)..<points {
                let value = max(-1, min(1, unitDot(u.baseAddress! + a * d, u.baseAddress! + b * d, d)))
                between[a * points + b] = value
                between[b * points + a] = value
            }
        }
    }
    let n = embeddings.rows
    var similarity = Matrix(zeros: n, n)
    for i in 0..<n {
        for j in 0..<n { similarity[i, j] = between[point[i] * points + point[j]] }
    }
    return similarity
}

/// The first row of each group of bitwise-equal rows (`distinct`, in row order) and, for every
/// row, the index of its group in `distinct` (`point`, [n]). A zero row is its own group (it
/// fails normalization later) and +0 and −0 count as different bits.
func distinctRows(_ matrix: Matrix) -> (distinct: [Int], point: [Int]) {
    let d = matrix.columns
    var groupOf: [[UInt64]: Int] = [:]
    var distinct: [Int] = []
    var point = [Int](repeating: 0, count: matrix.rows)
    for row in 0..<matrix.rows {
        let bits = matrix.values[(row * d)..<((row + 1) * d)].map(\.bitPattern)
        if let group = groupOf[bits] {
            point[row] = group
        } else {
            groupOf[bits] = distinct.count
            point[row] = distinct.count
            distinct.append(row)
        }
    }
    return (distinct, point)
}

/// u·v over `count` doubles in one fixed order: eight lanes (two SIMD4 accumulators) over the
/// leading multiple of 8, the lanes added pairwise, then the remainder in order. The same two
/// vectors always give the same bits, in either argument order.
@inline(__always)
func unitDot(_ u: UnsafePointer<Double>, _ v: UnsafePointer<Double>, _ count: Int) -> Double {
    var low = SIMD4<Double>(repeating: 0), high = SIMD4<Double>(repeating: 0)
    let rawU = UnsafeRawPointer(u), rawV = UnsafeRawPointer(v)
    var k = 0
    while k + 8 <= count {
        let offset = k * MemoryLayout<Double>.stride
        low += rawU.loadUnaligned(fromByteOffset: offset, as: SIMD4<Double>.self)
            * rawV.loadUnaligned(fromByteOffset: offset, as: SIMD4<Double>.self)
        high += rawU.loadUnaligned(fromByteOffset: offset + 32, as: SIMD4<Double>.self)
            * rawV.loadUnaligned(fromByteOffset: offset + 32, as: SIMD4<Double>.self)
        k += 8
    }
    let lanes = low + high
    var total = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
    while k < count {
        total += u[k] * v[k]
        k += 1
    }
    return total
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
