import Analysis
import Foundation
import Store
import Testing
@testable import Study

/// Results cached in the catalog's `analyses` table are reused, identical, and keyed by every
/// parameter.
@Suite struct CacheTests {
    let store: SyntheticStore

    init() throws { store = try SyntheticStore() }

    func study() throws -> Study { try Study(directory: store.url, caching: true) }

    func rows(_ study: Study) throws -> [AnalysisRow] {
        try study.cache!.catalog.analyses()
    }

    /// Replaces the cached result of `neuron`.
    func setResult(_ json: String, neuron: Int, in study: Study) throws {
        let changed = try rows(study).filter { $0.neuron == neuron }.map { row in
            var row = row
            row.resultJson = json
            return row
        }
        try study.cache!.catalog.saveAnalyses(changed)
    }

    @Test func aSecondRunReadsTheCacheAndGetsTheIdenticalResult() throws {
        let parameters = StudyParameters()
        let first = try study().analyze(layer: 0, neurons: .list([0, 1, 2]), parameters: parameters, concurrency: 2)
        #expect(first.computedCount == 3 && first.summarySource == .computed)

        let reopened = try study()
        let stored = try rows(reopened)
        #expect(stored.count == 4)
        #expect(stored.filter { $0.method == AnalysisCache.neuronMethod }.map(\.neuron) == [0, 1, 2])
        let summaryRow = try #require(stored.first { $0.neuron == AnalysisRow.layerLevel })
        #expect(summaryRow.method == AnalysisCache.layerSummaryMethod && summaryRow.parametersJson.contains("\"neurons\":\"0-2\""))
        for row in stored where row.neuron >= 0 {
            #expect(row.parametersHash == parameters.hash && row.parametersJson == parameters.canonicalJSON)
            #expect(row.seed == 0 && row.runId == 1 && row.layer == 0)
        }

        let second = try reopened.analyze(layer: 0, neurons: .list([0, 1, 2]), parameters: parameters, concurrency: 2)
        #expect(second.computedCount == 0 && second.neurons.allSatisfy { $0.source == .cache })
        #expect(second.summarySource == .cache && second.summary == first.summary)
        #expect(second.neurons.map(\.analysis) == first.neurons.map(\.analysis))
        #expect(try rows(reopened) == stored)

        // One neuron alone is served from the layer run's rows.
        let alone = try reopened.analyze(layer: 0, neuron: 1, parameters: parameters)
        #expect(alone.source == .cache && alone.analysis == first.neurons[1].analysis)
    }

    @Test func aCachedRowIsReturnedWithoutRecomputing() throws {
        let parameters = StudyParameters()
        let study = try study()
        let computed = try study.analyze(layer: 0, neuron: 2, parameters: parameters)
        #expect(computed.source == .computed)
        // Change the cached row: a run that reads the cache returns the changed value.
        var marked = computed.analysis
        marked.coreCount = 12_345
        let json = try AnalysisCache.encode(marked)
        try setResult(json, neuron: 2, in: study)
        let cached = try study.analyze(layer: 0, neuron: 2, parameters: parameters)
        #expect(cached.source == .cache && cached.analysis.coreCount == 12_345)
        let inLayer = try study.analyze(layer: 0, neurons: .list([1, 2]), parameters: parameters, concurrency: 1)
        #expect(inLayer.neurons.map(\.source) == [.computed, .cache] && inLayer.neurons[1].analysis.coreCount == 12_345)

        // A row that no longer decodes is computed again and replaced.
        try setResult(#"{"broken": true}"#, neuron: 2, in: study)
        let recomputed = try study.analyze(layer: 0, neuron: 2, parameters: parameters)
        #expect(recomputed.source == .computed && recomputed.analysis == computed.analysis)
        #expect(try study.analyze(layer: 0, neuron: 2, parameters: parameters).source == .cache)
    }

    @Test func differentParametersMakeDifferentRows() throws {
        let study = try study()
        var variants: [StudyParameters] = [StudyParameters()]
        var seeded = StudyParameters(); seeded.analysis.seed = 1; variants.append(seeded)
        var fewer = StudyParameters(); fewer.analysis.permutations = 200; variants.append(fewer)
        var kmeans = StudyParameters(); kmeans.analysis.clustering = .sphericalKMeans; variants.append(kmeans)
        var quartiles = StudyParameters(); quartiles.analysis.segmentation = .quartiles; variants.append(quartiles)
        var distinct = StudyParameters(); distinct.distinctTokens = true; variants.append(distinct)
        #expect(Set(variants.map(\.hash)).count == variants.count)

        var results: [NeuronStudy] = []
        for parameters in variants {
            let result = try study.analyze(layer: 0, neuron: 0, parameters: parameters)
            #expect(result.source == .computed)
            #expect(result.analysis.parameters == parameters.analysis)
            results.append(result)
        }
        let stored = try rows(study)
        #expect(stored.count == variants.count)
        #expect(Set(stored.map(\.parametersHash)) == Set(variants.map(\.hash)))
        #expect(stored.map(\.seed) == [0, 1, 0, 0, 0, 0])
        // Each reads back its own row.
        for (parameters, first) in zip(variants, results) {
            let again = try study.analyze(layer: 0, neuron: 0, parameters: parameters)
            #expect(again.source == .cache && again.analysis == first.analysis)
        }
        // Different seeds draw different permutations.
        #expect(results[0].analysis != results[1].analysis)
        // A summary over other neurons or at another FDR is another row.
        _ = try study.analyze(layer: 0, neurons: .list([0, 1]), parameters: variants[0], concurrency: 1)
        _ = try study.analyze(layer: 0, neurons: .list([0, 1]), parameters: variants[0], fdr: 0.1, concurrency: 1)
        _ = try study.analyze(layer: 0, neurons: .list([0, 2]), parameters: variants[0], concurrency: 1)
        #expect(try rows(study).count { $0.neuron == AnalysisRow.layerLevel } == 3)
    }

    @Test func withoutACacheNothingIsWritten() throws {
        let study = try Study(directory: store.url, caching: false)
        let first = try study.analyze(layer: 0, neurons: .list([0, 1]), parameters: StudyParameters(), concurrency: 2)
        let second = try study.analyze(layer: 0, neurons: .list([0, 1]), parameters: StudyParameters(), concurrency: 1)
        #expect(first.computedCount == 2 && second.computedCount == 2)
        #expect(second.neurons.map(\.analysis) == first.neurons.map(\.analysis))
        #expect(try NeurodexStore(directory: store.url, mode: .read).catalog.analyses().isEmpty)
    }

    @Test func resultsSurviveTheJSONRoundTripExactly() throws {
        let study = try study()
        let layer = try study.analyze(layer: 0, neurons: .list([0, 1, 2]), parameters: StudyParameters(), concurrency: 2)
        for neuron in layer.neurons {
            let json = try AnalysisCache.encode(neuron.analysis)
            #expect(try AnalysisCache.decode(NeuronAnalysis.self, json) == neuron.analysis)
            #expect(try AnalysisCache.encode(AnalysisCache.decode(NeuronAnalysis.self, json)) == json)
        }
        let summaryJSON = try AnalysisCache.encode(layer.summary)
        #expect(try AnalysisCache.decode(Analysis.LayerSummary.self, summaryJSON) == layer.summary)
    }
}

/// A store marked read-only is analyzed without a cache.
@Suite struct ReadOnlyStoreTests {
    @Test func aReadOnlyStoreHasNoCache() throws {
        let store = try SyntheticStore()
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: store.url.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: store.url.path) }
        #expect(throws: StoreError.readOnly(path: store.url.path)) { try Study(directory: store.url, caching: true) }
        let study = try Study(directory: store.url, caching: false)
        #expect(try study.analyze(layer: 0, neuron: 0, parameters: StudyParameters()).source == .computed)
    }
}
