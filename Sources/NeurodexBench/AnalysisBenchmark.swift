import Analysis
import Export
import Foundation
import Kernels
import Store
import Study
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `neurodex-bench analysis`: time of the categorical analyses.
/// 1. One neuron in memory (K core tokens of dimension d, every permutation test): ms per neuron.
/// 2. A whole layer through the store path (`Study`: records and embeddings read from LMDB,
///    `LayerRunner` on `--threads` threads): without the cache, then computing and caching, then
///    reading every result back from the cache. Wall and CPU seconds per layer, ms per neuron.
/// Options: --neurons 6400 --threads 2 --permutations 1000 --dimension 1600 --k 100 --repeats 5.
func runAnalysisBenchmark(arguments: [String]) throws {
    let options = try BenchOptions(arguments)
    let neurons = try options.integer("neurons", default: 6400)
    let threads = try options.integer("threads", default: 2)
    let permutations = try options.integer("permutations", default: 1000)
    let dimension = try options.integer("dimension", default: 1600)
    let k = try options.integer("k", default: 100)
    let repeats = try options.integer("repeats", default: 5)
    var parameters = StudyParameters()
    parameters.analysis.permutations = permutations

    print("analysis benchmark: K = \(k), d = \(dimension), \(permutations) permutations, "
          + "\(ProcessInfo.processInfo.activeProcessorCount) cores")

    // 1. One neuron, one thread.
    let fixture = BenchmarkLayer(neurons: 4, k: k, dimension: dimension)
    let inputs = try (0..<4).map { try fixture.input(neuron: $0) }
    var wall: [Double] = [], cpu: [Double] = []
    for index in 0..<repeats {
        let input = inputs[index % inputs.count]
        let started = CPUTime.now()
        // Through LayerRunner (one thread, OpenBLAS single-threaded), as in a layer run.
        let seconds = try timings(repeats: 1) {
            _ = try LayerRunner.analyze(count: 1, parameters: parameters.analysis, concurrency: 1,
                                        stream: { _ in UInt64(index) }, input: { _ in input })[0].get()
        }[0]
        wall.append(seconds)
        cpu.append(CPUTime.now() - started)
    }
    print("one neuron:  \(format(median(wall) * 1000, 2)) ms wall, \(format(median(cpu) * 1000, 2)) ms CPU "
          + "(median of \(repeats); min \(format((wall.min() ?? 0) * 1000, 2)) ms)")

    // 2. A layer through the store.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("neurodex-bench-analysis-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let layer = BenchmarkLayer(neurons: neurons, k: k, dimension: dimension)
    let building = Date()
    try layer.writeStore(at: directory)
    print("store:       \(neurons) neurons written in \(format(Date().timeIntervalSince(building), 1)) s")

    @discardableResult
    func run(_ label: String, caching: Bool) throws -> LayerStudy {
        let study = try Study(directory: directory, caching: caching)
        let started = CPUTime.now()
        let clock = Date()
        let result = try study.analyze(layer: 0, neurons: .all, parameters: parameters, concurrency: threads)
        let seconds = Date().timeIntervalSince(clock), cpuSeconds = CPUTime.now() - started
        let perNeuron = seconds * 1000 / Double(neurons)
        print("\(label) \(format(seconds, 1)) s wall, \(format(cpuSeconds, 1)) s CPU per layer; "
              + "\(format(perNeuron, 2)) ms/neuron wall on \(threads) threads "
              + "(\(result.computedCount) computed, \(result.neurons.count - result.computedCount) cached, \(result.failures.count) failed)")
        return result
    }
    try run("layer, no cache:      ", caching: false)
    try run("layer, compute+cache: ", caching: true)
    let cached = try run("layer, from cache:    ", caching: true)
    // The JSON each neuron's row holds.
    let bytes = try cached.neurons.reduce(0) { $0 + (try AnalysisCache.encode($1.analysis)).utf8.count }
    print("cache:       \(format(Double(bytes) / Double(max(cached.neurons.count, 1)) / 1000, 1)) kB of result JSON per neuron")
}

/// Synthetic neurons of known kinds over a vocabulary of 40 categories of 100 tokens: each
/// neuron's K core tokens come from 4 categories (token embedding = category direction + noise)
/// and are segregated, interleaved, random, or only the top tenth share a category, in turn.
struct BenchmarkLayer {
    let neurons: Int
    let k: Int
    let dimension: Int
    static let categories = 40, perCategory = 100

    /// [categories, dimension] the category directions.
    private var centers: [[Float]] {
        var generator = SeededGenerator(seed: 1)
        return (0..<Self.categories).map { _ in (0..<dimension).map { _ in Float(gaussian(&generator)) } }
    }

    /// The embedding of a token: its category's direction plus noise of sd 0.5.
    func embedding(_ token: Int, centers: [[Float]]) -> [Float] {
        var generator = SeededGenerator(seed: 2, stream: UInt64(token))
        return centers[token / Self.perCategory].map { $0 + Float(0.5 * gaussian(&generator)) }
    }

    /// The core records of a neuron: (token, activation), K of them.
    func records(neuron: Int) -> [(token: Int, activation: Float)] {
        var generator = SeededGenerator(seed: 3, stream: UInt64(neuron))
        let chosen = (0..<4).map { _ in generator.next(below: Self.categories) }
        return (0..<k).map { i in
            let c = i % 4
            let token = chosen[c] * Self.perCategory + generator.next(below: Self.perCategory)
            let activation: Double
            switch neuron % 4 {
            case 0: activation = 2 * Double(c) + generator.nextUnit()
            case 1: activation = 0.8 * Double(c) + gaussian(&generator)
            case 2: activation = gaussian(&generator)
            default: activation = i < k / 10 ? 5 + generator.nextUnit() : 4 * generator.nextUnit()
            }
            return (token, Float(activation))
        }
    }

    func input(neuron: Int) throws -> NeuronInput {
        let centers = self.centers
        let list = records(neuron: neuron)
        return try NeuronInput(activations: list.map(\.activation), tokenIDs: list.map { UInt32($0.token) },
                               embeddings: list.flatMap { embedding($0.token, centers: centers) }, dimension: dimension)
    }

    /// A store with layer 0 holding every neuron, and the embeddings of the tokens used.
    func writeStore(at directory: URL) throws {
        let model = ModelRow(family: "benchmark", source: "synthetic", fingerprint: "analysis-benchmark", layerCount: 1,
                             embeddingSize: dimension, neuronCount: neurons,
                             vocabularySize: Self.categories * Self.perCategory, maxContext: 1024,
                             activationDefinition: "synthetic", configJson: "{}")
        var lmdb = LMDBEnvironment.Options()
        lmdb.noSync = true
        let builder = try StoreBuilder(directory: directory, model: model, corpusName: "synthetic",
                                       corpusSources: [], runConfigJSON: "{}", lmdbOptions: lmdb)
        builder.indexesTokens = false
        try builder.setLayer(0, neuronCount: neurons, topK: k,
                               statistics: LayerStatisticsSpec(bins: HistogramBins(), sampleSeed: 0, samplePositions: []))
        var used = Set<Int>()
        for neuron in 0..<neurons {
            let list = records(neuron: neuron)
            used.formUnion(list.map(\.token))
            try builder.addNeuron(layer: 0, neuron: neuron, records: list.enumerated().map { i, r in
                CoreRecord(activation: r.activation, document: UInt32(neuron), position: UInt32(i), token: UInt32(r.token))
            })
        }
        try builder.finish()
        let centers = self.centers
        try builder.store.activations.write { w in
            try w.setMeta(StoreMeta.embeddingSize, uint32: UInt32(dimension))
            for token in used.sorted() { try w.putEmbedding(token: UInt32(token), embedding(token, centers: centers)) }
        }
    }
}

/// A standard normal draw (Box–Muller).
private func gaussian(_ generator: inout SeededGenerator) -> Double {
    let u = max(generator.nextUnit(), 1e-300), v = generator.nextUnit()
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
}

/// User plus system CPU seconds of this process (all threads).
enum CPUTime {
    static func now() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)  // Glibc imports RUSAGE_SELF as an enum case
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
