import Kernels
import Analysis
import Foundation
import Testing
@testable import Study

/// The paper's three claims as a Markdown report with figures, on the synthetic store's neurons
/// of known structure (one segregated, one interleaved, one random).
@Suite struct PaperReportTests {
    @Test func theReportStatesEachClaimWithSharesIntervalsAndFigures() throws {
        let store = try SyntheticStore(contextualInputs: true)
        let study = try Study(directory: store.url, caching: false)
        var parameters = StudyParameters()
        parameters.analysis.permutations = 199
        let staticLayer = try study.analyze(layer: 0, parameters: parameters, concurrency: 2)
        parameters.embeddings = .contextual
        let contextualLayer = try study.analyze(layer: 0, parameters: parameters, concurrency: 2)
        let runs = [PaperReport.Run(label: "static", layers: [staticLayer]),
                    PaperReport.Run(label: "contextual", layers: [contextualLayer])]
        let report = PaperReport(title: "Claims", description: "Synthetic store.", runs: runs, plotDirectory: "figures",
                                 bootstrapSamples: 200, seed: 1)
        let md = report.markdown
        #expect(md.hasPrefix("# Claims\n\nSynthetic store.\n"))
        for heading in ["## 1. A homomorphism only among the highest-activation tokens",
                        "## 2. Activation differences between categorical clusters, by mean activation",
                        "## 3. Categories interleaved along the activation axis"] {
            #expect(md.contains(heading), "missing \(heading)")
        }
        #expect(md.components(separatedBy: "**Paper:**").count == 4 && md.components(separatedBy: "**This store:**").count == 4)
        #expect(report.plots.map(\.name) == ["claim1-homomorphism.svg", "claim2-pairs-by-rank.svg", "claim3-interleaving.svg"])
        for plot in report.plots {
            #expect(md.contains("](figures/\(plot.name))"))
            #expect(plot.svg.hasPrefix("<?xml") && plot.svg.contains("<rect") && plot.svg.hasSuffix("</svg>\n"))
        }
        // One neuron in three of each verdict: the share is exact, its interval within [0, 1].
        let verdictRow = try #require(md.split(separator: "\n").first { $0.hasPrefix("| static | 0 | 33.3 % [") })
        #expect(verdictRow.contains("| 33.3 % ["))
        #expect(md.contains("| static | 0 | 3 |") && md.contains("| contextual | 0 | 3 |"))
        // Same studies and seed, same report.
        let again = PaperReport(title: "Claims", description: "Synthetic store.", runs: runs, plotDirectory: "figures",
                                bootstrapSamples: 200, seed: 1)
        #expect(again.markdown == md && again.plots.map(\.svg) == report.plots.map(\.svg))
    }

    @Test func bootstrapIntervalsCoverTheSamplingSpread() throws {
        var generator = SeededGenerator(seed: 3)
        let constant = try #require(bootstrapInterval([Double](repeating: 2, count: 50), samples: 100, generator: &generator) {
            mean($0)
        })
        #expect(constant == IntervalEstimate(value: 2, lower: 2, upper: 2))
        // 400 fair coin flips: the share's sd is 0.025, a 95 % interval about ±0.049.
        let flips = (0..<400).map { Double($0 % 2) }
        let share = try #require(bootstrapInterval(flips, samples: 2000, generator: &generator) { mean($0) })
        #expect(share.value == 0.5)
        #expect(share.lower > 0.44 && share.lower < 0.465 && share.upper > 0.535 && share.upper < 0.56)
        #expect(bootstrapInterval([Double](), samples: 10, generator: &generator) { mean($0) } == nil)
    }
}
