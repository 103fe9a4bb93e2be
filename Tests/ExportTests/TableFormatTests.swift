import Export
import Foundation
import Query
import Store
import Testing

@Suite struct TableFormatTests {
    static func export(_ content: TableContent, _ format: OutputFormat, store: TestStore, layers: [Int]? = nil) throws -> String {
        let query = try store.open()
        let output = TextOutput()
        let columns = content == .records ? RecordsTable.columns : StatisticsTable.columns
        var writer = try format.writer(columns: columns, output: output)
        switch content {
        case .records: try RecordsTable.write(query: query, layers: layers, contextRadius: 3, to: &writer)
        case .stats: try StatisticsTable.write(query: query, layers: layers, to: &writer)
        }
        try writer.finish()
        return output.text
    }

    @Test func recordsCSVReadsBackToTheStoredValues() throws {
        let store = try TestStore()
        let text = try Self.export(.records, .csv, store: store)
        #expect(text.hasSuffix("\r\n"))
        let rows = try #require(parseCSV(text))
        #expect(rows[0] == RecordsTable.columns.map(\.name))
        #expect(rows.count == 1 + TestStore.layers.count * TestStore.neuronCount * TestStore.topK)
        let query = try store.open()
        var i = 1
        for layer in TestStore.layers {
            for neuron in 0..<TestStore.neuronCount {
                for (rank, r) in store.topRecords(layer: layer, neuron: neuron).enumerated() {
                    let row = rows[i]
                    #expect(row.count == RecordsTable.columns.count)
                    #expect(row[0] == "\(layer)" && row[1] == "\(neuron)" && row[2] == "\(rank)")
                    #expect(Float(row[3]) == r.activation)  // exact
                    #expect(row[4] == "\(r.token)" && row[6] == "\(r.document)" && row[7] == "\(r.position)")
                    #expect(row[5] == query.vocabulary.text(of: r.token))
                    i += 1
                }
            }
        }
    }

    @Test func contextsInCSVMatchTheQuery() throws {
        let store = try TestStore()
        let rows = try #require(parseCSV(try Self.export(.records, .csv, store: store, layers: [3])))
        let report = try store.open().neuron(layer: 3, neuron: 0, contextRadius: 3)
        for (k, view) in report.records.enumerated() {
            #expect(rows[1 + k][8] == view.context.before)
            #expect(rows[1 + k][9] == view.context.after)
        }
    }

    @Test func csvQuotesExactlyWhatRFC4180Needs() {
        #expect(CSVTableWriter.field("plain") == "plain")
        #expect(CSVTableWriter.field("a,b") == "\"a,b\"")
        #expect(CSVTableWriter.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVTableWriter.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVTableWriter.field(" leading") == "\" leading\"")
        #expect(CSVTableWriter.field("") == "\"\"")
        let tricky = ["a,b", "\"", "\r\n", " x ", "é’", ""]
        let line = tricky.map(CSVTableWriter.field).joined(separator: ",") + "\r\n"
        #expect(parseCSV(line) == [tricky])
    }

    @Test func statisticsCSVHasOneRowPerNeuronWithExactMoments() throws {
        let store = try TestStore()
        let rows = try #require(parseCSV(try Self.export(.stats, .csv, store: store)))
        #expect(rows.count == 1 + TestStore.layers.count * TestStore.neuronCount)
        let spec = LayerStatisticsSpec(bins: HistogramBins(), sampleSeed: 1, samplePositions: store.samplePositions)
        let expected = store.statisticsRow(layer: 3, neuron: 2, spec: spec)
        let row = try #require(rows.first { $0[0] == "3" && $0[1] == "2" })
        #expect(Int(row[2]) == expected.count)
        #expect(Double(row[3]) == expected.mean && Double(row[4]) == expected.variance)
        #expect(Double(row[5]) == expected.skewness && Double(row[6]) == expected.kurtosis)
        #expect(Double(row[7]) == expected.min && Double(row[8]) == expected.max)
        let q50 = try #require(Float(row[10]))
        #expect(Double(q50) >= expected.min && Double(q50) <= expected.max)
        #expect(row[14] == "\(TestStore.topK)")
        #expect(Float(row[15]) == store.topRecords(layer: 3, neuron: 2)[0].activation)
    }

    @Test func jsonLinesDecodeToTheSameValues() throws {
        let store = try TestStore()
        let text = try Self.export(.records, .jsonl, store: store, layers: [1])
        let lines = text.split(separator: "\n")
        #expect(lines.count == TestStore.neuronCount * TestStore.topK)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(Set(first.keys) == Set(RecordsTable.columns.map(\.name)))
        let top = store.topRecords(layer: 1, neuron: 0)[0]
        #expect(first["layer"] as? Int == 1 && first["neuron"] as? Int == 0 && first["rank"] as? Int == 0)
        #expect((first["activation"] as? NSNumber).map { Float($0.doubleValue) } == top.activation)
        #expect(first["token_id"] as? Int == Int(top.token))
        // Keys come in column order.
        let keyOrder = RecordsTable.columns.map { "\"\($0.name)\":" }
        var cursor = lines[0].startIndex
        for key in keyOrder {
            let found = try #require(lines[0][cursor...].range(of: key))
            cursor = found.upperBound
        }
        // Statistics: NaN-free numbers, null for missing values.
        let stats = try Self.export(.stats, .jsonl, store: store)
        for line in stats.split(separator: "\n") {
            #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
        }
    }

    /// JSON Lines records carry their stored windows (null for a record without one).
    @Test func jsonLinesRecordsHaveTheirWindows() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jsonl-windows-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = ModelRow(family: "test", source: "memory", fingerprint: "test", layerCount: 1, embeddingSize: 0,
                             neuronCount: 1, vocabularySize: 10, maxContext: 64, activationDefinition: "seeded",
                             configJson: "{}")
        let builder = try StoreBuilder(directory: dir, model: model, corpusName: "test", corpusSources: [], runConfigJSON: "{}")
        for id in 0..<10 { try builder.addVocabulary(UInt32(id), bytes: Array("t\(id)".utf8)) }
        try builder.addDocument(tokens: (0..<10).map(UInt32.init), sourcePath: "doc")
        try builder.setLayer(0, neuronCount: 1, topK: 2,
                             statistics: LayerStatisticsSpec(bins: HistogramBins(), sampleSeed: 0, samplePositions: []))
        let first = CoreRecord(activation: 2.5, document: 0, position: 4, token: 4)
        let second = CoreRecord(activation: 1.5, document: 0, position: 8, token: 8)
        try builder.addNeuron(layer: 0, neuron: 0, records: [first, second],
                              windows: [WindowedRecord(record: first, windowStart: 2, activations: [0.5, -1, 2.5, 0.25])])
        try builder.finish()
        let output = TextOutput()
        var writer = try OutputFormat.jsonl.writer(columns: RecordsTable.columnsWithWindows, output: output)
        try RecordsTable.write(query: try StoreQuery(directory: dir), layers: nil, contextRadius: 3, windows: true, to: &writer)
        try writer.finish()
        let lines = output.text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasSuffix(#","window":{"token_ids":[2,3,4,5],"tokens":["t2","t3","t4","t5"],"activations":[0.5,-1.0,2.5,0.25],"focus":2}}"#))
        #expect(lines[1].hasSuffix(#","window":null}"#))
    }

    @Test func jsonStringsEscapeQuotesBackslashesAndControlCharacters() throws {
        var out: [UInt8] = []
        JSONText.appendString("a\"b\\c\nd\te\u{01}é", to: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text == #""a\"b\\c\nd\te\u0001é""#)
        let decoded = try JSONSerialization.jsonObject(with: Data(out), options: .fragmentsAllowed) as? String
        #expect(decoded == "a\"b\\c\nd\te\u{01}é")
        var number: [UInt8] = []
        JSONText.appendNumber(Float.nan, to: &number)
        #expect(String(decoding: number, as: UTF8.self) == "null")
    }

    @Test func markdownEscapesPipesAndKeepsOneCellPerColumn() throws {
        #expect(MarkdownTableWriter.escape("x|y") == "x\\|y")
        #expect(MarkdownTableWriter.escape("a_b*c") == "a\\_b\\*c")
        #expect(MarkdownTableWriter.escape("back\\slash") == "back\\\\slash")
        let text = try Self.export(.records, .markdown, store: try TestStore())
        let lines = text.split(separator: "\n")
        #expect(lines[1].hasPrefix("| ---: |"))
        #expect(text.contains("x\\|y"))
        for line in lines {
            // Cells: split at pipes that are not escaped.
            var cells = 0, escaped = false
            for c in line {
                if c == "|" && !escaped { cells += 1 }
                escaped = c == "\\" && !escaped
            }
            #expect(cells == RecordsTable.columns.count + 1, "\(line)")
        }
        #expect(!text.contains("\t"))  // control characters are shown as escapes
    }

    @Test func latexEscapesEverySpecialCharacter() throws {
        #expect(LaTeXTableWriter.escape("&%$#_{}~^\\") ==
                "\\&\\%\\$\\#\\_\\{\\}\\textasciitilde{}\\textasciicircum{}\\textbackslash{}")
        #expect(LaTeXTableWriter.escape("a<b>c|d") == "a\\textless{}b\\textgreater{}c\\textbar{}d")
        let text = try Self.export(.stats, .latex, store: try TestStore())
        #expect(text.contains("\\begin{tabular}{rrrrrrrrrrrrrrrrrl}"))
        #expect(text.contains("fraction\\_positive"))
        #expect(text.hasSuffix("\\bottomrule\n\\end{tabular}\n"))
        let body = text.split(separator: "\n").filter { $0.hasSuffix("\\\\") }
        #expect(body.count == 1 + TestStore.layers.count * TestStore.neuronCount)
        for line in body {
            // Every unescaped & separates a column.
            let separators = line.split(separator: "&", omittingEmptySubsequences: false).count - 1
                - line.components(separatedBy: "\\&").count + 1
            #expect(separators == StatisticsTable.columns.count - 1, "\(line)")
        }
        // No unescaped specials are left in cells.
        let records = try Self.export(.records, .latex, store: try TestStore())
        #expect(records.contains("\\$5") && records.contains("\\textasciitilde{}") && records.contains("a,b"))
        #expect(!records.contains(" $5") && !records.contains(" 50%"))
    }

    @Test func terminalTableAlignsColumns() throws {
        let output = TextOutput()
        var writer = try OutputFormat.table.writer(columns: [TableColumn("n", .integer, ""), TableColumn("word", .text, "")],
                                                 output: output)
        try writer.writeRow([.integer(7), .text("a")])
        try writer.writeRow([.integer(1234), .text("line\nbreak")])
        try writer.finish()
        #expect(output.text == "   n  word\n────  ───────────\n   7  a\n1234  line\\nbreak\n")
    }

    @Test func numbersForPeopleAreUniform() {
        #expect(NumberFormatting.display(7.21) == "7.210")
        #expect(NumberFormatting.display(-0.17) == "-0.170")
        #expect(NumberFormatting.display(0) == "0.000")
        #expect(NumberFormatting.display(0.00012) == "1.200e-04")
        #expect(NumberFormatting.display(.nan) == "NaN")
        #expect(NumberFormatting.exact(Float(0.1)) == "0.1")
        var generator = SeededGenerator(state: 3)
        for _ in 0..<10_000 {
            let x = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
            guard x.isFinite else { continue }
            #expect(Float(NumberFormatting.exact(x)) == x)
            #expect(Float(NumberFormatting.decimal(x)) == x)
            if abs(x) < 0x1p24 {  // above, f32 text switches to exponent notation earlier than f64 text
                #expect(NumberFormatting.exact(NumberFormatting.decimal(x)) == NumberFormatting.exact(x))
            }
        }
    }
}
