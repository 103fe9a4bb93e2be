import Foundation
import Testing

/// `neurodex index` on the GPT-NeoX fixture folder (Tests/Fixtures/gptneox/parallel: random
/// weights and a Pythia-style tokenizer.json), then `neurodex info`.
@Suite(.enabled(if: NeurodexBinary.url != nil, NeurodexBinary.missingNote))
struct GPTNeoXIndexTests {
    let tmp = TemporaryDirectory()

    @Test func indexesAndInfoNamesTheArchitecture() throws {
        let model = CLIFixtures.fixtures.appendingPathComponent("gptneox/parallel")
        let corpus = try CLIFixtures.corpusFolder(at: tmp.path("corpus"), documents: 3)
        let store = tmp.path("store")
        let outcome = try neurodex(["index", "--model", model.path, "--corpus", corpus.path, "--store", store.path,
                                    "--layers", "0-1", "--top-k", "4", "--context", "16", "--quiet"])
        #expect(outcome.status == 0 && !outcome.signaled, "\(outcome.standardError)")
        #expect(try runs(of: store)?.first?["status"] as? String == "complete")

        let info = try neurodex(["info", "--store", store.path])
        #expect(info.status == 0, "\(info.standardError)")
        #expect(info.standardOutput.contains("model     gpt_neox from"), "\(info.standardOutput)")
        #expect(info.standardOutput.contains("2 layers, d=64, 128 neurons/layer, vocabulary 512"), "\(info.standardOutput)")
        #expect(info.standardOutput.contains("activation = gelu(post_attention_layernorm(x)·W_h_to_4h + b_h_to_4h)"),
                "\(info.standardOutput)")
        #expect(info.standardOutput.contains("layer     1: 128 neurons"), "\(info.standardOutput)")
    }
}
