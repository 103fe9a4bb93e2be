import Analysis
import Foundation
import Query
import Store
import Testing
@testable import Study

/// The analyses through the store path: loading core tokens and embeddings, classifying
/// neurons of known structure, and the catalog cache.
@Suite struct StudyTests {
    let store: SyntheticStore

    init() throws { store = try SyntheticStore() }

    func study(caching: Bool = true) throws -> Study { try Study(directory: store.url, caching: caching) }

    /// Every neuron's categories, by core token, as the synthetic store made them.
    func categories(_ analysis: NeuronAnalysis) -> [Int] {
        var labels = [Int](repeating: -1, count: analysis.coreCount)
        for cluster in analysis.topDown.clusters {
            for (member, token) in zip(cluster.members, cluster.tokenIDs) { labels[member] = SyntheticStore.category(of: token) }
        }
        return labels
    }

    @Test func coreTokensComeFromTheStore() throws {
        let core = try study().coreTokens(layer: 0, neuron: SyntheticStore.segregated, parameters: StudyParameters())
        #expect(core.records.count == 100 && core.dimension == SyntheticStore.dimension)
        // Store order: highest activation first.
        #expect(zip(core.records, core.records.dropFirst()).allSatisfy { $0.activation >= $1.activation })
        for (i, record) in core.records.enumerated() {
            let row = Array(core.embeddings[i * core.dimension..<(i + 1) * core.dimension])
            #expect(row == store.embeddings[Int(record.token)])
        }
        let input = try core.input()
        #expect(input.tokenIDs == core.records.map(\.token))
        #expect(input.activations == core.records.map { Double($0.activation) })
    }

    @Test func neuronsOfKnownStructureAreClassified() throws {
        let layer = try study(caching: false).analyze(layer: 0, neurons: .list([0, 1, 2]), parameters: StudyParameters(),
                                                       concurrency: 2)
        #expect(layer.neurons.map(\.neuron) == [0, 1, 2] && layer.failures.isEmpty)
        let segregated = layer.neurons[0].analysis, interleaved = layer.neurons[1].analysis, random = layer.neurons[2].analysis

        // Each clustering recovers the four categories.
        for analysis in [segregated, interleaved, random] {
            #expect(analysis.topDown.clustering.clusterCount == 4)
            #expect(samePartition(analysis.topDown.clustering.labels, categories(analysis)))
        }
        #expect(segregated.interleaving.verdict == .segregated)
        #expect(segregated.topDown.differentiation.p < 1e-10)
        #expect(segregated.interleaving.pairs.allSatisfy { !$0.rangesOverlap })
        #expect(segregated.bottomUp.topSegmentRaised)
        #expect(try #require(segregated.homomorphism.full.mantel).p < 0.01)
        #expect(segregated.homomorphism.full.adjustedRandIndex.p < 0.01)

        #expect(interleaved.interleaving.verdict == .interleaved)
        #expect(interleaved.topDown.differentiation.p < 0.001)
        #expect(interleaved.interleaving.pairs.contains { $0.rangesOverlap })

        #expect(random.interleaving.verdict == .undifferentiated)
        #expect(random.topDown.differentiation.p > 0.05)
        #expect(random.homomorphism.full.adjustedRandIndex.p > 0.05)
        #expect(!random.bottomUp.onlyTopRaised)

        // The layer summary pools the three.
        #expect(layer.summary.neuronCount == 3)
        #expect(layer.summary.verdicts == [.segregated: 1, .interleaved: 1, .undifferentiated: 1])
        let differentiation = try #require(layer.summary.significance.first { $0.test == .differentiation })
        #expect(differentiation.significant == 2)
        #expect(layer.adjustedP(.differentiation, at: 2)! > 0.05 && layer.adjustedP(.differentiation, at: 0)! < 0.05)
    }

    @Test func aNeuronAloneEqualsTheSameNeuronInALayerRun() throws {
        let parameters = StudyParameters()
        let layer = try study(caching: false).analyze(layer: 0, neurons: .all, parameters: parameters, concurrency: 2)
        for inLayer in layer.neurons {
            let alone = try study(caching: false).analyze(layer: 0, neuron: inLayer.neuron, parameters: parameters)
            #expect(alone.analysis == inLayer.analysis, "neuron \(inLayer.neuron)")
            #expect(alone.analysis.stream == Study.stream(layer: 0, neuron: inLayer.neuron))
        }
    }

    @Test func failingNeuronsAreReportedNotFatal() throws {
        let layer = try study(caching: false).analyze(layer: 0, neurons: .all, parameters: StudyParameters(), concurrency: 2)
        #expect(layer.neurons.map(\.neuron) == [0, 1, 2])
        #expect(layer.failures.map(\.neuron) == [SyntheticStore.tooFew, SyntheticStore.empty, SyntheticStore.orphan])
        let tooFew = StudyError.cannotAnalyze(layer: 0, neuron: SyntheticStore.tooFew, coreTokens: 5, distinctTokens: 5,
                                              reason: .tooFewObservations(what: "core tokens", needed: 10, found: 5))
        #expect(layer.failures[0].reason == tooFew.description)
        #expect(throws: tooFew) { try study(caching: false).analyze(layer: 0, neuron: SyntheticStore.tooFew, parameters: StudyParameters()) }
        #expect(layer.failures[1].reason == QueryError.neuronNotIndexed(layer: 0, neuron: 4).description)
        #expect(layer.failures[2].reason == StudyError.missingEmbedding(layer: 0, neuron: 5, token: 101).description)
        #expect(layer.summary.neuronCount == 3)
    }

    @Test func storeLookupsFailWithTypedErrors() throws {
        let study = try study()
        let parameters = StudyParameters()
        #expect(throws: QueryError.layerNotIndexed(layer: 1, indexed: [0])) {
            try study.analyze(layer: 1, neuron: 0, parameters: parameters)
        }
        #expect(throws: QueryError.unknownLayer(layer: 9, layerCount: 2)) {
            try study.analyze(layer: 9, neurons: .all, parameters: parameters, concurrency: 1)
        }
        #expect(throws: QueryError.unknownNeuron(layer: 0, neuron: 6, neuronCount: 6)) {
            try study.analyze(layer: 0, neuron: 6, parameters: parameters)
        }
        #expect(throws: QueryError.unknownNeuron(layer: 0, neuron: 40, neuronCount: 6)) {
            try study.analyze(layer: 0, neurons: .list([1, 40]), parameters: parameters, concurrency: 1)
        }
        #expect(throws: QueryError.neuronNotIndexed(layer: 0, neuron: SyntheticStore.empty)) {
            try study.analyze(layer: 0, neuron: SyntheticStore.empty, parameters: parameters)
        }
        #expect(throws: StudyError.noContextualInputs(layer: 0, store: store.url.path)) {
            try study.analyze(layer: 0, neuron: 0, parameters: StudyParameters(embeddings: .contextual))
        }
        let imported = try SyntheticStore(embeddings: false)
        #expect(throws: StudyError.noEmbeddings(store: imported.url.path)) {
            try Study(directory: imported.url, caching: false).analyze(layer: 0, neuron: 0, parameters: parameters)
        }
        var bad = StudyParameters()
        bad.analysis.permutations = 0
        #expect(throws: AnalysisError.self) { try study.analyze(layer: 0, neurons: .all, parameters: bad, concurrency: 1) }
        // Nothing was cached by the failures.
        #expect(try study.cache!.catalog.analyses().isEmpty)
    }

    @Test func contextualInputsStandForTheCoreTokensWhenStored() throws {
        let withInputs = try SyntheticStore(contextualInputs: true)
        let study = try Study(directory: withInputs.url, caching: false)
        let contextual = try study.coreTokens(layer: 0, neuron: 0, parameters: StudyParameters(embeddings: .contextual))
        let embedding = try study.coreTokens(layer: 0, neuron: 0, parameters: StudyParameters())
        // Stored as f16: equal to the embeddings up to half-precision rounding.
        #expect(zip(contextual.embeddings, embedding.embeddings).allSatisfy { abs($0 - $1) <= 2e-3 * max(1, abs($1)) })
        #expect(contextual.embeddings != embedding.embeddings)
        let analysis = try study.analyze(layer: 0, neuron: 0, parameters: StudyParameters(embeddings: .contextual)).analysis
        #expect(analysis.interleaving.verdict == .segregated)
        #expect(samePartition(analysis.topDown.clustering.labels, categories(analysis)))
    }

    @Test func distinctTokensKeepEachTokenOnceAtItsBestOccurrence() throws {
        let withRepeats = try SyntheticStore()
        // Neuron 5's records are tokens 0..<20 then token 101; append nothing: check the filter on a
        // neuron whose records repeat a token by writing one.
        let writable = try NeurodexStore(directory: withRepeats.url, mode: .write)
        try writable.activations.write { w in
            try w.putRecords(layer: 0, neuron: SyntheticStore.orphan, NeuronRecords(records: (0..<30).map { i in
                CoreRecord(activation: Float(30 - i), document: 0, position: UInt32(i % 12), token: UInt32(i % 12))
            }))
        }
        let study = try Study(query: StoreQuery(store: writable), cache: nil)
        let all = try study.coreTokens(layer: 0, neuron: SyntheticStore.orphan, parameters: StudyParameters())
        var parameters = StudyParameters()
        parameters.distinctTokens = true
        let distinct = try study.coreTokens(layer: 0, neuron: SyntheticStore.orphan, parameters: parameters)
        #expect(all.records.count == 30 && all.distinctTokenCount == 12)
        #expect(distinct.records.map(\.token) == (0..<12).map(UInt32.init))
        #expect(distinct.records.map(\.activation) == (0..<12).map { Float(30 - $0) })
        #expect(parameters.hash != StudyParameters().hash)
    }
}
