import Analysis
import Export
import Query
import Study

/// The analysis table: one row per analyzed neuron, the columns of the chosen method (all
/// four by default). `q` columns are Benjamini–Hochberg-adjusted over the neurons of the layer
/// that were analyzed together (`LayerSummary`).
public enum AnalysisTable {
    /// Columns shown whatever the method.
    static let identity: [TableColumn] = [
        TableColumn("layer", .integer, "layer index"),
        TableColumn("neuron", .integer, "neuron index in the layer"),
        TableColumn("core_tokens", .integer, "number of core tokens analyzed (K)"),
        TableColumn("top_tokens", .text, "the most activating distinct core tokens, highest first"),
    ]

    static let topDown: [TableColumn] = [
        TableColumn("clusters", .integer, "clusters of the core tokens by cosine similarity"),
        TableColumn("silhouette", .real, "mean cosine silhouette of the clustering"),
        TableColumn("kw_h", .real, "Kruskal–Wallis H of the clusters' activations"),
        TableColumn("kw_p", .real, "its p-value"),
        TableColumn("kw_q", .real, "its BH-adjusted p-value over the layer"),
        TableColumn("epsilon_squared", .real, "effect size ε² = H / (n − 1)"),
        TableColumn("max_abs_cliffs_delta", .real, "largest |Cliff's δ| over pairs of clusters"),
    ]

    static let interleaving: [TableColumn] = [
        TableColumn("verdict", .text, "segregated, interleaved or undifferentiated"),
        TableColumn("overlapping_pairs", .integer, "pairs of clusters whose activation ranges overlap"),
        TableColumn("pairs", .integer, "pairs of clusters"),
        TableColumn("switches", .integer, "cluster changes along the activation-sorted core tokens"),
        TableColumn("switches_null_mean", .real, "mean number of switches with shuffled clusters"),
        TableColumn("switches_p", .real, "permutation p of so few switches"),
    ]

    static let bottomUp: [TableColumn] = [
        TableColumn("segments", .integer, "activation segments"),
        TableColumn("top_homogeneity", .real, "mean pairwise cosine similarity in the highest-activation segment"),
        TableColumn("top_homogeneity_z", .real, "its z against random subsets of the core tokens"),
        TableColumn("top_homogeneity_p", .real, "its permutation p"),
        TableColumn("top_homogeneity_q", .real, "its BH-adjusted p over the layer"),
        TableColumn("raised_segments", .text, "segments with homogeneity raised at α (0 = lowest activations)"),
        TableColumn("only_top_raised", .integer, "1 when the highest segment is the only raised one"),
        TableColumn("trend_rho", .real, "Spearman ρ of homogeneity against segment rank"),
        TableColumn("trend_p", .real, "its p-value"),
    ]

    static let homomorphism: [TableColumn] = [
        TableColumn("ari", .real, "adjusted Rand index of clusters vs segments (all core tokens)"),
        TableColumn("ari_p", .real, "its permutation p"),
        TableColumn("ari_q", .real, "its BH-adjusted p over the layer"),
        TableColumn("nmi", .real, "normalized mutual information of clusters vs segments"),
        TableColumn("nmi_p", .real, "its permutation p"),
        TableColumn("mantel_rho", .real, "Spearman ρ of |Δ activation| vs cosine distance (Mantel)"),
        TableColumn("mantel_p", .real, "its permutation p"),
        TableColumn("mantel_q", .real, "its BH-adjusted p over the layer"),
        TableColumn("top_count", .integer, "core tokens in the top subset"),
        TableColumn("top_ari", .real, "ARI of clusters vs segments in the top subset"),
        TableColumn("top_ari_p", .real, "its permutation p"),
        TableColumn("top_mantel_rho", .real, "Mantel ρ in the top subset"),
        TableColumn("top_mantel_p", .real, "its permutation p"),
        TableColumn("top_mantel_q", .real, "its BH-adjusted p over the layer"),
    ]

    /// The columns for `method`.
    public static func columns(_ method: AnalysisMethod) -> [TableColumn] {
        var columns = identity
        if method.shows(.topDown) { columns += topDown }
        if method.shows(.interleaving) { columns += interleaving }
        if method.shows(.bottomUp) { columns += bottomUp }
        if method.shows(.homomorphism) { columns += homomorphism }
        return columns
    }

    /// Headline columns of each analysis, for a table that fits a terminal when all four are shown.
    static let overviewNames: Set<String> = [
        "layer", "neuron", "core_tokens", "top_tokens", "clusters", "kw_p", "kw_q", "epsilon_squared", "verdict",
        "switches_p", "top_homogeneity_z", "top_homogeneity_q", "only_top_raised", "ari", "ari_q", "mantel_rho",
        "mantel_q", "top_mantel_rho", "top_mantel_q",
    ]

    /// The columns of a terminal table: with `all`, the headline columns of each analysis;
    /// otherwise every column of the method.
    public static func overviewColumns(_ method: AnalysisMethod) -> [TableColumn] {
        method == .all ? columns(.all).filter { overviewNames.contains($0.name) } : columns(method)
    }

    /// The cells of `row` (laid out as `columns(method)`) for `selected`, a subset of those columns.
    public static func project(_ row: [TableCell], method: AnalysisMethod, to selected: [TableColumn]) -> [TableCell] {
        let names = columns(method).map(\.name)
        return selected.map { column in names.firstIndex(of: column.name).map { row[$0] } ?? .null }
    }

    /// The row of `layer.neurons[index]`.
    public static func row(_ layer: LayerStudy, at index: Int, method: AnalysisMethod,
                           vocabulary: StoredVocabulary) -> [TableCell] {
        let a = layer.neurons[index].analysis
        let q = { (test: LayerTest) in cell(layer.adjustedP(test, at: index)) }
        var cells: [TableCell] = [.integer(layer.layer), .integer(layer.neurons[index].neuron), .integer(a.coreCount),
                                  .text(topTokens(a, vocabulary: vocabulary))]
        if method.shows(.topDown) {
            let kw = a.topDown.differentiation
            cells += [.integer(a.topDown.clustering.clusterCount), cell(a.topDown.clustering.silhouette),
                      .double(kw.h), .double(kw.p), q(.differentiation), .double(kw.epsilonSquared),
                      cell(LayerEffectSize.maxAbsCliffsDelta.value(in: a))]
        }
        if method.shows(.interleaving) {
            let i = a.interleaving
            cells += [.text(i.verdict.rawValue), .integer(i.pairs.count { $0.rangesOverlap }), .integer(i.pairs.count),
                      .integer(Int(i.switches.observed)), .double(i.switches.nullMean), .double(i.switches.p)]
        }
        if method.shows(.bottomUp) {
            let b = a.bottomUp
            let top = b.segments.last?.homogeneity
            cells += [.integer(b.segments.count), cell(top?.observed), cell(top?.z), cell(top?.p), q(.homogeneity),
                      .text(b.raisedSegments.map(String.init).joined(separator: ",")), .integer(b.onlyTopRaised ? 1 : 0),
                      cell(b.trend?.coefficient), cell(b.trend?.p)]
        }
        if method.shows(.homomorphism) {
            let full = a.homomorphism.full, subset = a.homomorphism.topSubset?.test
            cells += [.double(full.adjustedRandIndex.observed), .double(full.adjustedRandIndex.p), q(.clusterSegmentAgreement),
                      .double(full.normalizedMutualInformation.observed), .double(full.normalizedMutualInformation.p),
                      cell(full.mantel?.rho), cell(full.mantel?.p), q(.homomorphism),
                      subset.map { .integer($0.count) } ?? .null,
                      cell(subset?.adjustedRandIndex.observed), cell(subset?.adjustedRandIndex.p),
                      cell(subset?.mantel?.rho), cell(subset?.mantel?.p), q(.homomorphismTopSubset)]
        }
        return cells
    }

    /// Writes a row for every analyzed neuron of `layer`; returns the number of rows.
    @discardableResult
    public static func write(_ layer: LayerStudy, method: AnalysisMethod, vocabulary: StoredVocabulary,
                             to writer: inout any TableWriter) throws -> Int {
        for index in layer.neurons.indices {
            try writer.writeRow(row(layer, at: index, method: method, vocabulary: vocabulary))
        }
        return layer.neurons.count
    }

    /// Up to `limit` distinct core tokens in decreasing activation, quoted and space-separated.
    public static func topTokens(_ analysis: NeuronAnalysis, vocabulary: StoredVocabulary, limit: Int = 5) -> String {
        var seen = Set<UInt32>()
        var texts: [String] = []
        let ordered = analysis.topDown.clusters.flatMap { zip($0.tokenIDs, $0.activations) }.sorted { $0.1 > $1.1 }
        for (token, _) in ordered where texts.count < limit && seen.insert(token).inserted {
            texts.append(quoted(vocabulary.text(of: token)))
        }
        return texts.joined(separator: " ")
    }

    /// A token's text in double quotes, control characters escaped.
    public static func quoted(_ text: String) -> String {
        "\"" + DisplayText.visible(text) + "\""
    }

    static func cell(_ value: Double?) -> TableCell {
        value.map { .double($0) } ?? .null
    }
}
