/// Why a tokenizer could not be built. Each case names the file (or table) and the problem.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The model folder has neither `tokenizer.json` nor `vocab.json` + `merges.txt`.
    case noTokenizerFiles(folder: String)
    /// A file the tokenizer needs does not exist.
    case missingFile(path: String)
    /// A file exists but could not be read.
    case unreadableFile(path: String, reason: String)
    /// A file or table is not what its format requires (bad JSON, a bad merge line,
    /// a merge of tokens that are not in the vocabulary, an id out of range, …).
    case malformed(source: String, problem: String)
    /// A well-formed tokenizer that uses a feature Neurodex does not implement.
    case unsupported(source: String, feature: String)

    public var description: String {
        switch self {
        case .noTokenizerFiles(let folder):
            "no tokenizer in \(folder): expected tokenizer.json, or vocab.json and merges.txt"
        case .missingFile(let path):
            "tokenizer file \(path) does not exist"
        case .unreadableFile(let path, let reason):
            "cannot read tokenizer file \(path): \(reason)"
        case .malformed(let source, let problem):
            "malformed tokenizer \(source): \(problem)"
        case .unsupported(let source, let feature):
            "unsupported tokenizer \(source): \(feature)"
        }
    }
}
