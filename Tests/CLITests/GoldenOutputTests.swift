import Foundation
import Testing

/// The JSON the CLI prints, byte for byte, against the files in Tests/Fixtures/golden/.
///
/// The store is rebuilt from the generated GPT-2 fixture (fixed seed) and a small corpus, with
/// one thread so that every activation is computed in the same order. What legitimately varies
/// between runs is normalized before comparing (`normalized`): the temporary directory (plain and
/// with JSON-escaped slashes, also inside JSON strings) becomes `$TMP`, and ISO 8601 times become `$TIME`.
///
/// After an intended change of the output, rewrite the files with
/// `NEURODEX_RECORD_GOLDEN=1 swift test --filter GoldenOutputTests` and review the diff.
@Suite(.enabled(if: NeurodexBinary.url != nil, NeurodexBinary.missingNote), .serialized)
final class GoldenOutputTests {
    static let golden = CLIFixtures.fixtures.appendingPathComponent("golden")
    static let recording = ProcessInfo.processInfo.environment["NEURODEX_RECORD_GOLDEN"] == "1"

    let tmp = TemporaryDirectory()
    let model: URL
    let store: URL

    init() throws {
        model = try CLIFixtures.gpt2Folder(at: tmp.path("model"))
        let corpus = try CLIFixtures.corpusFolder(at: tmp.path("corpus"), documents: 4)
        store = tmp.path("store")
        let outcome = try neurodex(["index", "--model", model.path, "--corpus", corpus.path, "--store", store.path,
                                    "--layers", "0-1", "--top-k", "24", "--context", "32", "--threads", "1", "--quiet"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
    }

    /// `output` with the run-dependent parts replaced by placeholders.
    func normalized(_ output: String) -> String {
        // The directory as written, in a JSON string (`\/`), and in a JSON string inside a JSON string (`\\\/`).
        let directory = tmp.url.path
        var text = output
        for slash in ["/", "\\/", "\\\\\\/"] {
            text = text.replacingOccurrences(of: directory.replacingOccurrences(of: "/", with: slash), with: "$TMP")
        }
        let time = try! Regex(#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#)
        text.replace(time, with: "$TIME")
        return text
    }

    /// Runs `neurodex arguments` and compares its standard output with the golden file `name`.
    func check(_ name: String, _ arguments: [String]) throws {
        let outcome = try neurodex(arguments)
        try #require(outcome.status == 0, "\(outcome.standardError)")
        let actual = normalized(outcome.standardOutput)
        let file = Self.golden.appendingPathComponent(name)
        if Self.recording {
            try FileManager.default.createDirectory(at: Self.golden, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: file)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(actual == expected, "neurodex \(arguments.joined(separator: " ")) differs from golden/\(name)")
    }

    @Test func info() throws {
        try check("info.json", ["info", "--store", store.path, "--format", "json"])
    }

    @Test func neuron() throws {
        try check("neuron-0-3.json", ["neuron", "--store", store.path, "0", "3", "--format", "json"])
        try check("neuron-1-17-limit-5.json", ["neuron", "--store", store.path, "1", "17", "--limit", "5",
                                               "--context-window", "4", "--format", "json"])
    }

    @Test func search() throws {
        try check("search-the.json", ["search", "--store", store.path, "--token", "the", "--limit", "10", "--format", "json"])
        try check("search-id-layer-1.json", ["search", "--store", store.path, "--token-id", "262", "--layer", "1",
                                             "--format", "json"])
    }

    @Test func analyze() throws {
        try check("analyze-neuron-0-3.json", ["analyze", "--store", store.path, "--layers", "0", "--neurons", "3",
                                              "--permutations", "30", "--no-cache", "--quiet", "--format", "json"])
        try check("analyze-layers.json", ["analyze", "--store", store.path, "--layers", "0-1", "--neurons", "0-5",
                                          "--permutations", "30", "--threads", "1", "--no-cache", "--quiet",
                                          "--format", "json"])
    }

    @Test func tokenize() throws {
        try check("tokenize.json", ["tokenize", "--model", model.path, "--text", "To be, or not to be: that is\nthe question.",
                                    "--format", "json"])
    }
}
