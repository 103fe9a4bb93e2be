/// SVG figures of a layer summary.
public enum LayerPlots {
    /// One histogram per effect size with values (small multiples, three per row), each titled
    /// with its name, the number of neurons and the median.
    public static func effectSizeHistograms(_ summary: LayerSummary, bins: Int = 20,
                                            title: String = "Effect sizes over neurons") -> String {
        let panels = summary.effectSizes.filter { $0.count > 0 }
        let columns = 3, panelWidth = 260.0, panelHeight = 180.0
        let rows = max(1, (panels.count + columns - 1) / columns)
        var svg = SVGDocument(width: panelWidth * Double(columns) + 20, height: panelHeight * Double(rows) + 50)
        svg.text("\(title) (\(summary.neuronCount) neurons)", x: svg.width / 2, y: 24, size: 14, anchor: .middle, weight: "bold")
        for (index, panel) in panels.enumerated() {
            let originX = 10 + panelWidth * Double(index % columns)
            let originY = 40 + panelHeight * Double(index / columns)
            let plot = (left: originX + 40, right: originX + panelWidth - 15, top: originY + 36, bottom: originY + panelHeight - 30)
            let counts = histogram(panel.values, bins: bins)
            let low = panel.values.min()!, high = panel.values.max()!
            let x = LinearScale(domain: low...high, range: (plot.left, plot.right))
            let y = LinearScale(domain: 0...Double(max(counts.max() ?? 1, 1)), range: (plot.bottom, plot.top))
            let medianValue = panel.quantiles.first { $0.probability == 0.5 }?.value ?? 0
            svg.text(panel.effect.rawValue, x: originX + panelWidth / 2, y: originY + 12, size: 11, anchor: .middle, weight: "bold")
            svg.text("n=\(panel.count), median \(label(medianValue))", x: originX + panelWidth / 2, y: originY + 26,
                     size: 10, anchor: .middle, fill: "#555")
            let binWidth = (x.domain.upperBound - x.domain.lowerBound) / Double(bins)
            for (bin, count) in counts.enumerated() where count > 0 {
                let from = x.domain.lowerBound + binWidth * Double(bin)
                svg.rect(x: x(from), y: y(Double(count)), width: x(from + binWidth) - x(from) - 0.5,
                         height: plot.bottom - y(Double(count)), fill: "#4e79a7",
                         title: "[\(label(from)), \(label(from + binWidth))): \(count)")
            }
            svg.line(x1: plot.left, y1: plot.bottom, x2: plot.right, y2: plot.bottom, stroke: "#333")
            svg.line(x1: plot.left, y1: plot.bottom, x2: plot.left, y2: plot.top, stroke: "#333")
            svg.line(x1: x(medianValue), y1: plot.bottom, x2: x(medianValue), y2: plot.top, stroke: "#e15759", dashed: true)
            svg.text(label(x.domain.lowerBound), x: plot.left, y: plot.bottom + 14, size: 9, anchor: .middle)
            svg.text(label(x.domain.upperBound), x: plot.right, y: plot.bottom + 14, size: 9, anchor: .middle)
            svg.text(String(Int(y.domain.upperBound)), x: plot.left - 4, y: plot.top + 4, size: 9, anchor: .end)
        }
        return svg.render()
    }
}

/// Counts of `values` in `bins` equal-width bins over [min, max] (the maximum falls in the last);
/// all values in the middle bin when they are equal.
func histogram(_ values: [Double], bins: Int) -> [Int] {
    var counts = [Int](repeating: 0, count: max(bins, 1))
    guard let low = values.min(), let high = values.max() else { return counts }
    let scale = LinearScale(domain: low...high, range: (0, Double(counts.count)))
    for value in values {
        counts[min(counts.count - 1, max(0, Int(scale(value).rounded(.down))))] += 1
    }
    return counts
}
