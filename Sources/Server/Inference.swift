import Foundation
import Indexer
import Models
import Query
import Responses
import Store
import Tokenizers

/// The model behind the inference routes: the one the store was indexed with, run on texts the
/// way the indexer ran the corpus (the run's context windows and BOS policy), so that a text's
/// activations are those an index of it would record.
public final class InferenceModel: @unchecked Sendable {  // `model` is used under `lock` only
    public let path: String
    let tokenizer: Tokenizer
    private let model: any LanguageModel
    /// One forward at a time: a model's buffers are its own.
    private let lock = NSLock()

    public init(model: any LanguageModel, tokenizer: Tokenizer, path: String) {
        self.model = model
        self.tokenizer = tokenizer
        self.path = path
    }

    public var fingerprint: String { model.description.fingerprint }
    var neuronCount: Int { model.description.neuronCount }

    /// How the indexer cut texts: tokens per window and the BOS token starting each, if any.
    struct Windowing: Sendable {
        var context: Int
        var bos: UInt32?
    }

    /// The windowing of the store's latest run (the model's context and no BOS without one).
    func windowing(run: RunRow?) -> Windowing {
        let options = run.flatMap { try? JSONDecoder().decode(IndexingOptions.self, from: Data($0.configJson.utf8)) }
        let bos = options?.bos == .prepend ? tokenizer.beginOfSequence ?? tokenizer.endOfText : nil
        return Windowing(context: max(1, options?.context ?? model.description.maxContext), bos: bos)
    }

    /// The tokens of `text`, at most `Limits.textTokens`.
    func tokens(of text: String) throws -> [UInt32] {
        let ids = tokenizer.encode(text)
        guard !ids.isEmpty else { throw APIError.badRequest("the text has no tokens") }
        guard ids.count <= Limits.textTokens else {
            throw APIError.badRequest("the text has \(ids.count) tokens; at most \(Limits.textTokens) are run through the model")
        }
        return ids
    }

    /// Runs `tokens` through layers up to the last of `layers` and calls `body` for each of
    /// `layers` with its activations, one row per token of `tokens` (BOS rows left out).
    func forward(_ tokens: [UInt32], windowing: Windowing, layers: [Int],
                 _ body: (_ layer: Int, _ rows: [Int], _ activations: UnsafeBufferPointer<Float>) throws -> Void) throws {
        var windows: [[UInt32]] = []
        var rows: [Int] = []  // for each token of `tokens`, its row in the batch
        var row = 0
        for start in stride(from: 0, to: tokens.count, by: windowing.context) {
            var window: [UInt32] = []
            if let bos = windowing.bos {
                window.append(bos)
                row += 1
            }
            for token in tokens[start..<min(tokens.count, start + windowing.context)] {
                window.append(token)
                rows.append(row)
                row += 1
            }
            windows.append(window)
        }
        let sorted = layers.sorted()
        guard let last = sorted.last else { return }
        lock.lock()
        defer { lock.unlock() }
        try model.forward(TokenBatch(windows: windows), through: last, captureLayers: sorted, captureMLPInput: false) { capture in
            try body(capture.layer, rows, capture.activations)  // activations: [batch rows, neuronCount]
        }
    }
}

/// `POST /api/activations`: a text's tokens and one neuron's activation at each.
public struct ActivationsResponse: ResponseDocument, Equatable {
    public static let style = JSONStyle(snakeCaseKeys: true)

    public struct Token: Codable, Sendable, Equatable {
        public var id: UInt32
        public var text: String
        public var activation: Float
    }

    public var layer: Int
    public var neuron: Int
    public var tokens: [Token]
}

/// `POST /api/top-neurons`: for each token of a text, the neurons that fire most.
public struct TopNeuronsResponse: ResponseDocument, Equatable {
    public static let style = JSONStyle(snakeCaseKeys: true)

    public struct Neuron: Codable, Sendable, Equatable {
        public var layer: Int
        public var neuron: Int
        public var activation: Float
    }

    public struct Token: Codable, Sendable, Equatable {
        public var id: UInt32
        public var text: String
        /// Highest activation first.
        public var neurons: [Neuron]
    }

    public var layers: [Int]
    public var tokens: [Token]
}

/// The bodies of the inference routes.
struct ActivationsRequest: Decodable, Sendable {
    var text: String
    var layer: Int
    var neuron: Int
}

struct TopNeuronsRequest: Decodable, Sendable {
    var text: String
    var layers: [Int]?
    var limit: Int?
}

extension InferenceModel {
    func activations(_ request: ActivationsRequest, query: StoreQuery) throws -> ActivationsResponse {
        guard request.layer >= 0, request.neuron >= 0 else { throw APIError.badRequest("layer and neuron must be non-negative") }
        try query.checkNeuron(layer: request.layer, neuron: request.neuron)
        let tokens = try tokens(of: request.text)
        var values = [Float](repeating: .nan, count: tokens.count)
        let width = neuronCount
        try forward(tokens, windowing: windowing(run: query.latestRun), layers: [request.layer]) { _, rows, activations in
            for (index, row) in rows.enumerated() { values[index] = activations[row * width + request.neuron] }
        }
        return ActivationsResponse(layer: request.layer, neuron: request.neuron, tokens: zip(tokens, values).map { id, value in
            .init(id: id, text: query.vocabulary.text(of: id), activation: value)
        })
    }

    func topNeurons(_ request: TopNeuronsRequest, query: StoreQuery) throws -> TopNeuronsResponse {
        let limit = request.limit ?? 10
        guard (1...Limits.topNeurons).contains(limit) else {
            throw APIError.badRequest("limit must be 1…\(Limits.topNeurons), not \(limit)")
        }
        let layers = try request.layers.map { requested in
            guard !requested.isEmpty else { throw APIError.badRequest("layers must list at least one layer") }
            return try Array(Set(requested)).sorted().map { layer in
                guard layer >= 0 else { throw APIError.badRequest("layers must be non-negative, not \(layer)") }
                return try query.layer(layer).row.layer
            }
        } ?? query.indexedLayers
        let tokens = try tokens(of: request.text)
        var best = [[TopNeuronsResponse.Neuron]](repeating: [], count: tokens.count)
        let width = neuronCount
        try forward(tokens, windowing: windowing(run: query.latestRun), layers: layers) { layer, rows, activations in
            for (index, row) in rows.enumerated() {
                let values = UnsafeBufferPointer(rebasing: activations[(row * width)..<((row + 1) * width)])
                var candidates = best[index]
                for (neuron, value) in values.enumerated() where value.isFinite {
                    if candidates.count == limit, let lowest = candidates.last, value <= lowest.activation { continue }
                    let entry = TopNeuronsResponse.Neuron(layer: layer, neuron: neuron, activation: value)
                    let at = candidates.firstIndex { $0.activation < value } ?? candidates.count
                    candidates.insert(entry, at: at)
                    if candidates.count > limit { candidates.removeLast() }
                }
                best[index] = candidates
            }
        }
        return TopNeuronsResponse(layers: layers, tokens: zip(tokens, best).map { id, neurons in
            .init(id: id, text: query.vocabulary.text(of: id), neurons: neurons)
        })
    }
}
