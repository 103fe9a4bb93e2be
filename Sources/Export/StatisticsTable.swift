import Query
import Store

/// The statistics table: one row per neuron (that has records or statistics), in (layer,
/// neuron) order.
public enum StatisticsTable {
    public static let columns: [TableColumn] = [
        TableColumn("layer", .integer, "layer index"),
        TableColumn("neuron", .integer, "neuron index in the layer"),
        TableColumn("count", .integer, "positions the statistics are over (0: unknown, e.g. imported)"),
        TableColumn("mean", .real, "mean activation"),
        TableColumn("variance", .real, "population variance"),
        TableColumn("skewness", .real, "skewness (biased, as scipy.stats.skew)"),
        TableColumn("kurtosis", .real, "excess kurtosis (Fisher, as scipy.stats.kurtosis)"),
        TableColumn("min", .real, "smallest activation"),
        TableColumn("max", .real, "largest activation"),
        TableColumn("fraction_positive", .real, "fraction of positions with activation > 0"),
        TableColumn("q50", .real, "median, estimated from the histogram"),
        TableColumn("q90", .real, "0.9 quantile, estimated from the histogram"),
        TableColumn("q99", .real, "0.99 quantile, estimated from the histogram"),
        TableColumn("q999", .real, "0.999 quantile, estimated from the histogram"),
        TableColumn("records", .integer, "number of core-token records stored"),
        TableColumn("top_activation", .real, "highest recorded activation"),
        TableColumn("top_token_id", .integer, "token id of the highest recorded activation"),
        TableColumn("top_token", .text, "that token's text"),
    ]

    /// The row of one neuron; statistics columns are empty without `statistics`, the top-token
    /// columns without a `top` record.
    public static func row(layer: Int, neuron: Int, statistics s: NeuronStatistics?, recordCount: Int,
                           top: CoreRecord?, vocabulary: StoredVocabulary) -> [TableCell] {
        var cells: [TableCell] = [.integer(layer), .integer(neuron)]
        if let s {
            cells += [.integer(s.count), .double(s.mean), .double(s.variance), .double(s.skewness),
                      .double(s.kurtosis), .double(s.min), .double(s.max), .double(s.fractionPositive)]
            cells += NeuronStatistics.standardQuantiles.map { q in s.quantile(q).map { .float($0) } ?? .null }
        } else {
            cells += Array(repeating: .null, count: 12)
        }
        cells.append(.integer(recordCount))
        if let top {
            cells += [.float(top.activation), .integer(Int(top.token)), .text(vocabulary.text(of: top.token))]
        } else {
            cells += [.null, .null, .null]
        }
        return cells
    }

    /// Writes a row for every neuron of `layers` (all indexed layers when nil) that has
    /// records or statistics; returns the number of rows.
    @discardableResult
    public static func write(query: StoreQuery, layers: [Int]?, to writer: inout any TableWriter) throws -> Int {
        var rows = 0
        for layer in try query.layers(layers) {
            let l = layer.row.layer
            let statistics = try query.statistics(layer: l)
            var records: [Int: (count: Int, top: CoreRecord?)] = [:]
            try query.store.activations.read { reader in
                try reader.forEachNeuron(layer: l) { _, neuron, stored in
                    records[neuron] = (stored.records.count, stored.records.first)
                    return true
                }
            }
            for neuron in Set(statistics.keys).union(records.keys).sorted() {
                try writer.writeRow(row(layer: l, neuron: neuron, statistics: statistics[neuron],
                                        recordCount: records[neuron]?.count ?? 0, top: records[neuron]?.top,
                                        vocabulary: query.vocabulary))
                rows += 1
            }
        }
        return rows
    }
}
