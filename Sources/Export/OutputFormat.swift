/// The formats of command output: a table for a person, a JSON document, tables for programs
/// and papers, OpenAI NeuronRecord files. Each command accepts some of them.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// Aligned plain-text columns (or a readable report) for a terminal.
    case table
    /// One JSON document (the `Responses` module).
    case json
    /// RFC 4180 CSV with a header line.
    case csv
    /// One JSON object per line, keys = column names.
    case jsonl
    /// A GitHub-flavoured Markdown table.
    case markdown = "md"
    /// A LaTeX `tabular` (booktabs rules).
    case latex = "tex"
    /// OpenAI neuron-explainer NeuronRecord files (`NeuronRecordExporter`).
    case neuronRecord = "neuron-record"

    /// A writer of this table format for `columns` into `output`: for table, csv, jsonl, md and
    /// tex (JSON documents and NeuronRecords are not tables).
    public func writer(columns: [TableColumn], output: TextOutput) throws -> any TableWriter {
        switch self {
        case .csv: try CSVTableWriter(columns: columns, output: output)
        case .jsonl: JSONLinesTableWriter(columns: columns, output: output)
        case .markdown: try MarkdownTableWriter(columns: columns, output: output)
        case .latex: try LaTeXTableWriter(columns: columns, output: output)
        case .table: TextTableWriter(columns: columns, output: output)
        case .json, .neuronRecord: preconditionFailure("\(rawValue) is not a table format")
        }
    }
}
