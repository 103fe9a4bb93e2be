/// RFC 4180 CSV: a header line of column names, then one line per row, lines ending CRLF.
///
/// A field is quoted when it holds a comma, a quote, CR or LF, starts or ends with a space, or
/// is an empty string (so that it differs from a missing value); quotes inside are doubled.
/// Numbers are exact (`NumberFormatting.exact`), missing values are empty fields. pandas
/// (`read_csv`) and polars (`read_csv`) read the files as they are.
public struct CSVTableWriter: TableWriter {
    let columns: [TableColumn]
    let output: TextOutput

    public init(columns: [TableColumn], output: TextOutput) throws {
        self.columns = columns
        self.output = output
        try output.write(columns.map { Self.field($0.name) }.joined(separator: ",") + "\r\n")
    }

    public mutating func writeRow(_ cells: [TableCell]) throws {
        var line = ""
        for (i, cell) in cells.enumerated() {
            if i > 0 { line += "," }
            switch cell {
            case .integer(let v): line += String(v)
            case .float(let v): line += v.isNaN ? "nan" : NumberFormatting.exact(v)
            case .double(let v): line += v.isNaN ? "nan" : NumberFormatting.exact(v)
            case .text(let s): line += Self.field(s)
            case .json(let bytes): line += Self.field(String(decoding: bytes, as: UTF8.self))
            case .null: break
            }
        }
        try output.write(line + "\r\n")
    }

    public mutating func finish() throws {
        try output.flush()
    }

    /// One text field, quoted when needed.
    public static func field(_ text: String) -> String {
        let needsQuotes = text.isEmpty || text.first == " " || text.last == " "
            || text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
