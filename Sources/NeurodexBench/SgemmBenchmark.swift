import Kernels

/// Measures OpenBLAS sgemm at the GPT-2 projection shapes.
struct SgemmBenchmark {
    let models: [BenchmarkModel]
    let threads: Int
    let repeats: Int
    let tokens: Int

    init(options: BenchOptions) throws {
        models = try BenchmarkModel.parse(options.list("models", default: ["small", "xl"]))
        threads = try options.integer("threads", default: 2)
        repeats = try options.integer("repeats", default: 5)
        tokens = try options.integer("tokens", default: 512)
    }

    func run() throws {
        print("sgemm, \(threads) threads, median of \(repeats)")
        for model in models {
            print(model.label)
            for shape in blockProducts(model.config, tokens: tokens, includeMLPDown: true) {
                let seconds = Self.seconds(for: shape, threads: threads, repeats: repeats)
                print("  \(shape): \(format(shape.flops / seconds / 1e9)) GFLOP/s (\(format(seconds * 1e3, 2)) ms)")
            }
        }
    }

    /// Median seconds of one product of `shape` (after a warm-up call), operands random.
    static func seconds(for shape: MatrixShape, threads: Int, repeats: Int) -> Double {
        BLAS.setThreadCount(threads)
        let a = FloatBuffer(count: shape.m * shape.k)
        let b = FloatBuffer(count: shape.k * shape.n)
        let c = FloatBuffer(count: shape.m * shape.n)
        for i in 0..<a.count { a.pointer[i] = Float(i % 7) * 0.01 }
        for i in 0..<b.count { b.pointer[i] = Float(i % 5) * 0.01 }
        let product = { sgemm(a.pointer, b.pointer, into: c.pointer, m: shape.m, n: shape.n, k: shape.k) }
        product()
        return median(timings(repeats: repeats, product))
    }
}
