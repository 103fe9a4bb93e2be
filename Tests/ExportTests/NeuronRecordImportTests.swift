import Export
import Foundation
import Query
import Store
import Testing

@Suite struct NeuronRecordImportTests {
    /// Every file of a folder, by relative path.
    static func files(_ folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = try #require(FileManager.default.enumerator(atPath: folder.path))
        for case let path as String in enumerator {
            var isDirectory: ObjCBool = false
            let url = folder.appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[path] = try Data(contentsOf: url)
            }
        }
        return result
    }

    @Test(arguments: [false, true])
    func exportImportExportGivesTheSameFilesAndValues(withTokenizer: Bool) throws {
        let store = try TestStore()
        let first = store.directory.path("first"), second = store.directory.path("second")
        try NeuronRecordExporter(query: try store.open()).write(layers: nil, to: first, layout: .files)

        let imported = store.directory.path("imported")
        let summary = try NeuronRecordImporter().importRecords(from: first, into: imported,
                                                               tokenizer: withTokenizer ? TestVocabulary() : nil)
        #expect(summary.neurons == TestStore.layers.count * TestStore.neuronCount)
        #expect(summary.layers == TestStore.layers)
        #expect(summary.documents == summary.neurons * TestStore.topK)
        #expect(summary.excerptsKeptWhole == 0)
        #expect(summary.textsWithoutToken == 0)

        let query = try StoreQuery(directory: imported)
        try NeuronRecordExporter(query: query).write(layers: nil, to: second, layout: .files)
        let a = try Self.files(first), b = try Self.files(second)
        #expect(a.count == summary.neurons)
        #expect(a == b)

        // The imported store holds the same records (token text, activation) and moments.
        let original = try store.open()
        for layer in TestStore.layers {
            for neuron in 0..<TestStore.neuronCount {
                let before = try original.records(layer: layer, neuron: neuron).records
                let after = try query.records(layer: layer, neuron: neuron).records
                #expect(before.map(\.activation) == after.map(\.activation))
                #expect(before.map { original.vocabulary.text(of: $0.token) } == after.map { query.vocabulary.text(of: $0.token) })
                if withTokenizer { #expect(before.map(\.token) == after.map(\.token)) }
                let s0 = try #require(try original.statistics(layer: layer, neuron: neuron))
                let s1 = try #require(try query.statistics(layer: layer, neuron: neuron))
                #expect([s0.mean, s0.variance, s0.skewness, s0.kurtosis] == [s1.mean, s1.variance, s1.skewness, s1.kurtosis])
                #expect(s1.count == 0)  // unknown after an import
            }
        }
        #expect(query.model?.layerCount == 4)
        #expect(query.layers[3]?.row.neuronCount == TestStore.neuronCount)
        #expect(query.layers[3]?.row.topK == TestStore.topK)
    }

    @Test func theBulkFileImportsLikeTheFolder() throws {
        let store = try TestStore()
        let out = store.directory.path("bulk")
        try NeuronRecordExporter(query: try store.open()).write(layers: nil, to: out, layout: .jsonl)
        let bulk = out.appendingPathComponent(NeuronRecordExporter.bulkFileName)
        let imported = store.directory.path("imported")
        try NeuronRecordImporter().importRecords(from: bulk, into: imported)
        let again = store.directory.path("again")
        try NeuronRecordExporter(query: try StoreQuery(directory: imported)).write(layers: nil, to: again, layout: .jsonl)
        #expect(try Data(contentsOf: bulk) == Data(contentsOf: again.appendingPathComponent(NeuronRecordExporter.bulkFileName)))
    }

    /// A record like OpenAI's: every activation known, full f64 precision, a null moment, a
    /// string layer index, quantile samples.
    static let openAIStyle = """
        {"dataclass_name": "NeuronRecord", "neuron_id": {"dataclass_name": "NeuronId", "layer_index": "5", "neuron_index": 17},
         "random_sample": [{"dataclass_name": "ActivationRecord", "tokens": ["a", " b"], "activations": [0.012345678901234, -0.1]}],
         "random_sample_by_quantile": [[], [{"dataclass_name": "ActivationRecord", "tokens": ["c"], "activations": [0.5]}]],
         "quantile_boundaries": [0.25],
         "mean": 0.01, "variance": 0.2, "skewness": NaN, "kurtosis": 3.5,
         "most_positive_activation_records": [
           {"dataclass_name": "ActivationRecord", "tokens": ["The", " cat", " sat"], "activations": [0.1, 2.718281828459045, 1.5]},
           {"dataclass_name": "ActivationRecord", "tokens": [" dog", "\\n", "é"], "activations": [1.25, 0.0, 0.0]}
         ]}
        """

    @Test func openAIFilesKeepEveryValue() throws {
        let folder = TemporaryDirectory()
        let source = folder.path("records")
        try FileManager.default.createDirectory(at: source.appendingPathComponent("5"), withIntermediateDirectories: true)
        try Data(Self.openAIStyle.utf8).write(to: source.appendingPathComponent("5/17.json"))
        let original = try OpenAINeuronRecord(json: Data(Self.openAIStyle.utf8), path: "17.json")
        #expect(original.layer == 5 && original.skewness == nil && original.kurtosis == 3.5)

        let imported = folder.path("store")
        let summary = try NeuronRecordImporter().importRecords(from: source, into: imported)
        #expect(summary.excerptsKeptWhole == 1)  // the first: its other activations are not 0
        let query = try StoreQuery(directory: imported)
        let records = try query.records(layer: 5, neuron: 17).records
        #expect(records.map(\.activation) == [Float(2.718281828459045), 1.25])
        #expect(records.map { query.vocabulary.text(of: $0.token) } == [" cat", " dog"])
        #expect(records.map(\.position) == [1, 0])
        // The excerpt with every activation is the record's window; the other is the record and zeros.
        #expect(summary.excerptWindows == 1)
        let windows = try #require(try query.store.activations.read { try $0.windows(layer: 5, neuron: 17) })
        #expect(windows.map(\.activations) == [[Float(0.1), Float(2.718281828459045), 1.5]])
        #expect(windows.map(\.windowStart) == [0] && windows.map(\.record) == [records[0]])
        #expect(try query.statistics(layer: 5, neuron: 17) == nil)  // a null moment: kept aside
        #expect(query.layers[5]?.row.neuronCount == 18)

        let back = try NeuronRecordExporter(query: query).record(layer: 5, neuron: 17)
        #expect(back == original)
    }

    @Test func recordPositionRule() {
        #expect(NeuronRecordImporter.recordPosition([0.1, 3, 2]) == 1)
        #expect(NeuronRecordImporter.recordPosition([0, 0, -0.5, 0]) == 2)  // the only nonzero
        #expect(NeuronRecordImporter.recordPosition([1, 2, 2]) == 1)        // first of equals
        #expect(NeuronRecordImporter.recordPosition([.nan, 1, 0.5]) == 1)
        #expect(NeuronRecordImporter.recordPosition([]) == nil)
    }

    @Test func badInputIsReportedWithItsFile() throws {
        let folder = TemporaryDirectory()
        let empty = folder.path("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: ExportError.noNeuronRecords(path: empty.path)) {
            try NeuronRecordImporter().importRecords(from: empty, into: folder.path("s1"))
        }
        #expect(throws: ExportError.self) {
            try NeuronRecordImporter().importRecords(from: folder.path("missing"), into: folder.path("s2"))
        }

        func expectBad(_ json: String, mentioning words: String) {
            do {
                _ = try OpenAINeuronRecord(json: Data(json.utf8), path: "x.json")
                Issue.record("accepted: \(json)")
            } catch let error as ExportError {
                guard case .badNeuronRecord("x.json", let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains(words), "\(reason)")
            } catch {
                Issue.record("\(error)")
            }
        }
        expectBad("{", mentioning: "not valid JSON")
        expectBad(#"{"neuron_id": {"layer_index": 0}}"#, mentioning: "neuron_index")
        expectBad(#"{"neuron_id": {"layer_index": -1, "neuron_index": 0}}"#, mentioning: "non-negative")
        expectBad(#"{"dataclass_name": "ActivationRecord", "neuron_id": {"layer_index": 0, "neuron_index": 0}}"#,
                  mentioning: "dataclass_name")
        expectBad(#"{"neuron_id": {"layer_index": 0, "neuron_index": 0}, "most_positive_activation_records": [{"tokens": ["a"], "activations": [1, 2]}]}"#,
                  mentioning: "1 tokens but 2 activations")

        let lines = folder.path("dup.jsonl")
        let record = #"{"neuron_id": {"layer_index": 0, "neuron_index": 3}, "most_positive_activation_records": [{"tokens": ["a"], "activations": [1]}]}"#
        try Data((record + "\n\n" + record + "\n").utf8).write(to: lines)
        #expect(throws: ExportError.duplicateNeuron(layer: 0, neuron: 3, path: "dup.jsonl:3")) {
            try NeuronRecordImporter().importRecords(from: lines, into: folder.path("s3"))
        }
        let emptyExcerpt = folder.path("empty-excerpt.jsonl")
        try Data(#"{"neuron_id": {"layer_index": 0, "neuron_index": 0}, "most_positive_activation_records": [{"tokens": [], "activations": []}]}"#.utf8)
            .write(to: emptyExcerpt)
        #expect(throws: ExportError.badNeuronRecord(path: "empty-excerpt.jsonl:1", reason: "most_positive_activation_records[0] is empty")) {
            try NeuronRecordImporter().importRecords(from: emptyExcerpt, into: folder.path("s4"))
        }
    }

    @Test func textWithoutATokenGetsANewID() throws {
        let folder = TemporaryDirectory()
        let file = folder.path("one.jsonl")
        let record = #"{"neuron_id": {"layer_index": 0, "neuron_index": 0}, "most_positive_activation_records": [{"tokens": [" cat", " zebra", "<0x99>"], "activations": [0, 0, 2]}]}"#
        try Data(record.utf8).write(to: file)
        let summary = try NeuronRecordImporter().importRecords(from: file, into: folder.path("store"), tokenizer: TestVocabulary())
        #expect(summary.textsWithoutToken == 1)
        let query = try StoreQuery(directory: folder.path("store"))
        #expect(query.tokenIDs(matching: " cat", .exact) == [1])
        #expect(query.tokenIDs(matching: " zebra", .exact) == [UInt32(TestStore.vocabulary.count)])
        #expect(try query.records(layer: 0, neuron: 0).records.map(\.token) == [26])  // the byte 0x99 token
        #expect(summary.vocabularySize == TestStore.vocabulary.count + 1)
    }
}
