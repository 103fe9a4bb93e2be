import ArgumentParser
import Export
import Foundation
import Query
import Store

/// `neurodex search`: the neurons that have a token among their core tokens.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find the neurons that have a token among their top-activating tokens.",
        discussion: """
            TEXT is matched against the bytes of the store's vocabulary: the token spelled exactly TEXT \
            and the one with a leading space added or removed ("the" finds "the" and " the"), unless \
            --exact. Write a raw byte as <0xNN>. Hits come highest activation first. \
            --format json prints {"tokens": [{"id", "text"}], "total", "hits": [{"layer", "neuron", \
            "token_id", "token", "activation"}]}.
            """)

    @OptionGroup var storeOption: StoreOption

    @Option(help: "The token text to look for.")
    var token: String?

    @Option(name: .customLong("token-id"), help: "A token id to look for, instead of --token.")
    var tokenID: UInt32?

    @Flag(help: "Match the text exactly (no leading-space variant).")
    var exact = false

    @Option(help: "Only neurons of this layer.")
    var layer: Int?

    @Option(help: "Show at most N neurons (0: all).")
    var limit = 50

    @Option(help: "Output format: table, json or csv (default: table on a terminal, json otherwise).")
    var format: OutputFormat?

    static let columns = [
        TableColumn("layer", .integer, "layer index"), TableColumn("neuron", .integer, "neuron index"),
        TableColumn("token_id", .integer, "the matched token id"), TableColumn("token", .text, "its text"),
        TableColumn("activation", .real, "the neuron's best activation on that token"),
    ]

    func validate() throws {
        guard (token == nil) != (tokenID == nil) else { throw ValidationError("give either --token or --token-id") }
        if token?.isEmpty == true { throw ValidationError("--token must not be empty") }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
        if let layer, layer < 0 { throw ValidationError("--layer must be non-negative") }
        if let format, ![.table, .json, .csv].contains(format) {
            throw ValidationError("--format must be table, json or csv for `search`")
        }
    }

    func run() throws {
        let query = try StoreQuery(store: try storeOption.openForReading())
        let limit = self.limit == 0 ? nil : self.limit
        let result = if let token {
            try query.searchToken(token, matching: exact ? .exact : .ignoringLeadingSpace, layer: layer, limit: limit)
        } else {
            try query.searchToken(id: tokenID ?? 0, layer: layer, limit: limit)
        }
        let output = TextOutput.standardOutput()
        switch TerminalOutput.format(format) {
        case .json:
            try output.write(bytes: Self.json(result))
            try output.write("\n")
        case .csv:
            var writer = try TableFormat.csv.writer(columns: Self.columns, output: output)
            for hit in result.hits { try writer.writeRow(Self.row(hit)) }
            try writer.finish()
        default:
            let tokens = result.tokens.map { "\($0.id) \"\(DisplayText.visible($0.text))\"" }.joined(separator: ", ")
            try output.write("tokens \(tokens): \(result.totalHits) neurons"
                             + (result.hits.count < result.totalHits ? ", first \(result.hits.count) shown" : "") + "\n\n")
            var writer = try TableFormat.text.writer(columns: Self.columns, output: output)
            for hit in result.hits { try writer.writeRow(Self.row(hit)) }
            try writer.finish()
        }
        try output.flush()
    }

    static func row(_ hit: TokenSearchHit) -> [TableCell] {
        [.integer(hit.layer), .integer(hit.neuron), .integer(Int(hit.tokenID)), .text(hit.token), .float(hit.activation)]
    }

    static func json(_ result: TokenSearchResult) -> [UInt8] {
        var out: [UInt8] = Array(#"{"tokens":["#.utf8)
        for (i, t) in result.tokens.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"id":"#.utf8)
            JSONText.appendInteger(t.id, to: &out)
            out.append(contentsOf: #","text":"#.utf8)
            JSONText.appendString(t.text, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: #"],"total":"#.utf8)
        JSONText.appendInteger(result.totalHits, to: &out)
        out.append(contentsOf: #","hits":["#.utf8)
        let encoder = JSONRowEncoder(columns: columns)
        for (i, hit) in result.hits.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: encoder.encode(row(hit)))
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }
}
