/// Which vector stands for a core token when category structure is measured.
public enum EmbeddingSource: String, Codable, Sendable, Hashable, CaseIterable {
    /// The model's input embedding row of the token (GPT-2 `wte`, Llama `token_embd`), the same
    /// for every occurrence: the paper's choice.
    case `static`
    /// The layer's own MLP input at that occurrence, stored by an indexer run with
    /// `--store-inputs`: the paper's future work.
    case contextual
}
