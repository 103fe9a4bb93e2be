import COpenBLAS

/// Thread control for the BLAS library the matrix products run on (`BLASLibrary.current`).
public enum BLAS {
    /// Sets how many threads the library uses for each call (process-wide). When you
    /// parallelize over cores yourself, set 1 to avoid oversubscription.
    public static func setThreadCount(_ threads: Int) {
        BLASLibrary.current.setThreadCount(threads)
    }

    /// The number of threads the library currently uses.
    public static var threadCount: Int { BLASLibrary.current.threadCount }
}

/// Single-precision matrix product through `library` (the process's BLAS unless told), all
/// matrices row-major:
///
///     C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C[m, n]
///
/// `op(A)` is A, stored [m, k], or when `transposeA` the transpose of A stored [k, m]; likewise
/// `op(B)` is B stored [k, n], or when `transposeB` the transpose of B stored [n, k]. Leading
/// dimensions (row strides, in floats) default to packed rows; pass them to work on a block of
/// columns inside a wider matrix. With `beta` = 0 the previous contents of C are ignored.
public func sgemm(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
    m: Int, n: Int, k: Int,
    transposeA: Bool = false, transposeB: Bool = false,
    alpha: Float = 1, beta: Float = 0,
    lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil,
    on library: BLASLibrary = .current
) {
    precondition(m >= 0 && n >= 0 && k >= 0, "sgemm dimensions must not be negative")
    if m == 0 || n == 0 { return }
    let strideA = lda ?? (transposeA ? m : k)
    let strideB = ldb ?? (transposeB ? k : n)
    let strideC = ldc ?? n
    library.sgemm(
        CblasRowMajor,
        transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k),
        alpha, a, Int32(strideA), b, Int32(strideB),
        beta, c, Int32(strideC))
}

/// `C[m, n] = A[m, k] · op(B)[k, n] + beta · C[m, n]` (row-major, packed rows; `op` as in
/// `sgemm`), computed so that every element comes out bit-identical whatever `threads` is and
/// whatever the other rows of A are: rows of A are the tokens of a batch, and a token's
/// activations must not depend on the thread count or on which windows share its batch.
///
/// A BLAS alone gives neither: OpenBLAS's threads split the product along m and n by the
/// thread count, and elements that fall on a partial tile go through other kernels (or gemv,
/// for one row), which sum in another order. So the product is cut into a fixed grid of blocks,
/// `SgemmBlocks.rows` × `SgemmBlocks.columns`, that depends only on m and n; each block is one
/// single-threaded call of `library` with the same shape (the last, partial row block is padded with
/// zero rows to a full one), and `threads` threads take blocks in turn. Every element is then
/// computed by the same kernel call at the same position in its tile, however many threads
/// there are and however many rows the batch has (MKL needs its reproducibility mode for this,
/// which `BLASLibrary` sets). Sets `library` to one thread (process-wide).
///
/// With `addingBias` [n], C[i, j] += bias[j] after the product, block by block while the block
/// is in cache: the same values as `addBias` on the whole of C afterwards, without the pass.
/// `then`, when given, is called on each finished block of C (after the bias), on the thread
/// that computed it, while the block is in cache: an elementwise pass there (an activation)
/// gives the same values as the same pass over the whole of C afterwards.
public func blockedSgemm(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
    m: Int, n: Int, k: Int, transposeB: Bool = false, beta: Float = 0,
    addingBias bias: UnsafePointer<Float>? = nil, threads: Int, on library: BLASLibrary = .current,
    then epilogue: ((SgemmBlock) -> Void)? = nil
) {
    precondition(m >= 0 && n >= 0 && k >= 0, "sgemm dimensions must not be negative")
    if m == 0 || n == 0 { return }
    library.setThreadCount(1)
    let (blockRows, blockColumns) = (SgemmBlocks.rows, SgemmBlocks.columns)
    let fullRows = m / blockRows * blockRows
    let tailRows = m - fullRows
    // The rows of A past the last full block, then zero rows: [blockRows, k]
    let paddedTail = FloatBuffer(count: tailRows > 0 ? blockRows * k : 0)
    paddedTail.pointer.update(from: a + fullRows * k, count: tailRows * k)
    let rowBlocks = (m + blockRows - 1) / blockRows
    let columnBlocks = (n + blockColumns - 1) / blockColumns
    forEachJobInParallel(rowBlocks * columnBlocks, threads: threads) { job in
        let firstRow = job / columnBlocks * blockRows
        let firstColumn = job % columnBlocks * blockColumns
        let width = min(blockColumns, n - firstColumn)
        let bBlock = transposeB ? b + firstColumn * k : b + firstColumn  // op(B)[k, width]
        let ldb = transposeB ? k : n
        let cBlock = c + firstRow * n + firstColumn                        // [rows, width], stride n
        if firstRow < fullRows {
            sgemm(a + firstRow * k, bBlock, into: cBlock, m: blockRows, n: width, k: k,
                  transposeB: transposeB, beta: beta, ldb: ldb, ldc: n, on: library)
            if let bias {
                for row in 0..<blockRows { addScaled(bias + firstColumn, times: 1, to: cBlock + row * n, count: width) }
            }
            epilogue?(SgemmBlock(base: cBlock, rows: blockRows, firstColumn: firstColumn, width: width, rowStride: n))
            return
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: blockRows * width) { scratch in
            let padded = scratch.baseAddress!  // [blockRows, width]
            padded.initialize(repeating: 0, count: blockRows * width)
            if beta != 0 {
                for row in 0..<tailRows { (padded + row * width).update(from: cBlock + row * n, count: width) }
            }
            sgemm(paddedTail.pointer, bBlock, into: padded, m: blockRows, n: width, k: k,
                  transposeB: transposeB, beta: beta, ldb: ldb, ldc: width, on: library)
            for row in 0..<tailRows {
                (cBlock + row * n).update(from: padded + row * width, count: width)
                if let bias { addScaled(bias + firstColumn, times: 1, to: cBlock + row * n, count: width) }
            }
            epilogue?(SgemmBlock(base: cBlock, rows: tailRows, firstColumn: firstColumn, width: width, rowStride: n))
        }
    }
}

/// One finished block of `blockedSgemm`'s C, for its epilogue: `rows` × `width` values from
/// column `firstColumn`, rows `rowStride` apart.
public struct SgemmBlock {
    public let base: UnsafeMutablePointer<Float>
    public let rows: Int
    public let firstColumn: Int
    public let width: Int
    public let rowStride: Int

    /// Calls `body` with each row of the block, its width, and the block's columns of `bias`
    /// [n] (for an elementwise epilogue such as `geluNew(_:bias:)`).
    @inline(__always)
    func forEachRow(bias: UnsafePointer<Float>?,
                    _ body: (UnsafeMutablePointer<Float>, Int, UnsafePointer<Float>?) -> Void) {
        for row in 0..<rows { body(base + row * rowStride, width, bias.map { $0 + firstColumn }) }
    }
}

/// The block sizes of `blockedSgemm`. Each call packs its block of B (OpenBLAS's `itcopy`:
/// for the forward, a [k, 512] block of a weight matrix) and uses it for the block's rows only,
/// so the rows per block set how often every weight is packed again: at 64 rows the packing took
/// a fifth of an index run's samples beside 42 % in the sgemm kernel (perf, GPT-2 small, all
/// layers). 320 rows pack 5× less often and are 5 windows of BOS + 64 tokens, so a batch of 64
/// such windows (4,160 rows, the indexer's default) is 13 blocks with no padding; smaller or
/// odd batches pad their last row block (up to 319 rows of work per product). Columns: enough
/// blocks for every thread.
public enum SgemmBlocks {
    /// Rows (tokens) per block; a multiple of OpenBLAS's sgemm row tiles.
    public static let rows = 320
    /// Columns per block; a multiple of OpenBLAS's sgemm column tiles.
    public static let columns = 512
}

extension Reference {
    /// op(A)[m, k] · op(B)[k, n] for packed row-major arrays (see `sgemm` for `op`).
    public static func matrixProduct(
        _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int,
        transposeA: Bool = false, transposeB: Bool = false
    ) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for row in 0..<m {
            for column in 0..<n {
                var sum = 0.0
                for inner in 0..<k {
                    let aValue = transposeA ? a[inner * m + row] : a[row * k + inner]
                    let bValue = transposeB ? b[column * k + inner] : b[inner * n + column]
                    sum += Double(aValue) * Double(bValue)
                }
                c[row * n + column] = Float(sum)
            }
        }
        return c
    }
}
