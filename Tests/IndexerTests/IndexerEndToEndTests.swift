import Foundation
import ModelFiles
import Models
import Store
import Testing
import Tokenizers
@testable import Indexer

/// Indexes a small corpus with a random-weight GPT-2 and checks the store against a
/// brute-force pass over every activation.
@Suite struct IndexerEndToEndTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    let tmp = TemporaryDirectory()

    static func tokenizer() throws -> Tokenizer {
        try Tokenizer.load(modelFolder: fixtures.appendingPathComponent("tokenizer/tiny-bpe"))
    }

    static func model(seed: UInt64 = 1) throws -> GPT2 {
        let config = GPT2Config(nLayer: 3, nEmbd: 32, nHead: 2, nPositions: 32, vocabSize: 768)
        return try GPT2(randomWeightsFor: config, threads: 1, seed: seed)
    }

    /// Five documents: three text files (one empty) and a JSONL file with two lines.
    func makeCorpus() throws -> [String] {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("tokenizer/shakespeare_excerpt.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        let dir = tmp.path("corpus")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try lines[0..<12].joined(separator: "\n").write(to: dir.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try "".write(to: dir.appendingPathComponent("b.txt"), atomically: true, encoding: .utf8)
        try lines[12..<30].joined(separator: "\n").write(to: dir.appendingPathComponent("c.txt"), atomically: true, encoding: .utf8)
        let jsonl = tmp.path("more.jsonl")
        let records = [["text": lines[30..<40].joined(separator: "\n"), "id": "x"], ["text": lines[40..<44].joined(separator: " ")]]
        try records.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: .sortedKeys), as: UTF8.self) }
            .joined(separator: "\n").write(to: jsonl, atomically: true, encoding: .utf8)
        return [dir.path, jsonl.path]
    }

    func options(_ corpus: [String]) -> IndexingOptions {
        var o = IndexingOptions(modelPath: "random", corpusPaths: corpus, layers: [0, 2])
        o.topK = 10
        o.context = 16
        o.batchWindows = 3
        o.sampleSize = 8
        o.windowRecords = 4  // fewer than the top-K: the windows are of its first records
        o.negativeK = 5
        o.bandSample = 48  // of about 700 positions
        o.threads = 2
        o.checkpointSeconds = 0  // checkpoint at every document boundary
        return o
    }

    func index(_ options: IndexingOptions, into name: String, model: GPT2? = nil, resume: Bool = false,
               stopAfter: Int? = nil) throws -> NeurodexStore {
        let store = try NeurodexStore(directory: tmp.path(name), mode: .create)
        let indexer = try Indexer(model: model ?? Self.model(), tokenizer: Self.tokenizer(), store: store, options: options)
        indexer.stopAfterDocuments = stopAfter
        _ = try indexer.run(resume: resume)
        return store
    }

    @Test func storeMatchesBruteForceOverAllActivations() throws {
        let corpus = try makeCorpus()
        let opts = options(corpus)
        let store = try index(opts, into: "store")
        let model = try Self.model(), tokenizer = try Self.tokenizer()

        // Brute force: every window alone through the model, every activation kept.
        var all: [Int: [[CoreRecord]]] = [0: Array(repeating: [], count: 128), 2: Array(repeating: [], count: 128)]
        var activationAt: [Int: [[SamplePosition: Float]]] = [0: Array(repeating: [:], count: 128),
                                                              2: Array(repeating: [:], count: 128)]
        var documentTokens: [[UInt32]] = []
        try Corpus(paths: corpus).forEachDocument { doc in
            let tokens = tokenizer.encode(doc.text)
            documentTokens.append(tokens)
            for start in stride(from: 0, to: tokens.count, by: opts.context) {
                let window = Array(tokens[start..<min(tokens.count, start + opts.context)])
                try model.forward(TokenBatch(windows: [[tokenizer.endOfText!] + window]), through: 2,
                                  captureLayers: [0, 2], captureMLPInput: false) { capture in
                    for (i, token) in window.enumerated() {
                        for n in 0..<128 {
                            all[capture.layer]![n].append(CoreRecord(
                                activation: capture.activations[(i + 1) * 128 + n], document: UInt32(doc.index),
                                position: UInt32(start + i), token: token))
                            activationAt[capture.layer]![n][SamplePosition(document: UInt32(doc.index),
                                                                           position: UInt32(start + i))] =
                                capture.activations[(i + 1) * 128 + n]
                        }
                    }
                }
            }
            return true
        }
        #expect(documentTokens.count == 5)
        #expect(documentTokens[1].isEmpty)

        try store.activations.read { (r: StoreReader) throws in
            for layer in [0, 2] {
                for n in 0..<128 {
                    let stored = try #require(try r.records(layer: layer, neuron: n)).records
                    let expected = bruteForceTopK(all[layer]![n], k: 10, distinct: false)
                    #expect(stored.map { [$0.document, $0.position, $0.token] } == expected.map { [$0.document, $0.position, $0.token] })
                    for (s, e) in zip(stored, expected) { #expect(abs(s.activation - e.activation) <= 1e-5 * max(1, abs(e.activation))) }
                    // Windows: exactly the first records, each with every activation of its window.
                    let windowed = try #require(try r.windows(layer: layer, neuron: n))
                    #expect(windowed.map(\.record) == Array(stored.prefix(4)))
                    let negative = try #require(try r.negative(layer: layer, neuron: n))
                    let lowest = all[layer]![n].sorted(by: CoreRecord.ranksLowestFirst).prefix(5)
                    #expect(negative.map { [$0.record.document, $0.record.position, $0.record.token] }
                            == lowest.map { [$0.document, $0.position, $0.token] })
                    for (s, e) in zip(negative, lowest) {
                        #expect(abs(s.record.activation - e.activation) <= 1e-5 * max(1, abs(e.activation)))
                    }
                    for entry in windowed + negative {
                        let document = entry.record.document, start = Int(entry.record.position) / opts.context * opts.context
                        #expect(Int(entry.windowStart) == start)
                        let expectedWindow = (start..<min(documentTokens[Int(document)].count, start + opts.context)).map {
                            activationAt[layer]![n][SamplePosition(document: document, position: UInt32($0))]!
                        }
                        #expect(entry.activations.count == expectedWindow.count)
                        for (a, e) in zip(entry.activations, expectedWindow) { #expect(abs(a - e) <= 1e-5 * max(1, abs(e))) }
                        #expect(entry.activations[entry.focus] == entry.record.activation)
                    }
                    for record in stored {
                        let hits = try r.neurons(withToken: record.token, layer: layer)
                        #expect(hits.contains { $0.neuron == n && $0.activation >= record.activation })
                        #expect(try r.embedding(token: record.token) == model.tokenEmbedding(record.token))
                    }
                }
            }
            // Logit lens: the neuron's c_proj row times wteᵀ, against a direct f64 product.
            for layer in [0, 2] {
                try model.withNeuronOutputWeights(layer: layer) { w in
                    for n in [0, 17, 127] {
                        let scores = (0..<w.vocabulary).map { v in
                            (0..<w.width).reduce(0.0) { $0 + Double(w.directions[n * w.width + $1]) * Double(w.unembedding[v * w.width + $1]) }
                        }
                        let high = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(10)
                        let low = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }.prefix(10)
                        let lens = try #require(try r.logitLens(layer: layer, neuron: n))
                        #expect(lens.raised.map(\.token) == high.map(UInt32.init))
                        #expect(lens.lowered.map(\.token) == low.map(UInt32.init))
                        for s in lens.raised + lens.lowered {
                            #expect(abs(Double(s.value) - scores[Int(s.token)]) <= 1e-5 * max(1, abs(scores[Int(s.token)])))
                        }
                    }
                }
            }
            #expect(try r.records(layer: 1, neuron: 0) == nil)
            for (doc, tokens) in documentTokens.enumerated() { #expect(try r.tokens(document: UInt32(doc)) == tokens) }
            #expect(try r.tokenBytes(5) == tokenizer.tokenBytes(5))
            #expect(try r.state(StateKey.progress) == nil)
        }

        let (tokenLists, activations) = (documentTokens, all)
        do {
            let run = try #require(try store.catalog.latestRun())
            #expect(run.status == .complete)
            #expect(run.documentsDone == 5)
            #expect(run.tokensDone == tokenLists.map(\.count).reduce(0, +))
            let docs = try store.catalog.documents()
            #expect(docs.map(\.tokenCount) == tokenLists.map(\.count))
            #expect(docs[3].metadataJson == #"{"id":"x"}"#)
            #expect(docs[0].sha256.count == 64)
            #expect(try store.catalog.layers().count == 2)
            for layer in [0, 2] {
                for n in [0, 17, 127] {
                    let stats = try #require(try store.catalog.neuronStatistics(layer: layer, neuron: n))
                    let values = activations[layer]![n].map { Double($0.activation) }
                    let m = Moments(values: values)
                    #expect(stats.count == values.count)
                    #expect(abs(stats.mean - m.mean) <= 1e-5 * max(1, abs(m.mean)))
                    #expect(abs(stats.variance - m.variance) <= 1e-4 * m.variance)
                    #expect(abs(stats.min - values.min()!) <= 1e-5)
                    #expect(abs(stats.max - values.max()!) <= 1e-5)
                    #expect(stats.sample.count == 8 * 4)
                }
            }
        }
    }

    @Test func anInterruptedRunResumesToTheSameStore() throws {
        let corpus = try makeCorpus()
        var opts = options(corpus)
        opts.batchWindows = 1  // every document end is a batch end, so a checkpoint can fall there
        let whole = try index(opts, into: "whole")
        #expect(throws: IndexError.interrupted(documentsDone: 2)) {
            _ = try index(opts, into: "resumed", stopAfter: 2)
        }
        do {
            let store = try NeurodexStore(directory: tmp.path("resumed"), mode: .read)
            #expect(try store.catalog.latestRun()?.status == .interrupted)
        }
        let resumed = try index(opts, into: "resumed", resume: true)
        try expectSameContent(whole, resumed)
    }

    /// An accumulator budget of one byte: one layer a pass.
    func inPasses(_ options: IndexingOptions) -> IndexingOptions {
        var o = options
        o.accumulatorMemory = 1
        return o
    }

    @Test(arguments: [[0, 2], [0, 1, 2]])
    func layerPassesMakeTheSameStore(layers: [Int]) throws {
        let corpus = try makeCorpus()
        var opts = options(corpus)
        opts.layers = layers
        opts.storeInputs = layers.count == 3
        let whole = try index(opts, into: "whole")
        let store = try NeurodexStore(directory: tmp.path("passes"), mode: .create)
        let indexer = try Indexer(model: Self.model(), tokenizer: Self.tokenizer(), store: store, options: inPasses(opts))
        #expect(indexer.layerPasses == layers.map { [$0] })
        var started: [[Int]] = []
        indexer.onPass = { pass, count, layers in started.append([pass, count] + layers) }
        _ = try indexer.run(resume: false)
        #expect(started == layers.enumerated().map { [$0.offset, layers.count, $0.element] })
        try expectSameContent(whole, store)
        #expect(try whole.activations.read { try $0.counts() } == store.activations.read { try $0.counts() })
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp.path("passes").path)
            .filter { $0.hasPrefix("residual") || $0.hasSuffix(".part") }
        #expect(left.isEmpty, "files of the passes left: \(left)")
    }

    @Test func aRunInPassesResumesInAnyPass() throws {
        let corpus = try makeCorpus()
        var opts = options(corpus)
        opts.batchWindows = 1  // every document end is a batch end, so a checkpoint can fall there
        let whole = try index(opts, into: "whole")
        // Stopped in the second pass after two of its documents, at the end of the first, and
        // as the second starts (its start is checkpointed, its accumulators not yet).
        for (name, stopAfter, pass, done) in [("mid", 7, 1, 2), ("end", 5, 0, 5), ("start", nil, 1, 0)] {
            let store = try NeurodexStore(directory: tmp.path(name), mode: .create)
            let first = try Indexer(model: Self.model(), tokenizer: Self.tokenizer(), store: store, options: inPasses(opts))
            first.stopAfterDocuments = stopAfter
            var secondPass = false
            if stopAfter == nil {
                first.onPass = { pass, _, _ in secondPass = pass == 1 }
                first.shouldStop = { secondPass }
            }
            #expect(throws: IndexError.self, "\(name)") { _ = try first.run(resume: false) }
            #expect(try store.catalog.latestRun()?.status == .interrupted)
            let saved = try #require(try store.activations.read { try $0.state(StateKey.progress) })
            let progress = try JSONDecoder().decode(Progress.self, from: Data(saved))
            #expect(progress.pass == pass && progress.documentsDone == done, "\(name): \(progress)")
            let resumed = try Indexer(model: Self.model(), tokenizer: Self.tokenizer(), store: store, options: inPasses(opts))
            _ = try resumed.run(resume: true)
            try expectSameContent(whole, store)
        }
    }

    @Test func threeShardsMergeIntoOneRun() throws {
        let corpus = try makeCorpus()
        let opts = options(corpus)
        let whole = try index(opts, into: "whole")
        var shards: [NeurodexStore] = []
        for i in [2, 0, 1] {
            var shardOptions = opts
            shardOptions.shard = try Shard(index: i, count: 3)
            shards.append(try index(shardOptions, into: "shard\(i)"))
        }
        let merged = try NeurodexStore(directory: tmp.path("merged"), mode: .create)
        // Band examples need the model: refused without it, or with another one.
        #expect(throws: IndexError.self) {
            try ShardMerger(shards: shards).merge(into: try NeurodexStore(directory: tmp.path("no-model"), mode: .create))
        }
        #expect(throws: StoreError.self) {
            try ShardMerger(shards: shards, model: ModelBundle(model: try Self.model(seed: 2), tokenizer: try Self.tokenizer()))
                .merge(into: try NeurodexStore(directory: tmp.path("other-model"), mode: .create))
        }
        try ShardMerger(shards: shards, model: ModelBundle(model: try Self.model(), tokenizer: try Self.tokenizer()))
            .merge(into: merged)
        let partsA = try whole.contentDigests().parts, partsB = try merged.contentDigests().parts
        for part in ["bands", "meta", "windows", "negative"] {
            #expect(partsA[part] == partsB[part], "part \(part) of the merged store differs from one run's")
        }

        for layer in [0, 2] {
            for n in 0..<128 {
                let a = try #require(try whole.activations.read { try $0.records(layer: layer, neuron: n) }).records
                let b = try #require(try merged.activations.read { try $0.records(layer: layer, neuron: n) }).records
                #expect(a.map { [$0.document, $0.position, $0.token] } == b.map { [$0.document, $0.position, $0.token] })
                for (x, y) in zip(a, b) { #expect(abs(x.activation - y.activation) <= 1e-5 * max(1, abs(x.activation))) }
            }
        }
        let statsA = try whole.catalog.neuronStatistics()
        let statsB = try merged.catalog.neuronStatistics()
        #expect(statsA.count == statsB.count)
        for (a, b) in zip(statsA, statsB) {
            #expect(a.count == b.count)
            #expect(abs(a.mean - b.mean) <= 1e-6 * max(1, abs(a.mean)))
            #expect(abs(a.variance - b.variance) <= 1e-5 * a.variance)
            #expect(abs(a.skewness - b.skewness) <= 1e-4 * max(1, abs(a.skewness)))
            #expect(abs(a.min - b.min) <= 1e-5 && abs(a.max - b.max) <= 1e-5)
            #expect(a.fractionPositive == b.fractionPositive)
            #expect(a.histogram == b.histogram)
            #expect(a.sample.count == b.sample.count)
        }
        let docsA = try whole.catalog.documents()
        let docsB = try merged.catalog.documents()
        #expect(docsA == docsB)
        let specA = try whole.catalog.layers().first?.statisticsJson
        let specB = try merged.catalog.layers().first?.statisticsJson
        #expect(specA == specB)
        #expect(try merged.activations.read { try $0.counts() } == whole.activations.read { try $0.counts() })
        // Only shard 0 computes the logit lens; the merged store has the one run's.
        for (i, shard) in zip([2, 0, 1], shards) {
            let lens = try shard.activations.read { try $0.logitLens(layer: 0, neuron: 0) }
            #expect((lens != nil) == (i == 0), "shard \(i)/3")
        }
        for layer in [0, 2] {
            for n in 0..<128 {
                let a = try whole.activations.read { try $0.logitLens(layer: layer, neuron: n) }
                #expect(a != nil)
                #expect(try merged.activations.read { try $0.logitLens(layer: layer, neuron: n) } == a)
            }
        }

        // A missing shard is refused.
        let partial = try NeurodexStore(directory: tmp.path("partial"), mode: .create)
        #expect(throws: IndexError.storeMismatch("shards 2/3 are missing")) {
            try ShardMerger(shards: Array(shards[1...])).merge(into: partial)
        }

        // Shards of two splits with no shard i = 0 have no logit lens to merge: refused.
        var odd = opts, twoOfFour = opts
        odd.shard = try Shard(index: 1, count: 2)
        twoOfFour.shard = try Shard(index: 2, count: 4)
        let withoutLens = [try index(odd, into: "odd"), try index(twoOfFour, into: "two-of-four")]
        do {
            try ShardMerger(shards: withoutLens, model: ModelBundle(model: try Self.model(), tokenizer: try Self.tokenizer()))
                .merge(into: try NeurodexStore(directory: tmp.path("without-lens"), mode: .create))
            Issue.record("shards without a logit lens were merged")
        } catch IndexError.storeMismatch(let detail) {
            #expect(detail.contains("logit lens"), "\(detail)")
        }
    }

    /// Every layer's activations of every neuron at every position, each window alone through the
    /// model; and each document's tokens.
    func bruteForceActivations(_ corpus: [String], _ opts: IndexingOptions) throws
        -> (activations: [Int: [SamplePosition: [Float]]], tokens: [[UInt32]]) {
        let model = try Self.model(), tokenizer = try Self.tokenizer()
        var activations: [Int: [SamplePosition: [Float]]] = [:]
        var documentTokens: [[UInt32]] = []
        try Corpus(paths: corpus).forEachDocument { doc in
            let tokens = tokenizer.encode(doc.text)
            documentTokens.append(tokens)
            for start in stride(from: 0, to: tokens.count, by: opts.context) {
                let window = Array(tokens[start..<min(tokens.count, start + opts.context)])
                try model.forward(TokenBatch(windows: [[tokenizer.endOfText!] + window]), through: opts.layers.last!,
                                  captureLayers: opts.layers, captureMLPInput: false) { capture in
                    let n = capture.activations.count / (window.count + 1)
                    for i in window.indices {
                        activations[capture.layer, default: [:]][SamplePosition(document: UInt32(doc.index), position: UInt32(start + i))] =
                            Array(capture.activations[(i + 1) * n..<(i + 2) * n])
                    }
                }
            }
            return true
        }
        return (activations, documentTokens)
    }

    /// The band sample, each band's share, value range and examples, the random sample and every
    /// example's window, against a brute-force pass and the histogram rule: a bin is in band
    /// [a, b) when the share of tokens in lower bins is in [a, b).
    @Test func bandExamplesMatchBruteForce() throws {
        let corpus = try makeCorpus()
        let opts = options(corpus)
        let store = try index(opts, into: "store")
        let (activations, documentTokens) = try bruteForceActivations(corpus, opts)
        let bins = HistogramBins()
        let hashing = BandSample.positionSample(size: opts.bandSample, seed: opts.seed, context: opts.context)
        let everyPosition = Array(activations[0]!.keys)
        let keyed = everyPosition.compactMap { p in hashing.hash(p).map { (hash: $0, position: p) } }
            .sorted { ($0.hash, $0.position.document, $0.position.position) < ($1.hash, $1.position.document, $1.position.position) }
        let positions = Array(keyed.prefix(opts.bandSample).map(\.position))
        #expect(try store.activations.read { try $0.bandSamplePositions() } == positions)
        // Whole windows: the sample's positions come window by window, about 2 of each window's 16.
        func window(_ p: SamplePosition) -> SamplePosition {
            SamplePosition(document: p.document, position: p.position / UInt32(opts.context) * UInt32(opts.context))
        }
        let windowRuns = zip(positions, positions.dropFirst()).filter { window($0) != window($1) }.count + 1
        #expect(windowRuns == Set(positions.map(window)).count)
        #expect(windowRuns >= 16 && windowRuns <= 40)
        /// Up to `limit` of `list`, the first of each window first, then the others, in list order.
        func spread(_ list: [SamplePosition], limit: Int) -> [SamplePosition] {
            var seen = Set<SamplePosition>()
            let firsts = list.filter { seen.insert(window($0)).inserted }
            let picked = Set(firsts.prefix(limit) + list.filter { !firsts.contains($0) }.prefix(max(0, limit - firsts.count)))
            return list.filter(picked.contains)
        }
        var sameWindows = 0, shortBands = 0, bandCount = 0
        try store.activations.read { (r: StoreReader) throws in
            for layer in opts.layers {
                for n in 0..<128 {
                    func value(_ p: SamplePosition) -> Float { activations[layer]![p]![n] }
                    let allBins = everyPosition.map { bins.index(of: value($0)) }
                    func band(_ p: SamplePosition) -> Int? {
                        let bin = bins.index(of: value(p))
                        let share = Double(allBins.filter { $0 < bin }.count) / Double(allBins.count)
                        return (0..<4).first { share >= NeuronBands.quantileEdges[$0] && share < NeuronBands.quantileEdges[$0 + 1] }
                    }
                    func expectWindow(_ entry: WindowedRecord, at p: SamplePosition) {
                        let start = Int(p.position) / opts.context * opts.context
                        let length = min(documentTokens[Int(p.document)].count, start + opts.context) - start
                        #expect(entry.record == CoreRecord(activation: value(p), document: p.document, position: p.position,
                                                           token: documentTokens[Int(p.document)][Int(p.position)]))
                        #expect(Int(entry.windowStart) == start)
                        #expect(entry.activations == (start..<start + length).map {
                            value(SamplePosition(document: p.document, position: UInt32($0)))
                        })
                    }
                    let stored = try #require(try r.bands(layer: layer, neuron: n))
                    #expect(stored.bands.count == 4)
                    let bandOf = Dictionary(uniqueKeysWithValues: everyPosition.map { ($0, band($0)) })
                    for (b, found) in stored.bands.enumerated() {
                        let members = everyPosition.filter { bandOf[$0] == b }
                        let inSample = positions.filter { bandOf[$0] == b }
                        #expect(found.lowerQuantile == NeuronBands.quantileEdges[b] && found.upperQuantile == NeuronBands.quantileEdges[b + 1])
                        #expect(found.share == Double(members.count) / Double(everyPosition.count))
                        #expect(found.sampled == inSample.count)
                        for p in members { #expect(found.lowerValue <= value(p) && value(p) <= found.upperValue) }
                        if members.isEmpty { #expect(found.lowerValue.isNaN && found.upperValue.isNaN) }
                        let expected = spread(inSample, limit: 5)
                        #expect(found.examples.map { SamplePosition(document: $0.record.document, position: $0.record.position) } == expected)
                        for (entry, p) in zip(found.examples, expected) { expectWindow(entry, at: p) }
                        bandCount += 1
                        if expected.count < 5 { shortBands += 1 }
                    }
                    #expect(stored.randomSample.count == 20)
                    let randomSample = spread(positions, limit: 20)
                    #expect(stored.randomSample.map { SamplePosition(document: $0.record.document, position: $0.record.position) } == randomSample)
                    for (entry, p) in zip(stored.randomSample, randomSample) { expectWindow(entry, at: p) }
                    // A band example in the window of a stored record's window: the same bits.
                    let recordWindows = try (r.windows(layer: layer, neuron: n) ?? []) + (r.negative(layer: layer, neuron: n) ?? [])
                    for example in stored.bands.flatMap(\.examples) + stored.randomSample {
                        for w in recordWindows where w.record.document == example.record.document && w.windowStart == example.windowStart {
                            #expect(w.activations == example.activations)
                            sameWindows += 1
                        }
                    }
                }
            }
        }
        #expect(sameWindows > 0)
        #expect(shortBands > 0 && shortBands < bandCount)  // 48 positions: the top band often has fewer than 5
    }

    /// `--logit-lens N` lists N tokens each way, the first N of the default's; 0 stores none.
    @Test func logitLensLengthIsAnOption() throws {
        let corpus = try makeCorpus()
        var opts = options(corpus)
        opts.bandSample = 0
        let full = try index(opts, into: "lens-10")
        opts.logitLensTokens = 3
        let short = try index(opts, into: "lens-3")
        opts.logitLensTokens = 0
        let none = try index(opts, into: "lens-0")
        for layer in opts.layers {
            for n in [0, 5, 127] {
                let ten = try #require(try full.activations.read { try $0.logitLens(layer: layer, neuron: n) })
                let three = try #require(try short.activations.read { try $0.logitLens(layer: layer, neuron: n) })
                #expect(ten.raised.count == 10 && ten.lowered.count == 10)
                #expect(three.raised == Array(ten.raised.prefix(3)) && three.lowered == Array(ten.lowered.prefix(3)))
                #expect(try none.activations.read { try $0.logitLens(layer: layer, neuron: n) } == nil)
            }
        }
    }

    @Test func storedInputsAreTheLayerInputsAtEveryRecord() throws {
        let corpus = try makeCorpus()
        var opts = options(corpus)
        opts.storeInputs = true
        opts.distinctTokens = true
        let store = try index(opts, into: "inputs")
        let model = try Self.model(), tokenizer = try Self.tokenizer()
        // Brute force: the ln_2 output of every position, each window alone.
        var inputs: [Int: [SamplePosition: [Float]]] = [0: [:], 2: [:]]
        try Corpus(paths: corpus).forEachDocument { doc in
            let tokens = tokenizer.encode(doc.text)
            for start in stride(from: 0, to: tokens.count, by: opts.context) {
                let window = Array(tokens[start..<min(tokens.count, start + opts.context)])
                try model.forward(TokenBatch(windows: [[tokenizer.endOfText!] + window]), through: 2,
                                  captureLayers: [0, 2], captureMLPInput: true) { capture in
                    let input = try #require(capture.mlpInput)
                    for i in window.indices {
                        inputs[capture.layer]![SamplePosition(document: UInt32(doc.index), position: UInt32(start + i))] =
                            Array(input[(i + 1) * 32..<(i + 2) * 32])
                    }
                }
            }
            return true
        }
        try store.activations.read { (r: StoreReader) throws in
            for layer in [0, 2] {
                var referenced = Set<SamplePosition>()
                for n in 0..<128 {
                    let records = try #require(try r.records(layer: layer, neuron: n))
                    #expect(records.flags == .distinctTokens)
                    #expect(Set(records.records.map(\.token)).count == records.records.count)
                    for record in records.records {
                        let p = SamplePosition(document: record.document, position: record.position)
                        referenced.insert(p)
                        let stored = try #require(try r.input(layer: layer, document: p.document, position: p.position))
                        let expected = try #require(inputs[layer]![p])
                        for (a, b) in zip(stored, expected) { #expect(abs(a - b) <= 2e-3 * max(1, abs(b))) }  // f16
                    }
                }
                #expect(Set(try r.inputPositions(layer: layer)) == referenced)
            }
        }
    }

    func expectSameContent(_ a: NeurodexStore, _ b: NeurodexStore) throws {
        for layer in [0, 2] {
            for n in 0..<128 {
                let ra = try a.activations.read { try $0.records(layer: layer, neuron: n) }
                let rb = try b.activations.read { try $0.records(layer: layer, neuron: n) }
                #expect(ra == rb)
            }
        }
        let statsA = try a.catalog.neuronStatistics()
        let statsB = try b.catalog.neuronStatistics()
        #expect(statsA == statsB)
        let docsA = try a.catalog.documents()
        let docsB = try b.catalog.documents()
        #expect(docsA == docsB)
        #expect(try a.contentDigest() == b.contentDigest())
    }

    @Test func badInputsGiveClearErrors() throws {
        let corpus = try makeCorpus()
        var opts = options(corpus)
        opts.layers = [5]
        #expect(throws: IndexError.layerOutOfRange(layer: 5, layerCount: 3)) { _ = try index(opts, into: "s1") }
        opts = options(corpus)
        opts.topK = 0
        #expect(throws: IndexError.invalidOption("--top-k must be at least 1, got 0")) { _ = try index(opts, into: "s2") }
        opts = options(corpus)
        opts.context = 40
        #expect(throws: IndexError.self) { _ = try index(opts, into: "s3") }

        let empty = tmp.path("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: IndexError.emptyCorpus) { _ = try index(options([empty.path]), into: "s4") }

        let noText = tmp.path("bad.jsonl")
        try "{\"text\": \"fine\"}\n{\"title\": \"no text\"}\n".write(to: noText, atomically: true, encoding: .utf8)
        #expect(throws: IndexError.badJSONL(path: noText.path, line: 2, reason: "no string field \"text\"")) {
            _ = try index(options([noText.path]), into: "s5")
        }
        #expect(throws: IndexError.corpusNotFound(path: "/nonexistent/corpus.txt")) {
            _ = try index(options(["/nonexistent/corpus.txt"]), into: "s6")
        }
        // A store made with one model refuses to resume with another.
        _ = try? index(options(corpus), into: "s7", stopAfter: 1)
        #expect(throws: StoreError.self) { _ = try index(options(corpus), into: "s7", model: Self.model(seed: 2), resume: true) }
        // A complete store refuses a second run.
        _ = try index(options(corpus), into: "s8")
        #expect(throws: IndexError.self) { _ = try index(options(corpus), into: "s8") }
    }

    @Test func invalidUTF8IsReplacedAndCounted() throws {
        let file = tmp.path("bytes.txt")
        try Data([0x48, 0x69, 0xFF, 0x20, 0xC3, 0x28, 0x00, 0x21]).write(to: file)
        var documents: [CorpusDocument] = []
        try Corpus(paths: [file.path]).forEachDocument { documents.append($0); return true }
        #expect(documents.count == 1)
        #expect(documents[0].replacements == 2)
        #expect(documents[0].text == "Hi\u{FFFD} \u{FFFD}(\u{0}!")
        _ = try index(options([file.path]), into: "s")
        // The same in a JSONL line: repaired and counted, not a JSON error.
        let jsonl = tmp.path("bytes.jsonl")
        try Data(Array("{\"text\": \"Hi".utf8) + [0xFF] + Array(" there\", \"n\": 1}\n".utf8)).write(to: jsonl)
        documents = []
        try Corpus(paths: [jsonl.path]).forEachDocument { documents.append($0); return true }
        #expect(documents.map(\.text) == ["Hi\u{FFFD} there"])
        #expect(documents.map(\.replacements) == [1])
        #expect(documents.map(\.metadataJSON) == [#"{"n":1}"#])
    }
}

/// A fresh temporary directory, removed with the object.
final class TemporaryDirectory {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("neurodex-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> URL { url.appendingPathComponent(name) }
    deinit { try? FileManager.default.removeItem(at: url) }
}
