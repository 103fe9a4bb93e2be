import ArgumentParser
import Foundation
import Indexer
import Models
import Store
import Synchronization

/// Set by SIGINT; the indexer checkpoints and stops at the next document boundary.
let interruptRequested = Atomic<Bool>(false)

/// `neurodex index`: run a corpus through a model once and store every neuron's core tokens.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index a corpus: store each MLP neuron's top-K core tokens and statistics.",
        discussion: """
            Documents are tokenized whole and cut into windows of --context tokens. Ctrl-C stops \
            at the next checkpoint; --resume continues an interrupted run with the same options. \
            --append adds a run over more documents to a complete store, as if one run had read \
            its corpora and then these.
            """)

    @Option(help: "An HF model folder (GPT-2, Llama, Qwen2 or Mistral) or a GGUF file (Llama).", completion: .file())
    var model: String

    @Option(parsing: .upToNextOption, help: "Text files, folders of them, .jsonl files (field \"text\"), any of them .gz or .zst compressed, or - for standard input.")
    var corpus: [String]

    @Option(help: "The store directory (created when missing).", completion: .directory)
    var store: String

    @Option(help: "Layers to index: e.g. 0-1, 0,5-7 or all.")
    var layers = "all"

    @Option(name: .customLong("top-k"), help: "Core tokens kept per neuron.")
    var topK = 100

    @Option(help: "Document tokens per context window.")
    var context = 64

    @Option(help: "prepend: a BOS/<|endoftext|> token starts every window (default for GPT-2); none: no BOS (default for Llama).")
    var bos: BOSPolicy?

    @Option(help: "Context windows per forward batch: speed and memory (records and statistics do not depend on it).")
    var batch = 64

    @Option(help: "Threads for the forward pass and the accumulators.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Keep at most one core record per token id (its best occurrence).")
    var distinctTokens = false

    @Option(name: .customLong("window-records"),
            help: "How many of each neuron's first records keep their window (the neuron's activation at every token of the context window): a number, 0 for none, or all (= --top-k).")
    var windowRecords = "20"

    @Option(name: .customLong("negative-k"), help: "Most negative records kept per neuron, with their windows (0: none).")
    var negativeK = 20

    @Flag(help: "Also store the layer's MLP input vector (f16) at every core record: contextual embeddings for `analyze --embeddings contextual`.")
    var storeInputs = false

    @Option(help: "Index only every n-th document: i/n (0 ≤ i < n); merge the shards with `neurodex merge`. Only shard 0 computes the logit lens (it depends on the model alone); the merge takes it from there.")
    var shard: String?

    @Option(help: "Positions in each layer's seeded random sample of activations.")
    var sampleSize = 64

    @Option(name: .customLong("band-sample"),
            help: "Positions in the seeded sample that each neuron's band examples (5 per quantile band) and random sample (20) are chosen from; 0: no bands.")
    var bandSample = 2048

    @Option(name: .customLong("logit-lens"),
            help: "Output tokens each neuron's logit lens lists, most raised and most lowered (0: none; a fixed cost of the model, e.g. 2.85 TFLOP for GPT-2 small's 12 layers).")
    var logitLens = 10

    @Option(help: "Seed of the random samples.")
    var seed: UInt64 = 0

    @Option(help: "Seconds between checkpoints.")
    var checkpointSeconds = 60.0

    @Option(name: .customLong("accumulator-memory"),
            help: "The most memory one pass's layer accumulators may take (e.g. 512M, 2G): layers beyond it are indexed in further passes over the corpus, each starting from the residual stream the previous pass wrote into the store's directory; the result is the same. Default 700M.")
    var accumulatorMemory: String?

    @Flag(help: "Continue an interrupted run (or start it, when the store has none yet).")
    var resume = false

    @Flag(help: "Add a run over these corpus paths to the complete store, with the same model and options (all but --corpus, --threads and --checkpoint-seconds); with --resume, continue such a run.")
    var append = false

    @Flag(help: "No progress bar.")
    var quiet = false

    @OptionGroup var blasOption: BLASOption

    func validate() throws {
        if corpus.isEmpty { throw ValidationError("give at least one --corpus path") }
        if topK < 1 { throw ValidationError("--top-k must be at least 1") }
        if context < 1 { throw ValidationError("--context must be at least 1") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if windowRecordCount == nil { throw ValidationError("--window-records wants a number ≥ 0 or all, got \(windowRecords)") }
        if negativeK < 0 { throw ValidationError("--negative-k cannot be negative") }
        if bandSample < 0 { throw ValidationError("--band-sample cannot be negative") }
        if logitLens < 0 { throw ValidationError("--logit-lens cannot be negative") }
    }

    /// A size with an optional K, M or G suffix (binary units), at least 1 byte.
    static func bytes(_ text: String) -> Int? {
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        var unit = 1.0
        if let last = digits.last, let shift = ["K": 10, "M": 20, "G": 30][String(last)] {
            unit = Double(1 << shift)
            digits.removeLast()
        }
        guard let value = Double(digits), value.isFinite, value * unit >= 1, value * unit < 0x1p62 else { return nil }
        return Int(value * unit)
    }

    /// `--window-records` as a count ("all": every record of the top-K).
    var windowRecordCount: Int? {
        let text = windowRecords.trimmingCharacters(in: .whitespaces)
        if text == "all" { return topK }
        return Int(text).flatMap { $0 >= 0 ? $0 : nil }
    }

    func run() throws {
        let blas = try blasOption.load()
        let memory = try accumulatorMemory.map { text in
            guard let bytes = Self.bytes(text) else {
                throw CommandError("--accumulator-memory wants a size such as 512M, 2G or 1.5G, got \(text)")
            }
            return bytes
        }
        let shard = try self.shard.map { try Shard(parsing: $0) }
        // Load only the layers that are indexed.
        let requested = NumberList(parsing: layers) == .all ? nil : try parseLayers(layers, layerCount: nil)
        let bundle = try ModelBundle.load(path: model, maxLayer: requested?.last, threads: threads)
        let layerList = try requested ?? parseLayers(layers, layerCount: bundle.model.description.layerCount)
        var options = IndexingOptions(modelPath: model, corpusPaths: corpus, layers: layerList)
        options.topK = topK
        options.context = context
        options.bos = bos ?? (bundle.model.description.family == .gpt2 ? .prepend : .none)
        options.batchWindows = batch
        options.threads = threads
        options.distinctTokens = distinctTokens
        options.windowRecords = min(windowRecordCount ?? 0, topK)
        options.negativeK = negativeK
        options.storeInputs = storeInputs
        options.shard = shard
        options.sampleSize = sampleSize
        options.bandSample = bandSample
        options.logitLensTokens = logitLens
        options.seed = seed
        options.checkpointSeconds = checkpointSeconds
        options.accumulatorMemory = memory

        let storeURL = URL(fileURLWithPath: store)
        let opened = try NeurodexStore(directory: storeURL, mode: .create)
        let recorded = try opened.summary()
        // A run that already finished with this model and these options has nothing left to
        // do: `--resume` succeeds without work, so that a requeued job that had finished passes.
        if self.resume, let last = recorded.runs.last, last.status == .complete,
           recorded.model?.fingerprint == bundle.model.description.fingerprint,
           try JSONDecoder().decode(IndexingOptions.self, from: Data(last.configJson.utf8)).identity == options.identity {
            print("the run in \(store) is already complete; nothing to resume")
            return
        }
        // A run killed before it recorded anything has nothing to resume: `--resume` starts it,
        // so that a crashed job can always be rerun with the same command.
        let mode: Indexer.RunMode = if append {
            self.resume && recorded.runs.last.map({ $0.status != .complete }) == true ? .resume : .append
        } else {
            self.resume && !recorded.runs.isEmpty ? .resume : .start
        }
        let indexer = try Indexer(model: bundle.model, tokenizer: bundle.tokenizer, store: opened, options: options)
        let bar = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) != 0)
        indexer.onProgress = { bytes, total, tokens in bar.update(done: bytes, total: total, tokens: tokens) }
        indexer.onPass = { pass, count, layers in
            guard count > 1 else { return }
            if pass > 0 { bar.finish() }
            let list = layers.map(String.init).joined(separator: ",")
            FileHandle.standardError.write(Data("pass \(pass + 1) of \(count) over the corpus: layer\(layers.count > 1 ? "s" : "") \(list)\n".utf8))
        }
        indexer.shouldStop = { interruptRequested.load(ordering: .relaxed) }
        signal(SIGINT) { _ in
            interruptRequested.store(true, ordering: .relaxed)
            signal(SIGINT, SIG_DFL)  // a second Ctrl-C ends the process at once
        }
        do {
            let summary = try indexer.run(mode)
            bar.finish()
            let rate = Double(summary.tokens) / max(summary.seconds, 1e-9)
            print("indexed \(summary.documents) documents, \(summary.tokens) tokens, layers \(layers), "
                  + String(format: "in %.1f s (%.0f tokens/s) into %@", summary.seconds, rate, store))
            let p = summary.phases
            print(String(format: "time: forward %.1f s, capture %.1f s, storage %.1f s (band examples %.1f s, logit lens %.1f s), corpus %.1f s",
                         p.forward, p.capture, p.store, p.bandExamples, p.logitLens, p.corpus))
            print("BLAS: \(blas)")
        } catch let error as IndexError {
            bar.finish()
            if case .interrupted = error {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(130)
            }
            if case .emptyCorpus = error {
                throw CommandError("\(corpus.joined(separator: ", ")): the corpus has no text to index")
            }
            throw error
        } catch StoreError.modelMismatch(let expected, let found) {
            throw CommandError("\(store): the store was indexed with another model (fingerprint \(found.prefix(16))) "
                               + "than \(model) (fingerprint \(expected.prefix(16)))")
        }
    }
}

extension BOSPolicy: ExpressibleByArgument {}

/// An error whose message the command composes (e.g. to name the paths involved).
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A one-line progress bar on standard error: bytes done, tokens, tokens/s, ETA.
final class ProgressBar {
    let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast

    init(enabled: Bool) { self.enabled = enabled }

    func update(done: Int, total: Int, tokens: Int) {
        guard enabled, Date().timeIntervalSince(lastDraw) >= 0.1 || done >= total else { return }
        lastDraw = Date()
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(tokens) / max(elapsed, 1e-9)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let width = 30, filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "\r%@ %5.1f%%  %d tokens  %.0f tokens/s  ETA %@ ", bar, fraction * 100, tokens, rate,
                          Self.clock(eta))
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
