import Analysis
import Export
import Foundation
import Query
import Study

/// The readable report of one neuron's analysis for a terminal: clusters with their tokens and
/// activation ranges, segments with homogeneity and p, homomorphism figures and a verdict line.
public enum NeuronReportText {
    /// Renders `study` for `method`; `parameters` say what was computed, `vocabulary` decodes tokens.
    public static func render(_ study: NeuronStudy, parameters: StudyParameters, method: AnalysisMethod,
                              vocabulary: StoredVocabulary) -> String {
        let a = study.analysis
        let p = a.parameters
        let d = NumberFormatting.display
        func pv(_ value: Double) -> String { pValue(value) }
        func token(_ id: UInt32) -> String { AnalysisTable.quoted(vocabulary.text(of: id)) }
        var lines: [String] = []
        lines.append("layer \(study.layer) neuron \(study.neuron): \(a.coreCount) core tokens"
                     + "\(parameters.distinctTokens ? " (distinct token ids)" : ""), \(parameters.embeddings.rawValue) embeddings, "
                     + "\(p.permutations) permutations, seed \(p.seed)"
                     + (study.source == .cache ? " (cached result)" : ""))

        if method.shows(.topDown) {
            let c = a.topDown.clustering
            let how = p.fixedK != nil ? "k fixed" : "k in \(p.minK)…\(p.maxK) by silhouette"
            lines.append("")
            lines.append("Top-down — \(c.clusterCount) clusters (\(c.method.rawValue), \(how); silhouette "
                         + "\(c.silhouette.map(d) ?? "undefined"))")
            for cluster in a.topDown.clusters {
                let s = cluster.activation
                lines.append("  C\(cluster.id)  n=\(s.count)  activation \(d(s.minimum))–\(d(s.maximum))  mean \(d(s.mean))  "
                             + "median \(d(s.median))  sd \(d(s.standardDeviation))")
                lines.append("      " + tokenList(cluster.tokenIDs, token: token, limit: 12))
            }
            let kw = a.topDown.differentiation
            lines.append("  Kruskal–Wallis H = \(d(kw.h)) (df \(kw.degreesOfFreedom)), p = \(pv(kw.p)), ε² = \(d(kw.epsilonSquared))")
            let shownPairs = a.topDown.pairs.count <= maxPairs ? a.topDown.pairs : a.topDown.pairs.filter { $0.holmP < p.alpha }
            if shownPairs.count < a.topDown.pairs.count {
                lines.append("  pairs with Holm p < \(d(p.alpha)): \(shownPairs.count) of \(a.topDown.pairs.count)")
            }
            for pair in shownPairs {
                lines.append("  C\(pair.first)–C\(pair.second)  Mann–Whitney U = \(d(pair.mannWhitney.u)), "
                             + "Holm p = \(pv(pair.holmP)), Cliff's δ = \(d(pair.cliffsDelta))")
            }
        }

        if method.shows(.interleaving) {
            let i = a.interleaving
            lines.append("")
            lines.append("Interleaving — \(i.pairs.count { $0.rangesOverlap }) of \(i.pairs.count) cluster pairs have overlapping activation ranges")
            // With many clusters, the pairs that make a neuron interleaved: different (Holm p < α) yet overlapping.
            let different = Set(a.topDown.pairs.filter { $0.holmP < p.alpha }.map { [$0.first, $0.second] })
            let shownPairs = i.pairs.count <= maxPairs ? i.pairs
                : i.pairs.filter { $0.rangesOverlap && different.contains([$0.first, $0.second]) }
            if shownPairs.count < i.pairs.count {
                lines.append("  pairs that differ (Holm p < \(d(p.alpha))) yet overlap: \(shownPairs.count)")
            }
            for pair in shownPairs {
                lines.append("  C\(pair.first)–C\(pair.second)  range overlap \(d(pair.rangeOverlap)), IQR overlap "
                             + "\(d(pair.interquartileOverlap)), AUC = \(d(pair.auc))")
            }
            lines.append("  cluster switches along the activation order: \(Int(i.switches.observed)) "
                         + "(shuffled: \(d(i.switches.nullMean)) ± \(d(i.switches.nullStandardDeviation)), p = \(pv(i.switches.p)))")
        }

        if method.shows(.bottomUp) {
            let b = a.bottomUp
            lines.append("")
            lines.append("Bottom-up — \(b.segments.count) segments (\(b.method.rawValue)), homogeneity = mean pairwise cosine similarity")
            for segment in b.segments.reversed() {
                var line = "  S\(segment.index)  n=\(segment.members.count)  activation "
                    + "\(d(segment.minimumActivation))–\(d(segment.maximumActivation))"
                if let h = segment.homogeneity {
                    line += "  homogeneity \(d(h.observed)) (random \(d(h.nullMean)) ± \(d(h.nullStandardDeviation)), "
                        + "z \(h.z.map(d) ?? "–"), p = \(pv(h.p)))" + (h.p < p.alpha ? "  raised" : "")
                }
                lines.append(line)
            }
            if let trend = b.trend {
                lines.append("  trend: Spearman ρ = \(d(trend.coefficient)) (p = \(pv(trend.p))) between segment rank and homogeneity")
            }
            lines.append("  raised segments: " + (b.raisedSegments.isEmpty ? "none" : b.raisedSegments.map { "S\($0)" }.joined(separator: ", ")))
        }

        if method.shows(.homomorphism) {
            lines.append("")
            lines.append("Homomorphism — clusters vs segments, |Δ activation| vs cosine distance")
            lines.append("  all \(a.homomorphism.full.count) tokens: " + homomorphismLine(a.homomorphism.full))
            if let subset = a.homomorphism.topSubset {
                lines.append("  top \(subset.test.count) tokens: " + homomorphismLine(subset.test))
            } else {
                lines.append("  top subset: too few tokens (top fraction \(d(p.topFraction)))")
            }
        }

        lines.append("")
        lines.append("Verdict: " + verdict(a, method: method))
        return lines.joined(separator: "\n") + "\n"
    }

    /// With more cluster pairs than this, only the telling pairs are listed.
    public static let maxPairs = 10

    /// One sentence per analysis shown, at the analyses' α.
    public static func verdict(_ a: NeuronAnalysis, method: AnalysisMethod) -> String {
        let alpha = a.parameters.alpha
        var parts: [String] = []
        if method.shows(.topDown) || method.shows(.interleaving) {
            switch a.interleaving.verdict {
            case .segregated: parts.append("categories differ in activation and occupy disjoint ranges (segregated)")
            case .interleaved: parts.append("categories differ in activation but their ranges overlap (interleaved)")
            case .undifferentiated: parts.append("categories do not differ in activation (undifferentiated)")
            }
        }
        if method.shows(.bottomUp) {
            let b = a.bottomUp
            if b.onlyTopRaised {
                parts.append("only the highest-activation segment is categorically homogeneous")
            } else if b.topSegmentRaised {
                parts.append("homogeneity is raised in the top segment and in \(b.raisedSegments.count - 1) other(s)")
            } else if b.raisedSegments.isEmpty {
                parts.append("no segment is more homogeneous than chance")
            } else {
                parts.append("homogeneity is raised in \(b.raisedSegments.count) segment(s) but not the top one")
            }
        }
        if method.shows(.homomorphism) {
            let full = a.homomorphism.full
            let mantel = full.mantel.map { $0.p < alpha } ?? false
            let agreement = full.adjustedRandIndex.p < alpha
            let subset = a.homomorphism.topSubset?.test.mantel.map { $0.p < alpha } ?? false
            switch (mantel || agreement, subset) {
            case (true, true): parts.append("activation order maps category structure, also among the top tokens")
            case (true, false): parts.append("activation order maps category structure (not within the top tokens)")
            case (false, true): parts.append("a homomorphism only among the top tokens")
            case (false, false): parts.append("no homomorphism between activation and categories")
            }
        }
        return parts.joined(separator: "; ") + "."
    }

    static func homomorphismLine(_ test: HomomorphismTest) -> String {
        let d = NumberFormatting.display
        var line = "ARI \(d(test.adjustedRandIndex.observed)) (p = \(pValue(test.adjustedRandIndex.p))), "
            + "NMI \(d(test.normalizedMutualInformation.observed)) (p = \(pValue(test.normalizedMutualInformation.p))), "
        if let mantel = test.mantel {
            line += "Mantel ρ \(d(mantel.rho)) (p = \(pValue(mantel.p)))"
        } else {
            line += "Mantel undefined (equal activations)"
        }
        return line + "; \(test.clusterCount) clusters, \(test.segmentCount) segments"
    }

    /// Distinct tokens in order of first appearance, with a count when repeated, up to `limit`.
    static func tokenList(_ ids: [UInt32], token: (UInt32) -> String, limit: Int) -> String {
        var counts: [UInt32: Int] = [:]
        var order: [UInt32] = []
        for id in ids {
            if counts[id] == nil { order.append(id) }
            counts[id, default: 0] += 1
        }
        var items = order.prefix(limit).map { id in token(id) + (counts[id]! > 1 ? "×\(counts[id]!)" : "") }
        if order.count > limit { items.append("… \(order.count - limit) more") }
        return items.joined(separator: " ")
    }

    /// A p-value: three significant digits, scientific below 0.001.
    static func pValue(_ p: Double) -> String {
        p >= 0.001 ? String(format: "%.3g", p) : String(format: "%.2e", p)
    }
}
