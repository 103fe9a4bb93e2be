import Export
import Foundation
import Kernels
import Query
import Responses
import Store

/// `neurodex-bench store`: builds a store of GPT-2 XL size (48 layers × 6,400 neurons × 100
/// records, statistics rows with histogram and sample, a 10M-token corpus, a 50,257-token
/// vocabulary) in a temporary directory and measures random single-neuron lookups, warm, in
/// this process: records only, records with decoded contexts, and the full `neurodex neuron`
/// lookup with statistics, then the same lookup as the API's document and as its encoded bytes.
/// Options: --layers --neurons --records --documents --document-tokens --lookups --context,
/// --dir PATH to build there and keep the store (for `hyperfine` runs of the CLI and for
/// `neurodex serve`), --open PATH to measure a store that exists (its layers and neurons must
/// be given when they are not 48 × 6,400).
struct StoreBenchmark {
    let layers: Int
    let neurons: Int
    let records: Int
    let documents: Int
    let documentTokens: Int
    let vocabulary = 50_257
    let samplePositions = 64
    let lookups: Int
    let context: Int
    let keepAt: URL?
    /// A store to measure instead of building one.
    let existing: URL?

    init(options: BenchOptions) throws {
        layers = try options.integer("layers", default: 48)
        neurons = try options.integer("neurons", default: 6_400)
        records = try options.integer("records", default: 100)
        documents = try options.integer("documents", default: 20_000)
        documentTokens = try options.integer("document-tokens", default: 500)
        lookups = try options.integer("lookups", default: 20_000)
        context = try options.integer("context", default: 12)
        keepAt = options.list("dir", default: []).first.map { URL(fileURLWithPath: $0) }
        existing = options.list("open", default: []).first.map { URL(fileURLWithPath: $0) }
    }

    func run() throws {
        let directory = existing ?? keepAt ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("neurodex-bench-store-\(UUID().uuidString)")
        defer { if keepAt == nil && existing == nil { try? FileManager.default.removeItem(at: directory) } }
        if existing == nil, let keepAt, FileManager.default.fileExists(atPath: keepAt.appendingPathComponent("catalog.sqlite").path) {
            throw BenchOptions.Invalid(description: "\(keepAt.path) already holds a store: measure it with --open \(keepAt.path)")
        }
        if existing == nil {
            print("store: \(layers) layers × \(neurons) neurons × \(records) records, \(documents) documents × "
                  + "\(documentTokens) tokens, vocabulary \(vocabulary)")
            let buildSeconds = try timings(repeats: 1) { try build(at: directory) }[0]
            let sizes = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().compactMap { name in
                let size = (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path))?[.size]
                return (size as? NSNumber).map { "\(name) \(format(Double($0.intValue) / 1e6)) MB" }
            }
            print("built in \(format(buildSeconds)) s (no fsync until the end): " + sizes.joined(separator: ", "))
        } else {
            print("store: \(directory.path), \(layers) layers × \(neurons) neurons")
        }

        let openSeconds = try timings(repeats: 1) { _ = try StoreQuery(directory: directory) }[0]
        let query = try StoreQuery(directory: directory)
        print("open (catalog, layers, vocabulary): \(format(openSeconds * 1e3, 2)) ms")
        // Warm: touch every record once so that the map is in memory, as in a long-running server
        // (each measurement below also runs its lookups once before timing them).
        let warmSeconds = try timings(repeats: 1) {
            try query.store.activations.read { reader in try reader.forEachNeuron { _, _, _ in true } }
        }[0]
        print("warm-up scan of all records: \(format(warmSeconds, 2)) s")

        var generator = SplitMix64(seed: 42)
        let targets = (0..<lookups).map { _ in (Int.random(in: 0..<layers, using: &generator),
                                                Int.random(in: 0..<neurons, using: &generator)) }
        report("records (decoded)", try latencies(targets) { l, n in _ = try query.records(layer: l, neuron: n) })
        report("statistics alone", try latencies(targets) { l, n in _ = try query.statistics(layer: l, neuron: n) })
        report("records + contexts (±\(context) tokens)", try latencies(targets) { l, n in
            _ = try query.neuron(layer: l, neuron: n, contextRadius: context, statistics: .none)
        })
        report("records + contexts + statistics (moments)", try latencies(targets) { l, n in
            _ = try query.neuron(layer: l, neuron: n, contextRadius: context, statistics: .moments)
        })
        report("the API's document (NeuronResponse)", try latencies(targets) { l, n in
            _ = NeuronResponse(report: try query.neuron(layer: l, neuron: n, contextRadius: context, statistics: .moments))
        })
        report("the API's document, encoded (JSON bytes)", try latencies(targets) { l, n in
            _ = try ResponseEncoder.encode(NeuronResponse(report: try query.neuron(layer: l, neuron: n, contextRadius: context, statistics: .moments)))
        })
        // The documents of the first 500 targets, built beforehand, encoded by index.
        let documents = try targets.prefix(500).map { l, n in
            NeuronResponse(report: try query.neuron(layer: l, neuron: n, contextRadius: context, statistics: .moments))
        }
        report("encoding alone (JSON bytes of a built document)", try latencies(documents.indices.map { ($0, 0) }) { i, _ in
            _ = try ResponseEncoder.encode(documents[i])
        })
        if let keepAt { print("store kept at \(keepAt.path)") }
    }

    /// Microseconds of each lookup, wall clock and this thread's CPU time (which leaves out the
    /// time other processes had the core: on a shared machine the wall-clock tail is theirs),
    /// measured on a second pass over `targets` (the first brings every page they touch into
    /// memory).
    func latencies(_ targets: [(Int, Int)], _ lookup: (Int, Int) throws -> Void) throws -> (wall: [Double], cpu: [Double]) {
        for (l, n) in targets { try lookup(l, n) }
        var wall: [Double] = [], cpu: [Double] = []
        wall.reserveCapacity(targets.count)
        cpu.reserveCapacity(targets.count)
        for (l, n) in targets {
            let (w0, c0) = (Self.now(CLOCK_MONOTONIC), Self.now(CLOCK_THREAD_CPUTIME_ID))
            try lookup(l, n)
            let (w1, c1) = (Self.now(CLOCK_MONOTONIC), Self.now(CLOCK_THREAD_CPUTIME_ID))
            wall.append(w1 - w0)
            cpu.append(c1 - c0)
        }
        return (wall, cpu)
    }

    /// Microseconds on `clock`.
    static func now(_ clock: clockid_t) -> Double {
        var t = timespec()
        clock_gettime(clock, &t)
        return Double(t.tv_sec) * 1e6 + Double(t.tv_nsec) * 1e-3
    }

    func report(_ name: String, _ times: (wall: [Double], cpu: [Double])) {
        func summary(_ values: [Double]) -> String {
            let sorted = values.sorted()
            func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))] }
            return "p50 \(format(percentile(0.5), 1)) µs, p99 \(format(percentile(0.99), 1)) µs, "
                + "mean \(format(sorted.reduce(0, +) / Double(sorted.count), 1)) µs"
        }
        print("\(name), \(times.wall.count) random neurons:\n  wall \(summary(times.wall))\n  cpu  \(summary(times.cpu))")
    }

    /// Writes the store: random documents and vocabulary, each neuron's records at random
    /// positions with descending activations, statistics rows with a histogram and a sample.
    func build(at directory: URL) throws {
        var options = LMDBEnvironment.Options()
        options.noSync = true
        let model = ModelRow(family: "benchmark", source: "random", fingerprint: "benchmark", layerCount: layers,
                             embeddingSize: 1_600, neuronCount: neurons, vocabularySize: vocabulary, maxContext: 1_024,
                             activationDefinition: "random", configJson: "{}")
        let builder = try StoreBuilder(directory: directory, model: model, corpusName: "random", corpusSources: [],
                                       runConfigJSON: "{}", lmdbOptions: options)
        builder.indexesTokens = false
        builder.batchBytes = 256 << 20
        var generator = SplitMix64(seed: 1)
        for id in 0..<UInt32(vocabulary) {
            let word = (0..<Int.random(in: 2...8, using: &generator)).map { _ in UInt8.random(in: 97...122, using: &generator) }
            try builder.addVocabulary(id, bytes: (id % 3 == 0 ? [] : [0x20]) + word)
        }
        var corpus: [[UInt32]] = []
        corpus.reserveCapacity(documents)
        for d in 0..<documents {
            let tokens = (0..<documentTokens).map { _ in UInt32.random(in: 0..<UInt32(vocabulary), using: &generator) }
            try builder.addDocument(tokens: tokens, sourcePath: "random-\(d)")
            corpus.append(tokens)
        }
        let bins = HistogramBins()
        let positions = (0..<samplePositions).map { _ in
            SamplePosition(document: UInt32.random(in: 0..<UInt32(documents), using: &generator),
                           position: UInt32.random(in: 0..<UInt32(documentTokens), using: &generator))
        }
        let spec = LayerStatisticsSpec(bins: bins, sampleSeed: 1, samplePositions: positions)
        for layer in 0..<layers {
            try builder.setLayer(layer, neuronCount: neurons, topK: records, statistics: spec)
            for neuron in 0..<neurons {
                let top = Float.random(in: 5...20, using: &generator)
                var activation = top
                let list = (0..<records).map { _ in
                    let d = Int.random(in: 0..<documents, using: &generator)
                    let p = Int.random(in: 0..<documentTokens, using: &generator)
                    activation -= Float.random(in: 0...0.05, using: &generator)
                    return CoreRecord(activation: activation, document: UInt32(d), position: UInt32(p), token: corpus[d][p])
                }
                var counts = [UInt32](repeating: 0, count: bins.count)
                for _ in 0..<200 { counts[bins.index(of: Float.random(in: -0.17...top, using: &generator))] += 50 }
                let sample = (0..<samplePositions).map { _ in Float.random(in: -0.17...1, using: &generator) }
                let statistics = NeuronStatsRow(
                    layer: layer, neuron: neuron, count: 10_000, mean: 0.05, variance: 0.2, skewness: 3, kurtosis: 20,
                    min: -0.17, max: Double(top), fractionPositive: 0.3,
                    histogram: Data(counts.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }),
                    sample: Data(sample.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }))
                try builder.addNeuron(layer: layer, neuron: neuron, records: list, statistics: statistics)
            }
        }
        try builder.finish()
    }
}
