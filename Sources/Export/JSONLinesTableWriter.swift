/// JSON Lines: one object per row, keys = column names in column order, numbers exact,
/// missing and non-finite values `null`. `pandas.read_json(path, lines=True)` and
/// `polars.read_ndjson(path)` read the files as they are.
public struct JSONLinesTableWriter: TableWriter {
    let encoder: JSONRowEncoder
    let output: TextOutput

    public init(columns: [TableColumn], output: TextOutput) {
        self.encoder = JSONRowEncoder(columns: columns)
        self.output = output
    }

    public mutating func writeRow(_ cells: [TableCell]) throws {
        try output.write(bytes: encoder.encode(cells) + [0x0A])
    }

    public mutating func finish() throws {
        try output.flush()
    }
}

/// Encodes a row as one JSON object whose keys are the column names, in column order.
public struct JSONRowEncoder: Sendable {
    /// `"name":` of each column.
    let keys: [[UInt8]]

    public init(columns: [TableColumn]) {
        keys = columns.map { column in
            var key: [UInt8] = []
            JSONText.appendString(column.name, to: &key)
            key.append(UInt8(ascii: ":"))
            return key
        }
    }

    public func encode(_ cells: [TableCell]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, cell) in cells.enumerated() where i < keys.count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: keys[i])
            JSONText.appendCell(cell, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
