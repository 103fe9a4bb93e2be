import ArgumentParser
import Foundation
import Store

/// `--store DIR`, shared by every command that reads a store.
struct StoreOption: ParsableArguments {
    @Option(name: .long, help: "The store directory.", completion: .directory)
    var store: String

    var url: URL { URL(fileURLWithPath: store) }

    /// Opens the store for reading.
    func openForReading() throws -> NeurodexStore {
        try NeurodexStore(directory: url, mode: .read)
    }
}

/// Output formats shared by the commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv, jsonl, md, tex
}
