import Foundation
import Models
import Store
import Testing
import Tokenizers
@testable import Indexer

/// The logit lens the indexer stores, against torch's float64 product of each neuron's output
/// direction and the unembedding (Tools/logit_lens_reference.py, written by the GPT-2, Llama
/// and GPT-NeoX fixture generators). Values agree within 1e-4 of the neuron's largest; token
/// ids agree except where two tokens tie within that tolerance.
@Suite struct LogitLensReferenceTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    let tmp = TemporaryDirectory()

    struct Reference: Decodable {
        struct Lists: Decodable {
            var ids: [[UInt32]]    // [neurons, count + 1]
            var values: [[Double]] // [neurons, count + 1]
        }
        struct Layer: Decodable { var raised: Lists; var lowered: Lists }
        var count: Int
        var layers: [Layer]
    }

    /// (model folder, reference file, tokenizer folder): the tiny GPT-2 has no tokenizer of its
    /// own, so it borrows the GPT-NeoX fixture's 512-token one, which fits its vocabulary.
    static let cases = [
        ("gpt2/tiny", "gpt2/references/tiny_logit_lens.json", "gptneox/parallel"),
        ("llama-hf/llama", "llama-hf/references/llama_logit_lens.json", "llama-hf/llama"),
        ("gptneox/parallel", "gptneox/references/parallel_logit_lens.json", "gptneox/parallel"),
    ]

    /// Indexes a few lines of the excerpt with every layer of the model at `folder`.
    func index(_ folder: String, tokenizer: String, corpus: [String]) throws -> NeurodexStore {
        let model = try ModelLoader.loadModel(at: Self.fixtures.appendingPathComponent(folder), maxLayer: nil, threads: 2)
        let tokenizer = try Tokenizer.load(modelFolder: Self.fixtures.appendingPathComponent(tokenizer))
        let corpusFile = tmp.path("corpus-\(UUID().uuidString).jsonl")
        try corpus.map { String(decoding: try JSONSerialization.data(withJSONObject: ["text": $0]), as: UTF8.self) }
            .joined(separator: "\n").write(to: corpusFile, atomically: true, encoding: .utf8)
        var options = IndexingOptions(modelPath: folder, corpusPaths: [corpusFile.path],
                                      layers: Array(0..<model.description.layerCount))
        options.topK = 5
        options.context = 8  // the tiny GPT-2 holds 16 positions
        options.checkpointSeconds = 0
        let store = try NeurodexStore(directory: tmp.path(folder.replacingOccurrences(of: "/", with: "-")), mode: .create)
        _ = try Indexer(model: model, tokenizer: tokenizer, store: store, options: options).run(resume: false)
        return store
    }

    static func excerptLines() throws -> [String] {
        let text = try String(contentsOf: fixtures.appendingPathComponent("tokenizer/shakespeare_excerpt.txt"), encoding: .utf8)
        return Array(text.split(separator: "\n").prefix(6).map(String.init))
    }

    /// `LogitLensAhead`, the store phase's lens on a thread of its own, gives each layer the
    /// lists of `LogitLens.compute` on one thread; released early, it stops without harm.
    @Test(arguments: cases.map(\.0))
    func theLensComputedAheadIsTheLensComputedInTurn(folder: String) throws {
        let model = try ModelLoader.loadModel(at: Self.fixtures.appendingPathComponent(folder), maxLayer: nil, threads: 2)
        let layers = Array(0..<model.description.layerCount)
        let ahead = LogitLensAhead(model: model, layers: layers, count: 10, threads: 2)
        for layer in layers {
            let inTurn = model.withNeuronOutputWeights(layer: layer) { LogitLens.compute($0, count: 10, threads: 1) }
            #expect(inTurn != nil)
            #expect(ahead.lens(of: layer) == inTurn, "layer \(layer)")
        }
        _ = LogitLensAhead(model: model, layers: layers, count: 10, threads: 2)
    }

    /// A model loaded only up to its first layer has that layer's lens when its unembedding is
    /// tied (the token embedding, always loaded), the same lists as with every layer loaded; an
    /// untied one comes with the head only, so there is none.
    @Test(arguments: [("gpt2/tiny", true), ("llama-hf/llama", false), ("gptneox/parallel", false)])
    func aTiedUnembeddingGivesTheLensOfTheFirstLayers(folder: String, tied: Bool) throws {
        let url = Self.fixtures.appendingPathComponent(folder)
        let all = try ModelLoader.loadModel(at: url, maxLayer: nil, threads: 1)
        let first = try ModelLoader.loadModel(at: url, maxLayer: 0, threads: 1)
        let whole = all.withNeuronOutputWeights(layer: 0) { LogitLens.compute($0, count: 10) }
        let partial = first.withNeuronOutputWeights(layer: 0) { LogitLens.compute($0, count: 10) }
        #expect(whole != nil)
        #expect(partial == (tied ? whole : nil), "\(folder)")
    }

    @Test(arguments: cases)
    func storedLogitLensMatchesTorch(folder: String, referenceFile: String, tokenizer: String) throws {
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent(referenceFile)))
        #expect(reference.count == 10)
        let store = try index(folder, tokenizer: tokenizer, corpus: try Self.excerptLines())
        var ties = 0, checked = 0
        try store.activations.read { (r: StoreReader) throws in
            for (layer, expected) in reference.layers.enumerated() {
                for neuron in expected.raised.ids.indices {
                    let lens = try #require(try r.logitLens(layer: layer, neuron: neuron), "\(folder) layer \(layer) neuron \(neuron)")
                    let scale = (expected.raised.values[neuron] + expected.lowered.values[neuron]).map(abs).max()!
                    let tolerance = 1e-4 * scale
                    for (stored, lists) in [(lens.raised, expected.raised), (lens.lowered, expected.lowered)] {
                        #expect(stored.count == reference.count)
                        for (rank, score) in stored.enumerated() {
                            let value = lists.values[neuron][rank]
                            #expect(abs(Double(score.value) - value) <= tolerance, "\(folder) \(layer)/\(neuron) rank \(rank)")
                            if score.token != lists.ids[neuron][rank] {
                                // An exact tie: the stored token is in the reference's list with the same value.
                                let at = try #require(lists.ids[neuron].firstIndex(of: score.token), "\(folder) \(layer)/\(neuron)")
                                #expect(abs(lists.values[neuron][at] - value) <= tolerance)
                                ties += 1
                            }
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked > 3000)
        #expect(ties * 100 < checked)
    }

    /// A Mistral folder with a SentencePiece-style tokenizer.json (byte fallback, Mistral 7B
    /// v0.1's normalizer) indexes, and the stored token streams are transformers' ids.
    @Test func mistralWithByteFallbackTokenizerIndexes() throws {
        struct Case: Decodable { var text: String; var ids: [UInt32] }
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: Self.fixtures
            .appendingPathComponent("llama-hf/references/mistral_tokenizer_cases.json")))
        let store = try index("llama-hf/mistral", tokenizer: "llama-hf/mistral", corpus: cases.map(\.text))
        try store.activations.read { (r: StoreReader) throws in
            for (document, expected) in cases.enumerated() {
                #expect(try r.tokens(document: UInt32(document)) == expected.ids, "\(expected.text)")
            }
            let byteToken = try r.tokenBytes(3 + 0x0A)  // <0x0A> is stored as the newline byte
            #expect(byteToken == [0x0A])
        }
        #expect(try store.catalog.latestRun()?.status == .complete)
    }
}
