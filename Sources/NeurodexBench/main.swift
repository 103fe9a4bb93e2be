import Foundation
import Kernels

// neurodex-bench: benchmarks, run in release (`swift build -c release`).
// The first argument picks the benchmark; the rest are its options.

let usage = """
usage: neurodex-bench <benchmark> [options]
  forward   GPT-2 forward throughput vs the sgemm bound
            [--models small,xl] [--layers all,0-1] [--threads 2] [--repeats 3]
  sgemm     sgemm GFLOP/s at the GPT-2 projection shapes
            [--models small,xl] [--threads 2] [--repeats 5] [--tokens 4160]
  kernels   time per layer of attention, layernorm, gelu and bias additions
            [--models small,xl] [--threads 2]
  store     random neuron lookups in an XL-size store (48 × 6,400 neurons × 100 records)
            [--layers 48] [--neurons 6400] [--records 100] [--lookups 20000] [--dir DIR]
  analysis  the paper's analyses: one neuron, and a whole layer
            [--neurons 6400] [--threads 2] [--permutations 1000] [--dimension 1600] [--k 100] [--repeats 5]
  capture   one layer's capture alone (top-K, windows, negative records, statistics), ns per activation
            [--models small,xl] [--threads 2] [--batches 64]
  index     end-to-end indexing tokens/s vs the forward alone and the sgemm bound
            [--cases small:all,xl:0-1] [--tokens 16384] [--threads 2] [--repeats 2]
            [--corpus corpora/tinyshakespeare.txt] [--tokenizer Tests/Fixtures/gpt2-tokenizer] [--windows on,off,none]
  lens      one layer's logit lens (neuron output directions × unembedding, top and bottom lists)
            [--models small,xl] [--threads 2] [--repeats 3] [--neuron-block 512] [--vocabulary-block 8192]
  serve     concurrent clients against a running `neurodex serve` (random GET /api/neurons/{l}/{n})
            [--port 8080] [--clients 32] [--requests 20000] [--warmup 2000] [--layers 48] [--neurons 6400]
            [--path P] [--pid PID] [--driver threads|poll]
every benchmark: [--blas openblas|mkl|PATH] (as NEURODEX_BLAS: the BLAS library the products run on)
"""

let arguments = Array(CommandLine.arguments.dropFirst())
guard let benchmark = arguments.first else {
    print(usage)
    exit(2)
}
do {
    let options = try BenchOptions(Array(arguments.dropFirst()))
    if let blas = options.text("blas") { setenv(BLASChoice.environmentVariable, blas, 1) }
    try BLASLibrary.loadCurrent()
    switch benchmark {
    case "forward":
        try ForwardBenchmark(options: options).run()
    case "sgemm":
        try SgemmBenchmark(options: options).run()
    case "kernels":
        try KernelsBenchmark(options: options).run()
    case "capture":
        try CaptureBenchmark(options: options).run()
    case "index":
        try IndexBenchmark(options: options).run()
    case "analysis":
        try runAnalysisBenchmark(arguments: Array(arguments.dropFirst()))
    case "store":
        try StoreBenchmark(options: options).run()
    case "lens":
        try LensBenchmark(options: options).run()
    case "serve":
        try ServeBenchmark(options: options).run()
    default:
        print("unknown benchmark '\(benchmark)'\n\(usage)")
        exit(2)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
