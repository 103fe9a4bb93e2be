import Canonical
import Foundation
import Query
import Store

/// Builds a store from OpenAI NeuronRecord files (`OpenAINeuronRecord`), so that the
/// analyses run on published neuron data without the model.
///
/// Input: a folder of `{layer}/{neuron}.json` files (the layout OpenAI published for GPT-2 XL),
/// or — when the folder has no layer folders — the `.jsonl` files in it, or one `.jsonl` file
/// (a NeuronRecord per line, as `NeuronRecordExporter` writes), or one `.json` file.
///
/// What becomes what:
/// - Each top excerpt becomes a document (its tokens) and a record: the excerpt's largest
///   activation at its position — or, when all activations but one are 0, that one (how
///   `NeuronRecordExporter` writes a record whose activation is negative).
/// - Token text becomes ids: with a tokenizer, the id whose bytes are the text's (`<0xNN>`
///   stands for a raw byte, see `TokenText`), and text no token has gets a new id from
///   `vocabularySize` up; without one, every distinct text gets an id in order of first
///   appearance. The store's vocabulary holds the tokenizer's tokens and those texts.
/// - mean, variance, skewness, kurtosis become a statistics row when all four are numbers;
///   its count is 0 (unknown), min and max are over every activation the file lists,
///   fraction_positive over the random-sample activations (over all listed when there are
///   none); it has no histogram and no sample.
/// - A top excerpt with real per-token activations (not "the record and zeros") becomes its
///   record's window (f32), which `neuron` and the viewer show.
/// - Everything else — random samples, quantiles, moments with a null, and the f64
///   activations of excerpts whose f32 window would not export back to the same numbers — is
///   kept in the catalog's `analyses` table (method `openai-neuron-record`), so that exporting
///   the store writes the same files back.
public struct NeuronRecordImporter {
    /// What an import did.
    public struct Summary: Sendable, Equatable {
        public var neurons = 0
        public var layers: [Int] = []
        /// Documents made from top excerpts.
        public var documents = 0
        /// Ids in the store's vocabulary.
        public var vocabularySize = 0
        /// Distinct token texts that the tokenizer has no token for (they got new ids).
        public var textsWithoutToken = 0
        /// Top excerpts whose f64 activations were kept aside for the export (the f32 window
        /// does not give them back).
        public var excerptsKeptWhole = 0
        /// Top excerpts with real per-token activations, stored as their record's window.
        public var excerptWindows = 0
    }

    /// Tokens per excerpt that `NeuronRecordExporter` writes; longer excerpts are kept whole.
    public var excerptLength = 64
    public var lmdbOptions = LMDBEnvironment.Options()

    public init() {}

    /// Imports `source` into a new store at `store`; see the type's description.
    @discardableResult
    public func importRecords(from source: URL, into store: URL, tokenizer: (any TokenVocabulary)? = nil,
                              progress: ((Summary) -> Void)? = nil) throws -> Summary {
        let inputs = try Self.inputs(of: source)
        let config = try Self.configJSON(source: source, tokenizer: tokenizer != nil)
        let model = ModelRow(family: "imported", source: source.path,
                             fingerprint: "openai-neuron-records:" + source.standardizedFileURL.path,
                             layerCount: 1, embeddingSize: 0, neuronCount: 1, vocabularySize: 0,
                             maxContext: excerptLength, activationDefinition: "as in the imported NeuronRecord files",
                             configJson: config)
        let builder = try StoreBuilder(directory: store, model: model, corpusName: "neuron-records",
                                       corpusSources: [source.path], runConfigJSON: config, lmdbOptions: lmdbOptions)
        var state = ImportState(builder: builder, tokenizer: tokenizer, excerptLength: excerptLength)
        try state.addTokenizerVocabulary()
        for input in inputs {
            try Self.forEachRecord(in: input) { record, path in
                try state.add(record, path: path)
                if state.summary.neurons % 1000 == 0 { progress?(state.summary) }
            }
        }
        return try state.finish(model: model)
    }

    // MARK: - Inputs

    enum Input {
        case jsonFile(URL, relativePath: String)
        case jsonLines(URL)
    }

    /// The files to read, in (layer, neuron) order for a folder of files.
    static func inputs(of source: URL) throws -> [Input] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
            throw ExportError.cannotRead(path: source.path, reason: "no such file or directory")
        }
        if !isDirectory.boolValue {
            return [source.pathExtension == "jsonl" ? .jsonLines(source) : .jsonFile(source, relativePath: source.lastPathComponent)]
        }
        let entries: [String]
        do { entries = try fm.contentsOfDirectory(atPath: source.path) }
        catch { throw ExportError.cannotRead(path: source.path, reason: "\(error)") }
        let layers = entries.compactMap { name -> Int? in
            var sub: ObjCBool = false
            guard let layer = Int(name), layer >= 0,
                  fm.fileExists(atPath: source.appendingPathComponent(name).path, isDirectory: &sub), sub.boolValue
            else { return nil }
            return layer
        }.sorted()
        var inputs: [Input] = []
        for layer in layers {
            let folder = source.appendingPathComponent(String(layer))
            let files: [String]
            do { files = try fm.contentsOfDirectory(atPath: folder.path) }
            catch { throw ExportError.cannotRead(path: folder.path, reason: "\(error)") }
            let neurons = files.compactMap { name -> Int? in
                name.hasSuffix(".json") ? Int(name.dropLast(5)).flatMap { $0 >= 0 ? $0 : nil } : nil
            }.sorted()
            inputs += neurons.map { .jsonFile(folder.appendingPathComponent("\($0).json"), relativePath: "\(layer)/\($0).json") }
        }
        if inputs.isEmpty {
            inputs = entries.filter { $0.hasSuffix(".jsonl") }.sorted().map { .jsonLines(source.appendingPathComponent($0)) }
        }
        guard !inputs.isEmpty else { throw ExportError.noNeuronRecords(path: source.path) }
        return inputs
    }

    static func forEachRecord(in input: Input, _ body: (OpenAINeuronRecord, String) throws -> Void) throws {
        switch input {
        case .jsonFile(let url, let relativePath):
            let data: Data
            do { data = try Data(contentsOf: url) }
            catch { throw ExportError.cannotRead(path: url.path, reason: "\(error)") }
            try body(try OpenAINeuronRecord(json: data, path: url.path), relativePath)
        case .jsonLines(let url):
            try LineReader(url: url).forEachLine { line, number in
                let path = "\(url.lastPathComponent):\(number)"
                try body(try OpenAINeuronRecord(json: line, path: "\(url.path):\(number)"), path)
            }
        }
    }

    static func configJSON(source: URL, tokenizer: Bool) throws -> String {
        let config: [String: String] = ["import": "openai-neuron-records", "source": source.path,
                                        "token_ids": tokenizer ? "tokenizer" : "first appearance"]
        return try CanonicalJSON.string(config)
    }

    /// The position of an excerpt's record: its largest activation (the first of equals), or,
    /// when every activation but one is 0, that one. nil for an empty excerpt.
    public static func recordPosition(_ activations: [Double]) -> Int? {
        let nonzero = activations.indices.filter { activations[$0] != 0 && !activations[$0].isNaN }
        if nonzero.count == 1 { return nonzero[0] }
        guard var best = activations.firstIndex(where: { !$0.isNaN }) else { return activations.isEmpty ? nil : 0 }
        for i in activations.indices where activations[i] > activations[best] { best = i }
        return best
    }
}

/// The running state of one import.
private struct ImportState {
    let builder: StoreBuilder
    let tokenizer: (any TokenVocabulary)?
    let excerptLength: Int
    var summary = NeuronRecordImporter.Summary()
    var idsOfTexts: [[UInt8]: UInt32] = [:]
    var nextID: UInt32 = 0
    var seen = Set<NeuronKey>()
    var layerShape: [Int: (neurons: Int, topK: Int)] = [:]
    var longestExcerpt = 0

    struct NeuronKey: Hashable {
        var layer: Int
        var neuron: Int
    }

    init(builder: StoreBuilder, tokenizer: (any TokenVocabulary)?, excerptLength: Int) {
        self.builder = builder
        self.tokenizer = tokenizer
        self.excerptLength = excerptLength
    }

    mutating func addTokenizerVocabulary() throws {
        guard let tokenizer else { return }
        for id in 0..<UInt32(tokenizer.vocabularySize) {
            let bytes = tokenizer.tokenBytes(id)
            if !bytes.isEmpty { try builder.addVocabulary(id, bytes: bytes) }
        }
        nextID = UInt32(tokenizer.vocabularySize)
    }

    mutating func id(of text: String) throws -> UInt32 {
        let bytes = TokenText.bytes(of: text)
        if let tokenizer, let id = tokenizer.tokenID(bytes: bytes) { return id }
        if let id = idsOfTexts[bytes] { return id }
        let id = nextID
        nextID += 1
        idsOfTexts[bytes] = id
        if tokenizer != nil { summary.textsWithoutToken += 1 }
        try builder.addVocabulary(id, bytes: bytes)
        return id
    }

    mutating func add(_ record: OpenAINeuronRecord, path: String) throws {
        let layer = record.layer, neuron = record.neuron
        guard seen.insert(NeuronKey(layer: layer, neuron: neuron)).inserted else {
            throw ExportError.duplicateNeuron(layer: layer, neuron: neuron, path: path)
        }
        if layerShape[layer] == nil {
            try builder.setLayer(layer, neuronCount: 1, topK: 1, statistics: Self.emptySpec)
            layerShape[layer] = (1, 1)
        }
        var extras = NeuronRecordExtras()
        var records: [CoreRecord] = []
        var windows: [WindowedRecord] = []
        for (i, excerpt) in record.mostPositiveActivationRecords.enumerated() {
            guard let position = NeuronRecordImporter.recordPosition(excerpt.activations) else {
                throw ExportError.badNeuronRecord(path: path, reason: "most_positive_activation_records[\(i)] is empty")
            }
            let ids = try excerpt.tokens.map { try id(of: $0) }
            let document = try builder.addDocument(
                tokens: ids, sourcePath: path,
                metadataJSON: "{\"layer\":\(layer),\"neuron\":\(neuron),\"excerpt\":\(i)}")
            let activation = excerpt.activations[position]
            records.append(CoreRecord(activation: Float(activation), document: document, position: UInt32(position),
                                      token: ids[position]))
            if !reproducible(excerpt.activations, at: position) {
                // Real per-token values: the record's window, for `neuron` and the viewer.
                if excerpt.activations.allSatisfy(\.isFinite) {
                    windows.append(WindowedRecord(record: records[records.count - 1], windowStart: 0,
                                                  activations: excerpt.activations.map { Float($0) }))
                    summary.excerptWindows += 1
                }
                if !excerpt.activations.allSatisfy(Self.exportsBack) {  // the f64 values, for the export
                    extras.excerptActivations[String(document)] = excerpt.activations
                    summary.excerptsKeptWhole += 1
                }
            }
            summary.documents += 1
            longestExcerpt = max(longestExcerpt, ids.count)
        }
        let statistics = statisticsRow(record)
        if statistics == nil && [record.mean, record.variance, record.skewness, record.kurtosis].contains(where: { $0 != nil }) {
            extras.moments = [record.mean, record.variance, record.skewness, record.kurtosis]
        }
        extras.randomSample = record.randomSample
        extras.randomSampleByQuantile = record.randomSampleByQuantile
        extras.quantileBoundaries = record.quantileBoundaries
        try builder.addNeuron(layer: layer, neuron: neuron, records: records, statistics: statistics, windows: windows)
        if !extras.isEmpty {
            try builder.addAnalysis(AnalysisRow(
                runId: builder.runID, layer: layer, neuron: neuron, method: NeuronRecordExtras.method,
                parametersHash: "", parametersJson: "{}", seed: 0, resultJson: try extras.json()))
        }
        let shape = layerShape[layer] ?? (1, 1)
        layerShape[layer] = (max(shape.neurons, neuron + 1), max(shape.topK, records.count))
        summary.neurons += 1
    }

    /// Whether the exporter writes this excerpt back as it is from its record alone: the
    /// record's f32 activation at its position, +0 elsewhere, and no longer than an exported
    /// excerpt.
    func reproducible(_ activations: [Double], at position: Int) -> Bool {
        let a = activations[position]
        guard activations.count <= excerptLength, Self.exportsBack(a) else { return false }
        return activations.indices.allSatisfy { $0 == position || activations[$0].bitPattern == 0 }
    }

    /// Whether the exporter, which writes an f32 in its shortest decimal, gives back `a`.
    static func exportsBack(_ a: Double) -> Bool {
        a.isFinite && NumberFormatting.decimal(Float(a)) == a
    }

    func statisticsRow(_ record: OpenAINeuronRecord) -> NeuronStatsRow? {
        guard let mean = record.mean, let variance = record.variance, let skewness = record.skewness,
              let kurtosis = record.kurtosis, [mean, variance, skewness, kurtosis].allSatisfy(\.isFinite) else { return nil }
        let sampled = record.randomSample.flatMap(\.activations).filter(\.isFinite)
        let listed = sampled + (record.randomSampleByQuantile ?? []).flatMap { $0.flatMap(\.activations) }.filter(\.isFinite)
            + record.mostPositiveActivationRecords.flatMap(\.activations).filter(\.isFinite)
        guard let min = listed.min(), let max = listed.max() else { return nil }
        let basis = sampled.isEmpty ? listed : sampled
        return NeuronStatsRow(layer: record.layer, neuron: record.neuron, count: 0, mean: mean, variance: variance,
                              skewness: skewness, kurtosis: kurtosis, min: min, max: max,
                              fractionPositive: Double(basis.filter { $0 > 0 }.count) / Double(basis.count),
                              histogram: Data(), sample: Data())
    }

    static let emptySpec = LayerStatisticsSpec(bins: HistogramBins(), sampleSeed: 0, samplePositions: [])

    mutating func finish(model: ModelRow) throws -> NeuronRecordImporter.Summary {
        for (layer, shape) in layerShape.sorted(by: { $0.key < $1.key }) {
            try builder.setLayer(layer, neuronCount: shape.neurons, topK: shape.topK, statistics: Self.emptySpec)
        }
        var model = model
        model.layerCount = (layerShape.keys.max() ?? 0) + 1
        model.neuronCount = layerShape.values.map(\.neurons).max() ?? 1
        model.vocabularySize = Int(nextID)
        model.maxContext = max(longestExcerpt, 1)
        try builder.finish(model: model)
        summary.layers = layerShape.keys.sorted()
        summary.vocabularySize = Int(nextID)
        return summary
    }
}
