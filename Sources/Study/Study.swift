import Analysis
import Foundation
import Query
import Store

/// The paper's study on a store: loads neurons' core tokens and embeddings, runs the analyses
/// (`NeuronAnalysis`, `LayerRunner`, `LayerSummary`) and caches results in the catalog.
///
/// A neuron's result depends only on its records, the `StudyParameters` and its random stream
/// `layer << 32 | neuron`: analyzing it alone or within a layer, on any number of threads, from
/// the cache or not, gives the same value.
public final class Study: Sendable {
    public let query: StoreQuery
    /// Where results are cached; nil to compute everything and store nothing.
    public let cache: AnalysisCache?
    /// Neuron analyses computed per writing transaction of a layer run: the results of finished
    /// chunks stay cached when a run is interrupted.
    public let chunkSize: Int
    /// The store's recorded embedding size (meta `embedding_size`), when it has one.
    private let embeddingSize: Int?

    public init(query: StoreQuery, cache: AnalysisCache?, chunkSize: Int = 256) throws {
        self.query = query
        self.cache = cache
        self.chunkSize = max(1, chunkSize)
        embeddingSize = try query.store.activations.read { try $0.metaUInt32(StoreMeta.embeddingSize) }.map(Int.init)
    }

    /// Opens the store at `directory` for reading; with `caching`, its catalog for writing too
    /// (`StoreError.readOnly` when it cannot be written).
    public convenience init(directory: URL, caching: Bool) throws {
        let store = try NeurodexStore(directory: directory, mode: caching ? .readCachingAnalyses : .read)
        try self.init(query: StoreQuery(store: store), cache: caching ? AnalysisCache(store: store) : nil)
    }

    /// The random stream of a neuron.
    public static func stream(layer: Int, neuron: Int) -> UInt64 {
        UInt64(layer) << 32 | UInt64(UInt32(truncatingIfNeeded: neuron))
    }

    /// The core tokens of a neuron and the vectors that stand for them. Throws `QueryError` for
    /// a layer not in the store, a neuron outside the layer or without records.
    public func coreTokens(layer: Int, neuron: Int, parameters: StudyParameters) throws -> CoreTokens {
        try query.checkNeuron(layer: layer, neuron: neuron)
        return try query.store.activations.read { reader in
            try CoreTokens(reader: reader, layer: layer, neuron: neuron, embeddings: parameters.embeddings,
                           distinctTokens: parameters.distinctTokens, embeddingSize: embeddingSize,
                           storePath: query.store.directory.path)
        }
    }

    /// Why a neuron of a layer run failed: an analysis error becomes `cannotAnalyze` with the
    /// neuron's core-token counts, which usually explain it.
    private func failureReason(_ error: any Error, layer: Int, neuron: Int, parameters: StudyParameters) -> String {
        guard let reason = error as? AnalysisError,
              let core = try? coreTokens(layer: layer, neuron: neuron, parameters: parameters) else { return "\(error)" }
        return StudyError.cannotAnalyze(layer: layer, neuron: neuron, coreTokens: core.records.count,
                                        distinctTokens: core.distinctTokenCount, reason: reason).description
    }

    /// Analyzes one neuron, or returns its cached analysis. Throws `StudyError.cannotAnalyze`
    /// when the analyses cannot run on its core tokens.
    public func analyze(layer: Int, neuron: Int, parameters: StudyParameters) throws -> NeuronStudy {
        let runID = try query.checkNeuron(layer: layer, neuron: neuron).row.runId
        if let cached = try cache?.neuronAnalyses(runID: runID, layer: layer, parameters: parameters,
                                                  neurons: [neuron])[neuron] {
            return NeuronStudy(layer: layer, neuron: neuron, analysis: cached, source: .cache)
        }
        let core = try coreTokens(layer: layer, neuron: neuron, parameters: parameters)
        let input = try core.input()
        let stream = Self.stream(layer: layer, neuron: neuron)
        let analysis: NeuronAnalysis
        do {
            analysis = try NeuronAnalysis(input: input, parameters: parameters.analysis, stream: stream)
        } catch let error as AnalysisError {
            throw StudyError.cannotAnalyze(layer: layer, neuron: neuron, coreTokens: core.records.count,
                                           distinctTokens: core.distinctTokenCount, reason: error)
        }
        try cache?.save([(neuron, analysis)], runID: runID, layer: layer, parameters: parameters)
        return NeuronStudy(layer: layer, neuron: neuron, analysis: analysis, source: .computed)
    }

    /// Analyzes `neurons` of `layer` (every neuron of the layer by default) on `concurrency`
    /// threads, reusing cached analyses, then summarizes them with Benjamini–Hochberg at `fdr`.
    /// `progress(done, total)` is called from worker threads as neurons finish.
    public func analyze(layer: Int, neurons selection: NeuronSelection = .all, parameters: StudyParameters,
                        fdr: Double = 0.05, concurrency: Int,
                        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> LayerStudy {
        try parameters.analysis.validate()
        guard fdr > 0, fdr < 1 else {
            throw AnalysisError.invalidParameter(name: "fdr", value: "\(fdr)", reason: "must be in (0, 1)")
        }
        let layerRow = try query.layer(layer).row
        let neurons = try selection.neurons(layer: layer, neuronCount: layerRow.neuronCount)
        let runID = layerRow.runId
        let total = neurons.count

        var analyses = try cache?.neuronAnalyses(runID: runID, layer: layer, parameters: parameters,
                                                 neurons: Set(neurons), concurrency: concurrency) ?? [:]
        let fromCache = Set(analyses.keys)
        let missing = neurons.filter { analyses[$0] == nil }
        progress?(fromCache.count, total)

        var failures: [Int: String] = [:]
        var start = 0
        while start < missing.count {
            let chunk = Array(missing[start..<min(missing.count, start + chunkSize)])
            let done = fromCache.count + start
            let stream: @Sendable (Int) -> UInt64 = { Self.stream(layer: layer, neuron: chunk[$0]) }
            let load: @Sendable (Int) throws -> NeuronInput = { [self] index in
                try coreTokens(layer: layer, neuron: chunk[index], parameters: parameters).input()
            }
            var finished: (@Sendable (Int) -> Void)?
            if let progress { finished = { progress(done + $0, total) } }
            let results = LayerRunner.analyze(count: chunk.count, parameters: parameters.analysis,
                                              concurrency: concurrency, stream: stream, input: load, progress: finished)
            var computed: [(neuron: Int, analysis: NeuronAnalysis)] = []
            for (neuron, result) in zip(chunk, results) {
                switch result {
                case .success(let analysis): computed.append((neuron, analysis))
                case .failure(let error):
                    failures[neuron] = failureReason(error, layer: layer, neuron: neuron, parameters: parameters)
                }
            }
            try cache?.save(computed, runID: runID, layer: layer, parameters: parameters, concurrency: concurrency)
            for item in computed { analyses[item.neuron] = item.analysis }
            start += chunk.count
        }

        let studies = neurons.compactMap { neuron in
            analyses[neuron].map {
                NeuronStudy(layer: layer, neuron: neuron, analysis: $0, source: fromCache.contains(neuron) ? .cache : .computed)
            }
        }
        let analyzed = studies.map(\.neuron)
        let keyJSON = parameters.layerSummaryJSON(neurons: analyzed, fdr: fdr)
        let summary: Analysis.LayerSummary
        let summarySource: ResultSource
        if let cached = try cache?.layerSummary(runID: runID, layer: layer, keyJSON: keyJSON, seed: parameters.catalogSeed) {
            (summary, summarySource) = (cached, .cache)
        } else {
            summary = Analysis.LayerSummary(analyses: studies.map(\.analysis), fdr: fdr)
            summarySource = .computed
            try cache?.saveLayerSummary(summary, runID: runID, layer: layer, keyJSON: keyJSON, seed: parameters.catalogSeed)
        }
        let failed = failures.sorted { $0.key < $1.key }.map { NeuronFailure(layer: layer, neuron: $0.key, reason: $0.value) }
        return LayerStudy(layer: layer, neurons: studies, failures: failed, summary: summary, summarySource: summarySource)
    }
}
