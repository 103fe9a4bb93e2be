import ArgumentParser
import Export
import Foundation
import Responses
import Store

/// `neurodex info`: what a store holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show the model, corpora, runs, layers and sizes of a store.")

    @OptionGroup var storeOption: StoreOption

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @Flag(help: "Print only a SHA-256 of the store's content, to compare stores: records, tokens, token index, embeddings, inputs, vocabulary, meta, and the catalog's model, documents, layers and statistics; not checkpoints, runs, corpora, analyses, ids, times or the model path. With --format json, also one digest per part.")
    var digest = false

    func validate() throws {
        try format.validate([.table, .json], for: "info")
    }

    func run() throws {
        let store = try storeOption.openForReading()
        if digest {
            let digests = try store.contentDigests()
            if format == .json {
                print(String(decoding: try ResponseEncoder.encode(DigestResponse(digest: digests)), as: UTF8.self))
            } else {
                print(digests.total)
            }
            return
        }
        let summary = try store.summary()
        if format == .json {
            print(String(decoding: try ResponseEncoder.encode(InfoResponse(summary: summary)), as: UTF8.self))
        } else {
            print(Self.render(summary))
        }
    }

    static func render(_ s: StoreSummary) -> String {
        var lines = ["store     \(s.directory) (format \(s.formatVersion))"]
        if let m = s.model {
            lines.append("model     \(m.family) from \(m.source): \(m.layerCount) layers, d=\(m.embeddingSize), "
                         + "\(m.neuronCount) neurons/layer, vocabulary \(m.vocabularySize)")
            lines.append("          activation = \(m.activationDefinition); fingerprint \(m.fingerprint.prefix(16))")
        } else {
            lines.append("model     (none yet)")
        }
        for c in s.corpora {
            lines.append("corpus    #\(c.id) \(c.name): \(c.documents) documents, \(c.tokens) tokens")
        }
        let time = ISO8601DateFormatter()
        for r in s.runs {
            var line = "run       #\(r.id ?? 0) \(r.status.rawValue): \(r.documentsDone) documents, \(r.tokensDone) tokens, "
                + "started \(time.string(from: r.startedAt))"
            if let end = r.finishedAt { line += ", finished \(time.string(from: end))" }
            if let error = r.error { line += " — \(error)" }
            lines.append(line)
        }
        for l in s.layers {
            lines.append("layer     \(l.layer): \(l.neurons) neurons, top-\(l.topK)\(l.distinctTokens ? " distinct tokens" : ""), "
                         + "\(l.neuronsWithStatistics) with statistics")
        }
        lines.append("contents  \(s.counts.neurons) neurons with records, \(s.counts.documents) documents, "
                     + "\(s.counts.tokenIndexEntries) token-index entries, \(s.counts.embeddings) embeddings, "
                     + "\(s.counts.inputs) stored inputs")
        let sizes = s.fileSizes.sorted { $0.key < $1.key }.map { "\($0.key) \(formatBytes($0.value))" }
        lines.append("on disk   " + sizes.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}

/// "12.3 MB"-style sizes.
func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var value = Double(bytes), unit = 0
    while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}
