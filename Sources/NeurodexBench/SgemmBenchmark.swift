import Kernels

/// Measures sgemm of the BLAS library in use at the GPT-2 projection shapes: one whole-matrix
/// call on `threads` BLAS threads, and `blockedSgemm` (the forward's fixed grid of single-threaded calls,
/// `threads` threads), alternating, medians.
struct SgemmBenchmark {
    let models: [BenchmarkModel]
    let threads: Int
    let repeats: Int
    let tokens: Int

    init(options: BenchOptions) throws {
        models = try BenchmarkModel.parse(options.list("models", default: ["small", "xl"]))
        threads = try options.integer("threads", default: 2)
        repeats = try options.integer("repeats", default: 5)
        tokens = try options.integer("tokens", default: IndexerBatch.windows * IndexerBatch.windowRows)
    }

    func run() throws {
        print("sgemm, \(threads) threads, median of \(repeats); BLAS \(BLASLibrary.current)")
        for model in models {
            print(model.label)
            for shape in blockProducts(model.config, tokens: tokens, includeMLPDown: true) {
                let (whole, blocked) = Self.seconds(for: shape, threads: threads, repeats: repeats)
                print("  \(shape): \(format(shape.flops / whole / 1e9)) GFLOP/s (\(format(whole * 1e3, 2)) ms); "
                      + "blocked \(format(shape.flops / blocked / 1e9)) GFLOP/s (\(format(blocked * 1e3, 2)) ms)")
            }
        }
    }

    /// Median seconds of one product of `shape` as one call and through `blockedSgemm` (after
    /// a warm-up call of each), operands fixed.
    static func seconds(for shape: MatrixShape, threads: Int, repeats: Int) -> (whole: Double, blocked: Double) {
        let a = FloatBuffer(count: shape.m * shape.k)
        let b = FloatBuffer(count: shape.k * shape.n)
        let c = FloatBuffer(count: shape.m * shape.n)
        for i in 0..<a.count { a.pointer[i] = Float(i % 7) * 0.01 }
        for i in 0..<b.count { b.pointer[i] = Float(i % 5) * 0.01 }
        let whole = {
            BLAS.setThreadCount(threads)
            sgemm(a.pointer, b.pointer, into: c.pointer, m: shape.m, n: shape.n, k: shape.k)
        }
        let blocked = {
            blockedSgemm(a.pointer, b.pointer, into: c.pointer, m: shape.m, n: shape.n, k: shape.k, threads: threads)
        }
        whole()
        blocked()
        var wholeSeconds: [Double] = [], blockedSeconds: [Double] = []
        for _ in 0..<repeats {
            wholeSeconds += timings(repeats: 1, whole)
            blockedSeconds += timings(repeats: 1, blocked)
        }
        return (median(wholeSeconds), median(blockedSeconds))
    }
}
