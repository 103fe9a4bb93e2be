/// The shape of a multi-head attention: `heads` query heads of `headDimension` values that share
/// `keyValueHeads` key/value heads (grouped-query attention when fewer than `heads`; query head
/// h uses key/value head h / (heads / keyValueHeads), as in HF Llama's `repeat_kv`).
public struct AttentionShape: Sendable, Equatable {
    public var heads: Int
    public var keyValueHeads: Int
    public var headDimension: Int

    /// `heads` must be a positive multiple of `keyValueHeads`.
    public init(heads: Int, keyValueHeads: Int, headDimension: Int) {
        precondition(heads > 0 && keyValueHeads > 0 && headDimension > 0, "attention sizes must be positive")
        precondition(heads % keyValueHeads == 0, "heads must be a multiple of keyValueHeads")
        self.heads = heads
        self.keyValueHeads = keyValueHeads
        self.headDimension = headDimension
    }

    /// Floats per token of queries and of the output: heads · headDimension.
    public var queryWidth: Int { heads * headDimension }
    /// Floats per token of keys and of values: keyValueHeads · headDimension.
    public var keyValueWidth: Int { keyValueHeads * headDimension }
}

/// Rows of floats inside a larger buffer: row r starts at `base + r · rowStride`. Lets the
/// attention read queries, keys and values straight out of a fused [tokens, 3·d] projection.
public struct StridedRows {
    public var base: UnsafePointer<Float>
    public var rowStride: Int

    public init(base: UnsafePointer<Float>, rowStride: Int) {
        self.base = base
        self.rowStride = rowStride
    }
}

/// Causal multi-head (or grouped-query) attention over packed windows of tokens.
///
/// Token rows are grouped into consecutive windows of `windowLengths`; a token attends to the
/// tokens of its own window at positions ≤ its own. For query head h and token t:
///
///     output[t, h] = Σ_j softmax_j(scale · q[t, h] · k[j, g]) · v[j, g],   g = kv head of h
///
/// `query` rows hold `shape.queryWidth` floats ([tokens, heads, headDimension]); `key` and
/// `value` rows hold `shape.keyValueWidth`. Rotary embeddings, if any, are applied by the
/// caller beforehand. `output` rows ([tokens, heads·headDimension], stride `outputRowStride`)
/// must not overlap the inputs. `scale` defaults to 1/sqrt(headDimension). Work is split over
/// `threads` threads by (window, head). Sets OpenBLAS to one thread (process-wide).
public func causalAttention(
    query: StridedRows, key: StridedRows, value: StridedRows,
    into output: UnsafeMutablePointer<Float>, outputRowStride: Int,
    windowLengths: [Int], shape: AttentionShape, scale: Float? = nil, threads: Int = 1
) {
    BLAS.setThreadCount(1)
    let scale = scale ?? 1 / Float(shape.headDimension).squareRoot()
    var windowStarts: [Int] = []
    windowStarts.reserveCapacity(windowLengths.count)
    var start = 0
    for length in windowLengths {
        windowStarts.append(start)
        start += length
    }
    forEachJobInParallel(windowLengths.count * shape.heads, threads: threads) { job in
        let window = job / shape.heads
        let head = job % shape.heads
        let group = head / (shape.heads / shape.keyValueHeads)
        let first = windowStarts[window]
        let d = shape.headDimension
        attendWithinWindow(
            query: StridedRows(base: query.base + first * query.rowStride + head * d, rowStride: query.rowStride),
            key: StridedRows(base: key.base + first * key.rowStride + group * d, rowStride: key.rowStride),
            value: StridedRows(base: value.base + first * value.rowStride + group * d, rowStride: value.rowStride),
            into: output + first * outputRowStride + head * d, outputRowStride: outputRowStride,
            length: windowLengths[window], headDimension: d, scale: scale)
    }
}

/// One head over one window of `length` tokens through two single-threaded sgemm calls (with
/// OpenBLAS's AVX-512 kernels 3–6 times faster at 64-token windows than a hand-written SIMD loop
/// over the causal half; see docs/benchmarks.md); the rows given start at the window's first
/// token and the head's first column. Every call's shape depends only on the window's length,
/// so its results do not depend on the other windows of the batch:
///
///     scores[L, L] = scale · Q[L, d] · Kᵀ[d, L]     (the whole square; the causal half is kept)
///     P[i, j] = softmax_{j ≤ i}(scores[i, j]), 0 for j > i
///     output[L, d] = P[L, L] · V[L, d]
private func attendWithinWindow(
    query: StridedRows, key: StridedRows, value: StridedRows,
    into output: UnsafeMutablePointer<Float>, outputRowStride: Int,
    length: Int, headDimension d: Int, scale: Float
) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: length * length) { scratch in
        guard let scores = scratch.baseAddress else { return }  // [length, length]
        sgemm(query.base, key.base, into: scores, m: length, n: length, k: d, transposeB: true, alpha: scale,
              lda: query.rowStride, ldb: key.rowStride, ldc: length)
        for i in 0..<length {
            let row = scores + i * length
            let count = i + 1
            let inverse = Vector(repeating: 1 / exponentiateShifted(row, count: count))
            var j = 0
            while j + vectorWidth <= count {
                storeVector(loadVector(row + j) * inverse, row + j)
                j += vectorWidth
            }
            while j < count {
                row[j] *= inverse[0]
                j += 1
            }
            (row + count).update(repeating: 0, count: length - count)
        }
        sgemm(scores, value.base, into: output, m: length, n: d, k: length,
              lda: length, ldb: value.rowStride, ldc: outputRowStride)
    }
}

extension Reference {
    /// Causal attention (see `causalAttention`) on packed arrays: `query` [tokens, heads·d],
    /// `key` and `value` [tokens, keyValueHeads·d]; returns [tokens, heads·d].
    public static func causalAttention(
        query: [Float], key: [Float], value: [Float],
        windowLengths: [Int], shape: AttentionShape, scale: Float? = nil
    ) -> [Float] {
        let d = shape.headDimension
        let scale = Double(scale ?? 1 / Float(d).squareRoot())
        let tokens = windowLengths.reduce(0, +)
        var output = [Float](repeating: 0, count: tokens * shape.queryWidth)
        var first = 0
        for length in windowLengths {
            for head in 0..<shape.heads {
                let group = head / (shape.heads / shape.keyValueHeads)
                for position in 0..<length {
                    let t = first + position
                    var scores: [Double] = []
                    for past in 0...position {
                        let j = first + past
                        var dot = 0.0
                        for i in 0..<d {
                            dot += Double(query[t * shape.queryWidth + head * d + i])
                                * Double(key[j * shape.keyValueWidth + group * d + i])
                        }
                        scores.append(scale * dot)
                    }
                    let weights = softmax(scores.map { Float($0) })
                    for i in 0..<d {
                        var sum = 0.0
                        for past in 0...position {
                            let j = first + past
                            sum += Double(weights[past]) * Double(value[j * shape.keyValueWidth + group * d + i])
                        }
                        output[t * shape.queryWidth + head * d + i] = Float(sum)
                    }
                }
            }
            first += length
        }
        return output
    }
}
