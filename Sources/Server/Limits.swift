/// What the API accepts at most, so that no request can make the server hold or compute
/// without bound.
public enum Limits {
    /// Bytes of a request body.
    public static let bodyBytes = 64 * 1024
    /// Tokens of a text run through the model.
    public static let textTokens = 4096
    /// Neurons of one `POST /api/neurons` batch.
    public static let batchNeurons = 100
    /// Rows of one page of a layer table.
    public static let pageRows = 1000
    /// Neurons listed per token by `POST /api/top-neurons`.
    public static let topNeurons = 100
    /// Hits of one search.
    public static let searchHits = 10_000
}
