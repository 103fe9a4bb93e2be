import Export
import Foundation
import Query

/// Draws an activation window on a terminal: each token's background shows the neuron's
/// activation there (orange for positive, blue for negative, brighter for larger), the
/// record's own token underlined and bold.
enum ActivationColors {
    /// The terminal's colours: 24-bit when `COLORTERM` says so, else the 256-colour palette.
    enum Depth { case trueColor, palette256 }

    /// The depth to draw with, or nil for plain text (not a terminal, or `NO_COLOR`).
    static var depth: Depth? {
        guard TerminalOutput.usesColor else { return nil }
        let colorTerm = ProcessInfo.processInfo.environment["COLORTERM"]?.lowercased() ?? ""
        return colorTerm.contains("truecolor") || colorTerm.contains("24bit") ? .trueColor : .palette256
    }

    /// `window`'s tokens, each on a background of its activation relative to `scale` (> 0).
    static func draw(_ window: ActivationWindow, scale: Float, depth: Depth) -> String {
        var out = ""
        for (i, token) in window.tokens.enumerated() {
            let text = DisplayText.visible(token)
            let t = scale > 0 ? max(-1, min(1, window.activations[i] / scale)) : 0
            out += background(t, depth) + (i == window.focus ? "\u{1B}[1;4m" : "") + text + "\u{1B}[0m"
        }
        return out
    }

    /// The ANSI background for intensity `t` in −1…1.
    static func background(_ t: Float, _ depth: Depth) -> String {
        let a = abs(t)
        switch depth {
        case .trueColor:
            let strong = Int((a * 230).rounded()), weak = Int((a * 90).rounded())
            let (r, g, b) = t >= 0 ? (strong, weak, 0) : (0, weak, strong)
            return "\u{1B}[48;2;\(r);\(g);\(b)m"
        case .palette256:
            let strong = Int((a * 5).rounded()), weak = Int((a * 2).rounded())
            let (r, g, b) = t >= 0 ? (strong, weak, 0) : (0, weak, strong)
            return "\u{1B}[48;5;\(16 + 36 * r + 6 * g + b)m"
        }
    }
}
