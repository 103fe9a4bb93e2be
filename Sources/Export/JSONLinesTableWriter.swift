/// JSON Lines: one object per row, keys = column names in column order, numbers exact,
/// missing and non-finite values `null`. `pandas.read_json(path, lines=True)` and
/// `polars.read_ndjson(path)` read the files as they are.
public struct JSONLinesTableWriter: TableWriter {
    let keys: [[UInt8]]
    let output: TextOutput
    private var line: [UInt8] = []

    public init(columns: [TableColumn], output: TextOutput) {
        self.keys = columns.map { name in
            var key: [UInt8] = []
            JSONText.appendString(name.name, to: &key)
            key.append(UInt8(ascii: ":"))
            return key
        }
        self.output = output
    }

    public mutating func writeRow(_ cells: [TableCell]) throws {
        line.removeAll(keepingCapacity: true)
        line.append(UInt8(ascii: "{"))
        for (i, cell) in cells.enumerated() where i < keys.count {
            if i > 0 { line.append(UInt8(ascii: ",")) }
            line.append(contentsOf: keys[i])
            JSONText.appendCell(cell, to: &line)
        }
        line.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
        try output.write(bytes: line)
    }

    public mutating func finish() throws {
        try output.flush()
    }
}
