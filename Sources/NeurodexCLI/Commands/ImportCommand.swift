import ArgumentParser
import Export
import Foundation
import Tokenizers

/// `neurodex import`: a store built from OpenAI NeuronRecord files.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Build a store from OpenAI NeuronRecord JSON files ({layer}/{neuron}.json, or .jsonl).",
        discussion: """
            Each top-activating excerpt becomes a document and a record (its largest activation). Token \
            texts become the ids of --tokenizer's vocabulary when given (texts without a token get new ids), \
            otherwise ids in order of first appearance. Random samples, quantiles and full excerpt \
            activations are kept, so `neurodex export --format neuron-record` writes the same files back. \
            See docs/query-and-export.md.
            """)

    @Option(help: "The store directory to create (must not exist or be empty).", completion: .directory)
    var store: String

    @Option(name: .customLong("openai-records"), help: "A folder of {layer}/{neuron}.json files, or a .jsonl file.",
            completion: .file())
    var openAIRecords: String

    @Option(help: "A model folder whose tokenizer (tokenizer.json, or vocab.json + merges.txt) maps token texts to ids.",
            completion: .directory)
    var tokenizer: String?

    func validate() throws {
        guard FileManager.default.fileExists(atPath: openAIRecords) else {
            throw ValidationError("--openai-records: \(openAIRecords) does not exist")
        }
    }

    func run() throws {
        let vocabulary = try tokenizer.map { try Tokenizer.load(modelFolder: URL(fileURLWithPath: $0)) }
        let summary = try NeuronRecordImporter().importRecords(
            from: URL(fileURLWithPath: openAIRecords), into: URL(fileURLWithPath: store), tokenizer: vocabulary,
            progress: { TerminalOutput.note("… \($0.neurons) neurons") })
        var line = "imported \(summary.neurons) neurons of layers \(summary.layers.map(String.init).joined(separator: ",")): "
            + "\(summary.documents) excerpts (\(summary.excerptWindows) with per-token activations), vocabulary \(summary.vocabularySize)"
        if vocabulary != nil { line += ", \(summary.textsWithoutToken) token texts not in the tokenizer" }
        print(line)
    }
}
