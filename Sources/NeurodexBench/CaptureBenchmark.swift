import Foundation
import Indexer
import Kernels
import Models
import Store

/// The capture alone: one layer's `LayerAccumulator.absorb` (top-K heaps with K = 100, windowed
/// and negative records at the indexer's defaults, moments, extrema, histogram) over batches of
/// 64 windows × (BOS + 64 tokens) of GELU-shaped random activations (the indexer's default
/// batch), at GPT-2 widths.
///
/// Reports nanoseconds per activation (wall time × threads ÷ activations) over the second half
/// of the batches, once the heaps have filled and candidates have become rare.
struct CaptureBenchmark {
    let models: [BenchmarkModel]
    let threads: Int
    let batches: Int
    let windows = IndexerBatch.windows
    let context = IndexerBatch.context

    init(options: BenchOptions) throws {
        models = try BenchmarkModel.parse(options.list("models", default: ["small", "xl"]))
        threads = try options.integer("threads", default: 2)
        batches = try options.integer("batches", default: 64)
    }

    func run() throws {
        for model in models {
            let neurons = model.config.neuronCount
            let defaults = IndexerBatch.defaults
            var accumulator = LayerAccumulator(layer: 0, neurons: neurons, k: defaults.topK, distinctTokens: false,
                                               windowRecords: defaults.windowedRecords, negativeK: defaults.negativeK,
                                               windowWidth: context)
            // A few distinct batches of activations, cycled: [rows, neurons] each.
            var random = SplitMix64(seed: 7)
            let rowCount = windows * (context + 1)
            let samples = (0..<4).map { _ in
                (0..<rowCount * neurons).map { _ in geluNew(Float(Double(random.next() >> 11) / 0x1p53 * 6 - 4)) }
            }
            // The batch is read from a buffer like the models' workspace (huge pages where the
            // kernel gives them), copied in before each timing.
            let workspace = FloatBuffer(count: rowCount * neurons, hugePages: true)
            var timesOfSecondHalf = 0.0
            for batch in 0..<batches {
                let rows = Self.rows(batch: batch, windows: windows, context: context)
                _ = samples[batch % samples.count].withUnsafeBufferPointer { workspace.buffer.initialize(from: $0) }
                let activations = UnsafeBufferPointer(workspace.buffer)
                let seconds = try timings(repeats: 1) { try accumulator.absorb(activations, rows: rows, threads: threads) }[0]
                if batch >= batches / 2 { timesOfSecondHalf += seconds }
            }
            let activations = Double((batches - batches / 2) * windows * context * neurons)
            print("\(model.label): \(neurons) neurons, \(threads) threads, batches \(batches / 2)..<\(batches): "
                  + "\(format(timesOfSecondHalf * 1e9 * Double(threads) / activations, 2)) ns per activation (thread time), "
                  + "\(format(timesOfSecondHalf * 1e3 / Double(batches - batches / 2), 2)) ms per batch")
        }
    }

    /// Batch `batch`: document `batch`, `windows` windows of a BOS row then `context` counted rows.
    static func rows(batch: Int, windows: Int, context: Int) -> BatchRows {
        var rows = BatchRows()
        for window in 0..<windows {
            rows.beginWindow()
            rows.append(document: UInt32(batch), position: 0, token: 0, counted: false)
            for position in 0..<context {
                rows.append(document: UInt32(batch), position: UInt32(window * context + position),
                            token: UInt32((batch * 31 + position * 7) % 50_000), counted: true)
            }
        }
        return rows
    }

    private func geluNew(_ x: Float) -> Float {
        0.5 * x * (1 + tanh(0.7978845608 * (x + 0.044715 * x * x * x)))
    }
}
