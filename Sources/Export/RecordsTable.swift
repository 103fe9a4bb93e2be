import Query
import Store

/// What `neurodex export --what` writes as a table.
public enum TableContent: String, Sendable, CaseIterable {
    /// One row per core-token record.
    case records
    /// One row per neuron.
    case stats
}

/// The records table: one row per core-token record of each neuron, neurons in (layer,
/// neuron) order, records highest activation first. Also `neurodex neuron --format csv`.
public enum RecordsTable {
    public static let columns: [TableColumn] = [
        TableColumn("layer", .integer, "layer index"),
        TableColumn("neuron", .integer, "neuron index in the layer"),
        TableColumn("rank", .integer, "0 for the neuron's highest activation, 1 for the next, …"),
        TableColumn("activation", .real, "the neuron's activation on this token (f32, exact)"),
        TableColumn("token_id", .integer, "the token id"),
        TableColumn("token", .text, "the token's text; a byte that is part of a character split between tokens is written <0xNN>"),
        TableColumn("document", .integer, "document id (catalog table documents)"),
        TableColumn("position", .integer, "token position in the document"),
        TableColumn("context_before", .text, "text of up to `context` tokens before the token"),
        TableColumn("context_after", .text, "text of up to `context` tokens after the token"),
    ]

    /// `columns` and the record's window, for JSON Lines.
    public static let columnsWithWindows = columns + [
        TableColumn("window", .json, "{\"token_ids\", \"tokens\", \"activations\", \"focus\"}: the neuron's activation at every token of the context window the record was indexed in, focus = index of the record's token (null for a record without a stored window)"),
    ]

    /// The `window` cell of a record: its window as a JSON object, or null.
    public static func windowCell(_ view: RecordView) -> TableCell {
        guard let w = view.window else { return .null }
        var out = Array(#"{"token_ids":["#.utf8)
        for (i, id) in w.tokenIDs.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendInteger(Int(id), to: &out)
        }
        out += Array(#"],"tokens":["#.utf8)
        for (i, token) in w.tokens.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(token, to: &out)
        }
        out += Array(#"],"activations":["#.utf8)
        for (i, value) in w.activations.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendNumber(value, to: &out)
        }
        out += Array(#"],"focus":"#.utf8)
        JSONText.appendInteger(w.focus, to: &out)
        out.append(UInt8(ascii: "}"))
        return .json(out)
    }

    /// The row of one record.
    public static func row(layer: Int, neuron: Int, _ view: RecordView) -> [TableCell] {
        [.integer(layer), .integer(neuron), .integer(view.rank), .float(view.record.activation),
         .integer(Int(view.record.token)), .text(view.token), .integer(Int(view.record.document)),
         .integer(Int(view.record.position)), .text(view.context.before), .text(view.context.after)]
    }

    /// Writes the records of `report` (with `windows`, the `window` cell after the columns);
    /// returns the number of rows.
    @discardableResult
    public static func write(_ report: NeuronReport, windows: Bool = false, to writer: inout any TableWriter) throws -> Int {
        for view in report.records {
            try writer.writeRow(row(layer: report.layer, neuron: report.neuron, view) + (windows ? [windowCell(view)] : []))
        }
        return report.records.count
    }

    /// Writes the records of every neuron of `layers` (all indexed layers when nil) with
    /// `contextRadius` tokens of context on each side (with `windows`, the columns of
    /// `columnsWithWindows`); returns the number of rows.
    @discardableResult
    public static func write(query: StoreQuery, layers: [Int]?, contextRadius: Int, windows: Bool = false,
                             to writer: inout any TableWriter) throws -> Int {
        var rows = 0
        for layer in try query.layers(layers) {
            try query.forEachNeuron(in: layer.row.layer, contextRadius: contextRadius, windows: windows) { report in
                rows += try write(report, windows: windows, to: &writer)
            }
        }
        return rows
    }
}
