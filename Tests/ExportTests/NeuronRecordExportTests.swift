import Export
import Foundation
import Query
import Store
import Testing

@Suite struct NeuronRecordExportTests {
    /// A record with a stored window gives its window with the real activations; the others
    /// the zero-padded excerpt.
    @Test func windowedRecordsGiveTheirRealActivations() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("windows-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = ModelRow(family: "test", source: "memory", fingerprint: "test", layerCount: 1, embeddingSize: 0,
                             neuronCount: 1, vocabularySize: 10, maxContext: 64, activationDefinition: "seeded",
                             configJson: "{}")
        let builder = try StoreBuilder(directory: dir, model: model, corpusName: "test", corpusSources: [], runConfigJSON: "{}")
        for id in 0..<10 { try builder.addVocabulary(UInt32(id), bytes: Array("t\(id)".utf8)) }
        try builder.addDocument(tokens: (0..<10).map(UInt32.init), sourcePath: "doc")
        try builder.setLayer(0, neuronCount: 1, topK: 2,
                             statistics: LayerStatisticsSpec(bins: HistogramBins(), sampleSeed: 0, samplePositions: []))
        let first = CoreRecord(activation: 2.5, document: 0, position: 4, token: 4)
        let second = CoreRecord(activation: 1.5, document: 0, position: 8, token: 8)
        try builder.addNeuron(layer: 0, neuron: 0, records: [first, second],
                              windows: [WindowedRecord(record: first, windowStart: 2, activations: [0.5, -1, 2.5, 0.25])])
        try builder.finish()
        let record = try NeuronRecordExporter(query: try StoreQuery(directory: dir)).record(layer: 0, neuron: 0)
        let excerpts = record.mostPositiveActivationRecords
        #expect(excerpts.count == 2)
        #expect(excerpts[0].tokens == ["t2", "t3", "t4", "t5"])
        #expect(excerpts[0].activations == [0.5, -1, 2.5, 0.25])
        #expect(excerpts[1].tokens == (0..<10).map { "t\($0)" })
        #expect(excerpts[1].activations == (0..<10).map { $0 == 8 ? 1.5 : 0 })
    }

    @Test func topExcerptsAre64TokensAroundTheRecordWithItsActivation() throws {
        let store = try TestStore()
        let query = try store.open()
        let exporter = try NeuronRecordExporter(query: query)
        for layer in TestStore.layers {
            for neuron in 0..<TestStore.neuronCount {
                let record = try exporter.record(layer: layer, neuron: neuron)
                #expect(record.layer == layer && record.neuron == neuron)
                let top = store.topRecords(layer: layer, neuron: neuron)
                #expect(record.mostPositiveActivationRecords.count == top.count)
                for (r, excerpt) in zip(top, record.mostPositiveActivationRecords) {
                    let document = store.documents[Int(r.document)]
                    let p = Int(r.position), n = document.count
                    let start = max(0, min(p - 32, n - 64))
                    let end = min(n, start + 64)
                    #expect(excerpt.tokens == document[start..<end].map { query.vocabulary.text(of: $0) })
                    #expect(excerpt.activations.count == end - start)
                    #expect(Float(excerpt.activations[p - start]) == r.activation)
                    #expect(excerpt.activations.enumerated().allSatisfy { $0.offset == p - start || $0.element == 0 })
                    if n >= 64 && p >= 32 && p + 32 <= n { #expect(p - start == 32) }
                }
            }
        }
    }

    @Test func momentsQuantilesAndRandomSamplesComeFromTheStatistics() throws {
        let store = try TestStore()
        let query = try store.open()
        let record = try NeuronRecordExporter(query: query).record(layer: 1, neuron: 2)
        let spec = LayerStatisticsSpec(bins: HistogramBins(), sampleSeed: 1, samplePositions: store.samplePositions)
        let row = store.statisticsRow(layer: 1, neuron: 2, spec: spec)
        #expect(record.mean == row.mean && record.variance == row.variance)
        #expect(record.skewness == row.skewness && record.kurtosis == row.kurtosis)

        let boundaries = try #require(record.quantileBoundaries)
        #expect(boundaries.count == 4)
        #expect(boundaries == boundaries.sorted())
        #expect(boundaries.allSatisfy { $0 >= row.min && $0 <= row.max })
        let stats = try #require(try query.statistics(layer: 1, neuron: 2))
        #expect(boundaries == [0.5, 0.9, 0.99, 0.999].map { NumberFormatting.decimal(stats.quantile($0)!) })

        #expect(record.randomSample.count == store.samplePositions.count)
        for (position, excerpt) in zip(store.samplePositions, record.randomSample) {
            let value = store.activations[1]![2][Int(position.document)][Int(position.position)]
            #expect(excerpt.activations.contains(NumberFormatting.decimal(value)))
        }
        let groups = try #require(record.randomSampleByQuantile)
        #expect(groups.count == 5)
        #expect(groups.map(\.count).reduce(0, +) == record.randomSample.count)
        for (g, group) in groups.enumerated() {
            for excerpt in group {
                let value = excerpt.activations.first { $0 != 0 } ?? 0
                if g > 0 { #expect(value >= boundaries[g - 1]) }
                if g < 4 { #expect(value < boundaries[g]) }
            }
        }
    }

    @Test func bandsGiveTheQuantileSamplesAndTheRandomSampleWithTheirWindows() throws {
        let store = try TestStore()
        let (layer, neuron) = TestStore.bandNeuron
        let query = try store.open()
        let record = try NeuronRecordExporter(query: query).record(layer: layer, neuron: neuron)
        let bands = store.bands(layer: layer, neuron: neuron)
        func excerpt(_ w: WindowedRecord) -> OpenAIActivationRecord {
            OpenAIActivationRecord(tokens: w.positions.map { query.vocabulary.text(of: store.documents[Int(w.record.document)][$0]) },
                                   activations: w.activations.map(NumberFormatting.decimal))
        }
        #expect(record.randomSampleByQuantile == bands.bands.map { $0.examples.map(excerpt) })
        #expect(record.randomSampleByQuantile?.count == 4)
        #expect(record.randomSample == bands.randomSample.map(excerpt))
        #expect(record.quantileBoundaries?.count == 4)
    }

    @Test func aNegativeRecordIsTheOnlyNonzeroActivationOfItsExcerpt() throws {
        let store = try TestStore()
        let (layer, neuron) = TestStore.negativeNeuron
        let record = try NeuronRecordExporter(query: try store.open()).record(layer: layer, neuron: neuron)
        for (r, excerpt) in zip(store.topRecords(layer: layer, neuron: neuron), record.mostPositiveActivationRecords) {
            #expect(r.activation < 0)
            #expect(excerpt.activations.filter { $0 != 0 } == [NumberFormatting.decimal(r.activation)])
            #expect(NeuronRecordImporter.recordPosition(excerpt.activations) == excerpt.activations.firstIndex { $0 != 0 })
        }
    }

    @Test func filesAndBulkJSONLinesHaveOpenAIsLayout() throws {
        let store = try TestStore()
        let out = store.directory.path("records")
        let written = try NeuronRecordExporter(query: try store.open()).write(layers: nil, to: out, layout: .both)
        #expect(written == TestStore.layers.count * TestStore.neuronCount)
        let bulk = try String(contentsOf: out.appendingPathComponent(NeuronRecordExporter.bulkFileName), encoding: .utf8)
        let lines = bulk.split(separator: "\n").map(String.init)
        #expect(lines.count == written)
        var i = 0
        for layer in TestStore.layers {
            for neuron in 0..<TestStore.neuronCount {
                let file = out.appendingPathComponent("\(layer)/\(neuron).json")
                let data = try Data(contentsOf: file)
                #expect(String(decoding: data, as: UTF8.self) == lines[i])
                let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
                #expect(Set(object.keys) == ["dataclass_name", "neuron_id", "random_sample", "random_sample_by_quantile",
                                             "quantile_boundaries", "mean", "variance", "skewness", "kurtosis",
                                             "most_positive_activation_records"])
                #expect(object["dataclass_name"] as? String == "NeuronRecord")
                let id = try #require(object["neuron_id"] as? [String: Any])
                #expect(id["dataclass_name"] as? String == "NeuronId")
                #expect(id["layer_index"] as? Int == layer && id["neuron_index"] as? Int == neuron)
                let top = try #require(object["most_positive_activation_records"] as? [[String: Any]])
                #expect(top.allSatisfy { $0["dataclass_name"] as? String == "ActivationRecord" })
                #expect(top.allSatisfy { ($0["tokens"] as? [String])?.count == ($0["activations"] as? [Double])?.count })
                i += 1
            }
        }
        // The split character: its two halves are written as their bytes.
        #expect(bulk.contains("\" <0xE2><0x80>\",\"<0x99>\""))
    }

    @Test func onlyTheRequestedLayersAreWritten() throws {
        let store = try TestStore()
        let out = store.directory.path("records")
        try NeuronRecordExporter(query: try store.open()).write(layers: [3], to: out, layout: .files)
        let entries = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(entries == ["3"])
        #expect(throws: QueryError.layerNotIndexed(layer: 2, indexed: [1, 3])) {
            try NeuronRecordExporter(query: try store.open()).write(layers: [2], to: out, layout: .files)
        }
    }
}
