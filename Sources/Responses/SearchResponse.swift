import Export
import Query

/// `neurodex search --format json`: the neurons that have a token among their core tokens,
/// `{"tokens": [{"id", "text"}], "total", "hits": [{"layer", "neuron", "token_id", "token",
/// "activation"}]}`, hits highest activation first.
public struct SearchResponse: ResponseDocument {
    public static let style = JSONStyle()

    /// A vocabulary token that matched the searched text.
    public struct Token: Codable, Sendable, Hashable {
        public var id: UInt32
        public var text: String

        enum CodingKeys: String, ResponseCodingKey {
            case id, text
        }

        public init(id: UInt32, text: String) {
            self.id = id
            self.text = text
        }
    }

    /// A neuron with a matched token among its core tokens.
    public struct Hit: Codable, Sendable, Hashable {
        public var layer: Int
        public var neuron: Int
        public var tokenID: UInt32
        /// The matched token's text.
        public var token: String
        /// The neuron's best activation on that token.
        public var activation: Float

        enum CodingKeys: String, ResponseCodingKey {
            case layer, neuron
            case tokenID = "token_id"
            case token, activation
        }

        public init(layer: Int, neuron: Int, tokenID: UInt32, token: String, activation: Float) {
            self.layer = layer
            self.neuron = neuron
            self.tokenID = tokenID
            self.token = token
            self.activation = activation
        }

        /// The columns of the hits as a table (terminal and CSV), the same fields as the JSON.
        public static let columns = [
            TableColumn("layer", .integer, "layer index"), TableColumn("neuron", .integer, "neuron index"),
            TableColumn("token_id", .integer, "the matched token id"), TableColumn("token", .text, "its text"),
            TableColumn("activation", .real, "the neuron's best activation on that token"),
        ]

        /// The hit as a row of `columns`.
        public var row: [TableCell] {
            [.integer(layer), .integer(neuron), .integer(Int(tokenID)), .text(token), .float(activation)]
        }
    }

    public var tokens: [Token]
    /// Hits before the limit was applied.
    public var total: Int
    public var hits: [Hit]

    enum CodingKeys: String, ResponseCodingKey {
        case tokens, total, hits
    }

    public init(tokens: [Token], total: Int, hits: [Hit]) {
        self.tokens = tokens
        self.total = total
        self.hits = hits
    }

    /// The document of a query's result.
    public init(result: TokenSearchResult) {
        self.init(tokens: result.tokens.map { Token(id: $0.id, text: $0.text) }, total: result.totalHits,
                  hits: result.hits.map { Hit(layer: $0.layer, neuron: $0.neuron, tokenID: $0.tokenID, token: $0.token,
                                              activation: $0.activation) })
    }
}
