import Indexer
import Kernels
import Models

/// One layer's logit lens (`LogitLens.compute`: every neuron's output direction times the
/// unembedding, its top and bottom lists) on random weights of the GPT-2 shapes, against one
/// sgemm of the same product ([neurons, width] · [width, vocabulary]) on the same threads:
/// how close the lens runs to the BLAS. Medians of `--repeats`, alternating.
struct LensBenchmark {
    let models: [BenchmarkModel]
    let threads: Int
    let repeats: Int
    let neuronBlock: Int
    let vocabularyBlock: Int

    init(options: BenchOptions) throws {
        models = try BenchmarkModel.parse(options.list("models", default: ["small", "xl"]))
        threads = try options.integer("threads", default: 2)
        repeats = try options.integer("repeats", default: 3)
        neuronBlock = try options.integer("neuron-block", default: 512)
        vocabularyBlock = try options.integer("vocabulary-block", default: 8192)
    }

    func run() throws {
        print("logit lens, one layer, \(threads) threads, blocks of \(neuronBlock) neurons × \(vocabularyBlock) tokens, "
              + "median of \(repeats); BLAS \(BLASLibrary.current)")
        for model in models {
            let config = model.config
            let (neurons, width, vocabulary) = (4 * config.nEmbd, config.nEmbd, config.vocabSize)
            let directions = FloatBuffer(count: neurons * width)      // [neurons, width]
            let unembedding = FloatBuffer(count: vocabulary * width)  // [vocabulary, width]
            var random = SplitMix64(seed: 7)
            for i in 0..<directions.count { directions.pointer[i] = Float.random(in: -0.5..<0.5, using: &random) }
            for i in 0..<unembedding.count { unembedding.pointer[i] = Float.random(in: -0.5..<0.5, using: &random) }
            let weights = NeuronOutputWeights(directions: directions.pointer, directionsAreColumns: false,
                                              unembedding: unembedding.pointer, neurons: neurons, width: width,
                                              vocabulary: vocabulary)
            let scores = FloatBuffer(count: neurons * vocabulary)     // [neurons, vocabulary]
            let lens = {
                _ = LogitLens.compute(weights, neuronBlock: neuronBlock, vocabularyBlock: vocabularyBlock, threads: threads)
            }
            let product = {
                BLAS.setThreadCount(threads)
                sgemm(directions.pointer, unembedding.pointer, into: scores.pointer, m: neurons, n: vocabulary, k: width,
                      transposeB: true)
            }
            var lensSeconds: [Double] = [], productSeconds: [Double] = []
            for _ in 0..<repeats {
                lensSeconds += timings(repeats: 1, lens)
                productSeconds += timings(repeats: 1, product)
            }
            let flops = 2.0 * Double(neurons) * Double(width) * Double(vocabulary)
            let (l, p) = (median(lensSeconds), median(productSeconds))
            print("  \(model.label): \(neurons) neurons × \(vocabulary) tokens, \(format(flops / 1e9)) GFLOP: "
                  + "lens \(format(l, 2)) s (\(format(flops / l / 1e9)) GFLOP/s), one sgemm \(format(p, 2)) s "
                  + "(\(format(flops / p / 1e9)) GFLOP/s): lens at \(format(100 * p / l))% of the sgemm")
        }
    }
}
