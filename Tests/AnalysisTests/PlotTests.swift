import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Analysis

/// Parses a document and counts its elements by name.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var root: String?
    var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root == nil { root = name }
        counts[name, default: 0] += 1
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    /// Parses `svg`; nil when it is not well-formed XML.
    static func parse(_ svg: String) -> ElementCounter? {
        let counter = ElementCounter()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = counter
        return parser.parse() ? counter : nil
    }
}

struct PlotTests {
    @Test func clusterPlotHasOnePointPerTokenAndOneBoxPerCluster() throws {
        let (input, _) = try SyntheticNeuron.make(.interleaved, seed: 30)
        var parameters = AnalysisParameters()
        parameters.permutations = 50
        let analysis = try NeuronAnalysis(input: input, parameters: parameters)
        let svg = NeuronPlots.activationsByCluster(analysis.topDown, title: "L0 N7 <test>") { id in "tok<\(id)>&\"" }
        let parsed = try #require(ElementCounter.parse(svg))
        #expect(parsed.root == "svg")
        #expect(parsed.counts["circle"] == 100)
        #expect(parsed.counts["rect"] == 1 + analysis.topDown.clusters.count)  // background + boxes
        #expect(parsed.counts["title"] == 100 + analysis.topDown.clusters.count)
        #expect(parsed.text.contains("L0 N7 <test>") && parsed.text.contains("tok<"))
        #expect(parsed.text.contains("Kruskal–Wallis"))
    }

    @Test func homogeneityPlotHasOnePointPerSegment() throws {
        let (input, _) = try SyntheticNeuron.make(.topCategory, seed: 31)
        var parameters = AnalysisParameters()
        parameters.permutations = 100
        let analysis = try NeuronAnalysis(input: input, parameters: parameters)
        let parsed = try #require(ElementCounter.parse(NeuronPlots.homogeneityBySegment(analysis.bottomUp)))
        #expect(parsed.root == "svg")
        #expect(parsed.counts["circle"] == 10)
        #expect(parsed.counts["polyline"] == 1)
        #expect(parsed.text.contains("S9") && parsed.text.contains("Spearman"))
    }

    @Test func layerHistogramsHaveAPanelPerEffectSize() throws {
        var parameters = AnalysisParameters()
        parameters.permutations = 50
        let analyses = try (0..<4).map { i in
            try NeuronAnalysis(input: SyntheticNeuron.make(SyntheticNeuron.Kind.allCases[i], seed: UInt64(50 + i)).input,
                               parameters: parameters)
        }
        let summary = LayerSummary(analyses: analyses)
        let parsed = try #require(ElementCounter.parse(LayerPlots.effectSizeHistograms(summary, bins: 10)))
        #expect(parsed.root == "svg")
        let panels = summary.effectSizes.filter { $0.count > 0 }
        #expect(panels.count >= 8)
        for panel in panels { #expect(parsed.text.contains(panel.effect.rawValue)) }
        // Every neuron's value lands in one bar per panel: bars ≤ values, at least one each.
        let bars = parsed.counts["rect", default: 0] - 1
        #expect(bars >= panels.count && bars <= panels.map(\.count).reduce(0, +))
        #expect(histogram([1, 2, 3, 3], bins: 2) == [1, 3] && histogram([5, 5], bins: 3) == [0, 2, 0])
    }
}
