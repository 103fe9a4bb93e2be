import ArgumentParser
import Export
import Foundation
import Query
import Responses
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

    func validate() throws {
        guard (token == nil) != (tokenID == nil) else { throw ValidationError("give either --token or --token-id") }
        if token?.isEmpty == true { throw ValidationError("--token must not be empty") }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
        if let layer, layer < 0 { throw ValidationError("--layer must be non-negative") }
        try format?.validate([.table, .json, .csv], for: "search")
    }

    func run() throws {
        let query = try StoreQuery(store: try storeOption.openForReading())
        let limit = self.limit == 0 ? nil : self.limit
        let result = if let token {
            try query.searchToken(token, matching: exact ? .exact : .ignoringLeadingSpace, layer: layer, limit: limit)
        } else {
            try query.searchToken(id: tokenID ?? 0, layer: layer, limit: limit)
        }
        let response = SearchResponse(result: result)
        let output = TextOutput.standardOutput()
        switch TerminalOutput.format(format) {
        case .json:
            try output.write(bytes: ResponseEncoder.encode(response))
            try output.write("\n")
        case .csv:
            var writer = try OutputFormat.csv.writer(columns: SearchResponse.Hit.columns, output: output)
            for hit in response.hits { try writer.writeRow(hit.row) }
            try writer.finish()
        default:
            let tokens = response.tokens.map { "\($0.id) \"\(DisplayText.visible($0.text))\"" }.joined(separator: ", ")
            try output.write("tokens \(tokens): \(response.total) neurons"
                             + (response.hits.count < response.total ? ", first \(response.hits.count) shown" : "") + "\n\n")
            var writer = try OutputFormat.table.writer(columns: SearchResponse.Hit.columns, output: output)
            for hit in response.hits { try writer.writeRow(hit.row) }
            try writer.finish()
        }
        try output.flush()
    }
}
