import Foundation
import Indexer
import Kernels
import ModelFiles
import Models
import Store
import Tokenizers

/// End-to-end indexing throughput (tokenize, forward, fused top-K + statistics, store) against
/// the forward pass alone over the same batches and against the sgemm bound.
///
/// Random-weight GPT-2 models of the real shapes with the real GPT-2 tokenizer, on the first
/// `--tokens` tokens of the Shakespeare corpus cut into documents of about 4 KB. Forward-only
/// and indexing alternate `--repeats` times; medians are reported. `--windows on,off,none` indexes
/// back to back in each repeat with the defaults (`on`), without the exemplar windows (`off`:
/// `--window-records 0`, issue #13's budget) and without any windowed part (`none`: no windowed
/// records, negative records or band sample), and reports the overhead of `on` over each.
struct IndexBenchmark {
    let cases: [(model: BenchmarkModel, lastLayer: Int?)]
    let threads: Int
    let repeats: Int
    let tokenTarget: Int
    let corpus: URL
    let tokenizerFolder: URL
    let context = IndexerBatch.context
    let batchWindows = IndexerBatch.windows
    /// The windowed parts each indexing run keeps, in the order run within a repeat.
    let windowModes: [WindowMode]

    /// Which windowed parts an indexing run keeps (`--windows`).
    enum WindowMode: String {
        /// The defaults: exemplar windows, negative records and band examples.
        case on
        /// Without the exemplar windows (`--window-records 0`).
        case off
        /// Without any windowed part (`--window-records 0 --negative-k 0 --band-sample 0`).
        case none

        var description: String {
            switch self {
            case .on: "with the defaults"
            case .off: "without exemplar windows"
            case .none: "without any windowed part"
            }
        }
    }

    init(options: BenchOptions) throws {
        cases = try options.list("cases", default: ["small:all", "xl:0-1"]).map { text in
            let parts = text.split(separator: ":").map(String.init)
            guard parts.count == 2, let model = BenchmarkModel(rawValue: parts[0]), ["all", "0-1"].contains(parts[1]) else {
                throw BenchOptions.Invalid(description: "unknown case '\(text)' (small:all, small:0-1, xl:all, xl:0-1)")
            }
            return (model, parts[1] == "all" ? nil : 1)
        }
        threads = try options.integer("threads", default: 2)
        repeats = try options.integer("repeats", default: 2)
        tokenTarget = try options.integer("tokens", default: 16_384)
        corpus = URL(fileURLWithPath: options.list("corpus", default: ["corpora/tinyshakespeare.txt"])[0])
        tokenizerFolder = URL(fileURLWithPath: options.list("tokenizer", default: ["Tests/Fixtures/gpt2-tokenizer"])[0])
        windowModes = try options.list("windows", default: ["on"]).map { text in
            guard let mode = WindowMode(rawValue: text) else {
                throw BenchOptions.Invalid(description: "--windows wants on, off and none, comma-separated, found '\(text)'")
            }
            return mode
        }
    }

    func run() throws {
        let tokenizer = try Tokenizer(vocabularyFile: tokenizerFolder.appendingPathComponent("vocab.json"),
                                      mergesFile: tokenizerFolder.appendingPathComponent("merges.txt"))
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("neurodex-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (documentsFolder, documents) = try writeDocuments(tokenizer: tokenizer, into: scratch)
        let batches = makeBatches(documents, bos: tokenizer.endOfText!)
        let counted = documents.reduce(0) { $0 + $1.count }
        print("index: \(documents.count) documents, \(counted) tokens, \(context)-token windows + BOS, "
              + "\(batchWindows) windows per batch, \(threads) threads, median of \(repeats); BLAS \(BLASLibrary.current)")
        for (model, last) in cases {
            let config = model.config
            let lastLayer = last ?? config.nLayer - 1
            let gpt2 = try GPT2(randomWeightsFor: config, maxLayer: lastLayer, threads: threads, seed: 1)
            let layers = Array(0...lastLayer)
            var products: [MatrixShape] = []
            for batch in batches {
                for layer in layers { products += blockProducts(config, tokens: batch.tokens.count, includeMLPDown: layer != lastLayer) }
            }
            let replay = ProductReplay(products, threads: threads)
            let forwardAlone = {
                for batch in batches {
                    try gpt2.forward(batch, through: lastLayer, captureLayers: layers, captureMLPInput: false) { _ in }
                }
            }
            var phases: [PhaseTimes] = []
            let indexRun = { (windows: WindowMode) in
                let store = try NeurodexStore(directory: scratch.appendingPathComponent(UUID().uuidString), mode: .create)
                var options = IndexingOptions(modelPath: "random", corpusPaths: [documentsFolder.path], layers: layers)
                options.context = context
                options.batchWindows = batchWindows
                options.threads = threads
                options.checkpointSeconds = 3600
                switch windows {
                case .on: break
                case .off: options.windowRecords = 0
                case .none: options.windowRecords = 0; options.negativeK = 0; options.bandSample = 0
                }
                phases.append(try Indexer(model: gpt2, tokenizer: tokenizer, store: store, options: options).run(resume: false).phases)
            }
            var forwardSeconds: [Double] = [], boundSeconds: [Double] = []
            var indexSeconds: [WindowMode: [Double]] = [:]
            for _ in 0..<repeats {
                forwardSeconds += try timings(repeats: 1, forwardAlone)
                for windows in windowModes { indexSeconds[windows, default: []] += try timings(repeats: 1) { try indexRun(windows) } }
                boundSeconds += timings(repeats: 1, replay.run)
            }
            let (forward, bound) = (median(forwardSeconds), median(boundSeconds))
            let index = median(indexSeconds[windowModes[0]]!)
            let flops = products.reduce(0) { $0 + $1.flops }
            print("""
              \(model.label), layers 0–\(lastLayer): indexing \(format(Double(counted) / index)) tokens/s \
            (\(format(index, 2)) s), forward alone \(format(Double(counted) / forward)) tokens/s (\(format(forward, 2)) s): \
            capture + storage + tokenizing = \(format(100 * (index / forward - 1)))% over the forward; \
            sgemm bound \(format(bound, 2)) s (\(format(flops / bound / 1e9)) GFLOP/s): indexing at \(format(100 * bound / index))% \
            and forward at \(format(100 * bound / forward))% of the bound
            """)
            if let on = indexSeconds[.on] {
                for mode in [WindowMode.off, .none] {
                    guard let other = indexSeconds[mode] else { continue }
                    print("    windows: indexing with the defaults \(format(median(on), 2)) s, \(mode.description) \(format(median(other), 2)) s: "
                          + "\(format(100 * (median(on) / median(other) - 1), 1))% overhead (runs with: \(on.map { format($0, 2) }), "
                          + "\(mode.rawValue): \(other.map { format($0, 2) }))")
                }
            }
            if let p = phases.last {
                print("    last indexing run: forward \(format(p.forward, 2)) s, capture (top-K + statistics) \(format(p.capture, 2)) s "
                      + "= \(format(100 * p.capture / p.forward))% of the forward, store \(format(p.store, 2)) s "
                      + "(band examples' re-forward \(format(p.bandExamples, 2)) s, logit lens \(format(p.logitLens, 2)) s), "
                      + "corpus \(format(p.corpus, 2)) s")
            }
        }
    }

    /// Documents of about 4 KB from the start of the corpus, up to `tokenTarget` tokens.
    private func writeDocuments(tokenizer: Tokenizer, into scratch: URL) throws -> (URL, [[UInt32]]) {
        let folder = scratch.appendingPathComponent("corpus")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let bytes = [UInt8](try Data(contentsOf: corpus))
        var documents: [[UInt32]] = []
        var offset = 0, total = 0
        while total < tokenTarget && offset < bytes.count {
            var end = min(bytes.count, offset + 4096)
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }   // cut at a line end
            let text = String(decoding: bytes[offset..<end], as: UTF8.self)
            let tokens = tokenizer.encode(text)
            try text.write(to: folder.appendingPathComponent(String(format: "doc%05d.txt", documents.count)),
                           atomically: true, encoding: .utf8)
            documents.append(tokens)
            total += tokens.count
            offset = end
        }
        return (folder, documents)
    }

    /// The batches the indexer forms: windows of `context` tokens after BOS, `batchWindows` per batch.
    private func makeBatches(_ documents: [[UInt32]], bos: UInt32) -> [TokenBatch] {
        var batches: [TokenBatch] = []
        var current = TokenBatch(tokens: [], windowLengths: [])
        for tokens in documents {
            for start in stride(from: 0, to: tokens.count, by: context) {
                let window = tokens[start..<min(tokens.count, start + context)]
                current.tokens += [bos] + window
                current.windowLengths.append(window.count + 1)
                if current.windowLengths.count == batchWindows {
                    batches.append(current)
                    current = TokenBatch(tokens: [], windowLengths: [])
                }
            }
        }
        if !current.windowLengths.isEmpty { batches.append(current) }
        return batches
    }
}
