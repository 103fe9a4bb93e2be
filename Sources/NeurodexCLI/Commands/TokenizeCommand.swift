import ArgumentParser
import Export
import Foundation
import Models
import Responses
import Tokenizers

/// `neurodex tokenize`: the token ids a model's tokenizer gives a text.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize text with a model's tokenizer (no weights are loaded).",
        discussion: "--format json prints {\"ids\": [...]}; table prints one token per line.")

    @Option(help: "An HF model folder (tokenizer.json or vocab.json + merges.txt) or a GGUF file.", completion: .file())
    var model: String

    @Option(help: "The text to tokenize.")
    var text: String?

    @Option(help: "A file whose text to tokenize (- for standard input).", completion: .file())
    var file: String?

    @Option(help: "Output format: json or table.")
    var format: OutputFormat = .json

    func validate() throws {
        try format.validate([.json, .table], for: "tokenize")
        if (text == nil) == (file == nil) { throw ValidationError("give exactly one of --text and --file") }
    }

    func run() throws {
        let tokenizer = try ModelBundle.loadTokenizer(path: model)
        let input: String
        if let text {
            input = text
        } else if file == "-" {
            input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            let path = file!
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("\(path): cannot read the file")
            }
            input = String(decoding: data, as: UTF8.self)
        }
        let ids = tokenizer.encode(input)
        if format == .json {
            print(String(decoding: try ResponseEncoder.encode(TokenizeResponse(ids: ids)), as: UTF8.self))
        } else {
            for id in ids { print("\(id)\t\(tokenizer.tokenString(id).debugDescription)") }
        }
    }
}
