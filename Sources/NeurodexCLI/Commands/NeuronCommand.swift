import ArgumentParser
import Export
import Foundation
import Query
import Responses
import Store

/// `neurodex neuron`: one neuron's top-activating tokens in context and its statistics.
struct NeuronCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neuron",
        abstract: "Show a neuron's top-activating tokens in their context, and its statistics.",
        discussion: """
            --format json prints one object: {"layer", "neuron", "stats": {"count", "mean", "variance", \
            "min", "max", "fraction_positive"} (null without statistics), "top": [{"activation", "token_id", \
            "token", "document", "position", "context"}]} with top in descending activation. \
            --format csv prints one row per record (columns as `neurodex export --what records`).
            """)

    @OptionGroup var storeOption: StoreOption

    @Argument(help: "The layer index.")
    var layer: Int

    @Argument(help: "The neuron index within the layer.")
    var neuron: Int

    @Option(help: "Output format: table, json or csv (default: table on a terminal, json otherwise).")
    var format: OutputFormat?

    @Option(name: .customLong("context-window"), help: "Tokens of context on each side of a record's token.")
    var contextWindow = 12

    @Option(help: "Show only the first N records.")
    var limit: Int?

    func validate() throws {
        try format?.validate([.table, .json, .csv], for: "neuron")
        guard (0...10_000).contains(contextWindow) else { throw ValidationError("--context-window must be 0…10000") }
        guard layer >= 0, neuron >= 0 else { throw ValidationError("LAYER and NEURON must be non-negative") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let query = try StoreQuery(store: try storeOption.openForReading())
        let report = try query.neuron(layer: layer, neuron: neuron, contextRadius: contextWindow, limit: limit)
        let output = TextOutput.standardOutput()
        switch TerminalOutput.format(format) {
        case .json:
            try output.write(bytes: ResponseEncoder.encode(NeuronResponse(report: report)))
            try output.write("\n")
        case .csv:
            var writer = try OutputFormat.csv.writer(columns: RecordsTable.columns, output: output)
            try RecordsTable.write(report, to: &writer)
            try writer.finish()
        default:
            try output.write(Self.table(report, color: TerminalOutput.usesColor))
        }
        try output.flush()
    }

    /// The view for a person: a statistics header, then one line per record with the token
    /// highlighted in its context.
    static func table(_ report: NeuronReport, color: Bool) -> String {
        let d = NumberFormatting.display
        var lines = ["layer \(report.layer) neuron \(report.neuron): \(report.records.count) records"
                     + (report.flags.contains(.distinctTokens) ? " (distinct tokens)" : "")]
        if let s = report.statistics {
            lines.append("  positions \(s.count)  mean \(d(s.mean))  sd \(d(s.variance.squareRoot()))  "
                         + "min \(d(s.min))  max \(d(s.max))  positive \(NumberFormatting.percent(s.fractionPositive))  "
                         + "skew \(d(s.skewness))  kurtosis \(d(s.kurtosis))")
            let quantiles = NeuronStatistics.standardQuantiles.compactMap { q in
                s.quantile(q).map { String(format: "%g%% ", q * 100) + d(Double($0)) }
            }
            if !quantiles.isEmpty { lines.append("  quantiles (from the histogram)  " + quantiles.joined(separator: "  ")) }
        } else {
            lines.append("  (no statistics for this neuron in the store)")
        }
        lines.append("")
        // Numbers right-aligned in measured columns, then the context with its token highlighted.
        let rows = report.records.map { view in
            ([String(view.rank + 1), d(Double(view.record.activation)), String(view.record.document),
              String(view.record.position)],
             DisplayText.visible(view.context.before) + highlight(DisplayText.visible(view.context.focusText), color: color)
                + DisplayText.visible(view.context.after))
        }
        let header = ["#", "activation", "doc", "pos"]
        let widths = header.indices.map { i in rows.reduce(header[i].count) { max($0, $1.0[i].count) } }
        func numbers(_ cells: [String]) -> String {
            cells.enumerated().map { String(repeating: " ", count: widths[$0] - $1.count) + $1 }.joined(separator: "  ")
        }
        lines.append(numbers(header) + "  context")
        for (cells, context) in rows { lines.append(numbers(cells) + "  " + context) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func highlight(_ text: String, color: Bool) -> String {
        TerminalOutput.highlight(text, color: color)
    }
}
