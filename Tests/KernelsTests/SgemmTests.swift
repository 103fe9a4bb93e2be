import Testing
@testable import Kernels

@Suite struct SgemmTests {
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matchesReference(transposeA: Bool, transposeB: Bool) {
        expectSgemmMatchesReference(transposeA: transposeA, transposeB: transposeB, on: .current)
    }

    @Test func alphaBetaAndLeadingDimensions() {
        // C[2..4, 1..5] of a 6×8 matrix += 2 · A · B, where A is the first 3 columns of a 4×5 matrix.
        let (m, n, k) = (3, 5, 3)
        let wideA = randomValues(4 * 5, seed: 3)
        let b = randomValues(k * n, seed: 4)
        let original = randomValues(6 * 8, seed: 5)
        var c = original
        c.withUnsafeMutableBufferPointer { cBuffer in
            sgemm(wideA, b, into: cBuffer.baseAddress! + 2 * 8 + 1, m: m, n: n, k: k,
                  alpha: 2, beta: 1, lda: 5, ldc: 8)
        }
        let a = (0..<m).flatMap { row in (0..<k).map { wideA[row * 5 + $0] } }
        let product = Reference.matrixProduct(a, b, m: m, n: n, k: k)
        for row in 0..<6 {
            for column in 0..<8 {
                let index = row * 8 + column
                if (2..<5).contains(row) && (1..<6).contains(column) {
                    let expected = original[index] + 2 * product[(row - 2) * n + column - 1]
                    #expect(abs(c[index] - expected) < 1e-5)
                } else {
                    #expect(c[index] == original[index])
                }
            }
        }
    }

    @Test(arguments: [false, true])
    func blockedMatchesReference(transposeB: Bool) {
        expectBlockedMatchesReference(transposeB: transposeB, on: .current)
    }

    /// `addingBias` gives the very values of `addBias` after the product, on full and partial blocks.
    @Test(arguments: [false, true])
    func blockedAddsTheBiasAsAnAddBiasPassWould(transposeB: Bool) {
        let (m, n, k) = (SgemmBlocks.rows + 9, SgemmBlocks.columns + 7, 23)
        let a = randomValues(m * k, seed: 6)
        let b = randomValues(k * n, seed: 7)
        let bias = randomValues(n, seed: 8)
        var separate = [Float](repeating: 0, count: m * n)
        blockedSgemm(a, b, into: &separate, m: m, n: n, k: k, transposeB: transposeB, threads: 2)
        addBias(&separate, rows: m, width: n, bias: bias)
        var fused = [Float](repeating: .nan, count: m * n)
        blockedSgemm(a, b, into: &fused, m: m, n: n, k: k, transposeB: transposeB, addingBias: bias, threads: 2)
        #expect(fused == separate)
    }

    /// An epilogue on each finished block (here gelu_new with the bias, as GPT-2's MLP runs it)
    /// gives the very values of the same pass over the whole product afterwards, on full and
    /// partial blocks, and sees every element exactly once.
    /// With GPT-2's gelu_new and GPT-NeoX's exact gelu (`exact`) as the epilogue.
    @Test(arguments: [false, true])
    func blockedEpilogueIsThePassOverTheWholeProduct(exact: Bool) {
        let (m, n, k) = (SgemmBlocks.rows + 9, 2 * SgemmBlocks.columns + 7, 23)
        let a = randomValues(m * k, seed: 9)
        let b = randomValues(k * n, seed: 10)
        let bias = randomValues(n, seed: 11)
        var separate = [Float](repeating: 0, count: m * n)
        blockedSgemm(a, b, into: &separate, m: m, n: n, k: k, threads: 2)
        if exact { gelu(&separate, rows: m, width: n, bias: bias, threads: 2) } else { geluNew(&separate, rows: m, width: n, bias: bias, threads: 2) }
        var fused = [Float](repeating: .nan, count: m * n)
        let visits = UnsafeMutableBufferPointer<Int>.allocate(capacity: m * n)
        visits.initialize(repeating: 0)
        defer { visits.deallocate() }
        fused.withUnsafeMutableBufferPointer { c in
            let base = c.baseAddress!
            bias.withUnsafeBufferPointer { bias in
                blockedSgemm(a, b, into: base, m: m, n: n, k: k, threads: 2) { block in
                    let first = base.distance(to: block.base)
                    for row in 0..<block.rows {
                        for column in 0..<block.width { visits[first + row * block.rowStride + column] += 1 }
                    }
                    if exact { gelu(block, bias: bias.baseAddress) } else { geluNew(block, bias: bias.baseAddress) }
                }
            }
        }
        #expect(fused == separate)
        #expect(visits.allSatisfy { $0 == 1 })
    }

    /// Each row of the product is bit-identical whatever the thread count and whatever rows come
    /// before or after it, which a plain OpenBLAS call does not give (its threads split the
    /// product by the thread count, and rows on a partial tile take another kernel).
    @Test func blockedRowsDependOnlyOnTheirInput() {
        expectBlockedRowsDependOnlyOnTheirInput(on: .current)
    }

    @Test func threadCountIsApplied() {
        let previous = BLAS.threadCount
        BLAS.setThreadCount(1)
        #expect(BLAS.threadCount == 1)
        BLAS.setThreadCount(previous)
    }
}

/// One `sgemm` call on `library` equals the reference product, for each transposition.
func expectSgemmMatchesReference(transposeA: Bool, transposeB: Bool, on library: BLASLibrary) {
    let (m, n, k) = (7, 13, 19)
    let a = randomValues(m * k, seed: 1)
    let b = randomValues(k * n, seed: 2)
    var c = [Float](repeating: 0, count: m * n)
    sgemm(a, b, into: &c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, on: library)
    let expected = Reference.matrixProduct(a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
    #expect(relativeError(c, expected) < 1e-6)
}

/// `blockedSgemm` on `library` equals the reference product, with beta 0 and 1, on full and
/// partial blocks.
func expectBlockedMatchesReference(transposeB: Bool, on library: BLASLibrary) {
    // Two row blocks and a partial one, two column blocks and a partial one.
    let (m, n, k) = (2 * SgemmBlocks.rows + 5, 2 * SgemmBlocks.columns + 3, 19)
    let a = randomValues(m * k, seed: 1)
    let b = randomValues(k * n, seed: 2)
    let original = randomValues(m * n, seed: 3)
    var c = [Float](repeating: .nan, count: m * n)
    blockedSgemm(a, b, into: &c, m: m, n: n, k: k, transposeB: transposeB, threads: 2, on: library)
    let product = Reference.matrixProduct(a, b, m: m, n: n, k: k, transposeB: transposeB)
    #expect(relativeError(c, product) < 1e-6)
    var accumulated = original
    blockedSgemm(a, b, into: &accumulated, m: m, n: n, k: k, transposeB: transposeB, beta: 1, threads: 3, on: library)
    #expect(relativeError(accumulated, zip(original, product).map { $0 + $1 }) < 1e-6)
}

/// Each row of `blockedSgemm` on `library` is bit-identical whatever the thread count and
/// whatever rows come before or after it.
func expectBlockedRowsDependOnlyOnTheirInput(on library: BLASLibrary) {
    let (m, n, k) = (133, 600, 128)
    let a = randomValues(m * k, seed: 4)
    let b = randomValues(k * n, seed: 5)
    func product(rows: Range<Int>, threads: Int) -> [Float] {
        var c = [Float](repeating: 0, count: rows.count * n)
        Array(a[(rows.lowerBound * k)..<(rows.upperBound * k)]).withUnsafeBufferPointer { block in
            blockedSgemm(block.baseAddress!, b, into: &c, m: rows.count, n: n, k: k, threads: threads, on: library)
        }
        return c
    }
    let whole = product(rows: 0..<m, threads: 1)
    for threads in [2, 3] { #expect(product(rows: 0..<m, threads: threads) == whole, "\(threads) threads") }
    for rows in [0..<1, 5..<6, 3..<40, 100..<133, 1..<132] {
        #expect(product(rows: rows, threads: 2) == Array(whole[(rows.lowerBound * n)..<(rows.upperBound * n)]),
                "rows \(rows)")
    }
}
