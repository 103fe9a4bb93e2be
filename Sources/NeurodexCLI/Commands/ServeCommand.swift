import ArgumentParser
import Foundation
import Models
import Server

/// `neurodex serve`: the HTTP JSON API and the neuron viewer over one store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a store over HTTP: a JSON API (docs/api.md) and a neuron viewer for the browser.",
        discussion: """
            The store is opened read-only, so it can be served while an index run writes it and beside \
            other readers; analyses asked for are cached in its catalog when its directory is writable. \
            Listens on loopback unless --host says otherwise; prints its URL, and stops on Ctrl-C or SIGTERM. \
            --model is needed only to run your own texts (POST /api/activations, /api/top-neurons); it must \
            be the model the store was indexed with.
            """)

    @OptionGroup var storeOption: StoreOption

    @Option(help: "The address to listen on (e.g. 0.0.0.0 for every interface).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port = 8080

    @Option(help: "The model the store was indexed with (HF folder or GGUF file), to run texts through it.",
            completion: .file())
    var model: String?

    @Option(help: "Threads of the model's forward pass.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var blasOption: BLASOption

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        try blasOption.load()
        let loadModel = model.map { path in
            { (lastLayer: Int?) throws -> InferenceModel in
                let bundle = try ModelBundle.load(path: path, maxLayer: lastLayer, threads: threads)
                return InferenceModel(model: bundle.model, tokenizer: bundle.tokenizer, path: path)
            }
        }
        let server = try NeurodexServer(configuration: .init(storeDirectory: storeOption.url, host: host, port: port),
                                        loadModel: loadModel)
        try await server.run { url in
            // Unbuffered, so that a script reading the URL sees it at once.
            FileHandle.standardOutput.write(Data("Serving \(storeOption.store) at \(url)  (Ctrl-C to stop)\n".utf8))
        }
    }
}
