import Foundation
import Testing

/// A model file with a NaN weight: `neurodex index` stops with the layer and position of the
/// first non-finite activation, and the store does not claim a complete run.
@Suite(.enabled(if: NeurodexBinary.url != nil, NeurodexBinary.missingNote))
struct NonFiniteActivationTests {
    let tmp = TemporaryDirectory()

    @Test(arguments: [("h.0.mlp.c_fc.bias", 0), ("h.1.ln_2.weight", 1), ("h.0.attn.c_attn.weight", 0)])
    func nanWeightsAreReportedWithLayerAndPosition(tensor: String, layer: Int) throws {
        let model = try CLIFixtures.gpt2Folder(at: tmp.path("model"), nanIn: tensor)
        let corpus = try CLIFixtures.corpusFolder(at: tmp.path("corpus"), documents: 2)
        let store = tmp.path("store")
        let outcome = try neurodex(["index", "--model", model.path, "--corpus", corpus.path, "--store", store.path,
                                    "--layers", "0-1", "--top-k", "4", "--context", "16", "--quiet"])
        #expect(outcome.status == 1 && !outcome.signaled)
        #expect(outcome.errorLines.count == 1, "\(outcome.standardError)")
        let line = outcome.errorLines.first ?? ""
        #expect(line.contains("non-finite activation") && line.contains("layer \(layer),")
                && line.contains("document ") && line.contains("position "), "\(line)")
        let status = try runs(of: store)?.first?["status"] as? String
        #expect(status == "failed")
    }
}
