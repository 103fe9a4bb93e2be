import ArgumentParser
import Foundation
import Export
import Kernels
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

/// `--blas`, shared by the commands that run a model: the BLAS library, as `NEURODEX_BLAS` names it.
struct BLASOption: ParsableArguments {
    @Option(help: "The BLAS library: openblas (default), mkl, or the path of MKL's libmkl_rt.so.N (the same as NEURODEX_BLAS).")
    var blas: String?

    func validate() throws {
        if let blas { _ = try BLASChoice(parsing: blas) }
    }

    /// Makes `--blas` (when given) the process's choice and loads that library; call it before
    /// any model runs.
    @discardableResult
    func load() throws -> BLASLibrary {
        if let blas { setenv(BLASChoice.environmentVariable, blas, 1) }
        return try BLASLibrary.loadCurrent()
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
