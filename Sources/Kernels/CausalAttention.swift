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
    let headDimension = shape.headDimension
    let headsPerGroup = shape.heads / shape.keyValueHeads
    let scale = scale ?? 1 / Float(headDimension).squareRoot()
    var windowStarts: [Int] = []
    windowStarts.reserveCapacity(windowLengths.count)
    var start = 0
    for length in windowLengths {
        windowStarts.append(start)
        start += length
    }
    let longestWindow = windowLengths.max() ?? 0

    let jobs = windowLengths.count * shape.heads
    forEachJobInParallel(jobs, threads: threads) { job in
        let window = job / shape.heads
        let head = job % shape.heads
        let group = head / headsPerGroup
        let first = windowStarts[window]
        let length = windowLengths[window]
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(longestWindow, 1)) { scores in
            guard let scores = scores.baseAddress else { return }
            for position in 0..<length {
                let token = first + position
                let q = query.base + token * query.rowStride + head * headDimension
                // scores[j] = scale · q · k_j for the j ≤ position of this window   [position + 1]
                for past in 0...position {
                    let k = key.base + (first + past) * key.rowStride + group * headDimension
                    scores[past] = scale * dotProduct(q, k, count: headDimension)
                }
                softmax(scores, count: position + 1)
                // out = Σ_j p_j · v_j   [headDimension]
                let out = output + token * outputRowStride + head * headDimension
                out.update(repeating: 0, count: headDimension)
                for past in 0...position {
                    let v = value.base + (first + past) * value.rowStride + group * headDimension
                    addScaled(v, times: scores[past], to: out, count: headDimension)
                }
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
