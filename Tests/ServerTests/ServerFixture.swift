import Foundation
import ModelFiles
import Testing

/// The `neurodex` executable: $NEURODEX_BINARY, or the one SwiftPM built next to the tests.
enum NeurodexBinary {
    static let url: URL? = {
        let fm = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["NEURODEX_BINARY"] {
            return fm.isExecutableFile(atPath: explicit) ? URL(fileURLWithPath: explicit) : nil
        }
        let beside = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
            .deletingLastPathComponent().appendingPathComponent("neurodex")
        return fm.isExecutableFile(atPath: beside.path) ? beside : nil
    }()

    static let missingNote: Comment = "the neurodex executable is not built next to the tests (run `swift build` first, or set NEURODEX_BINARY)"

    /// Runs `neurodex arguments`; returns its exit status and standard output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: Data, error: String) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, out, String(decoding: err, as: UTF8.self))
    }
}

/// A small store indexed once per test process: a random-weight GPT-2 (2 layers of 128
/// neurons, the tiny-bpe tokenizer) over documents cut from the Shakespeare excerpt.
enum ServerFixture {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// The folder holding `model/`, `corpus/` and `store/`; removed at exit.
    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("neurodex-server-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: ServerFixture.folder) }
        return url
    }()

    static let layers = 2, neurons = 128, topK = 16

    /// The indexed store, or the reason it could not be built.
    static let store: Result<URL, FixtureError> = {
        do {
            let model = try gpt2Folder(at: folder.appendingPathComponent("model"))
            let corpus = try corpusFolder(at: folder.appendingPathComponent("corpus"), documents: 8)
            let store = folder.appendingPathComponent("store")
            let result = try NeurodexBinary.run([
                "index", "--model", model.path, "--corpus", corpus.path, "--store", store.path, "--layers", "0-1",
                "--top-k", String(topK), "--context", "32", "--threads", "1", "--quiet",
            ])
            guard result.status == 0 else { return .failure(FixtureError("neurodex index failed: \(result.error)")) }
            // The copies are made now, before any test writes to the store (analyses).
            for name in copies {
                try FileManager.default.copyItem(at: store, to: folder.appendingPathComponent(name))
            }
            return .success(store)
        } catch {
            return .failure(FixtureError("\(error)"))
        }
    }()

    static var modelFolder: URL { folder.appendingPathComponent("model") }

    /// The copies of the store, made right after indexing.
    static let copies = ["documents-store", "load-store", "inference-store", "no-model-store", "refused-store"]

    /// A copy of the store of its own (one of `copies`): for a suite whose documents must not
    /// change under it (file sizes in `info` change when another suite caches analyses), or
    /// that needs a server of its own (LMDB allows one opening of a store per process).
    static func copyOfStore(_ name: String) throws -> URL {
        _ = try store.get()
        precondition(copies.contains(name), "\(name) is not among ServerFixture.copies")
        return folder.appendingPathComponent(name)
    }

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// A random-weight GPT-2 HF folder with the tiny-bpe tokenizer (ids 0-701), as in CLITests;
    /// another `epsilon` (of the layer norms) gives another model fingerprint.
    static func gpt2Folder(at folder: URL, seed: UInt64 = 1, epsilon: Double = 1e-5) throws -> URL {
        let (layers, embd, inner, positions, vocab) = (Self.layers, 32, Self.neurons, 64, 768)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config: [String: Any] = [
            "model_type": "gpt2", "activation_function": "gelu_new", "n_layer": layers, "n_embd": embd, "n_head": 4,
            "n_inner": inner, "n_positions": positions, "vocab_size": vocab, "layer_norm_epsilon": epsilon,
        ]
        try JSONSerialization.data(withJSONObject: config, options: .sortedKeys)
            .write(to: folder.appendingPathComponent("config.json"))
        var state = seed
        func normal(_ count: Int, _ scale: Float = 0.2) -> [Float] {
            (0..<count).map { _ in
                var sum: Float = 0
                for _ in 0..<4 {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    sum += Float(state >> 40) / Float(1 << 24) - 0.5
                }
                return sum * scale * 1.7
            }
        }
        var tensors: [(String, [Int], [Float])] = [("wte.weight", [vocab, embd], normal(vocab * embd)),
                                                  ("wpe.weight", [positions, embd], normal(positions * embd, 0.05))]
        for layer in 0..<layers {
            let p = "h.\(layer)."
            tensors += [
                (p + "ln_1.weight", [embd], normal(embd, 0.05).map { $0 + 1 }), (p + "ln_1.bias", [embd], normal(embd, 0.02)),
                (p + "attn.c_attn.weight", [embd, 3 * embd], normal(embd * 3 * embd)),
                (p + "attn.c_attn.bias", [3 * embd], normal(3 * embd, 0.02)),
                (p + "attn.c_proj.weight", [embd, embd], normal(embd * embd)), (p + "attn.c_proj.bias", [embd], normal(embd, 0.02)),
                (p + "ln_2.weight", [embd], normal(embd, 0.05).map { $0 + 1 }), (p + "ln_2.bias", [embd], normal(embd, 0.02)),
                (p + "mlp.c_fc.weight", [embd, inner], normal(embd * inner)), (p + "mlp.c_fc.bias", [inner], normal(inner, 0.02)),
                (p + "mlp.c_proj.weight", [inner, embd], normal(inner * embd)), (p + "mlp.c_proj.bias", [embd], normal(embd, 0.02)),
            ]
        }
        tensors += [("ln_f.weight", [embd], normal(embd, 0.05).map { $0 + 1 }), ("ln_f.bias", [embd], normal(embd, 0.02))]
        var writer = SafetensorsWriter()
        for (name, shape, values) in tensors { writer.add(name, shape: shape, floats: values) }
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("tokenizer/tiny-bpe/tokenizer.json"),
                                         to: folder.appendingPathComponent("tokenizer.json"))
        return folder
    }

    /// `count` text documents cut from the Shakespeare excerpt.
    static func corpusFolder(at folder: URL, documents count: Int, linesPerDocument: Int = 12) throws -> URL {
        let text = try String(contentsOf: fixtures.appendingPathComponent("tokenizer/shakespeare_excerpt.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for i in 0..<count {
            let part = (0..<linesPerDocument).map { lines[(i * 7 + $0) % lines.count] }
            try (part.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent(String(format: "doc-%03d.txt", i)),
                                                            atomically: true, encoding: .utf8)
        }
        return folder
    }
}
