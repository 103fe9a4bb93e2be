import Analysis
import Export
import Study

/// A layer summary as two tables: the share of neurons passing each test after
/// Benjamini–Hochberg, and the distribution of each effect size over the neurons.
public enum LayerSummaryTables {
    public static let significanceColumns: [TableColumn] = [
        TableColumn("layer", .integer, "layer index"),
        TableColumn("test", .text, "the per-neuron test"),
        TableColumn("tested", .integer, "neurons for which the test ran"),
        TableColumn("significant", .integer, "neurons with BH-adjusted p ≤ fdr"),
        TableColumn("share", .real, "significant / tested"),
        TableColumn("fdr", .real, "false-discovery rate of the Benjamini–Hochberg procedure"),
    ]

    public static let effectSizeColumns: [TableColumn] = [
        TableColumn("layer", .integer, "layer index"),
        TableColumn("effect", .text, "the per-neuron effect size"),
        TableColumn("neurons", .integer, "neurons where it is defined"),
        TableColumn("mean", .real, "mean over those neurons"),
    ] + Analysis.LayerSummary.quantileProbabilities.map { p in
        TableColumn("q\(Int((p * 100).rounded()))", .real, "\(Int((p * 100).rounded()))% quantile (numpy linear)")
    }

    /// Which tests and effect sizes belong to a method's report.
    static func tests(_ method: AnalysisMethod) -> [LayerTest] {
        LayerTest.allCases.filter { test in
            switch test {
            case .differentiation: method.shows(.topDown) || method.shows(.interleaving)
            case .homogeneity: method.shows(.bottomUp)
            case .homomorphism, .homomorphismTopSubset, .clusterSegmentAgreement: method.shows(.homomorphism)
            }
        }
    }

    static func effects(_ method: AnalysisMethod) -> [LayerEffectSize] {
        LayerEffectSize.allCases.filter { effect in
            switch effect {
            case .epsilonSquared, .maxAbsCliffsDelta, .silhouette: method.shows(.topDown) || method.shows(.interleaving)
            case .topSegmentHomogeneityZ, .homogeneityTrendRho: method.shows(.bottomUp)
            case .mantelRho, .mantelRhoTopSubset, .adjustedRandIndex, .normalizedMutualInformation: method.shows(.homomorphism)
            }
        }
    }

    public static func writeSignificance(_ layer: LayerStudy, method: AnalysisMethod,
                                         to writer: inout any TableWriter) throws {
        let shown = Set(tests(method))
        for share in layer.summary.significance where shown.contains(share.test) {
            try writer.writeRow([.integer(layer.layer), .text(share.test.rawValue), .integer(share.tested),
                                 .integer(share.significant), .double(share.share), .double(layer.summary.fdr)])
        }
    }

    public static func writeEffectSizes(_ layer: LayerStudy, method: AnalysisMethod,
                                        to writer: inout any TableWriter) throws {
        let shown = Set(effects(method))
        for distribution in layer.summary.effectSizes where shown.contains(distribution.effect) {
            var cells: [TableCell] = [.integer(layer.layer), .text(distribution.effect.rawValue),
                                      .integer(distribution.count), distribution.mean.map { .double($0) } ?? .null]
            cells += Analysis.LayerSummary.quantileProbabilities.map { p in
                distribution.quantiles.first { $0.probability == p }.map { .double($0.value) } ?? .null
            }
            try writer.writeRow(cells)
        }
    }

    /// One line: neurons per verdict, neurons whose only raised segment is the top one, failures.
    public static func verdictLine(_ layer: LayerStudy) -> String {
        let v = layer.summary.verdicts
        var line = "layer \(layer.layer): \(layer.neurons.count) neurons analyzed"
        if !layer.failures.isEmpty { line += ", \(layer.failures.count) could not be" }
        line += "; segregated \(v[.segregated] ?? 0), interleaved \(v[.interleaved] ?? 0), "
            + "undifferentiated \(v[.undifferentiated] ?? 0); only the top segment raised: \(layer.summary.onlyTopRaised)"
        return line
    }
}
