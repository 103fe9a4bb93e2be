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

    /// The row of one record.
    public static func row(layer: Int, neuron: Int, _ view: RecordView) -> [TableCell] {
        [.integer(layer), .integer(neuron), .integer(view.rank), .float(view.record.activation),
         .integer(Int(view.record.token)), .text(view.token), .integer(Int(view.record.document)),
         .integer(Int(view.record.position)), .text(view.context.before), .text(view.context.after)]
    }

    /// Writes the records of `report`; returns the number of rows.
    @discardableResult
    public static func write(_ report: NeuronReport, to writer: inout any TableWriter) throws -> Int {
        for view in report.records { try writer.writeRow(row(layer: report.layer, neuron: report.neuron, view)) }
        return report.records.count
    }

    /// Writes the records of every neuron of `layers` (all indexed layers when nil) with
    /// `contextRadius` tokens of context on each side; returns the number of rows.
    @discardableResult
    public static func write(query: StoreQuery, layers: [Int]?, contextRadius: Int,
                             to writer: inout any TableWriter) throws -> Int {
        var rows = 0
        for layer in try query.layers(layers) {
            try query.forEachNeuron(in: layer.row.layer, contextRadius: contextRadius) { report in
                rows += try write(report, to: &writer)
            }
        }
        return rows
    }
}
