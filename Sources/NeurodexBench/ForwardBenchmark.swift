import Kernels
import ModelFiles
import Models

/// GPT-2 forward throughput (random weights, real shapes) against the sgemm bound.
///
/// For each model size and layer range: the indexer's default batch, 64 windows of BOS + 64
/// tokens (4,160 rows, 13 whole `SgemmBlocks`), every layer captured
/// (as the indexer does, sink empty). The sgemm bound is the time the forward's weight products
/// take on their own: the same sequence of sgemm calls at the same shapes and thread count
/// (operands of the right shapes, reused). Forwards and bound replays alternate, `repeats`
/// of each after a warm-up, so that load from other processes hits both alike; medians are
/// reported. "% of bound" = bound time / forward time. The attention, layernorm, gelu and bias
/// kernels are then timed alone at the same shapes to show where the remaining time goes.
struct ForwardBenchmark {
    let models: [BenchmarkModel]
    let layerRanges: [String]
    let threads: Int
    let repeats: Int
    let windows = IndexerBatch.windows
    let windowLength = IndexerBatch.windowRows

    init(options: BenchOptions) throws {
        models = try BenchmarkModel.parse(options.list("models", default: ["small", "xl"]))
        layerRanges = options.list("layers", default: ["all", "0-1"])
        for range in layerRanges where range != "all" && range != "0-1" {
            throw BenchOptions.Invalid(description: "unknown layer range '\(range)' (all, 0-1)")
        }
        threads = try options.integer("threads", default: 2)
        repeats = try options.integer("repeats", default: 3)
    }

    func run() throws {
        let tokens = windows * windowLength
        print("forward: \(windows) × \(windowLength)-token windows, \(threads) threads, median of \(repeats) after a warm-up; "
              + "BLAS \(BLASLibrary.current)")
        for model in models {
            let config = model.config
            for range in layerRanges {
                let lastLayer = range == "all" ? config.nLayer - 1 : 1
                let loaded = try GPT2(randomWeightsFor: config, maxLayer: lastLayer, threads: threads, seed: 1)
                let batch = randomBatch(vocabularySize: config.vocabSize, seed: 2)
                let layers = Array(0...lastLayer)
                let forward = {
                    try loaded.forward(batch, through: lastLayer, captureLayers: layers, captureMLPInput: false) { _ in }
                }
                var products: [MatrixShape] = []
                for layer in layers {
                    products += blockProducts(config, tokens: tokens, includeMLPDown: layer != lastLayer)
                }
                let replay = ProductReplay(products, threads: threads)

                try forward()
                replay.run()
                var forwardSeconds: [Double] = []
                var boundSeconds: [Double] = []
                for _ in 0..<repeats {
                    forwardSeconds += try timings(repeats: 1, forward)
                    boundSeconds += timings(repeats: 1, replay.run)
                }
                let seconds = median(forwardSeconds)
                let bound = median(boundSeconds)
                let flops = products.reduce(0) { $0 + $1.flops }
                print("""
                  \(model.label), layers 0–\(lastLayer): \(format(Double(tokens) / seconds)) tokens/s, \
                \(format(seconds * 1e3)) ms per batch; weight products \(format(flops / 1e9)) GFLOP; \
                sgemm bound \(format(bound * 1e3)) ms (\(format(flops / bound / 1e9)) GFLOP/s); \
                forward at \(format(flops / seconds / 1e9)) GFLOP/s = \(format(100 * bound / seconds))% of bound
                """)
            }
            KernelsBenchmark.printPerLayerTimes(config, windows: windows, windowLength: windowLength, threads: threads)
        }
    }

    private func randomBatch(vocabularySize: Int, seed: UInt64) -> TokenBatch {
        var state = seed
        let tokens = (0..<(windows * windowLength)).map { _ -> UInt32 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt32((state >> 33) % UInt64(vocabularySize))
        }
        return TokenBatch(tokens: tokens, windowLengths: Array(repeating: windowLength, count: windows))
    }
}

/// A sequence of `blockedSgemm` calls (as the forward makes them) at given shapes, on one set of operands per distinct shape.
struct ProductReplay {
    private let products: [MatrixShape]
    private let operands: [MatrixShape: (a: FloatBuffer, b: FloatBuffer, c: FloatBuffer)]
    private let threads: Int

    init(_ products: [MatrixShape], threads: Int) {
        self.products = products
        self.threads = threads
        var operands: [MatrixShape: (a: FloatBuffer, b: FloatBuffer, c: FloatBuffer)] = [:]
        for shape in Set(products) {
            let a = FloatBuffer(count: shape.m * shape.k), b = FloatBuffer(count: shape.k * shape.n)
            for i in 0..<a.count { a.pointer[i] = Float(i % 7) * 0.01 }
            for i in 0..<b.count { b.pointer[i] = Float(i % 5) * 0.01 }
            operands[shape] = (a, b, FloatBuffer(count: shape.m * shape.n))
        }
        self.operands = operands
    }

    func run() {
        for shape in products {
            guard let (a, b, c) = operands[shape] else { continue }
            blockedSgemm(a.pointer, b.pointer, into: c.pointer, m: shape.m, n: shape.n, k: shape.k, threads: threads)
        }
    }
}
