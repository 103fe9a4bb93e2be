/// Aligned plain-text columns for a terminal: a header, a rule, one line per row; numbers
/// right-aligned (`NumberFormatting.display`), text left-aligned and cut to `maxTextWidth`
/// characters with "…". Rows are kept until `finish()`, which measures the columns.
public struct TextTableWriter: TableWriter {
    let columns: [TableColumn]
    let output: TextOutput
    /// Longest text cell shown, in characters.
    public var maxTextWidth = 60
    private var rows: [[String]] = []

    public init(columns: [TableColumn], output: TextOutput) {
        self.columns = columns
        self.output = output
    }

    public mutating func writeRow(_ cells: [TableCell]) throws {
        rows.append(cells.map { DisplayText.cell($0) })
    }

    public mutating func finish() throws {
        try output.write(render())
        try output.flush()
    }

    /// The whole table as text.
    public func render() -> String {
        let cut = rows.map { row in
            row.enumerated().map { i, text in
                i < columns.count && !columns[i].isNumeric && text.count > maxTextWidth
                    ? String(text.prefix(maxTextWidth - 1)) + "…" : text
            }
        }
        var widths = columns.map(\.name.count)
        for row in cut {
            for (i, text) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], text.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, text in
                let pad = String(repeating: " ", count: max(0, widths[i] - text.count))
                return columns[i].isNumeric ? pad + text : (i == cells.count - 1 ? text : text + pad)
            }.joined(separator: "  ")
        }
        var out = line(columns.map(\.name)) + "\n"
        out += widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") + "\n"
        for row in cut { out += line(Array(row.prefix(columns.count))) + "\n" }
        return out
    }
}
