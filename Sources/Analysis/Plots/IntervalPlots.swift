/// SVG bar charts of estimates with their confidence intervals.
public enum IntervalPlots {
    /// Grouped bars: for each of `groups` (e.g. layer × embeddings) one bar per `series` (e.g. a
    /// test), its height the estimate and a whisker its interval; `values` is [group][series],
    /// nil for no bar. The value axis spans `domain` (by default 0 to the largest upper bound).
    public static func groupedBars(title: String, valueLabel: String, groups: [String], series: [String],
                                   values: [[IntervalEstimate?]], domain: ClosedRange<Double>? = nil) -> String {
        let barWidth = 16.0, groupGap = 28.0
        let groupWidth = barWidth * Double(max(series.count, 1)) + groupGap
        let legendHeight = 16.0 * Double(series.count)
        let plot = (left: 60.0, right: 60 + groupWidth * Double(max(groups.count, 1)),
                    top: 44.0, bottom: 264.0)
        var svg = SVGDocument(width: max(plot.right + 20, 420), height: plot.bottom + 48 + legendHeight)
        svg.text(title, x: svg.width / 2, y: 22, size: 14, anchor: .middle, weight: "bold")
        let largest = values.flatMap { $0.compactMap { $0?.upper } }.max() ?? 1
        let y = LinearScale(domain: domain ?? 0...max(largest, 1e-9), range: (plot.bottom, plot.top))
        for tick in y.ticks(5) {
            svg.line(x1: plot.left, y1: y(tick), x2: plot.right, y2: y(tick), stroke: "#e6e6e6")
            svg.text(label(tick), x: plot.left - 5, y: y(tick) + 3, size: 9, anchor: .end)
        }
        svg.text(valueLabel, x: 16, y: (plot.top + plot.bottom) / 2, size: 10, anchor: .middle, rotation: -90)
        let base = y(max(y.domain.lowerBound, min(0, y.domain.upperBound)))
        for (g, group) in groups.enumerated() {
            let groupLeft = plot.left + groupWidth * Double(g) + groupGap / 2
            for (s, name) in series.enumerated() {
                guard g < values.count, s < values[g].count, let estimate = values[g][s] else { continue }
                let x = groupLeft + barWidth * Double(s)
                let top = y(estimate.value)
                svg.rect(x: x + 1, y: min(top, base), width: barWidth - 2, height: abs(base - top), fill: paletteColor(s),
                         title: "\(group), \(name): \(label(estimate.value)) [\(label(estimate.lower)), \(label(estimate.upper))]")
                let middle = x + barWidth / 2
                svg.line(x1: middle, y1: y(estimate.lower), x2: middle, y2: y(estimate.upper), stroke: "#222")
                svg.line(x1: middle - 3, y1: y(estimate.lower), x2: middle + 3, y2: y(estimate.lower), stroke: "#222")
                svg.line(x1: middle - 3, y1: y(estimate.upper), x2: middle + 3, y2: y(estimate.upper), stroke: "#222")
            }
            svg.text(group, x: groupLeft + barWidth * Double(series.count) / 2, y: plot.bottom + 16, size: 10, anchor: .middle)
        }
        svg.line(x1: plot.left, y1: base, x2: plot.right, y2: base, stroke: "#333")
        svg.line(x1: plot.left, y1: plot.bottom, x2: plot.left, y2: plot.top, stroke: "#333")
        for (s, name) in series.enumerated() {
            let top = plot.bottom + 34 + 16 * Double(s)
            svg.rect(x: plot.left, y: top - 9, width: 10, height: 10, fill: paletteColor(s))
            svg.text(name, x: plot.left + 16, y: top, size: 10)
        }
        return svg.render()
    }
}
