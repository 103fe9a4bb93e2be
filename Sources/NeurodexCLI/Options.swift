import ArgumentParser
import Foundation
import Export
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

extension OutputFormat: ExpressibleByArgument {
    /// Throws the CLI's message ("--format must be table, json or csv for `neuron`") unless the
    /// format is one of `accepted`.
    func validate(_ accepted: [OutputFormat], for command: String) throws {
        guard !accepted.contains(self) else { return }
        let names = accepted.map(\.rawValue)
        let list = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " or " + names.last!
        throw ValidationError("--format must be \(list) for `\(command)`")
    }
}
