import ArgumentParser
import Export
import Foundation
import Indexer
import Query
import Store

/// `neurodex export`: tables for pandas, polars and papers, or OpenAI NeuronRecord JSON.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export records or statistics as CSV, JSON Lines, Markdown or LaTeX, or as OpenAI NeuronRecord JSON.",
        discussion: """
            --what records: one row per core-token record (layer, neuron, rank, activation, token_id, token, \
            document, position, context_before, context_after). --what stats: one row per neuron (layer, \
            neuron, count, mean, variance, skewness, kurtosis, min, max, fraction_positive, q50, q90, q99, \
            q999, records, top_activation, top_token_id, top_token). CSV and JSON Lines numbers are exact; \
            Markdown and LaTeX numbers have three decimals. --format neuron-record writes OUT/{layer}/{neuron}.json \
            and/or OUT/neuron-records.jsonl (see --layout) whatever --what says. Columns and fields are \
            described in docs/query-and-export.md.
            """)

    @OptionGroup var storeOption: StoreOption

    @Option(help: "What to export: records or stats.")
    var what: TableContent = .records

    @Option(help: "Layers to export, e.g. 0-3,7 (default: every indexed layer).")
    var layers: String?

    @Option(help: "Output format: csv, jsonl, md, tex or neuron-record.")
    var format: OutputFormat

    @Option(help: "Output file (- for standard output); a directory for neuron-record.")
    var out: String

    @Option(name: .customLong("context-window"), help: "Tokens of context on each side of a record (records tables).")
    var contextWindow = NeuronContexts.radius

    @Option(help: "neuron-record files: files (one per neuron), jsonl (one file) or both.")
    var layout: NeuronRecordExporter.Layout = .both

    func validate() throws {
        try format.validate([.csv, .jsonl, .markdown, .latex, .neuronRecord], for: "export")
        guard (0...10_000).contains(contextWindow) else { throw ValidationError("--context-window must be 0…10000") }
        if format == .neuronRecord && out == "-" { throw ValidationError("neuron-record needs a directory for --out") }
        if let layers { _ = try Self.parse(layers) }
    }

    func run() throws {
        let query = try StoreQuery(store: try storeOption.openForReading())
        let selected = try layers.map(Self.parse)
        if format == .neuronRecord {
            let directory = URL(fileURLWithPath: out)
            let count = try NeuronRecordExporter(query: query).write(layers: selected, to: directory, layout: layout)
            TerminalOutput.note("wrote \(count) neuron records to \(directory.path)")
            return
        }
        let output = out == "-" ? TextOutput.standardOutput() : try TextOutput(file: URL(fileURLWithPath: out))
        let windows = what == .records && format == .jsonl  // JSON Lines records carry their windows
        let columns = what == .records ? (windows ? RecordsTable.columnsWithWindows : RecordsTable.columns) : StatisticsTable.columns
        var writer = try format.writer(columns: columns, output: output)
        let rows = switch what {
        case .records: try RecordsTable.write(query: query, layers: selected, contextRadius: contextWindow, windows: windows,
                                              to: &writer)
        case .stats: try StatisticsTable.write(query: query, layers: selected, to: &writer)
        }
        try writer.finish()
        if out != "-" { TerminalOutput.note("wrote \(rows) rows to \(out)") }
    }

    static func parse(_ layers: String) throws -> [Int] {
        do { return try parseLayers(layers, layerCount: nil) }
        catch { throw ValidationError("\(error)") }
    }
}

extension TableContent: ExpressibleByArgument {}
extension NeuronRecordExporter.Layout: ExpressibleByArgument {}
