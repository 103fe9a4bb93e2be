import ArgumentParser
import Foundation
import Indexer
import Models
import Store

/// `neurodex merge`: combine the stores of a sharded index (or any stores of one model and
/// options over disjoint documents) into one.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the stores of `index --shard i/n` runs into one store, exactly as one run would have made it.",
        discussion: """
            Any complete stores of one model and the same options merge, as long as no document is \
            in two of them (e.g. shards of different --shard splits that together cover a corpus).
            """)

    @Option(help: "The new, merged store directory.", completion: .directory)
    var store: String

    @Option(help: "The model the shards were indexed with (needed when they hold band examples, whose windows are run again).",
            completion: .file())
    var model: String?

    @Option(help: "Threads: layers merged at once (each holds one layer of the stores in memory), and the model's.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Argument(help: "The shard stores (all n of them).", completion: .directory)
    var shards: [String]

    func validate() throws {
        if shards.isEmpty { throw ValidationError("give the shard stores to merge") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let inputs = try shards.map { try NeurodexStore(directory: URL(fileURLWithPath: $0), mode: .read) }
        let output = try NeurodexStore(directory: URL(fileURLWithPath: store), mode: .create)
        let bundle = try model.map { try ModelBundle.load(path: $0, maxLayer: nil, threads: threads) }
        try ShardMerger(shards: inputs, model: bundle).merge(into: output, threads: threads)
        let summary = try output.summary()
        print("merged \(shards.count) shards into \(store): \(summary.counts.documents) documents, \(summary.counts.neurons) neurons")
    }
}
