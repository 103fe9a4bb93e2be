import Foundation
import ModelFiles
import Tokenizers

/// A model and the tokenizer that goes with it, loaded from an HF folder or a GGUF file.
///
/// The one way to open a model for indexing or inference: the CLI, the benchmarks and the
/// tests all load through here.
public struct ModelBundle {
    public var model: any LanguageModel
    public var tokenizer: Tokenizer

    public init(model: any LanguageModel, tokenizer: Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Loads the model at `path` (see `ModelLoader.loadModel`) and its tokenizer (see
    /// `loadTokenizer`). `maxLayer` is the highest layer that will be run (nil: all);
    /// `threads` is used for the forward pass.
    ///
    /// Throws the loaders' errors, and `ModelLoadError.unsupportedFormat` when the tokenizer
    /// can produce ids the model has no embedding for.
    public static func load(path: String, maxLayer: Int?, threads: Int) throws -> ModelBundle {
        let model = try ModelLoader.loadModel(at: URL(fileURLWithPath: path), maxLayer: maxLayer, threads: threads)
        let tokenizer = try loadTokenizer(path: path)
        // Every id the tokenizer can produce must have an embedding row.
        let modelVocabulary = model.description.vocabularySize
        guard tokenizer.vocabularySize <= modelVocabulary else {
            throw ModelLoadError.unsupportedFormat(
                file: path, detail: "the tokenizer has ids up to \(tokenizer.vocabularySize - 1) but the model's vocabulary has \(modelVocabulary) tokens")
        }
        return ModelBundle(model: model, tokenizer: tokenizer)
    }

    /// The tokenizer of the model at `path` alone, without its weights: from a GGUF file's
    /// metadata, or from an HF folder's tokenizer files (`Tokenizer.load(modelFolder:)`).
    public static func loadTokenizer(path: String) throws -> Tokenizer {
        let url = URL(fileURLWithPath: path)
        return url.pathExtension.lowercased() == "gguf"
            ? try ggufTokenizer(GGUFFile(path: url.path))
            : try Tokenizer.load(modelFolder: url)
    }

    /// The tokenizer described by a GGUF file's `tokenizer.ggml.*` metadata.
    public static func ggufTokenizer(_ file: GGUFFile) throws -> Tokenizer {
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
