import Foundation

extension Tokenizer {
    /// The tokenizer of an HF model folder: `tokenizer.json` when present, otherwise
    /// `vocab.json` + `merges.txt`. (A GGUF model's tokenizer is inside the GGUF file: read its
    /// metadata and use `init(gguf:)`.)
    ///
    /// - Throws: `TokenizerError.noTokenizerFiles` when the folder has neither, or the error of
    ///   the files found.
    public static func load(modelFolder: URL) throws -> Tokenizer {
        let fileManager = FileManager.default
        let tokenizerJSON = modelFolder.appendingPathComponent("tokenizer.json")
        if fileManager.fileExists(atPath: tokenizerJSON.path) {
            return try Tokenizer(huggingFaceTokenizerFile: tokenizerJSON)
        }
        let vocabulary = modelFolder.appendingPathComponent("vocab.json")
        let merges = modelFolder.appendingPathComponent("merges.txt")
        if fileManager.fileExists(atPath: vocabulary.path) || fileManager.fileExists(atPath: merges.path) {
            return try Tokenizer(vocabularyFile: vocabulary, mergesFile: merges)
        }
        throw TokenizerError.noTokenizerFiles(folder: modelFolder.path)
    }
}
