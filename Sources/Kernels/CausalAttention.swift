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
/// `threads` threads by (window, head).
public func causalAttention(
    query: StridedRows, key: StridedRows, value: StridedRows,
    into output: UnsafeMutablePointer<Float>, outputRowStride: Int,
    windowLengths: [Int], shape: AttentionShape, scale: Float? = nil, threads: Int = 1
) {
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

/// One head over one window of `length` tokens; the rows given start at the window's first
/// token and the head's first column.
///
/// Keys are first copied transposed ([d, L], rows padded to whole vectors) and values packed
/// ([L, d]), so that both products run along contiguous memory without horizontal sums:
/// scores[0...i] = Σ_c q[c] · keysᵀ[c, 0...i], then out = Σ_j p_j · values[j].
private func attendWithinWindow(
    query: StridedRows, key: StridedRows, value: StridedRows,
    into output: UnsafeMutablePointer<Float>, outputRowStride: Int,
    length: Int, headDimension d: Int, scale: Float
) {
    let paddedLength = (length + vectorWidth - 1) / vectorWidth * vectorWidth
    let scratchCount = d * paddedLength + length * d + paddedLength + d
    withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchCount) { scratch in
        guard let base = scratch.baseAddress else { return }
        let keysT = base                                   // [d, paddedLength]
        let values = keysT + d * paddedLength              // [length, d]
        let scores = values + length * d                   // [paddedLength]
        let scaledQuery = scores + paddedLength            // [d]
        keysT.initialize(repeating: 0, count: d * paddedLength)
        for j in 0..<length {
            let k = key.base + j * key.rowStride
            for c in 0..<d { keysT[c * paddedLength + j] = k[c] }
            (values + j * d).initialize(from: value.base + j * value.rowStride, count: d)
        }

        for i in 0..<length {
            let q = query.base + i * query.rowStride
            for c in 0..<d { scaledQuery[c] = scale * q[c] }

            // scores[j] = scale · q · k_j for j in 0...i, a whole vector at a time (the lanes
            // past i read zero padding or later keys and are ignored).
            let blocks = i / vectorWidth + 1
            var block = 0
            while block + 1 < blocks {
                var sum0 = Vector(), sum1 = Vector()
                let column = keysT + block * vectorWidth
                for c in 0..<d {
                    let qc = Vector(repeating: scaledQuery[c])
                    sum0 += qc * loadVector(column + c * paddedLength)
                    sum1 += qc * loadVector(column + c * paddedLength + vectorWidth)
                }
                storeVector(sum0, scores + block * vectorWidth)
                storeVector(sum1, scores + (block + 1) * vectorWidth)
                block += 2
            }
            if block < blocks {
                var sum = Vector()
                let column = keysT + block * vectorWidth
                for c in 0..<d {
                    sum += Vector(repeating: scaledQuery[c]) * loadVector(column + c * paddedLength)
                }
                storeVector(sum, scores + block * vectorWidth)
            }

            // p_j = exp(s_j − max) (normalized at the end)
            let count = i + 1
            let total = exponentiateShifted(scores, count: count)

            // out = (Σ_j p_j · v_j) / Σ p, in chunks of 4 vectors held in registers
            let out = output + i * outputRowStride
            let inverse = 1 / total
            var c = 0
            while c + 4 * vectorWidth <= d {
                var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
                for j in 0..<count {
                    let p = Vector(repeating: scores[j])
                    let v = values + j * d + c
                    a0 += p * loadVector(v)
                    a1 += p * loadVector(v + vectorWidth)
                    a2 += p * loadVector(v + 2 * vectorWidth)
                    a3 += p * loadVector(v + 3 * vectorWidth)
                }
                storeVector(a0 * inverse, out + c)
                storeVector(a1 * inverse, out + c + vectorWidth)
                storeVector(a2 * inverse, out + c + 2 * vectorWidth)
                storeVector(a3 * inverse, out + c + 3 * vectorWidth)
                c += 4 * vectorWidth
            }
            while c + vectorWidth <= d {
                var a = Vector()
                for j in 0..<count { a += Vector(repeating: scores[j]) * loadVector(values + j * d + c) }
                storeVector(a * inverse, out + c)
                c += vectorWidth
            }
            while c < d {
                var a: Float = 0
                for j in 0..<count { a += scores[j] * values[j * d + c] }
                out[c] = a * inverse
                c += 1
            }
        }
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
