/// A GitHub-flavoured Markdown table: header, alignment row (numbers right-aligned), one line
/// per row. In cells, `|` and the characters Markdown would read as formatting
/// (`\ * _ ` < > [ ] ~`) are backslash-escaped; control characters are shown as escapes
/// (`DisplayText`); numbers use `NumberFormatting.display`.
public struct MarkdownTableWriter: TableWriter {
    let output: TextOutput

    public init(columns: [TableColumn], output: TextOutput) throws {
        self.output = output
        try output.write("| " + columns.map { Self.escape($0.name) }.joined(separator: " | ") + " |\n")
        try output.write("|" + columns.map { $0.isNumeric ? " ---: " : " :--- " }.joined(separator: "|") + "|\n")
    }

    public mutating func writeRow(_ cells: [TableCell]) throws {
        try output.write("| " + cells.map { Self.escape(DisplayText.cell($0)) }.joined(separator: " | ") + " |\n")
    }

    public mutating func finish() throws {
        try output.flush()
    }

    /// Cell text with Markdown's special characters escaped.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            if "\\|*_`<>[]~".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
