import Analysis
import Foundation
import Query
import Responses
import Store
import Study

/// What the API's routes answer, apart from HTTP: the store, the analysis cache and, later,
/// the model.
final class APIService: Sendable {
    let store: StoreService
    /// The writable analysis cache; nil when the store's directory is read-only (analyses are
    /// then computed on every request and not kept).
    let writableCache: AnalysisCache?

    /// The model of the inference routes; nil without `--model`.
    let model: InferenceModel?

    init(storeDirectory: URL, loadModel: ((_ lastLayer: Int?) throws -> InferenceModel)?) throws {
        store = try StoreService(directory: storeDirectory)
        let model = try loadModel?(store.query.indexedLayers.last)
        if let model {
            let indexed = store.query.model?.fingerprint
            guard indexed == model.fingerprint else {
                throw ServerError.modelMismatch(model: model.path, fingerprint: model.fingerprint, store: storeDirectory.path,
                                                indexedFingerprint: indexed)
            }
        }
        self.model = model
        writableCache = store.store.catalogIsWritable ? try AnalysisCache(store: store.store) : nil
    }

    func status() -> ServerStatus {
        ServerStatus(version: NeurodexVersion.current, store: store.store.directory.path,
                     model: model.map { .init(path: $0.path, fingerprint: $0.fingerprint) },
                     cachesAnalyses: writableCache != nil,
                     limits: .init(bodyBytes: Limits.bodyBytes, textTokens: Limits.textTokens,
                                   batchNeurons: Limits.batchNeurons, pageRows: Limits.pageRows))
    }

    /// `neurodex neuron --format json`'s document (12 tokens of context, every record).
    func neuron(layer: Int, neuron: Int) throws -> NeuronResponse {
        try store.withQuery { query in
            NeuronResponse(report: try query.neuron(layer: layer, neuron: neuron, contextRadius: NeuronContexts.radius,
                                                    statistics: .moments))
        }
    }

    /// `neurodex search --token TEXT --format json`'s document.
    func search(token: String, layer: Int?, limit: Int) throws -> SearchResponse {
        try store.withQuery { query in
            SearchResponse(result: try query.searchToken(token, matching: .ignoringLeadingSpace, layer: layer, limit: limit))
        }
    }

    /// `neurodex analyze --layers L --neurons N --format json`'s document (FDR 0.05).
    func analysisResponse(layer: Int, neuron: Int, parameters: StudyParameters) throws -> AnalysisResponse {
        let study = try analysis(layer: layer, neuron: neuron, parameters: parameters)
        return AnalysisResponse(neuron: study, store: store.store.directory.path, parameters: parameters, fdr: 0.05,
                                vocabulary: store.query.vocabulary)
    }

    /// The model, or the 503 that says the route needs one.
    func requireModel() throws -> InferenceModel {
        guard let model else {
            throw APIError(.serviceUnavailable, "this route runs the model: start the server with --model (the model the store was indexed with)")
        }
        return model
    }

    /// A neuron's analysis under `parameters`: from the cache, or computed and cached.
    func analysis(layer: Int, neuron: Int, parameters: StudyParameters) throws -> NeuronStudy {
        try store.withQuery { query in
            try Study(query: query, cache: writableCache).analyze(layer: layer, neuron: neuron, parameters: parameters)
        }
    }

    /// The cached analyses of `layer` under `parameters`, by neuron (read-only stores included).
    func cachedAnalyses(layer: Int, parameters: StudyParameters) throws -> [Int: NeuronAnalysis] {
        try store.withQuery { query in
            let runID = try query.layer(layer).row.runId
            return try AnalysisCache(readingFrom: query.store)
                .neuronAnalyses(runID: runID, layer: layer, parameters: parameters, concurrency: 2)
        }
    }

    /// One page of `layer`'s neuron table.
    func layerTable(layer: Int, request: LayerTableRequest) throws -> LayerTablePage {
        let headlines = try store.headlines(layer: layer)
        let analyses = try cachedAnalyses(layer: layer, parameters: request.parameters)
        return LayerTablePage(layer: layer, headlines: headlines, analyses: analyses, request: request)
    }

    /// The effect-size histograms of `layer`'s cached analyses as SVG; nil when none is cached.
    func effectSizePlot(layer: Int, parameters: StudyParameters) throws -> String? {
        let analyses = try cachedAnalyses(layer: layer, parameters: parameters)
        guard !analyses.isEmpty else { return nil }
        let ordered = analyses.sorted { $0.key < $1.key }.map(\.value)
        return LayerPlots.effectSizeHistograms(Analysis.LayerSummary(analyses: ordered, fdr: 0.05),
                                               title: "Layer \(layer): effect sizes over \(ordered.count) neurons")
    }

    /// A neuron plot of its analysis as SVG.
    func neuronPlot(_ plot: NeuronPlot, layer: Int, neuron: Int, parameters: StudyParameters) throws -> String {
        let study = try analysis(layer: layer, neuron: neuron, parameters: parameters)
        let a = study.analysis
        let name = "Layer \(layer) neuron \(neuron)"
        switch plot {
        case .clusters:
            let vocabulary = store.query.vocabulary
            return NeuronPlots.activationsByCluster(a.topDown, title: name, tokenText: { vocabulary.text(of: $0) })
        case .segments:
            return NeuronPlots.homogeneityBySegment(a.bottomUp, alpha: a.parameters.alpha,
                                                    title: name + ": homogeneity by segment")
        }
    }

    /// The plots of one neuron's analysis.
    enum NeuronPlot: String, CaseIterable {
        case clusters, segments
    }
}
