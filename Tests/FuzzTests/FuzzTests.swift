import Foundation
import Testing

/// Seeded random-mutation fuzzing of every parser of untrusted files (safetensors, GGUF,
/// config.json, tokenizer files, JSONL corpora, OpenAI NeuronRecords).
///
/// In `swift test` a short run (600 inputs per parser, about two seconds); Tools/fuzz_long.sh runs
/// millions through the same code with these environment variables:
/// - NEURODEX_FUZZ_ITERATIONS: inputs per parser;
/// - NEURODEX_FUZZ_SEED, NEURODEX_FUZZ_START: the run's seed and first iteration (input i is a
///   pure function of target, seed and i, so a crash is reproduced by its iteration);
/// - NEURODEX_FUZZ_TARGETS: comma-separated target names (default: all);
/// - NEURODEX_FUZZ_DIR: where each input is written (raw, as `<target>.input`) before it is
///   parsed, so that the input of a crash is on disk, and where `<target>.progress` records how
///   far a run got.
/// Crashes found are kept in Tests/Fixtures/fuzz/<target>/ and replayed by `regressionInputs`.
@Suite struct FuzzTests {
    static let environment = ProcessInfo.processInfo.environment
    static let iterations = environment["NEURODEX_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 600
    static let seed = environment["NEURODEX_FUZZ_SEED"].flatMap(UInt64.init) ?? 1
    static let start = environment["NEURODEX_FUZZ_START"].flatMap(Int.init) ?? 0
    static let selected = environment["NEURODEX_FUZZ_TARGETS"].map { Set($0.split(separator: ",").map(String.init)) }
    static let names = ["safetensors", "gguf", "config", "tokenizer.json", "vocab.json+merges.txt", "jsonl", "neuron-record"]

    /// A folder for one target's inputs.
    static func folder(for target: String) throws -> URL {
        // Memory-backed /dev/shm when there is one: the harness writes a file per input.
        let temporary = FileManager.default.fileExists(atPath: "/dev/shm")
            ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        let folder = environment["NEURODEX_FUZZ_DIR"].map { URL(fileURLWithPath: $0).appendingPathComponent(target) }
            ?? temporary.appendingPathComponent("neurodex-fuzz-\(getpid())-\(target)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test(arguments: names)
    func mutatedInputsNeverCrash(_ name: String) throws {
        if let selected = Self.selected, !selected.contains(name) { return }
        let target = try FuzzTarget.named(name)
        let folder = try Self.folder(for: name)
        let longRun = Self.environment["NEURODEX_FUZZ_DIR"] != nil
        let progress = folder.deletingLastPathComponent().appendingPathComponent("\(name).progress")
        let mutator = Mutator(dictionary: target.dictionary)
        // Every seed must be accepted, or the fuzzer would only explore error paths.
        for (i, seed) in target.seeds.enumerated() {
            #expect(target.feed(seed, folder), "seed \(i) of \(name) is rejected")
        }
        var accepted = 0
        // In a long run, each input is also kept raw, so that a crash leaves it on disk.
        let lastInput = longRun ? folder.path + ".input" : nil
        for iteration in Self.start..<(Self.start + Self.iterations) {
            var random = FuzzRandom(seed: Self.seed, iteration: iteration)
            let input = mutator.mutate(target.seeds[random.below(target.seeds.count)], &random)
            if longRun && iteration % 4096 == 0 {
                try? Data("\(iteration)\n".utf8).write(to: progress)
            }
            if let lastInput { FuzzTarget.write(input, URL(fileURLWithPath: lastInput)) }
            if target.feed(input, folder) { accepted += 1 }
        }
        if longRun {
            try? Data("\(Self.start + Self.iterations) done \(accepted) accepted\n".utf8).write(to: progress)
        } else {
            try? FileManager.default.removeItem(at: folder)
        }
    }

    /// Inputs that once crashed a parser (Tests/Fixtures/fuzz/<target>/) must now be handled.
    @Test(arguments: names)
    func regressionInputs(_ name: String) throws {
        let target = try FuzzTarget.named(name)
        let saved = FuzzTarget.fixtures.appendingPathComponent("fuzz").appendingPathComponent(name)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: saved.path)) ?? []
        let folder = try Self.folder(for: name + "-regressions")
        defer { try? FileManager.default.removeItem(at: folder) }
        for file in files.sorted() where !file.hasPrefix(".") {
            let input = [UInt8](try Data(contentsOf: saved.appendingPathComponent(file)))
            _ = target.feed(input, folder)  // reaching the next line is the test: no trap
        }
    }
}
