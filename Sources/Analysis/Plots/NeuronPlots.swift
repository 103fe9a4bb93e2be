import Kernels

/// SVG figures of one neuron's analysis.
public enum NeuronPlots {
    /// Core tokens' activations by cluster: a box (quartiles, median, min–max whiskers) and the
    /// individual tokens as jittered points, one column per cluster (cluster 0 = highest mean).
    /// `tokenText` turns a token id into a label for tooltips and the most frequent tokens.
    public static func activationsByCluster(_ topDown: TopDownResult, title: String = "Activations by cluster",
                                            tokenText: ((UInt32) -> String)? = nil) -> String {
        let width = 80.0 + 90.0 * Double(max(topDown.clusters.count, 1)), height = 420.0
        let plot = (left: 60.0, right: width - 20, top: 40.0, bottom: height - 80)
        var svg = SVGDocument(width: width, height: height)
        let all = topDown.clusters.flatMap(\.activations)
        let y = LinearScale(domain: (all.min() ?? 0)...(all.max() ?? 1), range: (plot.bottom, plot.top)).padded(0.04)
        drawValueAxis(&svg, y, left: plot.left, right: plot.right, name: "activation")
        svg.text(title, x: width / 2, y: 22, size: 14, anchor: .middle, weight: "bold")

        let columnWidth = (plot.right - plot.left) / Double(max(topDown.clusters.count, 1))
        for cluster in topDown.clusters {
            let center = plot.left + columnWidth * (Double(cluster.id) + 0.5)
            let color = paletteColor(cluster.id)
            let box = cluster.activation
            let half = min(24, columnWidth * 0.3)
            svg.line(x1: center, y1: y(box.minimum), x2: center, y2: y(box.maximum), stroke: "#555")
            svg.rect(x: center - half, y: y(box.upperQuartile), width: 2 * half,
                     height: y(box.lowerQuartile) - y(box.upperQuartile), fill: color, stroke: "#333", opacity: 0.35,
                     title: "cluster \(cluster.id): n=\(box.count) mean=\(label(box.mean)) median=\(label(box.median))")
            svg.line(x1: center - half, y1: y(box.median), x2: center + half, y2: y(box.median), stroke: "#111", width: 2)
            for (offset, member) in cluster.members.enumerated() {
                let jitter = (Double(jitterHash(member) % 1000) / 1000 - 0.5) * 2 * half
                let text = tokenText.map { $0(cluster.tokenIDs[offset]) } ?? "token \(cluster.tokenIDs[offset])"
                svg.circle(cx: center + jitter, cy: y(cluster.activations[offset]), r: 3, fill: color,
                           stroke: "#222", opacity: 0.85, title: "\(text): \(label(cluster.activations[offset]))")
            }
            svg.text("C\(cluster.id) (n=\(box.count))", x: center, y: plot.bottom + 18, anchor: .middle)
            if let tokenText {
                let common = mostFrequent(cluster.tokenIDs, limit: 3).map(tokenText).joined(separator: " ")
                svg.text(common, x: center, y: plot.bottom + 34, size: 10, anchor: .middle, fill: "#555")
            }
        }
        let kw = topDown.differentiation
        svg.text("Kruskal–Wallis H=\(label(kw.h)) p=\(label(kw.p)) ε²=\(label(kw.epsilonSquared))",
                 x: plot.left, y: height - 16, size: 11)
        return svg.render()
    }

    /// Categorical homogeneity (mean pairwise cosine similarity) of each activation segment,
    /// lowest activations left, against the null mean ± 2 sd of random same-size subsets; filled
    /// points are raised (p < `alpha`).
    public static func homogeneityBySegment(_ bottomUp: BottomUpResult, alpha: Double = 0.05,
                                            title: String = "Homogeneity by activation segment") -> String {
        let width = 120.0 + 50.0 * Double(max(bottomUp.segments.count, 1)), height = 360.0
        let plot = (left: 60.0, right: width - 20, top: 40.0, bottom: height - 60)
        var svg = SVGDocument(width: width, height: height)
        let tests = bottomUp.segments.compactMap(\.homogeneity)
        let values = tests.flatMap { [$0.observed, $0.nullMean + 2 * $0.nullStandardDeviation, $0.nullMean - 2 * $0.nullStandardDeviation] }
        let y = LinearScale(domain: (values.min() ?? 0)...(values.max() ?? 1), range: (plot.bottom, plot.top)).padded(0.06)
        drawValueAxis(&svg, y, left: plot.left, right: plot.right, name: "mean cosine similarity")
        svg.text(title, x: width / 2, y: 22, size: 14, anchor: .middle, weight: "bold")

        let columnWidth = (plot.right - plot.left) / Double(max(bottomUp.segments.count, 1))
        var trendPoints: [(x: Double, y: Double)] = []
        for segment in bottomUp.segments {
            let center = plot.left + columnWidth * (Double(segment.index) + 0.5)
            svg.text("S\(segment.index)", x: center, y: plot.bottom + 18, anchor: .middle)
            guard let test = segment.homogeneity else { continue }
            svg.line(x1: center, y1: y(test.nullMean - 2 * test.nullStandardDeviation),
                     x2: center, y2: y(test.nullMean + 2 * test.nullStandardDeviation), stroke: "#aaa", width: 6)
            svg.line(x1: center - 8, y1: y(test.nullMean), x2: center + 8, y2: y(test.nullMean), stroke: "#777", width: 2)
            let raised = test.p < alpha
            svg.circle(cx: center, cy: y(test.observed), r: 5, fill: raised ? "#e15759" : "white", stroke: "#e15759",
                       title: "segment \(segment.index): n=\(segment.members.count) homogeneity=\(label(test.observed)) p=\(label(test.p))")
            trendPoints.append((center, y(test.observed)))
        }
        if trendPoints.count > 1 { svg.polyline(trendPoints, stroke: "#e15759", width: 1) }
        if let trend = bottomUp.trend {
            svg.text("Spearman ρ=\(label(trend.coefficient)) p=\(label(trend.p)); activation increases →",
                     x: plot.left, y: height - 16, size: 11)
        }
        return svg.render()
    }
}

/// Draws the horizontal grid, the ticks and the name of a vertical value axis.
func drawValueAxis(_ svg: inout SVGDocument, _ y: LinearScale, left: Double, right: Double, name: String) {
    for tick in y.ticks() {
        svg.line(x1: left, y1: y(tick), x2: right, y2: y(tick), stroke: "#e5e5e5")
        svg.text(label(tick), x: left - 6, y: y(tick) + 4, size: 10, anchor: .end)
    }
    svg.line(x1: left, y1: y.range.from, x2: left, y2: y.range.to, stroke: "#333")
    let middle = (y.range.from + y.range.to) / 2
    svg.text(name, x: 16, y: middle, size: 11, anchor: .middle, rotation: -90)
}

/// A deterministic pseudo-random integer for the horizontal jitter of point `index`.
func jitterHash(_ index: Int) -> UInt64 {
    var mixer = SplitMix64(seed: UInt64(truncatingIfNeeded: index))
    return mixer.next()
}

/// The `limit` most frequent ids, most frequent first (ties by first appearance).
func mostFrequent(_ ids: [UInt32], limit: Int) -> [UInt32] {
    var counts: [UInt32: Int] = [:]
    var order: [UInt32] = []
    for id in ids {
        if counts[id] == nil { order.append(id) }
        counts[id, default: 0] += 1
    }
    return Array(order.enumerated().sorted { counts[$0.element]! > counts[$1.element]! || (counts[$0.element]! == counts[$1.element]! && $0.offset < $1.offset) }
        .map(\.element).prefix(limit))
}
