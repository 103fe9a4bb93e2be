import Analysis
import Foundation
import Kernels
import Store

/// A fresh temporary directory, removed when the returned object is released.
final class TemporaryDirectory {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("neurodex-study-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A store whose neurons have known categorical structure.
///
/// Vocabulary: tokens 0..<100 are 4 categories of 25 (" animal0" … " city24"; category =
/// id / 25), each token's embedding a noisy copy (noise sd 0.5) of its category's random
/// direction in 64 dimensions; token 100 is "\n" and token 101 " orphan" (no embedding).
/// Document 0 holds tokens 0..<100 at positions 0..<100; document 1 is [100, 101].
/// Model of 2 layers; layer 0 indexed with 6 neurons:
/// - 0 segregated: category c activates in [2c, 2c + 1];
/// - 1 interleaved: category c activates ~ N(0.8 c, 1);
/// - 2 random: activations ~ N(0, 1);
/// - 3 five records only (too few to analyze);
/// - 4 no records;
/// - 5 a record of token 101, which has no embedding.
/// With `contextualInputs`, layer 0's inputs at document 0 are stored (equal to the embeddings, f16);
/// without `embeddings`, no embedding is stored (like a store imported from NeuronRecords).
struct SyntheticStore {
    static let categories = ["animal", "colour", "number", "city"]
    static let perCategory = 25, dimension = 64, neuronCount = 6
    static let segregated = 0, interleaved = 1, random = 2, tooFew = 3, empty = 4, orphan = 5
    static let tokenCount = 100

    let directory = TemporaryDirectory()
    var url: URL { directory.path("store") }
    /// [100, 64] the embedding of tokens 0..<100.
    let embeddings: [[Float]]

    static func category(of token: UInt32) -> Int { Int(token) / perCategory }

    init(contextualInputs: Bool = false, embeddings storesEmbeddings: Bool = true, seed: UInt64 = 7) throws {
        var generator = SeededGenerator(seed: seed)
        func normal() -> Double {
            let u = max(generator.nextUnit(), 1e-300), v = generator.nextUnit()
            return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
        }
        let centers = Self.categories.map { _ in (0..<Self.dimension).map { _ in normal() } }
        embeddings = (0..<Self.tokenCount).map { token in
            centers[token / Self.perCategory].map { Float($0 + 0.5 * normal()) }
        }
        var activations: [[Float]] = [[], [], []]
        for token in 0..<Self.tokenCount {
            let c = Double(token / Self.perCategory)
            activations[Self.segregated].append(Float(2 * c + generator.nextUnit()))
            activations[Self.interleaved].append(Float(0.8 * c + normal()))
            activations[Self.random].append(Float(normal()))
        }

        let model = ModelRow(family: "test", source: "memory", fingerprint: "synthetic", layerCount: 2,
                             embeddingSize: Self.dimension, neuronCount: Self.neuronCount, vocabularySize: 102,
                             maxContext: 128, activationDefinition: "test", configJson: "{}")
        var options = LMDBEnvironment.Options()
        options.mapSize = 1 << 26
        options.noSync = true
        let builder = try StoreBuilder(directory: directory.path("store"), model: model, corpusName: "synthetic",
                                       corpusSources: ["memory"], runConfigJSON: "{}", lmdbOptions: options)
        for token in 0..<Self.tokenCount {
            let name = Self.categories[token / Self.perCategory]
            try builder.addVocabulary(UInt32(token), bytes: Array(" \(name)\(token % Self.perCategory)".utf8))
        }
        try builder.addVocabulary(100, bytes: [0x0A])
        try builder.addVocabulary(101, bytes: Array(" orphan".utf8))
        try builder.addDocument(tokens: (0..<UInt32(Self.tokenCount)).map { $0 }, sourcePath: "categories")
        try builder.addDocument(tokens: [100, 101], sourcePath: "orphan")

        try builder.setLayer(0, neuronCount: Self.neuronCount, topK: 100,
                               statistics: LayerStatisticsSpec(bins: HistogramBins(), sampleSeed: 0, samplePositions: []))
        func record(_ activation: Float, document: UInt32 = 0, position: Int, token: Int) -> CoreRecord {
            CoreRecord(activation: activation, document: document, position: UInt32(position), token: UInt32(token))
        }
        for neuron in [Self.segregated, Self.interleaved, Self.random] {
            try builder.addNeuron(layer: 0, neuron: neuron, records: activations[neuron].enumerated().map {
                record($1, position: $0, token: $0)
            })
        }
        try builder.addNeuron(layer: 0, neuron: Self.tooFew, records: (0..<5).map { record(Float(5 - $0), position: $0, token: $0) })
        try builder.addNeuron(layer: 0, neuron: Self.orphan, records: (0..<20).map { record(Float(20 - $0), position: $0, token: $0) }
                                + [record(0.5, document: 1, position: 1, token: 101)])
        try builder.finish()
        let embeddings = self.embeddings
        try builder.store.activations.write { w in
            try w.setMeta(StoreMeta.embeddingSize, uint32: UInt32(Self.dimension))
            for (token, vector) in embeddings.enumerated() {
                if storesEmbeddings { try w.putEmbedding(token: UInt32(token), vector) }
                if contextualInputs { try w.putInput(layer: 0, document: 0, position: UInt32(token), vector) }
            }
        }
    }
}
