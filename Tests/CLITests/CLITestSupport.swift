import Foundation
import ModelFiles
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `neurodex` executable these tests run: $NEURODEX_BINARY, or the one SwiftPM built next
/// to the test bundle (`swift test` builds every product). nil when neither exists.
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
}

/// How a child process ended.
struct Outcome {
    var status: Int32
    /// True when a signal ended the process (`status` is then the signal number).
    var signaled: Bool
    var standardOutput: String
    var standardError: String

    var errorLines: [String] { standardError.split(separator: "\n").map(String.init) }
}

/// A running `neurodex` child process.
///
/// On x86-64 it runs OpenBLAS's `Prescott` kernels (SSE3, which every x86-64 CPU has), even
/// where the machine's environment sets another OPENBLAS_CORETYPE (some images set `Haswell`):
/// the golden files hold activations to the last bit, and those must not depend on which
/// kernels the machine would use (see `BLASCore`).
///
/// Its standard input is a pipe that stays open until `send` — so a run whose last corpus path
/// is `-` checkpoints every document before it and then waits there: a run parked at a known
/// point in the middle, without timing.
final class Child {
    let process = Process()
    private let input = Pipe(), output = Pipe(), error = Pipe()

    init(_ arguments: [String], holdStandardInput: Bool = false) throws {
        process.executableURL = NeurodexBinary.url
        process.arguments = arguments
        #if arch(x86_64)
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = "Prescott"
        process.environment = environment
        #endif
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        if !holdStandardInput { try input.fileHandleForWriting.close() }
    }

    /// Writes `text` to the child's standard input and closes it.
    func send(_ text: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
        try input.fileHandleForWriting.close()
    }

    var isRunning: Bool { process.isRunning }

    func kill(_ signal: Int32 = SIGKILL) {
        #if canImport(Glibc)
        _ = Glibc.kill(process.processIdentifier, signal)
        #else
        _ = Darwin.kill(process.processIdentifier, signal)
        #endif
    }

    /// Waits for the end; reads the pipes first so that a full pipe cannot block the child.
    func wait() -> Outcome {
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                       standardOutput: String(decoding: out, as: UTF8.self),
                       standardError: String(decoding: err, as: UTF8.self))
    }
}

/// Runs `neurodex arguments` to the end.
func neurodex(_ arguments: [String]) throws -> Outcome { try Child(arguments).wait() }

/// A fresh temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("neurodex-cli-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> URL { url.appendingPathComponent(name) }
}

/// Test inputs built from the committed fixtures.
enum CLIFixtures {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// A random-weight GPT-2 HF folder with the tiny-bpe tokenizer (ids 0-701). `nanIn` names a
    /// tensor whose first weight becomes NaN.
    static func gpt2Folder(at folder: URL, seed: UInt64 = 1, nanIn: String? = nil) throws -> URL {
        let (layers, embd, inner, positions, vocab) = (2, 32, 128, 64, 768)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config: [String: Any] = [
            "model_type": "gpt2", "activation_function": "gelu_new", "n_layer": layers, "n_embd": embd, "n_head": 4,
            "n_inner": inner, "n_positions": positions, "vocab_size": vocab, "layer_norm_epsilon": 1e-5,
        ]
        try JSONSerialization.data(withJSONObject: config, options: .sortedKeys)
            .write(to: folder.appendingPathComponent("config.json"))
        var state = seed
        func normal(_ count: Int, _ scale: Float = 0.2) -> [Float] {
            (0..<count).map { _ in
                // Sum of uniforms: close enough to a Gaussian for random weights.
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
        for (name, shape, values) in tensors {
            writer.add(name, shape: shape, floats: name == nanIn ? [.nan] + values.dropFirst() : values)
        }
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("tokenizer/tiny-bpe/tokenizer.json"),
                                         to: folder.appendingPathComponent("tokenizer.json"))
        return folder
    }

    /// `count` text documents cut from the Shakespeare excerpt (each a different rotation of its
    /// lines) in a folder.
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

/// Polls `condition` every 10 ms until it holds or `seconds` pass; returns whether it held.
func waitFor(seconds: Double = 120, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return false
}

/// The run rows of `neurodex info --format json`, or nil when the store cannot be read yet.
func runs(of store: URL) throws -> [[String: Any]]? {
    let outcome = try neurodex(["info", "--store", store.path, "--format", "json"])
    guard outcome.status == 0, !outcome.signaled,
          let summary = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any]
    else { return nil }
    return summary["runs"] as? [[String: Any]]
}
