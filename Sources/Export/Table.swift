/// A column of an exported table.
public struct TableColumn: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case integer, real, text
        /// A JSON value (JSON Lines only).
        case json
    }

    /// The column name, as written in headers and JSON keys (snake_case).
    public var name: String
    public var kind: Kind
    /// What the column holds (for documentation and `--help`).
    public var meaning: String

    public init(_ name: String, _ kind: Kind, _ meaning: String) {
        self.name = name
        self.kind = kind
        self.meaning = meaning
    }

    public var isNumeric: Bool { kind == .integer || kind == .real }
}

/// One value of an exported table.
public enum TableCell: Sendable, Hashable {
    case integer(Int)
    /// An f32 value, written in its shortest exact form.
    case float(Float)
    /// An f64 value, written in its shortest exact form.
    case double(Double)
    case text(String)
    /// A JSON value, as its UTF-8 text (written as such in JSON Lines, as text elsewhere).
    case json([UInt8])
    /// A missing value: an empty CSV field, JSON null, an empty Markdown/LaTeX cell.
    case null
}

/// Writes a table row by row. The columns are given when the writer is made.
public protocol TableWriter {
    /// Writes one row; `cells` has one cell per column.
    mutating func writeRow(_ cells: [TableCell]) throws
    /// Ends the table (closing lines; the terminal table writes everything here) and flushes.
    mutating func finish() throws
}
