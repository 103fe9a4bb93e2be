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
            "token", "document", "position", "context", "window"}], "negative": [same], "logit_lens": {"raised", "lowered": [{"token_id", \
            "token", "value"}]} or null, "bands": [{"quantiles", "values", "share", "sampled", "examples": [record]}], \
            "random_sample": [record]} with top in descending \
            activation and negative (the most negative records) in ascending activation; "window" \
            ({"token_ids", "tokens", "activations", "focus"}: the neuron's activation at every token of the \
            context window the record came from, focus = index of the record's token) is on the first \
            --window-records records, on every negative one, on every band example and on the random sample. \
            On a terminal each window is drawn with the \
            activation as background intensity (NO_COLOR: plain text). \
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
    var contextWindow = NeuronContexts.radius

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
            try output.write(Self.table(report, color: TerminalOutput.usesColor, windowColors: ActivationColors.depth))
        }
        try output.flush()
    }

    /// The view for a person: a statistics header, then one line per record with the token
    /// highlighted in its context, then the most negative records. With `windowColors`, a
    /// record with a stored window shows its window instead, each token on a background of
    /// the neuron's activation there.
    static func table(_ report: NeuronReport, color: Bool, windowColors: ActivationColors.Depth? = nil) -> String {
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
        if let lens = report.logitLens {
            func tokens(_ list: [LogitLensView.Entry]) -> String {
                list.map { DisplayText.visible($0.token) + " " + d(Double($0.value)) }.joined(separator: "  ")
            }
            lines.append("  logit lens raises  " + tokens(lens.raised))
            lines.append("  logit lens lowers  " + tokens(lens.lowered))
        }
        lines.append("")
        lines += recordLines(report.records, color: color, windowColors: windowColors)
        if !report.negative.isEmpty {
            lines.append("")
            lines.append("most negative:")
            lines += recordLines(report.negative, color: color, windowColors: windowColors)
        }
        lines += bandLines(report, color: color, windowColors: windowColors)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Each quantile band's header (quantiles, value range, share of tokens, how many of the
    /// band sample fell in it) and its examples, then the random sample.
    static func bandLines(_ report: NeuronReport, color: Bool, windowColors: ActivationColors.Depth?) -> [String] {
        guard !report.bands.isEmpty else { return [] }
        let d = NumberFormatting.display
        var lines: [String] = []
        for band in report.bands {
            let values = band.lowerValue.isNaN ? "no tokens" : "values \(d(Double(band.lowerValue)))…\(d(Double(band.upperValue)))"
            lines.append("")
            lines.append("band [\(d(band.lowerQuantile)), \(d(band.upperQuantile)))  \(values)  "
                         + "share \(NumberFormatting.percent(band.share))  \(band.examples.count) of \(band.sampled) sampled")
            if !band.examples.isEmpty { lines += recordLines(band.examples, color: color, windowColors: windowColors) }
        }
        if !report.randomSample.isEmpty {
            lines.append("")
            lines.append("random sample:")
            lines += recordLines(report.randomSample, color: color, windowColors: windowColors)
        }
        return lines
    }

    /// Numbers right-aligned in measured columns, then the context with its token highlighted
    /// (or the coloured window).
    static func recordLines(_ views: [RecordView], color: Bool, windowColors: ActivationColors.Depth?) -> [String] {
        let d = NumberFormatting.display
        let scale = views.map { abs($0.record.activation) }.max() ?? 0
        let rows = views.map { view in
            let context: String
            if let windowColors, let window = view.window {
                context = ActivationColors.draw(window, scale: scale, depth: windowColors)
            } else {
                context = DisplayText.visible(view.context.before)
                    + highlight(DisplayText.visible(view.context.focusText), color: color)
                    + DisplayText.visible(view.context.after)
            }
            return ([String(view.rank + 1), d(Double(view.record.activation)), String(view.record.document),
                     String(view.record.position)], context)
        }
        let header = ["#", "activation", "doc", "pos"]
        let widths = header.indices.map { i in rows.reduce(header[i].count) { max($0, $1.0[i].count) } }
        func numbers(_ cells: [String]) -> String {
            cells.enumerated().map { String(repeating: " ", count: widths[$0] - $1.count) + $1 }.joined(separator: "  ")
        }
        return [numbers(header) + "  context"] + rows.map { numbers($0.0) + "  " + $0.1 }
    }

    static func highlight(_ text: String, color: Bool) -> String {
        TerminalOutput.highlight(text, color: color)
    }
}
