import Foundation
import Query
import Store
import Testing

@Suite struct NeuronLookupTests {
    @Test func recordsComeHighestFirstWithTheirContext() throws {
        let fixture = try TestStore()
        let report = try fixture.open().neuron(layer: 0, neuron: 0, contextRadius: 2)
        #expect(report.records.map(\.record.activation) == [4.0, 2.5, 1.0, 0.5])
        #expect(report.records.map(\.rank) == [0, 1, 2, 3])
        #expect(report.records.map(\.token) == [" the", " fox", " the", " the"])

        let top = report.records[0]  // document 0, position 6
        #expect(top.record.document == 0 && top.record.position == 6 && top.record.token == 6)
        #expect(top.context.start == 4)
        #expect(top.context.tokens == [4, 5, 6, 7, 8])
        #expect(top.context.before == " jumps over")
        #expect(top.context.focusText == " the")
        #expect(top.context.after == " lazy dog")
        #expect(top.context.text == " jumps over the lazy dog")

        let third = report.records[2]  // document 1, position 1: clipped at the document start
        #expect(third.context.start == 0)
        #expect(third.context.before == "\n")
        // The window ends inside "’": its first two bytes decode as one replacement character.
        #expect(third.context.after == " dog \u{FFFD}")
    }

    @Test func aCharacterSplitBetweenTokensIsWholeInContextAndEscapedAsAToken() throws {
        let fixture = try TestStore()
        let report = try fixture.open().neuron(layer: 0, neuron: 1, contextRadius: 3)
        let split = report.records[0]  // token 12 = the last byte of "’"
        #expect(split.record.token == 12)
        #expect(split.token == "<0x99>")
        #expect(split.context.focusText == "<0x99>")
        #expect(split.context.text == " the dog ’ the")
    }

    @Test func limitAndRadiusZero() throws {
        let report = try TestStore().open().neuron(layer: 2, neuron: 0, contextRadius: 0, limit: 2)
        #expect(report.records.count == 2)
        #expect(report.records.map(\.context.text) == [" the", " a|b"])
        #expect(report.records.allSatisfy { $0.context.before.isEmpty && $0.context.after.isEmpty })
    }

    @Test func statisticsAreDecodedWithHistogramAndSample() throws {
        let report = try TestStore().open().neuron(layer: 0, neuron: 0)
        let stats = try #require(report.statistics)
        let expected = TestStore.statisticsRow(histogramBytes: nil)
        #expect(stats.count == 200)
        #expect(stats.mean == expected.mean && stats.variance == expected.variance)
        #expect(stats.min == -1 && stats.max == 3.975)
        #expect(stats.fractionPositive == expected.fractionPositive)
        let histogram = try #require(stats.histogram)
        #expect(histogram.total == 200)
        #expect(histogram.counts.count == HistogramBins().count)
        // Every value lies in a non-empty bin.
        for v in TestStore.statisticsValues {
            #expect(histogram.counts[histogram.bins.index(of: v)] > 0)
        }
        // The sample keeps the positions whose value is known (NaN means not sampled).
        #expect(stats.sample == [SampledActivation(document: 0, position: 2, activation: 0.125),
                                 SampledActivation(document: 2, position: 1, activation: -0.5)])
        // Quantile estimates stay within one bin of the exact quantiles of the values.
        let sorted = TestStore.statisticsValues.sorted()
        for q in [0.1, 0.5, 0.9] {
            let exact = sorted[Int(q * Double(sorted.count))]
            let estimate = try #require(stats.quantile(q))
            let bins = histogram.bins
            let (lower, upper) = bins.range(ofBin: bins.index(of: exact))
            let width = upper - lower
            #expect(abs(estimate - exact) <= max(width, 2 * bins.range(ofBin: bins.zeroBin).upper), "q\(q): \(estimate) vs \(exact)")
        }
        #expect(stats.quantile(0) == -1)
        #expect(stats.quantile(1) == 3.975)
    }

    /// A document's lookup reads the moments alone: the same numbers, without the histogram
    /// and the sample; `.none` reads nothing.
    @Test func momentsAreReadWithoutTheBlobs() throws {
        let query = try TestStore().open()
        let full = try #require(query.neuron(layer: 0, neuron: 0).statistics)
        let moments = try #require(query.neuron(layer: 0, neuron: 0, statistics: .moments).statistics)
        #expect(moments.histogram == nil && moments.sample.isEmpty)
        #expect([moments.mean, moments.variance, moments.skewness, moments.kurtosis, moments.min, moments.max,
                 moments.fractionPositive] == [full.mean, full.variance, full.skewness, full.kurtosis, full.min, full.max,
                                               full.fractionPositive])
        #expect(moments.count == full.count)
        #expect(try query.neuron(layer: 0, neuron: 0, statistics: .none).statistics == nil)
    }

    @Test func neuronsWithoutStatisticsHaveNone() throws {
        let report = try TestStore().open().neuron(layer: 2, neuron: 1)
        #expect(report.statistics == nil)
        #expect(report.records.map(\.record.activation) == [9.0, 1.5])
    }

    @Test func forEachNeuronVisitsNeuronsWithRecordsInOrder() throws {
        var seen: [Int] = []
        try TestStore().open().forEachNeuron(in: 2, contextRadius: 1) { report in
            seen.append(report.neuron)
            #expect(report.records.first?.rank == 0)
        }
        #expect(seen == [0, 1])
    }

    /// At the stored radius, lookups read the contexts stored beside the records; they are the
    /// windows the documents give.
    @Test func storedContextsAreTheWindowsTheDocumentsGive() throws {
        let query = try TestStore().open()
        var compared = 0
        for (layer, neurons) in TestStore.records {
            for neuron in neurons.keys {
                let report = try query.neuron(layer: layer, neuron: neuron)
                let stored = try query.store.activations.read { try $0.contexts(layer: layer, neuron: neuron) }
                #expect(stored?.entries.count == report.records.count)
                var exported: [ContextWindow] = []
                try query.forEachNeuron(in: layer) { if $0.neuron == neuron { exported = $0.records.map(\.context) } }
                #expect(exported == report.records.map(\.context))
                for view in report.records {
                    let fromDocuments = try query.store.activations.read { reader in
                        try ContextWindow(of: view.record, radius: NeuronContexts.radius, reader: reader,
                                          vocabulary: query.vocabulary)
                    }
                    #expect(view.context == fromDocuments)
                    compared += 1
                }
            }
        }
        #expect(compared == 12)
    }

    /// A stored context is used only for its own record, at its radius, when it holds the
    /// record's position; otherwise the window comes from the document.
    @Test func aStoredContextIsUsedOnlyWhereItFits() throws {
        let query = try TestStore().open()
        let record = CoreRecord(activation: 1, document: 0, position: 6, token: 6)  // " the" in document 0
        func window(_ entry: NeuronContexts.Entry, radius: Int = NeuronContexts.radius) throws -> ContextWindow {
            try query.store.activations.read { reader in
                try ContextWindow(of: record, radius: radius,
                                  stored: NeuronContexts(radius: NeuronContexts.radius, entries: [entry]), index: 0,
                                  reader: reader, vocabulary: query.vocabulary)
            }
        }
        let fromDocument = try window(.init(document: 1, position: 6, start: 5, tokens: [7, 6, 8]))
        #expect(fromDocument.tokens == TestStore.documents[0])
        // Its own record's: used as stored (tokens the document does not have, to tell them apart).
        let stored = try window(.init(document: 0, position: 6, start: 5, tokens: [7, 6, 8]))
        #expect(stored.tokens == [7, 6, 8] && stored.start == 5 && stored.focus == 1 && stored.text == " lazy the dog")
        #expect(try window(.init(document: 0, position: 6, start: 5, tokens: [7, 6, 8]), radius: 2).tokens == [4, 5, 6, 7, 8])
        #expect(try window(.init(document: 0, position: 6, start: 7, tokens: [7, 6, 8])) == fromDocument)
        #expect(try window(.init(document: 0, position: 6, start: 3, tokens: [7, 6, 8])) == fromDocument)
    }
}
