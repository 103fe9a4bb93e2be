/// A LaTeX `tabular` with booktabs rules (`\usepackage{booktabs}`): numeric columns
/// right-aligned, text left-aligned. In cells the LaTeX specials `& % $ # _ { } ~ ^ \` (and
/// `< > |`, which the default font encoding prints wrongly) are escaped; control characters are
/// shown as escapes (`DisplayText`); numbers use `NumberFormatting.display`.
public struct LaTeXTableWriter: TableWriter {
    let output: TextOutput

    public init(columns: [TableColumn], output: TextOutput) throws {
        self.output = output
        let spec = columns.map { $0.isNumeric ? "r" : "l" }.joined()
        try output.write("% Needs \\usepackage{booktabs}.\n\\begin{tabular}{\(spec)}\n\\toprule\n")
        try output.write(columns.map { Self.escape($0.name) }.joined(separator: " & ") + " \\\\\n\\midrule\n")
    }

    public mutating func writeRow(_ cells: [TableCell]) throws {
        try output.write(cells.map { Self.escape(DisplayText.cell($0)) }.joined(separator: " & ") + " \\\\\n")
    }

    public mutating func finish() throws {
        try output.write("\\bottomrule\n\\end{tabular}\n")
        try output.flush()
    }

    /// Text with LaTeX's special characters escaped.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&", "%", "$", "#", "_", "{", "}": out += "\\" + String(c)
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            case "\\": out += "\\textbackslash{}"
            case "<": out += "\\textless{}"
            case ">": out += "\\textgreater{}"
            case "|": out += "\\textbar{}"
            default: out.append(c)
            }
        }
        return out
    }
}
