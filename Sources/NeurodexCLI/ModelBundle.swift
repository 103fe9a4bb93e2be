import Foundation
import ModelFiles
import Models
import Tokenizers

/// A model and the tokenizer that goes with it, loaded from an HF folder or a GGUF file.
struct ModelBundle {
    var model: any LanguageModel
    var tokenizer: Tokenizer

    static func load(path: String, maxLayer: Int?, threads: Int) throws -> ModelBundle {
        let url = URL(fileURLWithPath: path)
        let model = try ModelLoader.loadModel(at: url, maxLayer: maxLayer, threads: threads)
        let tokenizer = url.pathExtension.lowercased() == "gguf"
            ? try ggufTokenizer(GGUFFile(path: url.path))
            : try Tokenizer.load(modelFolder: url)
        // Every id the tokenizer can produce must have an embedding row.
        let modelVocabulary = model.description.vocabularySize
        guard tokenizer.vocabularySize <= modelVocabulary else {
            throw ModelLoadError.unsupportedFormat(
                file: path, detail: "the tokenizer has ids up to \(tokenizer.vocabularySize - 1) but the model's vocabulary has \(modelVocabulary) tokens")
        }
        return ModelBundle(model: model, tokenizer: tokenizer)
    }

    /// The tokenizer described by a GGUF file's `tokenizer.ggml.*` metadata.
    static func ggufTokenizer(_ file: GGUFFile) throws -> Tokenizer {
        func optionalID(_ key: String) -> UInt32? { (try? file.integer(key)).flatMap { UInt32(exactly: $0) } }
        let tables = GGUFTokenizerTables(
            model: try file.string("tokenizer.ggml.model"),
            pre: try? file.string("tokenizer.ggml.pre"),
            tokens: try file.stringArray("tokenizer.ggml.tokens"),
            merges: (try? file.stringArray("tokenizer.ggml.merges")) ?? [],
            tokenTypes: (try? file.integerArray("tokenizer.ggml.token_type"))?.map { Int32(clamping: $0) },
            beginOfSequence: optionalID("tokenizer.ggml.bos_token_id"),
            endOfSequence: optionalID("tokenizer.ggml.eos_token_id"))
        return try Tokenizer(gguf: tables)
    }
}
