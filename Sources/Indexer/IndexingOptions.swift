import Kernels
import Store

/// Whether a BOS token starts every context window.
public enum BOSPolicy: String, Codable, Sendable, CaseIterable {
    case prepend, none
}

/// `--shard i/n`: this run takes the documents whose index ≡ i (mod n).
public struct Shard: Codable, Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (0..<count).contains(index) else {
            throw IndexError.invalidOption("--shard wants i/n with 0 ≤ i < n, got \(index)/\(count)")
        }
        self.index = index
        self.count = count
    }

    /// Parses "i/n".
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw IndexError.invalidOption("--shard wants i/n (e.g. 0/4), got \(text)")
        }
        try self.init(index: i, count: n)
    }

    public func includes(_ document: Int) -> Bool { document % count == index }
    public var description: String { "\(index)/\(count)" }
}

/// Everything that decides what an index run computes. Recorded as the run's config; a
/// resumed run must have the same options (threads and checkpoint interval may differ).
public struct IndexingOptions: Codable, Sendable, Equatable {
    public var modelPath: String
    public var corpusPaths: [String]
    /// Indexed layers, ascending, without repeats.
    public var layers: [Int]
    public var topK = 100
    /// Document tokens per context window (BOS not counted).
    public var context = 64
    public var bos: BOSPolicy = .prepend
    /// Context windows per forward batch (64 windows of BOS + 64 tokens fill whole
    /// `SgemmBlocks` of rows; results do not depend on it, only speed and memory do).
    public var batchWindows = 64
    public var distinctTokens = false
    /// How many of each neuron's first records keep their window: the neuron's activation at
    /// every token of the context window they came from (capped at `topK`; 0: none).
    public var windowRecords = 20
    /// How many most negative records are kept per neuron, with their windows (0: none).
    public var negativeK = 20
    /// How many output tokens each neuron's logit lens lists, raised and lowered (0: no logit
    /// lens). A cost of the model, not of the corpus: GPT-2 small takes 2.85 TFLOP for its 12
    /// layers whatever the corpus size.
    public var logitLensTokens = 10
    /// Whether this run computes the logit lens: it has one, and it is not a shard other than
    /// 0/n (the lens depends on the model only, so shard 0 computes it for all of them and
    /// `ShardMerger` takes it from there).
    public var computesLogitLens: Bool { logitLensTokens > 0 && (shard?.index ?? 0) == 0 }
    public var storeInputs = false
    public var shard: Shard?
    /// Set for a run appended to a store's earlier runs (`--append`): the id of its corpus's
    /// first document, one past the earlier runs' last. Nil for a first run (ids from 0). The
    /// store decides it, so it is not part of the identity; a resumed run takes the recorded one.
    public var firstDocument: Int?
    /// Positions in the seeded activation sample kept per layer.
    public var sampleSize = 64
    /// Positions in the band sample, the seeded uniform sample the band examples are chosen
    /// from (`BandSample`; 0: no bands).
    public var bandSample = 2048
    public var seed: UInt64 = 0
    /// The BLAS library of the run when it is not the default OpenBLAS (`BLASLibrary.name`,
    /// e.g. "MKL 2026.2, CNR branch AVX512_E1"), nil with OpenBLAS: another library changes the
    /// last bits of the activations, so it is part of the identity. Set from the library this
    /// process runs on.
    public var blas: String? = IndexingOptions.processBLAS
    /// The most memory one pass's layer accumulators may take, in bytes (nil: the default,
    /// `defaultAccumulatorMemory`). Layers beyond it are indexed in further passes over the
    /// corpus, each starting from the residual stream the pass before wrote (`LayerPasses`);
    /// the result is the same. Not part of the identity: a resumed run keeps its recorded passes.
    public var accumulatorMemory: Int?
    /// 700 MiB: at the other defaults GPT-2 small's 12 layers (45 MB each) and SmolLM2-135M's 30
    /// (23 MB each) take one pass, GPT-2 XL's 48 (95 MB each) seven passes of seven or six
    /// layers, and an XL run holds the model plus 1.5–1.6 GB.
    public static let defaultAccumulatorMemory = 700 << 20
    /// Not part of the run's identity.
    public var threads = 2
    /// Seconds between checkpoints (at the next document boundary); not part of the identity.
    public var checkpointSeconds = 60.0

    public init(modelPath: String, corpusPaths: [String], layers: [Int]) {
        self.modelPath = modelPath
        self.corpusPaths = corpusPaths
        self.layers = Array(Set(layers)).sorted()
    }

    /// `blas` of a run made by this process (nil too when its library cannot be loaded: then
    /// no run can start, and decoding recorded options must still work).
    static var processBLAS: String? {
        guard let library = try? BLASLibrary.loadCurrent(), library.kind != .openBLAS else { return nil }
        return library.name
    }

    /// How many records of each neuron keep their windows.
    public var windowedRecords: Int { min(windowRecords, topK) }

    /// The options that decide the result.
    public var identity: IndexingOptions {
        var copy = self
        copy.threads = 0
        copy.checkpointSeconds = 0
        copy.accumulatorMemory = nil
        copy.modelPath = ""
        copy.firstDocument = nil
        return copy
    }

    /// The options of an appended run that differ from `earlier`, the options of the store's
    /// latest run, as command-line option names: everything the stored state depends on must be
    /// equal (all but the corpus and what is not part of the identity). Empty when compatible.
    public func appendConflicts(with earlier: IndexingOptions) -> [String] {
        func differs<T: Equatable>(_ key: KeyPath<IndexingOptions, T>) -> Bool { self[keyPath: key] != earlier[keyPath: key] }
        let named: [(String, Bool)] = [
            ("--layers", differs(\.layers)), ("--top-k", differs(\.topK)), ("--context", differs(\.context)),
            ("--bos", differs(\.bos)), ("--batch", differs(\.batchWindows)), ("--distinct-tokens", differs(\.distinctTokens)),
            ("--window-records", differs(\.windowRecords)), ("--negative-k", differs(\.negativeK)),
            ("--logit-lens", differs(\.logitLensTokens)),
            ("--store-inputs", differs(\.storeInputs)), ("--shard", differs(\.shard) || shard != nil),
            ("--sample-size", differs(\.sampleSize)), ("--band-sample", differs(\.bandSample)), ("--seed", differs(\.seed)),
            ("--blas", differs(\.blas)),
        ]
        var conflicts = named.filter(\.1).map(\.0)
        var mine = identity, theirs = earlier.identity
        mine.corpusPaths = []; theirs.corpusPaths = []
        if conflicts.isEmpty && mine != theirs { conflicts.append("other options") }  // a field not named above
        return conflicts
    }

    /// Checks the options against the model.
    public func validate(layerCount: Int, maxContext: Int, hasBOS: Bool) throws {
        guard !layers.isEmpty else { throw IndexError.invalidOption("no layers to index") }
        for layer in layers where !(0..<layerCount).contains(layer) {
            throw IndexError.layerOutOfRange(layer: layer, layerCount: layerCount)
        }
        guard topK >= 1 else { throw IndexError.invalidOption("--top-k must be at least 1, got \(topK)") }
        guard windowRecords >= 0 else { throw IndexError.invalidOption("--window-records cannot be negative, got \(windowRecords)") }
        guard negativeK >= 0 else { throw IndexError.invalidOption("--negative-k cannot be negative, got \(negativeK)") }
        guard logitLensTokens >= 0 else { throw IndexError.invalidOption("--logit-lens cannot be negative, got \(logitLensTokens)") }
        guard context >= 1 else { throw IndexError.invalidOption("--context must be at least 1, got \(context)") }
        guard batchWindows >= 1 else { throw IndexError.invalidOption("--batch must be at least 1, got \(batchWindows)") }
        guard threads >= 1 else { throw IndexError.invalidOption("--threads must be at least 1, got \(threads)") }
        guard sampleSize >= 0 else { throw IndexError.invalidOption("the sample size cannot be negative") }
        if let accumulatorMemory, accumulatorMemory < 1 {
            throw IndexError.invalidOption("--accumulator-memory must be at least 1 byte, got \(accumulatorMemory)")
        }
        guard bandSample >= 0 else { throw IndexError.invalidOption("--band-sample cannot be negative, got \(bandSample)") }
        let window = context + (bos == .prepend ? 1 : 0)
        guard window <= maxContext else {
            throw IndexError.invalidOption("--context \(context)\(bos == .prepend ? " plus BOS" : "") exceeds the model's context of \(maxContext) tokens")
        }
        if bos == .prepend && !hasBOS {
            throw IndexError.invalidOption("the tokenizer has no BOS or end-of-text token to prepend; use --bos none")
        }
    }
}

/// Parses a layer list ("0-1", "0,2,5-7", "0-1, 5" or "all", see `NumberList`) into
/// ascending layer numbers, checked against `layerCount` when it is known ("all" needs it).
public func parseLayers(_ text: String, layerCount: Int?) throws -> [Int] {
    let layers: [Int]
    switch NumberList(parsing: text) {
    case .all:
        guard let layerCount else { throw IndexError.invalidOption("'all' layers needs the model's layer count") }
        return Array(0..<layerCount)
    case .list(let list):
        layers = list
    case nil:
        throw IndexError.invalidOption("cannot read layers '\(text)': use e.g. 0-1, 0,3,5-7 or all")
    }
    if let layerCount {
        for layer in layers where !(0..<layerCount).contains(layer) {
            throw IndexError.layerOutOfRange(layer: layer, layerCount: layerCount)
        }
    }
    return layers
}
