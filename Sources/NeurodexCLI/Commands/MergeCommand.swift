import ArgumentParser
import Foundation
import Indexer
import Store

/// `neurodex merge`: combine the stores of a sharded index into one.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the stores of `index --shard i/n` runs into one store, exactly as one run would have made it.")

    @Option(help: "The new, merged store directory.", completion: .directory)
    var store: String

    @Argument(help: "The shard stores (all n of them).", completion: .directory)
    var shards: [String]

    func validate() throws {
        if shards.isEmpty { throw ValidationError("give the shard stores to merge") }
    }

    func run() throws {
        let inputs = try shards.map { try NeurodexStore(directory: URL(fileURLWithPath: $0), mode: .read) }
        let output = try NeurodexStore(directory: URL(fileURLWithPath: store), mode: .create)
        try ShardMerger(shards: inputs).merge(into: output)
        let summary = try output.summary()
        print("merged \(shards.count) shards into \(store): \(summary.counts.documents) documents, \(summary.counts.neurons) neurons")
    }
}
