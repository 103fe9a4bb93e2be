import Kernels
import Models

/// Times the kernels other than the matrix products at one GPT-2 block's shapes.
struct KernelsBenchmark {
    let models: [BenchmarkModel]
    let threads: Int

    init(options: BenchOptions) throws {
        models = try BenchmarkModel.parse(options.list("models", default: ["small", "xl"]))
        threads = try options.integer("threads", default: 2)
    }

    func run() {
        for model in models {
            print(model.label)
            Self.printPerLayerTimes(model.config, windows: 8, windowLength: 64, threads: threads)
        }
        printSwiGLUTime(tokens: 512, width: 1_536)
    }

    /// Fastest of 7 runs, in milliseconds per layer, of Llama's SwiGLU at SmolLM2-135M's MLP
    /// width, for `tokens` tokens.
    func printSwiGLUTime(tokens: Int, width: Int) {
        let gateUp = FloatBuffer(count: tokens * 2 * width), hidden = FloatBuffer(count: tokens * width)
        for i in 0..<gateUp.count { gateUp.pointer[i] = Float(i % 17) * 0.5 - 4 }
        swiGLU(gateUp.pointer, into: hidden.pointer, rows: tokens, width: width, threads: threads)
        let time = (timings(repeats: 7) {
            swiGLU(gateUp.pointer, into: hidden.pointer, rows: tokens, width: width, threads: threads)
        }.min() ?? .nan) * 1e3
        print("SmolLM2-135M\n    swiGLU per layer (ms, \(threads) threads, \(tokens) tokens, width \(width)): \(format(time, 2))")
    }

    /// Fastest of 7 runs, in milliseconds per layer, of attention, the two layernorms (each adding
    /// a residual bias in its pass, as the forward does) and gelu (+ c_fc bias), for `windows` ×
    /// `windowLength` tokens.
    static func printPerLayerTimes(_ config: GPT2Config, windows: Int, windowLength: Int, threads: Int) {
        let tokens = windows * windowLength
        let (c, f) = (config.nEmbd, config.neuronCount)
        let x = FloatBuffer(count: tokens * c), y = FloatBuffer(count: tokens * c)
        let qkv = FloatBuffer(count: tokens * 3 * c), hidden = FloatBuffer(count: tokens * f)
        let weight = FloatBuffer(count: max(3 * c, f)), bias = FloatBuffer(count: max(3 * c, f))
        for i in 0..<qkv.count { qkv.pointer[i] = Float(i % 13) * 0.05 - 0.3 }
        for i in 0..<weight.count { weight.pointer[i] = 1 }
        let shape = AttentionShape(heads: config.nHead, keyValueHeads: config.nHead, headDimension: config.headDimension)
        let windowLengths = Array(repeating: windowLength, count: windows)
        func milliseconds(_ body: () -> Void) -> String {
            body()
            return format((timings(repeats: 7, body).min() ?? .nan) * 1e3, 2)
        }
        let attention = milliseconds {
            causalAttention(query: StridedRows(base: qkv.pointer, rowStride: 3 * c),
                            key: StridedRows(base: qkv.pointer + c, rowStride: 3 * c),
                            value: StridedRows(base: qkv.pointer + 2 * c, rowStride: 3 * c),
                            into: y.pointer, outputRowStride: c,
                            windowLengths: windowLengths, shape: shape, threads: threads)
        }
        let norms = milliseconds {
            for _ in 0..<2 {
                layerNorm(x.pointer, into: y.pointer, rows: tokens, width: c, weight: weight.pointer,
                          bias: bias.pointer, epsilon: 1e-5, thenAddingToInput: bias.pointer, threads: threads)
            }
        }
        // In place on its own output, run after run (values stay in gelu_new's range, no refill).
        for i in 0..<hidden.count { hidden.pointer[i] = Float(i % 11) * 0.1 - 0.5 }
        let gelu = milliseconds {
            geluNew(hidden.pointer, rows: tokens, width: f, bias: bias.pointer, threads: threads)
        }
        print("    other kernels per layer (ms, \(threads) threads): attention \(attention), 2 layernorms + residual biases \(norms), gelu+bias \(gelu) (c_attn's bias is added inside its blockedSgemm)")
    }
}
