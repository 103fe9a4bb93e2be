import Kernels
import Analysis
import Foundation

/// The three findings of Pichat et al. 2025 checked on a store's layer studies, as a Markdown
/// document with SVG figures: (1) a homomorphism between activation and categories only among
/// the highest-activation tokens, (2) activation differences between categorical clusters,
/// particularly between clusters of lower mean activation, (3) categories interleaved along the
/// activation axis. Every share comes with a 95 % percentile bootstrap interval over the
/// layer's neurons (seeded); per-neuron tests are pooled with Benjamini–Hochberg over the layer
/// at the layer summary's FDR.
public struct PaperReport: Sendable {
    /// The layer studies of one choice of embeddings (or other parameters), under a label.
    public struct Run: Sendable {
        public var label: String
        public var layers: [LayerStudy]

        public init(label: String, layers: [LayerStudy]) {
            self.label = label
            self.layers = layers
        }
    }

    /// The report.
    public var markdown: String
    /// SVG figures by file name; the Markdown links them as `plotDirectory/name`.
    public var plots: [(name: String, svg: String)]

    /// Number of bins of a cluster pair's rank in mean activation (claim 2).
    public static let rankBins = 4

    /// Builds the report for `runs` (each one set of layer studies); `bootstrapSamples`
    /// resamples of the neurons per interval, drawn from `seed`.
    public init(title: String, description: String, runs: [Run], plotDirectory: String,
                bootstrapSamples: Int = 2000, seed: UInt64 = 0) {
        var layers: [LayerFindings] = []
        for (runIndex, run) in runs.enumerated() {
            for layer in run.layers {
                var generator = SeededGenerator(seed: seed, stream: UInt64(runIndex), UInt64(layer.layer))
                layers.append(LayerFindings(run: run.label, study: layer, samples: bootstrapSamples, generator: &generator))
            }
        }
        let groups = layers.map { "\($0.run), layer \($0.layer)" }
        let alpha = layers.first?.alpha ?? 0.05, fdr = layers.first?.fdr ?? 0.05
        var md = "# \(title)\n\n\(description)\n\n"
        md += "Neurons analyzed per layer: " + layers.map { "\($0.run) layer \($0.layer): \($0.neuronCount)"
            + ($0.failureCount > 0 ? " (\($0.failureCount) could not be analyzed)" : "") }.joined(separator: "; ") + ". "
        md += "Per-neuron tests at α = \(Self.number(alpha)); shares of significant neurons after Benjamini–Hochberg over "
            + "each layer at FDR \(Self.number(fdr)). Brackets: 95 % percentile bootstrap intervals over the layer's "
            + "neurons (\(bootstrapSamples) resamples, seed \(seed)).\n\n"

        // (1) Homomorphism only among the top tokens.
        md += "## 1. A homomorphism only among the highest-activation tokens\n\n"
        md += "**Paper:** the relation between activation and categories is tenuous; it appears only among the tokens "
            + "with the very highest activations.\n\n"
        md += "**This store:**\n\n"
        md += Self.table(["embeddings", "layer", "neurons", "top segment raised", "Mantel, top subset", "Mantel, all tokens",
                          "only the top segment raised"],
                         layers.map { f in [f.run, "\(f.layer)", "\(f.neuronCount)"] + f.claim1Shares.map(Self.percent) })
        md += "\nEffect sizes (median over neurons):\n\n"
        md += Self.table(["embeddings", "layer", "top-segment homogeneity z", "Mantel ρ, top subset", "Mantel ρ, all tokens"],
                         layers.map { f in [f.run, "\(f.layer)"] + f.claim1Effects.map(Self.plain) })
        md += "\n"
        for f in layers {
            md += "- \(f.run), layer \(f.layer): the Mantel test is significant in \(Self.percent(f.claim1Shares[1])) of neurons "
                + "on the top subset and \(Self.percent(f.claim1Shares[2])) on all tokens ("
                + Self.comparison(f.claim1Shares[1], f.claim1Shares[2]) + "); the top segment is more homogeneous than chance in "
                + "\(Self.percent(f.claim1Shares[0])) and the only such segment in \(Self.percent(f.claim1Shares[3])).\n"
        }
        md += "\n![Claim 1](\(plotDirectory)/claim1-homomorphism.svg)\n\n"

        // (2) Differentiation by rank of mean activation.
        let binNames = (0..<Self.rankBins).map { Self.rankBinName($0) }
        md += "## 2. Activation differences between categorical clusters, by mean activation\n\n"
        md += "**Paper:** categorical clusters differ in activation, particularly clusters with lower mean activation.\n\n"
        md += "**This store:** every pair of tested clusters of a neuron with at least three, ranked by the mean of the "
            + "two clusters' mean activations (rank scaled to 0…1, 0 the highest pair) and binned into quarters; the share "
            + "of pairs whose Mann–Whitney p passes Benjamini–Hochberg over all pairs of the layer (interval: neurons "
            + "resampled).\n\n"
        md += Self.table(["embeddings", "layer", "pairs"] + binNames,
                         layers.map { f in [f.run, "\(f.layer)", "\(f.pairCount)"] + f.pairShares.map(Self.percent) })
        md += "\nShare of pairs with Holm p < α within their neuron:\n\n"
        md += Self.table(["embeddings", "layer"] + binNames,
                         layers.map { f in [f.run, "\(f.layer)"] + f.pairHolmShares.map(Self.percent) })
        md += "\nMedian |Cliff's δ| of the pairs:\n\n"
        md += Self.table(["embeddings", "layer"] + binNames,
                         layers.map { f in [f.run, "\(f.layer)"] + f.pairEffects.map(Self.plain) })
        md += "\n"
        for f in layers {
            md += "- \(f.run), layer \(f.layer): lowest-ranked pairs \(Self.percent(f.pairShares.last!)) significant, "
                + "highest-ranked \(Self.percent(f.pairShares.first!)) ("
                + Self.comparison(f.pairShares.last!, f.pairShares.first!) + ").\n"
        }
        md += "\n![Claim 2](\(plotDirectory)/claim2-pairs-by-rank.svg)\n\n"

        // (3) Interleaving.
        let verdicts = ActivationMappingVerdict.allCases
        md += "## 3. Categories interleaved along the activation axis\n\n"
        md += "**Paper:** the activation ranges of categorical clusters interleave.\n\n"
        md += "**This store:** share of neurons per verdict (docs/method.md), and of neurons whose activation-sorted "
            + "core tokens switch cluster significantly less often than under shuffled labels (contiguous categories; "
            + "Benjamini–Hochberg over the layer).\n\n"
        md += Self.table(["embeddings", "layer"] + verdicts.map(\.rawValue) + ["few switches", "switches / null mean (median)"],
                         layers.map { f in
                             [f.run, "\(f.layer)"] + f.verdictShares.map(Self.percent) + [Self.percent(f.fewSwitchShare),
                                                                                         Self.plain(f.switchRatio)]
                         })
        md += "\n"
        for f in layers {
            md += "- \(f.run), layer \(f.layer): \(Self.percent(f.verdictShares[1])) of neurons interleaved, "
                + "\(Self.percent(f.verdictShares[0])) segregated; \(Self.percent(f.fewSwitchShare)) switch clusters "
                + "less often than chance.\n"
        }
        md += "\n![Claim 3](\(plotDirectory)/claim3-interleaving.svg)\n"
        markdown = md

        plots = [
            ("claim1-homomorphism.svg", IntervalPlots.groupedBars(
                title: "1. Homomorphism among the top tokens", valueLabel: "share of neurons", groups: groups,
                series: ["top segment raised", "Mantel, top subset", "Mantel, all tokens", "only top raised"],
                values: layers.map(\.claim1Shares), domain: 0...1)),
            ("claim2-pairs-by-rank.svg", IntervalPlots.groupedBars(
                title: "2. Significant cluster pairs by rank in mean activation", valueLabel: "share of pairs (BH)",
                groups: groups, series: binNames, values: layers.map(\.pairShares), domain: 0...1)),
            ("claim3-interleaving.svg", IntervalPlots.groupedBars(
                title: "3. Interleaving verdicts and switch test", valueLabel: "share of neurons", groups: groups,
                series: verdicts.map(\.rawValue) + ["few switches"],
                values: layers.map { $0.verdictShares + [$0.fewSwitchShare] }, domain: 0...1)),
        ]
    }

    /// "top quarter", …, "bottom quarter" for `rankBins` = 4.
    static func rankBinName(_ bin: Int) -> String {
        ["top quarter", "second quarter", "third quarter", "bottom quarter"][bin]
    }

    static func number(_ value: Double) -> String { String(format: "%g", value) }

    static func percent(_ estimate: IntervalEstimate?) -> String {
        guard let e = estimate else { return "–" }
        return String(format: "%.1f %% [%.1f, %.1f]", 100 * e.value, 100 * e.lower, 100 * e.upper)
    }

    static func plain(_ estimate: IntervalEstimate?) -> String {
        guard let e = estimate else { return "–" }
        return String(format: "%.3g [%.3g, %.3g]", e.value, e.lower, e.upper)
    }

    /// Whether `a` is higher or lower than `b` with disjoint intervals.
    static func comparison(_ a: IntervalEstimate?, _ b: IntervalEstimate?) -> String {
        guard let a, let b else { return "not comparable" }
        if a.lower > b.upper { return "higher, the intervals are disjoint" }
        if a.upper < b.lower { return "lower, the intervals are disjoint" }
        return "the intervals overlap"
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var text = "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in "---|" }.joined() + "\n"
        for row in rows { text += "| " + row.joined(separator: " | ") + " |\n" }
        return text
    }
}

/// What the three claims need from one neuron, with the layer-level Benjamini–Hochberg decisions.
private struct NeuronFacts {
    var topSegmentRaised: Bool?
    var topSubsetMantel: Bool?
    var allTokensMantel: Bool?
    var onlyTopRaised: Bool
    var topSegmentZ: Double?
    var topSubsetRho: Double?
    var allTokensRho: Double?
    /// Pairs of tested clusters (neurons with at least three): rank bin, BH and Holm decisions, |δ|.
    var pairs: [(bin: Int, significant: Bool, holm: Bool, absoluteDelta: Double)]
    var verdict: ActivationMappingVerdict
    var fewSwitches: Bool
    var switchRatio: Double?
}

/// The estimates of one layer study.
private struct LayerFindings {
    var run: String
    var layer: Int
    var neuronCount: Int
    var failureCount: Int
    var alpha: Double
    var fdr: Double
    /// Top segment raised, Mantel top subset, Mantel all tokens, only top raised.
    var claim1Shares: [IntervalEstimate?]
    /// Top-segment homogeneity z, Mantel ρ top subset, Mantel ρ all tokens (medians).
    var claim1Effects: [IntervalEstimate?]
    var pairCount: Int
    /// [rank bin] share of BH-significant pairs, of Holm-significant pairs, median |Cliff's δ|.
    var pairShares: [IntervalEstimate?]
    var pairHolmShares: [IntervalEstimate?]
    var pairEffects: [IntervalEstimate?]
    /// [ActivationMappingVerdict.allCases] share of neurons.
    var verdictShares: [IntervalEstimate?]
    var fewSwitchShare: IntervalEstimate?
    var switchRatio: IntervalEstimate?

    init(run: String, study: LayerStudy, samples: Int, generator: inout SeededGenerator) {
        self.run = run
        layer = study.layer
        neuronCount = study.neurons.count
        failureCount = study.failures.count
        fdr = study.summary.fdr
        let alpha = study.neurons.first?.analysis.parameters.alpha ?? 0.05
        self.alpha = alpha
        let analyses = study.neurons.map(\.analysis)
        func significant(_ test: LayerTest, _ index: Int) -> Bool? {
            study.adjustedP(test, at: index).map { $0 <= study.summary.fdr }
        }

        // Mann–Whitney p of every pair in a rank bin, pooled over the layer for Benjamini–Hochberg.
        var binned: [[(bin: Int, p: Double, holm: Bool, absoluteDelta: Double)]] = []
        for analysis in analyses {
            let topDown = analysis.topDown
            guard topDown.testedClusters.count >= 3 else {
                binned.append([])
                continue
            }
            let means = topDown.clusters.map(\.activation.mean)
            let order = topDown.pairs.indices.sorted { a, b in
                let ma = means[topDown.pairs[a].first] + means[topDown.pairs[a].second]
                let mb = means[topDown.pairs[b].first] + means[topDown.pairs[b].second]
                return ma > mb || (ma == mb && a < b)
            }
            let last = Double(topDown.pairs.count - 1)
            binned.append(order.enumerated().map { rank, index in
                let pair = topDown.pairs[index]
                let bin = min(PaperReport.rankBins - 1, Int(Double(rank) / last * Double(PaperReport.rankBins)))
                return (bin, pair.mannWhitney.p, pair.holmP < alpha, abs(pair.cliffsDelta))
            })
        }
        let adjustedPairs = benjaminiHochbergAdjusted(binned.flatMap { $0.map(\.p) })
        let adjustedSwitches = benjaminiHochbergAdjusted(analyses.map(\.interleaving.switches.p))
        var next = 0
        var facts: [NeuronFacts] = []
        for (index, analysis) in analyses.enumerated() {
            let pairs = binned[index].map { pair in
                defer { next += 1 }
                return (pair.bin, adjustedPairs[next] <= study.summary.fdr, pair.holm, pair.absoluteDelta)
            }
            let switches = analysis.interleaving.switches
            facts.append(NeuronFacts(
                topSegmentRaised: significant(.homogeneity, index),
                topSubsetMantel: significant(.homomorphismTopSubset, index),
                allTokensMantel: significant(.homomorphism, index),
                onlyTopRaised: analysis.bottomUp.onlyTopRaised,
                topSegmentZ: LayerEffectSize.topSegmentHomogeneityZ.value(in: analysis),
                topSubsetRho: LayerEffectSize.mantelRhoTopSubset.value(in: analysis),
                allTokensRho: LayerEffectSize.mantelRho.value(in: analysis),
                pairs: pairs, verdict: analysis.interleaving.verdict,
                fewSwitches: adjustedSwitches[index] <= study.summary.fdr,
                switchRatio: switches.nullMean > 0 ? switches.observed / switches.nullMean : nil))
        }

        var estimator = Estimator(facts: facts, samples: samples, generator: generator)
        claim1Shares = [estimator.share(\.topSegmentRaised), estimator.share(\.topSubsetMantel),
                        estimator.share(\.allTokensMantel), estimator.share { $0.onlyTopRaised }]
        claim1Effects = [estimator.median { $0.topSegmentZ.map { [$0] } ?? [] },
                         estimator.median { $0.topSubsetRho.map { [$0] } ?? [] },
                         estimator.median { $0.allTokensRho.map { [$0] } ?? [] }]
        pairCount = facts.reduce(0) { $0 + $1.pairs.count }
        pairShares = (0..<PaperReport.rankBins).map { estimator.pairShare(bin: $0) { significant, _ in significant } }
        pairHolmShares = (0..<PaperReport.rankBins).map { estimator.pairShare(bin: $0) { _, holm in holm } }
        pairEffects = (0..<PaperReport.rankBins).map { bin in
            estimator.median { $0.pairs.filter { $0.bin == bin }.map(\.absoluteDelta) }
        }
        verdictShares = ActivationMappingVerdict.allCases.map { verdict in estimator.share { $0.verdict == verdict } }
        fewSwitchShare = estimator.share { $0.fewSwitches }
        switchRatio = estimator.median { $0.switchRatio.map { [$0] } ?? [] }
        generator = estimator.generator
    }
}

/// Bootstrap intervals over the neurons of a layer, all drawn from one generator in turn.
private struct Estimator {
    let facts: [NeuronFacts]
    let samples: Int
    var generator: SeededGenerator

    /// Share of neurons with `indicator` true among those where it is defined.
    mutating func share(_ indicator: (NeuronFacts) -> Bool?) -> IntervalEstimate? {
        bootstrapInterval(facts, samples: samples, generator: &generator) { units in
            let tested = units.compactMap(indicator)
            return tested.isEmpty ? nil : Double(tested.count { $0 }) / Double(tested.count)
        }
    }

    /// Median of the values the neurons contribute.
    mutating func median(_ values: (NeuronFacts) -> [Double]) -> IntervalEstimate? {
        bootstrapInterval(facts, samples: samples, generator: &generator) { units in
            let pooled = units.flatMap(values)
            return pooled.isEmpty ? nil : Analysis.median(pooled)
        }
    }

    /// Share of the pairs in rank `bin` for which `decision(BH significant, Holm significant)` holds.
    mutating func pairShare(bin: Int, _ decision: (Bool, Bool) -> Bool) -> IntervalEstimate? {
        bootstrapInterval(facts, samples: samples, generator: &generator) { units in
            var total = 0, hits = 0
            for unit in units {
                for pair in unit.pairs where pair.bin == bin {
                    total += 1
                    if decision(pair.significant, pair.holm) { hits += 1 }
                }
            }
            return total == 0 ? nil : Double(hits) / Double(total)
        }
    }
}
