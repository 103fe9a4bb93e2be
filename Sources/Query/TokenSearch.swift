import Canonical
import Store

/// How token text given by a user is matched against the stored vocabulary.
public enum TokenMatching: String, Sendable, CaseIterable {
    /// The token whose bytes are exactly the text's (`<0xNN>` stands for a raw byte).
    case exact
    /// That token and the one that differs by a leading space: "the" finds "the" and " the",
    /// " the" finds " the" and "the". Byte-level BPE vocabularies (GPT-2, SmolLM2) spell a word
    /// after a space as its own token, and that is the one a user usually means.
    case ignoringLeadingSpace
}

/// A token of the vocabulary that matched the search text.
public struct MatchedToken: Sendable, Hashable, Codable {
    public var id: UInt32
    public var text: String

    public init(id: UInt32, text: String) {
        self.id = id
        self.text = text
    }
}

/// One neuron that has a searched token among its core tokens.
public struct TokenSearchHit: Sendable, Hashable, Codable {
    public var layer: Int
    public var neuron: Int
    public var tokenID: UInt32
    /// The token as text.
    public var token: String
    /// The neuron's best activation on that token.
    public var activation: Float

    public init(layer: Int, neuron: Int, tokenID: UInt32, token: String, activation: Float) {
        self.layer = layer
        self.neuron = neuron
        self.tokenID = tokenID
        self.token = token
        self.activation = activation
    }
}

/// The neurons that have the searched token(s) among their core tokens, highest activation first.
public struct TokenSearchResult: Sendable {
    public var tokens: [MatchedToken]
    public var hits: [TokenSearchHit]
    /// Hits before `limit` was applied.
    public var totalHits: Int
}

extension StoreQuery {
    /// The ids whose bytes match `text` under `matching`, in id order.
    public func tokenIDs(matching text: String, _ matching: TokenMatching = .ignoringLeadingSpace) -> [UInt32] {
        let exact = TokenText.bytes(of: text)
        var variants = [exact]
        if matching == .ignoringLeadingSpace {
            if exact.first == UInt8(ascii: " ") {
                if exact.count > 1 { variants.append(Array(exact.dropFirst())) }
            } else {
                variants.append([UInt8(ascii: " ")] + exact)
            }
        }
        return Set(variants.flatMap { vocabulary.tokens(withBytes: $0) }).sorted()
    }

    /// The neurons with a token matching `text` among their core tokens (see `TokenMatching`),
    /// highest activation first (ties by layer, neuron, token), at most `limit`, only in
    /// `layer` when given.
    public func searchToken(_ text: String, matching: TokenMatching = .ignoringLeadingSpace, layer: Int? = nil,
                            limit: Int? = nil) throws -> TokenSearchResult {
        try checkLayerFilter(layer)
        let ids = tokenIDs(matching: text, matching)
        guard !ids.isEmpty else {
            throw QueryError.unknownToken(text, alsoTriedLeadingSpace: matching == .ignoringLeadingSpace)
        }
        return try searchTokens(ids, layer: layer, limit: limit)
    }

    /// The neurons with token `id` among their core tokens.
    public func searchToken(id: UInt32, layer: Int? = nil, limit: Int? = nil) throws -> TokenSearchResult {
        try checkLayerFilter(layer)
        return try searchTokens([id], layer: layer, limit: limit)
    }

    func searchTokens(_ ids: [UInt32], layer: Int?, limit: Int?) throws -> TokenSearchResult {
        var hits: [TokenSearchHit] = []
        try store.activations.read { reader in
            for id in ids {
                let text = vocabulary.text(of: id)
                for hit in try reader.neurons(withToken: id, layer: layer) {
                    hits.append(TokenSearchHit(layer: hit.layer, neuron: hit.neuron, tokenID: id, token: text,
                                               activation: hit.activation))
                }
            }
        }
        hits.sort { a, b in
            if a.activation != b.activation { return a.activation > b.activation }
            return (a.layer, a.neuron, a.tokenID) < (b.layer, b.neuron, b.tokenID)
        }
        let total = hits.count
        if let limit { hits = Array(hits.prefix(max(0, limit))) }
        return TokenSearchResult(tokens: ids.map { MatchedToken(id: $0, text: vocabulary.text(of: $0)) },
                                 hits: hits, totalHits: total)
    }
}
