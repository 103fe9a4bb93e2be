import Export
import Foundation
import Query
import Store

/// A fresh temporary directory, removed when the returned object is released.
final class TemporaryDirectory {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("neurodex-export-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// SplitMix64: a small seeded generator, so that test stores are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A store like an indexer would write it, from seeded activations at every position: records
/// are each neuron's top-K over all positions, statistics rows are exact moments, histogram and
/// the activations at sampled positions. Token texts include every character that the table
/// formats must escape, a newline, and a character split between two tokens.
struct TestStore {
    /// Token bytes by id.
    static let vocabulary: [[UInt8]] = [
        "The", " cat", " sat", " on", " the", " mat", ".", "\n", " a,b", " \"quoted\"", " x|y", " 50%", " $5",
        " #1", " a_b", " {c}", " ~", " ^", " back\\slash", " &", "the", " dog", " ran", "\t", " é",
    ].map { Array($0.utf8) } + [[0x20, 0xE2, 0x80], [0x99]]  // " ’" split after its second byte
    static let layers = [1, 3]
    static let layerCount = 4
    static let neuronCount = 5
    static let topK = 6
    /// (layer, neuron) whose activations are all negative.
    static let negativeNeuron = (layer: 3, neuron: 4)
    /// (layer, neuron) with band examples.
    static let bandNeuron = (layer: 1, neuron: 0)

    let directory = TemporaryDirectory()
    var url: URL { directory.path("store") }
    /// Document tokens by id.
    let documents: [[UInt32]]
    /// Activations at every position: [layer: [neuron: [document][position]]].
    let activations: [Int: [[[Float]]]]
    let samplePositions: [SamplePosition]

    init(seed: UInt64 = 7) throws {
        var generator = SeededGenerator(state: seed)
        let vocabularyCount = UInt32(Self.vocabulary.count)
        var documents = (0..<5).map { _ in
            (0..<Int.random(in: 40...120, using: &generator)).map { _ in UInt32.random(in: 0..<vocabularyCount - 2, using: &generator) }
        }
        documents[2][10] = 25; documents[2][11] = 26  // "’" split between two tokens
        documents.append([0, 1, 2])  // a document shorter than an excerpt
        self.documents = documents
        var activations: [Int: [[[Float]]]] = [:]
        for layer in Self.layers {
            activations[layer] = (0..<Self.neuronCount).map { neuron in
                documents.map { tokens in
                    tokens.map { _ in
                        let v = Float.random(in: -0.2...3, using: &generator) * Float.random(in: 0...1, using: &generator)
                        return (layer, neuron) == Self.negativeNeuron ? -abs(v) - 0.01 : v
                    }
                }
            }
        }
        self.activations = activations
        samplePositions = [SamplePosition(document: 0, position: 3), SamplePosition(document: 1, position: 0),
                           SamplePosition(document: 2, position: 11), SamplePosition(document: 5, position: 2)]
        try write()
    }

    private func write() throws {
        let model = ModelRow(family: "test", source: "memory", fingerprint: "test", layerCount: Self.layerCount,
                             embeddingSize: 0, neuronCount: Self.neuronCount, vocabularySize: Self.vocabulary.count,
                             maxContext: 64, activationDefinition: "seeded", configJson: "{}")
        var options = LMDBEnvironment.Options()
        options.mapSize = 1 << 26
        options.noSync = true
        let builder = try StoreBuilder(directory: url, model: model, corpusName: "test", corpusSources: [],
                                       runConfigJSON: "{}", lmdbOptions: options)
        for (id, bytes) in Self.vocabulary.enumerated() { try builder.addVocabulary(UInt32(id), bytes: bytes) }
        for (i, tokens) in documents.enumerated() { try builder.addDocument(tokens: tokens, sourcePath: "doc\(i)") }
        let spec = LayerStatisticsSpec(bins: HistogramBins(), sampleSeed: 1, samplePositions: samplePositions)
        for layer in Self.layers {
            try builder.setLayer(layer, neuronCount: Self.neuronCount, topK: Self.topK, statistics: spec)
            for neuron in 0..<Self.neuronCount {
                try builder.addNeuron(layer: layer, neuron: neuron, records: topRecords(layer: layer, neuron: neuron),
                                        statistics: statisticsRow(layer: layer, neuron: neuron, spec: spec),
                                        bands: (layer, neuron) == Self.bandNeuron ? bands(layer: layer, neuron: neuron) : nil)
            }
        }
        try builder.finish()
    }

    /// All (activation, document, position, token) of a neuron.
    func occurrences(layer: Int, neuron: Int) -> [CoreRecord] {
        var all: [CoreRecord] = []
        for (d, tokens) in documents.enumerated() {
            for (p, token) in tokens.enumerated() {
                all.append(CoreRecord(activation: activations[layer]![neuron][d][p], document: UInt32(d),
                                      position: UInt32(p), token: token))
            }
        }
        return all
    }

    func topRecords(layer: Int, neuron: Int) -> [CoreRecord] {
        Array(occurrences(layer: layer, neuron: neuron).sorted(by: CoreRecord.ranksBefore).prefix(Self.topK))
    }

    func statisticsRow(layer: Int, neuron: Int, spec: LayerStatisticsSpec) -> NeuronStatsRow {
        let values = occurrences(layer: layer, neuron: neuron).map { Double($0.activation) }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        func moment(_ k: Double) -> Double { values.reduce(0) { $0 + pow($1 - mean, k) } / n }
        let variance = moment(2)
        var counts = [UInt32](repeating: 0, count: spec.bins.count)
        for v in values { counts[spec.bins.index(of: Float(v))] += 1 }
        let sample = spec.samplePositions.map { activations[layer]![neuron][Int($0.document)][Int($0.position)] }
        return NeuronStatsRow(
            layer: layer, neuron: neuron, count: values.count, mean: mean, variance: variance,
            skewness: moment(3) / pow(variance, 1.5), kurtosis: moment(4) / (variance * variance) - 3,
            min: values.min()!, max: values.max()!, fractionPositive: Double(values.filter { $0 > 0 }.count) / n,
            histogram: Data(counts.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }),
            sample: Data(sample.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }))
    }

    /// The window of 16 tokens that holds a position, with the neuron's activations over it.
    func window(layer: Int, neuron: Int, at p: SamplePosition) -> WindowedRecord {
        let d = Int(p.document), start = Int(p.position) / 16 * 16, end = min(documents[d].count, start + 16)
        let values = activations[layer]![neuron][d]
        return WindowedRecord(record: CoreRecord(activation: values[Int(p.position)], document: p.document, position: p.position,
                                                 token: documents[d][Int(p.position)]),
                              windowStart: UInt32(start), activations: Array(values[start..<end]))
    }

    /// Bands cut from the neuron's histogram, with the first two positions of each (in document
    /// order) as examples, and the first three positions as the random sample.
    func bands(layer: Int, neuron: Int) -> NeuronBands {
        let all = occurrences(layer: layer, neuron: neuron)
        let bins = HistogramBins()
        var counts = [UInt32](repeating: 0, count: bins.count)
        for r in all { counts[bins.index(of: r.activation)] += 1 }
        let bandOfBin = NeuronBands.bandOfBin(histogram: counts)
        var bands = NeuronBands.bands(histogram: counts, bins: bins, min: all.map(\.activation).min()!,
                                      max: all.map(\.activation).max()!)
        for b in bands.indices {
            let members = all.filter { bandOfBin[bins.index(of: $0.activation)] == b }
            bands[b].sampled = members.count
            bands[b].examples = members.prefix(2).map {
                window(layer: layer, neuron: neuron, at: SamplePosition(document: $0.document, position: $0.position))
            }
        }
        return NeuronBands(bands: bands, randomSample: all.prefix(3).map {
            window(layer: layer, neuron: neuron, at: SamplePosition(document: $0.document, position: $0.position))
        })
    }

    func open() throws -> StoreQuery { try StoreQuery(directory: url) }
}

/// The test vocabulary as a tokenizer vocabulary.
struct TestVocabulary: TokenVocabulary {
    var vocabularySize: Int { TestStore.vocabulary.count }
    func tokenBytes(_ id: UInt32) -> [UInt8] { Int(id) < vocabularySize ? TestStore.vocabulary[Int(id)] : [] }
    func tokenID(bytes: [UInt8]) -> UInt32? { TestStore.vocabulary.firstIndex(of: bytes).map(UInt32.init) }
}

/// An RFC 4180 reader (the reference the CSV writer is checked against): fields separated by
/// commas, records by CRLF or LF, quoted fields may hold commas, line breaks and doubled quotes.
/// Returns nil for a malformed file.
func parseCSV(_ text: String) -> [[String]]? {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var inQuotes = false, wasQuoted = false
    var characters = Array(text.unicodeScalars)[...]
    while let c = characters.popFirst() {
        if inQuotes {
            if c == "\"" {
                if characters.first == "\"" { field.unicodeScalars.append("\""); characters.removeFirst() }
                else { inQuotes = false }
            } else {
                field.unicodeScalars.append(c)
            }
        } else {
            switch c {
            case "\"":
                guard field.isEmpty, !wasQuoted else { return nil }
                inQuotes = true; wasQuoted = true
            case ",":
                record.append(field); field = ""; wasQuoted = false
            case "\r":
                guard characters.first == "\n" else { return nil }
            case "\n":
                record.append(field); records.append(record)
                record = []; field = ""; wasQuoted = false
            default:
                guard !wasQuoted else { return nil }
                field.unicodeScalars.append(c)
            }
        }
    }
    guard !inQuotes else { return nil }
    if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
    return records
}
