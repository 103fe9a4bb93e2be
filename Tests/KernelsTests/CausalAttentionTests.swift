import Testing
@testable import Kernels

@Suite struct CausalAttentionTests {
    /// Runs the fast kernel with q, k, v read from one fused [tokens, q | k | v] buffer.
    func fusedAttention(_ q: [Float], _ k: [Float], _ v: [Float], tokens: Int,
                        windowLengths: [Int], shape: AttentionShape, threads: Int) -> [Float] {
        let (qw, kw) = (shape.queryWidth, shape.keyValueWidth)
        let stride = qw + 2 * kw
        var fused = [Float](repeating: 0, count: tokens * stride)
        for t in 0..<tokens {
            for i in 0..<qw { fused[t * stride + i] = q[t * qw + i] }
            for i in 0..<kw {
                fused[t * stride + qw + i] = k[t * kw + i]
                fused[t * stride + qw + kw + i] = v[t * kw + i]
            }
        }
        // Output rows are padded to check `outputRowStride`.
        let outputStride = qw + 3
        var output = [Float](repeating: 0, count: tokens * outputStride)
        fused.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            causalAttention(
                query: StridedRows(base: base, rowStride: stride),
                key: StridedRows(base: base + qw, rowStride: stride),
                value: StridedRows(base: base + qw + kw, rowStride: stride),
                into: &output, outputRowStride: outputStride,
                windowLengths: windowLengths, shape: shape, threads: threads)
        }
        return (0..<tokens).flatMap { t in output[(t * outputStride)..<(t * outputStride + qw)] }
    }

    @Test(arguments: [
        AttentionShape(heads: 4, keyValueHeads: 4, headDimension: 16),
        AttentionShape(heads: 6, keyValueHeads: 2, headDimension: 12),
        AttentionShape(heads: 3, keyValueHeads: 1, headDimension: 5),
        AttentionShape(heads: 2, keyValueHeads: 1, headDimension: 43),
        AttentionShape(heads: 1, keyValueHeads: 1, headDimension: 64),
    ])
    func matchesReference(shape: AttentionShape) {
        let windowLengths = [5, 1, 12, 20, 33]
        let tokens = windowLengths.reduce(0, +)
        let q = randomValues(tokens * shape.queryWidth, in: -2...2, seed: 30)
        let k = randomValues(tokens * shape.keyValueWidth, in: -2...2, seed: 31)
        let v = randomValues(tokens * shape.keyValueWidth, seed: 32)
        let expected = Reference.causalAttention(query: q, key: k, value: v, windowLengths: windowLengths, shape: shape)
        for threads in [1, 2, 3] {
            let output = fusedAttention(q, k, v, tokens: tokens, windowLengths: windowLengths, shape: shape, threads: threads)
            #expect(relativeError(output, expected) < 1e-5, "threads \(threads)")
        }
    }

    @Test func windowsDoNotSeeEachOther() {
        // The second window's output must not change when the first window's values do.
        let shape = AttentionShape(heads: 2, keyValueHeads: 2, headDimension: 8)
        let windowLengths = [4, 6]
        let tokens = 10
        let q = randomValues(tokens * 16, seed: 33)
        let k = randomValues(tokens * 16, seed: 34)
        var v = randomValues(tokens * 16, seed: 35)
        let before = fusedAttention(q, k, v, tokens: tokens, windowLengths: windowLengths, shape: shape, threads: 1)
        for i in 0..<(4 * 16) { v[i] += 10 }
        let after = fusedAttention(q, k, v, tokens: tokens, windowLengths: windowLengths, shape: shape, threads: 1)
        #expect(Array(before[(4 * 16)...]) == Array(after[(4 * 16)...]))
        #expect(Array(before[..<(4 * 16)]) != Array(after[..<(4 * 16)]))
    }

    /// A window's output is bit-identical alone and in a batch with other windows, on any
    /// number of threads: the per-window products have shapes that depend on its length only.
    @Test func aWindowsOutputDoesNotDependOnItsBatch() {
        let shape = AttentionShape(heads: 3, keyValueHeads: 3, headDimension: 64)
        let windowLengths = [7, 65, 64, 3]
        let tokens = windowLengths.reduce(0, +)
        let width = shape.queryWidth
        let q = randomValues(tokens * width, in: -2...2, seed: 40)
        let k = randomValues(tokens * width, in: -2...2, seed: 41)
        let v = randomValues(tokens * width, seed: 42)
        let batched = fusedAttention(q, k, v, tokens: tokens, windowLengths: windowLengths, shape: shape, threads: 3)
        var first = 0
        for length in windowLengths {
            let rows = (first * width)..<((first + length) * width)
            let alone = fusedAttention(Array(q[rows]), Array(k[rows]), Array(v[rows]), tokens: length,
                                       windowLengths: [length], shape: shape, threads: 1)
            #expect(alone == Array(batched[rows]), "window of \(length) tokens")
            first += length
        }
    }

    @Test func firstTokenCopiesItsValue() {
        let shape = AttentionShape(heads: 1, keyValueHeads: 1, headDimension: 8)
        let q = randomValues(8, seed: 36), k = randomValues(8, seed: 37), v = randomValues(8, seed: 38)
        let output = fusedAttention(q, k, v, tokens: 1, windowLengths: [1], shape: shape, threads: 1)
        #expect(output == v)
    }
}
