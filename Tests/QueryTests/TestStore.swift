import Foundation
import GRDB
import Query
import Store

/// A fresh temporary directory, removed when the returned object is released.
final class TemporaryDirectory {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("neurodex-query-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A small store written through `StoreBuilder`, with known contents.
///
/// Vocabulary (id: bytes): 0 "The", 1 " quick", 2 " brown", 3 " fox", 4 " jumps", 5 " over",
/// 6 " the", 7 " lazy", 8 " dog", 9 ".", 10 "\n", 11 " \u{E2}\u{80}" (first two bytes of
/// "’"), 12 "\u{99}" (its last byte), 13 "the", 14 " a|b", 15 " \"x\",y".
/// Documents: 0 = "The quick brown fox jumps over the lazy dog.", 1 = "\n the dog ’ the",
/// 2 = " a|b \"x\",y the".
/// Model: 4 layers; layers 0 and 2 indexed with 3 neurons, top-4.
struct TestStore {
    static let vocabulary: [[UInt8]] = [
        "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".", "\n",
    ].map { Array($0.utf8) } + [[0x20, 0xE2, 0x80], [0x99], Array("the".utf8), Array(" a|b".utf8),
                                Array(" \"x\",y".utf8)]
    static let documents: [[UInt32]] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [10, 6, 8, 11, 12, 6],
        [14, 15, 6],
    ]
    static let layerCount = 4
    static let neuronCount = 3
    static let topK = 4

    /// (activation, document, position) of each neuron's records, by (layer, neuron);
    /// layer 0 neuron 2 and layer 2 neuron 2 have none.
    static let records: [Int: [Int: [(Float, UInt32, UInt32)]]] = [
        0: [0: [(2.5, 0, 3), (4.0, 0, 6), (1.0, 1, 1), (0.5, 2, 2)],   // " fox", " the", " the", " the"
            1: [(-0.25, 1, 4), (-0.5, 0, 0)]],                        // "\u{99}", "The" (never positive)
        2: [0: [(7.0, 1, 5), (3.0, 0, 8), (6.0, 2, 0), (0.75, 0, 1)],  // " the", " dog", " a|b", " quick"
            1: [(1.5, 0, 3), (9.0, 0, 4)]],                           // " fox", " jumps"
    ]

    /// Values behind layer 0 neuron 0's statistics row.
    static let statisticsValues: [Float] = (0..<200).map { Float($0) / 40 - 1 }  // -1 … 3.975
    static let samplePositions = [SamplePosition(document: 0, position: 2), SamplePosition(document: 1, position: 0),
                                  SamplePosition(document: 2, position: 1)]
    static let sampleValues: [Float] = [0.125, .nan, -0.5]

    let directory: TemporaryDirectory
    var url: URL { directory.path("store") }

    /// Writes the store; `layers` false leaves it without any indexed layer.
    init(layers: Bool = true, statisticsJSON: String? = nil, histogramBytes: Int? = nil) throws {
        directory = TemporaryDirectory()
        let model = ModelRow(family: "test", source: "memory", fingerprint: "test-model", layerCount: Self.layerCount,
                             embeddingSize: 0, neuronCount: Self.neuronCount, vocabularySize: Self.vocabulary.count,
                             maxContext: 64, activationDefinition: "test", configJson: "{}")
        var options = LMDBEnvironment.Options()
        options.mapSize = 1 << 26
        options.noSync = true
        let builder = try StoreBuilder(directory: directory.path("store"), model: model, corpusName: "test",
                                       corpusSources: ["memory"], runConfigJSON: "{}", lmdbOptions: options)
        for (id, bytes) in Self.vocabulary.enumerated() { try builder.addVocabulary(UInt32(id), bytes: bytes) }
        for (i, tokens) in Self.documents.enumerated() { try builder.addDocument(tokens: tokens, sourcePath: "doc\(i)") }
        if layers {
            let spec = LayerStatisticsSpec(bins: HistogramBins(), sampleSeed: 1, samplePositions: Self.samplePositions)
            for layer in Self.records.keys.sorted() {
                try builder.setLayer(layer, neuronCount: Self.neuronCount, topK: Self.topK, statistics: spec)
                for (neuron, list) in Self.records[layer]!.sorted(by: { $0.key < $1.key }) {
                    let records = list.map { a, d, p in
                        CoreRecord(activation: a, document: d, position: p, token: Self.documents[Int(d)][Int(p)])
                    }
                    let stats = layer == 0 && neuron == 0 ? Self.statisticsRow(histogramBytes: histogramBytes) : nil
                    try builder.addNeuron(layer: layer, neuron: neuron, records: records, statistics: stats)
                }
            }
        }
        try builder.finish()
        if let statisticsJSON {
            try builder.store.catalog.write { db in
                try db.execute(sql: "UPDATE layers SET statistics_json = ? WHERE layer = 0", arguments: [statisticsJSON])
            }
        }
    }

    static func statisticsRow(histogramBytes: Int?) -> NeuronStatsRow {
        let bins = HistogramBins()
        var counts = [UInt32](repeating: 0, count: bins.count)
        for v in statisticsValues { counts[bins.index(of: v)] += 1 }
        var histogram = Data(counts.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) })
        if let histogramBytes { histogram = histogram.prefix(histogramBytes) }
        let sample = Data(sampleValues.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        let n = Double(statisticsValues.count)
        let mean = statisticsValues.reduce(0) { $0 + Double($1) } / n
        let variance = statisticsValues.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        return NeuronStatsRow(layer: 0, neuron: 0, count: statisticsValues.count, mean: mean, variance: variance,
                              skewness: 0, kurtosis: -1.2, min: -1, max: 3.975,
                              fractionPositive: Double(statisticsValues.filter { $0 > 0 }.count) / n,
                              histogram: histogram, sample: sample)
    }

    func open() throws -> StoreQuery { try StoreQuery(directory: url) }
}
