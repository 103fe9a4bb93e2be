import Analysis
import Export
import Foundation
import Query
import Responses
import Testing
@testable import Study

/// Neuron selections, the analysis tables and the one-neuron report.
@Suite struct PresentationTests {
    @Test func neuronListsParse() throws {
        #expect(try NeuronSelection(parsing: "all") == .all)
        #expect(try NeuronSelection(parsing: "1,5,10-13,5") == .list([1, 5, 10, 11, 12, 13]))
        #expect(try NeuronSelection(parsing: " 7 ") == .list([7]))
        for bad in ["", "1,,2", "3-1", "-2", "a", "1-2-3"] {
            #expect(throws: StudyError.badNeuronList(bad)) { try NeuronSelection(parsing: bad) }
        }
        #expect(try NeuronSelection.list([0, 3]).neurons(layer: 2, neuronCount: 4) == [0, 3])
        #expect(throws: QueryError.unknownNeuron(layer: 2, neuron: 4, neuronCount: 4)) {
            try NeuronSelection.list([0, 4]).neurons(layer: 2, neuronCount: 4)
        }
        #expect(try NeuronSelection.all.neurons(layer: 0, neuronCount: 3) == [0, 1, 2])
        #expect(NeuronSelection.rangeText([0, 1, 2, 3, 7, 9, 10]) == "0-3,7,9-10")
        #expect(NeuronSelection.rangeText([]) == "")
    }

    @Test func tablesHaveOneCellPerColumnForEveryMethod() throws {
        let store = try SyntheticStore()
        let study = try Study(directory: store.url, caching: false)
        var parameters = StudyParameters()
        parameters.analysis.permutations = 99
        let layer = try study.analyze(layer: 0, neurons: .list([0, 1, 2]), parameters: parameters, concurrency: 2)
        for method in AnalysisMethod.allCases {
            let columns = AnalysisTable.columns(method)
            #expect(Set(columns.map(\.name)).count == columns.count)
            let output = TextOutput()
            var writer = try OutputFormat.csv.writer(columns: columns, output: output)
            #expect(try AnalysisTable.write(layer, method: method, vocabulary: study.query.vocabulary, to: &writer) == 3)
            try writer.finish()
            let lines = output.text.split(whereSeparator: \.isNewline)  // CSV lines end in CRLF
            #expect(lines.count == 4)
            #expect(lines[0] == columns.map(\.name).joined(separator: ",")[...])
            for index in 0..<3 {
                #expect(AnalysisTable.row(layer, at: index, method: method, vocabulary: study.query.vocabulary).count == columns.count)
            }
        }
        let all = AnalysisTable.columns(.all).map(\.name)
        let row = AnalysisTable.row(layer, at: 0, method: .all, vocabulary: study.query.vocabulary)
        func value(_ name: String) -> TableCell { row[all.firstIndex(of: name)!] }
        #expect(value("verdict") == .text("segregated") && value("clusters") == .integer(4))
        #expect(value("kw_q") == .double(layer.adjustedP(.differentiation, at: 0)!))
        // The segregated neuron's top tokens are cities (category 3, the highest activations).
        guard case .text(let top) = value("top_tokens") else { Issue.record("top_tokens is not text"); return }
        #expect(top.split(separator: "\" \"").count == 5 && top.hasPrefix("\" city"))

        let significance = TextOutput()
        var writer = try OutputFormat.csv.writer(columns: LayerSummaryTables.significanceColumns, output: significance)
        try LayerSummaryTables.writeSignificance(layer, method: .all, to: &writer)
        try writer.finish()
        #expect(significance.text.split(whereSeparator: \.isNewline).count == 1 + LayerTest.allCases.count)
        let effects = TextOutput()
        writer = try OutputFormat.csv.writer(columns: LayerSummaryTables.effectSizeColumns, output: effects)
        try LayerSummaryTables.writeEffectSizes(layer, method: .bottomUp, to: &writer)
        try writer.finish()
        #expect(effects.text.split(whereSeparator: \.isNewline).count == 3)
        #expect(LayerSummaryTables.verdictLine(layer).contains("segregated 1, interleaved 1, undifferentiated 1"))
    }

    @Test func theNeuronReportShowsClustersSegmentsAndAVerdict() throws {
        let store = try SyntheticStore()
        let study = try Study(directory: store.url, caching: false)
        var parameters = StudyParameters()
        parameters.analysis.permutations = 199
        let neuron = try study.analyze(layer: 0, neuron: SyntheticStore.segregated, parameters: parameters)
        let text = NeuronReportText.render(neuron, parameters: parameters, method: .all, vocabulary: study.query.vocabulary)
        #expect(text.hasPrefix("layer 0 neuron 0: 100 core tokens, static embeddings, 199 permutations, seed 0\n"))
        for heading in ["Top-down — 4 clusters", "Interleaving —", "Bottom-up — 10 segments", "Homomorphism —", "Kruskal–Wallis H = "] {
            #expect(text.contains(heading), "missing \(heading)")
        }
        // Cluster 0 holds the cities, the highest activations (6 to 7).
        let lines = text.split(separator: "\n").map(String.init)
        let c0 = try #require(lines.firstIndex { $0.hasPrefix("  C0  n=25  activation 6.") })
        #expect(lines[c0 + 1].contains("\" city") && !lines[c0 + 1].contains("animal"))
        #expect(lines.filter { $0.hasPrefix("  S") }.count == 10)
        #expect(text.contains("Verdict: categories differ in activation and occupy disjoint ranges (segregated);"))

        let bottomUpOnly = NeuronReportText.render(neuron, parameters: parameters, method: .bottomUp, vocabulary: study.query.vocabulary)
        #expect(!bottomUpOnly.contains("Top-down") && bottomUpOnly.contains("Bottom-up") && !bottomUpOnly.contains("segregated"))
    }
}

/// Whether two labelings are the same partition (equal up to renaming the labels).
func samePartition(_ a: [Int], _ b: [Int]) -> Bool {
    guard a.count == b.count else { return false }
    var forward: [Int: Int] = [:], backward: [Int: Int] = [:]
    for (x, y) in zip(a, b) {
        if let mapped = forward[x], mapped != y { return false }
        if let mapped = backward[y], mapped != x { return false }
        forward[x] = y
        backward[y] = x
    }
    return true
}
