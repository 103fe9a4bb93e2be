import Foundation

/// A small SVG builder: shapes and text appended in drawing order, every attribute and text
/// escaped, rendered as a standalone UTF-8 document. No external tool needed.
public struct SVGDocument: Sendable {
    public let width: Double
    public let height: Double
    private var elements: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// A rectangle; `title` becomes a tooltip.
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String = "none", opacity: Double = 1, title: String? = nil) {
        add("rect", ["x": x, "y": y, "width": max(0, width), "height": max(0, height)],
            ["fill": fill, "stroke": stroke], opacity: opacity, title: title)
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String,
                              width: Double = 1, dashed: Bool = false) {
        var style = ["stroke": stroke]
        if dashed { style["stroke-dasharray"] = "4 3" }
        add("line", ["x1": x1, "y1": y1, "x2": x2, "y2": y2, "stroke-width": width], style)
    }

    /// A circle; `title` becomes a tooltip.
    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String = "none",
                                opacity: Double = 1, title: String? = nil) {
        add("circle", ["cx": cx, "cy": cy, "r": r], ["fill": fill, "stroke": stroke], opacity: opacity, title: title)
    }

    public mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 1.5) {
        let list = points.map { "\(format($0.x)),\(format($0.y))" }.joined(separator: " ")
        elements.append("<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(escape(stroke))\" stroke-width=\"\(format(width))\"/>")
    }

    public enum Anchor: String, Sendable { case start, middle, end }

    /// Text at (x, y) (baseline), optionally rotated by `rotation` degrees about that point.
    public mutating func text(_ content: String, x: Double, y: Double, size: Double = 11, anchor: Anchor = .start,
                              rotation: Double = 0, weight: String = "normal", fill: String = "#222") {
        var attributes = "x=\"\(format(x))\" y=\"\(format(y))\" font-size=\"\(format(size))\" text-anchor=\"\(anchor.rawValue)\" font-weight=\"\(escape(weight))\" fill=\"\(escape(fill))\""
        if rotation != 0 { attributes += " transform=\"rotate(\(format(rotation)) \(format(x)) \(format(y)))\"" }
        elements.append("<text \(attributes)>\(escape(content))</text>")
    }

    /// The document as text.
    public func render() -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(format(width))\" height=\"\(format(height))\" viewBox=\"0 0 \(format(width)) \(format(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(format(width))\" height=\"\(format(height))\" fill=\"white\"/>\n"
        for element in elements { out += element + "\n" }
        return out + "</svg>\n"
    }

    private mutating func add(_ name: String, _ numbers: [String: Double], _ strings: [String: String],
                              opacity: Double = 1, title: String? = nil) {
        var attributes = numbers.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(format($0.value))\"" }
        attributes += strings.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(escape($0.value))\"" }
        if opacity < 1 { attributes.append("opacity=\"\(format(opacity))\"") }
        let head = "<\(name) " + attributes.joined(separator: " ")
        if let title {
            elements.append(head + "><title>\(escape(title))</title></\(name)>")
        } else {
            elements.append(head + "/>")
        }
    }
}

/// XML-escapes text and attribute values; drops characters XML 1.0 does not allow.
func escape(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\t", "\n", "\r": out += "&#\(scalar.value);"
        default:
            let v = scalar.value
            if v >= 0x20 && !(0xFFFE...0xFFFF).contains(v) { out.unicodeScalars.append(scalar) }
        }
    }
    return out
}

/// A coordinate or size with at most two decimals.
func format(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let rounded = (value * 100).rounded() / 100
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
}

/// A number for a label: up to 3 significant digits.
func label(_ value: Double) -> String {
    String(format: "%.3g", value)
}

/// Linear map of a data interval onto a pixel interval (`range.from` may exceed `range.to`,
/// as for a vertical axis that grows upwards).
struct LinearScale {
    var domain: ClosedRange<Double>
    var range: (from: Double, to: Double)

    init(domain: ClosedRange<Double>, range: (from: Double, to: Double)) {
        // Widen an empty domain so that it maps to the middle of the range.
        self.domain = domain.lowerBound < domain.upperBound
            ? domain : (domain.lowerBound - 0.5)...(domain.upperBound + 0.5)
        self.range = range
    }

    /// The same scale with the domain widened by `fraction` of its length on both sides.
    func padded(_ fraction: Double) -> LinearScale {
        let margin = (domain.upperBound - domain.lowerBound) * fraction
        return LinearScale(domain: (domain.lowerBound - margin)...(domain.upperBound + margin), range: range)
    }

    func callAsFunction(_ value: Double) -> Double {
        let t = (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
        return range.from + t * (range.to - range.from)
    }

    /// About `count` round tick values inside the domain (steps of 1, 2 or 5 × 10^k).
    func ticks(_ count: Int = 5) -> [Double] {
        let span = domain.upperBound - domain.lowerBound
        let rough = span / Double(max(count, 1))
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        var tick = (domain.lowerBound / step).rounded(.up) * step
        var ticks: [Double] = []
        while tick <= domain.upperBound + step * 1e-9 && ticks.count < 50 {
            ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
            tick += step
        }
        return ticks
    }
}

/// Ten distinguishable colours (Tableau 10), cycled.
func paletteColor(_ index: Int) -> String {
    let colors = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
    return colors[((index % colors.count) + colors.count) % colors.count]
}
