import Foundation
import GRDB
import Testing
@testable import Store

/// `contentDigests()` change when any one value of the store's content changes — the total and
/// the digest of that value's part, no other — and stay the same when only run history,
/// checkpoints, ids, times or the model's path differ.
@Suite struct DigestCoverageTests {
    let tmp = TemporaryDirectory()

    /// The parts the digest covers: each changes one value of a small store.
    enum Content: CaseIterable {
        case records, tokens, tokenIndex, embeddings, inputs, vocabulary, meta, windows, negative, logitLens
        case bands, bandSamplePositions
        case modelFingerprint, modelDefinition, modelConfig, documents, layers, maximum, histogram, sample, mean

        /// The part of `ContentDigest` the value belongs to.
        var part: String {
            switch self {
            case .tokenIndex: "by_token"
            case .logitLens: "logit_lens"
            case .bandSamplePositions: "meta"
            case .modelFingerprint, .modelDefinition, .modelConfig: "models"
            case .maximum, .histogram, .sample: "statistics"
            case .mean: "moments"
            default: "\(self)"
            }
        }
    }

    /// What the digest leaves out: each changes one value the digest must not see.
    enum NotContent: CaseIterable {
        case checkpointState, runStatus, runTimes, corpusName, analyses, modelSource, modelCreatedAt, corpusId
    }

    /// Writes a store with one of every kind of entry, changed as asked, and returns its digest.
    func digest(of name: String, changing content: Content? = nil, or other: NotContent? = nil) throws -> ContentDigest {
        let store = try NeurodexStore(directory: tmp.path(name), mode: .create)
        func pick<T>(_ base: T, _ changed: T, when part: Content) -> T { content == part ? changed : base }
        try store.activations.write { w in
            let record = CoreRecord(activation: pick(2.5, 2.25, when: .records), document: 0, position: 1, token: 7)
            try w.putRecords(layer: 0, neuron: 3, NeuronRecords(records: [record]))
            try w.putTokens(document: 0, pick([5, 7, 9], [5, 7, 8], when: .tokens))
            try w.putTokenHit(token: 7, TokenHit(layer: 0, neuron: 3, activation: pick(2.5, 2.0, when: .tokenIndex)))
            try w.putEmbedding(token: 7, pick([0.5, -1], [0.5, -2], when: .embeddings))
            try w.putInput(layer: 0, document: 0, position: 1, pick([0.25, 4], [0.25, 8], when: .inputs))
            try w.putTokenBytes(7, pick(Array("ab".utf8), Array("ac".utf8), when: .vocabulary))
            try w.setMeta(StoreMeta.embeddingSize, uint32: pick(2, 3, when: .meta))
            let windowed = CoreRecord(activation: 2.5, document: 0, position: 1, token: 7)
            try w.putWindows(layer: 0, neuron: 3, [WindowedRecord(record: windowed, windowStart: 0,
                                                                  activations: pick([1, 2.5], [1, 2.25], when: .windows))])
            try w.putLogitLens(layer: 0, neuron: 3, NeuronLogitLens(
                raised: [TokenScore(token: 7, value: pick(0.5, 0.25, when: .logitLens))], lowered: [TokenScore(token: 5, value: -1)]))
            let negative = CoreRecord(activation: -1, document: 0, position: 0, token: 5)
            try w.putNegative(layer: 0, neuron: 3, [WindowedRecord(record: negative, windowStart: 0,
                                                                   activations: pick([-1, 2.5], [-1, 2], when: .negative))])
            let example = WindowedRecord(record: CoreRecord(activation: 1, document: 0, position: 0, token: 5), windowStart: 0,
                                         activations: pick([1, 2.5], [1, 2], when: .bands))
            try w.putBands(layer: 0, neuron: 3, NeuronBands(
                bands: [ActivationBand(lowerQuantile: 0, upperQuantile: 0.5, lowerValue: -1, upperValue: 2.5, share: 1,
                                       sampled: 1, examples: [example])],
                randomSample: [example]))
            try w.setMeta(StoreMeta.bandSample, bytes: BandSamplePositions.encoded(
                pick([SamplePosition(document: 0, position: 0)], [SamplePosition(document: 0, position: 2)], when: .bandSamplePositions)))
            try w.setState("progress", other == .checkpointState ? [2] : [1])
        }
        try store.catalog.write { db in
            var model = ModelRow(
                family: "gpt2", source: other == .modelSource ? "/elsewhere/model" : "/models/gpt2",
                fingerprint: pick("abc", "abd", when: .modelFingerprint), layerCount: 1, embeddingSize: 2,
                neuronCount: 4, vocabularySize: 8, maxContext: 16,
                activationDefinition: pick("gelu_new(x)", "gelu(x)", when: .modelDefinition),
                configJson: pick("{\"n\":1}", "{\"n\":2}", when: .modelConfig),
                createdAt: Date(timeIntervalSince1970: other == .modelCreatedAt ? 2 : 1))
            try model.insert(db)
            if other == .corpusId {  // the real corpus gets another row id
                var unused = CorpusRow(name: "unused", sourcesJson: "[]")
                try unused.insert(db)
            }
            var corpus = CorpusRow(name: other == .corpusName ? "other" : "corpus", sourcesJson: "[\"a.txt\"]")
            try corpus.insert(db)
            var run = RunRow(modelId: model.id!, corpusId: corpus.id!, configJson: "{}", toolVersion: "1",
                             status: other == .runStatus ? .interrupted : .complete,
                             startedAt: Date(timeIntervalSince1970: other == .runTimes ? 20 : 10))
            try run.insert(db)
            var document = DocumentRow(id: 0, corpusId: corpus.id!, sourcePath: "a.txt", byteOffset: 0,
                                       byteLength: pick(12, 13, when: .documents), sha256: "00", tokenCount: 3)
            try document.insert(db)
            var layer = LayerRow(layer: 0, runId: run.id!, neuronCount: 4, topK: 1, distinctTokens: false,
                                 statisticsJson: pick("{\"bins\":2}", "{\"bins\":3}", when: .layers))
            try layer.insert(db)
            var statistics = NeuronStatsRow(
                layer: 0, neuron: 3, count: 3, mean: pick(1.0, 1.5, when: .mean), variance: 0.5, skewness: 0,
                kurtosis: 0, min: 0, max: pick(2.5, 2.25, when: .maximum), fractionPositive: 1,
                histogram: NeuronStatsRow.histogramBlob(pick([1, 2], [2, 1], when: .histogram)),
                sample: NeuronStatsRow.sampleBlob(pick([2.5], [2.0], when: .sample)))
            try statistics.insert(db)
            if other == .analyses {
                var analysis = AnalysisRow(runId: run.id!, layer: 0, neuron: 3, method: "m", parametersHash: "h",
                                           parametersJson: "{}", seed: 0, resultJson: "{}")
                try analysis.insert(db)
            }
        }
        return try store.contentDigests()
    }

    @Test func changingAnyPartOfTheContentChangesTheDigest() throws {
        let base = try digest(of: "base")
        #expect(try digest(of: "again") == base, "the digest of the same content must not vary")
        #expect(base.parts.keys.sorted() == ContentDigest.partNames.sorted())
        var seen = [base.total: "base"]
        for value in Content.allCases {
            let changed = try digest(of: "\(value)", changing: value)
            #expect(changed.total != base.total, "changing \(value) left the digest unchanged")
            #expect(seen[changed.total] == nil, "changing \(value) gave the digest of \(seen[changed.total] ?? "")")
            seen[changed.total] = "\(value)"
            let changedParts = ContentDigest.partNames.filter { changed.parts[$0] != base.parts[$0] }
            #expect(changedParts == [value.part], "changing \(value) changed the parts \(changedParts)")
        }
    }

    @Test func runHistoryCheckpointsIdsTimesAndPathsLeaveTheDigestAlone() throws {
        let base = try digest(of: "base")
        for other in NotContent.allCases {
            #expect(try digest(of: "\(other)", or: other) == base, "\(other) changed the digest")
        }
    }
}
