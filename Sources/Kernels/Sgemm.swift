import COpenBLAS

/// Thread control for the OpenBLAS library the matrix products run on.
public enum BLAS {
    /// Sets how many threads OpenBLAS uses for each call (process-wide). When you parallelize
    /// over cores yourself, set 1 to avoid oversubscription.
    public static func setThreadCount(_ threads: Int) {
        openblas_set_num_threads(Int32(clamping: max(1, threads)))
    }

    /// The number of threads OpenBLAS currently uses.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }
}

/// Single-precision matrix product through OpenBLAS, all matrices row-major:
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
    lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil
) {
    precondition(m >= 0 && n >= 0 && k >= 0, "sgemm dimensions must not be negative")
    if m == 0 || n == 0 { return }
    let strideA = lda ?? (transposeA ? m : k)
    let strideB = ldb ?? (transposeB ? k : n)
    let strideC = ldc ?? n
    cblas_sgemm(
        CblasRowMajor,
        transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k),
        alpha, a, Int32(strideA), b, Int32(strideB),
        beta, c, Int32(strideC))
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
