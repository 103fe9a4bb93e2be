import Foundation
import Hummingbird
import HummingbirdTesting
import Models
import Testing
import Tokenizers
@testable import Server

/// The inference routes with the fixture's model, and without one.
@Suite(.enabled(if: NeurodexBinary.url != nil, NeurodexBinary.missingNote))
struct InferenceTests {
    static func model(_ folder: URL) throws -> InferenceModel {
        InferenceModel(model: try ModelLoader.loadModel(at: folder, maxLayer: nil, threads: 1),
                       tokenizer: try Tokenizer.load(modelFolder: folder), path: folder.path)
    }

    /// A server with the model and one without, each on a store copy of its own (one opening of
    /// a store per process, as LMDB requires).
    static let withModel = Result {
        try NeurodexServer(configuration: .init(storeDirectory: ServerFixture.copyOfStore("inference-store")),
                           loadModel: { _ in try model(ServerFixture.modelFolder) })
    }
    static let withoutModel = Result {
        try NeurodexServer(configuration: .init(storeDirectory: ServerFixture.copyOfStore("no-model-store")))
    }

    func withClient(model: Bool = true, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let server = try (model ? Self.withModel : Self.withoutModel).get()
        try await Application(router: server.router()).test(.router) { client in try await body(client) }
    }

    func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any],
                     "\(String(buffer: response.body))")
    }

    func post(_ client: any TestClientProtocol, _ uri: String, _ body: Any) async throws -> TestResponse {
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await client.execute(uri: uri, method: .post, body: ByteBuffer(bytes: data)) { $0 }
    }

    /// The activation at a record's position, from the document's text run as the indexer ran
    /// it, is the record's stored activation.
    @Test func activationsOfACorpusDocumentAreTheIndexedOnes() async throws {
        let store = try ServerFixture.store.get()
        let neuron = try #require(try JSONSerialization.jsonObject(
            with: NeurodexBinary.run(["neuron", "--store", store.path, "1", "3", "--format", "json"]).output) as? [String: Any])
        let top = try #require((neuron["top"] as? [[String: Any]])?.first)
        let document = try #require(top["document"] as? Int), position = try #require(top["position"] as? Int)
        let token = try #require(top["token"] as? String), stored = try #require(top["activation"] as? Double)
        let text = try String(contentsOf: ServerFixture.folder.appendingPathComponent("corpus")
            .appendingPathComponent(String(format: "doc-%03d.txt", document)), encoding: .utf8)
        try await withClient { client in
            let response = try await post(client, "/api/activations", ["text": text, "layer": 1, "neuron": 3])
            #expect(response.status == .ok)
            let tokens = try #require(try object(response)["tokens"] as? [[String: Any]])
            let at = try #require(tokens.indices.contains(position) ? tokens[position] : nil)
            #expect(at["text"] as? String == token)
            let activation = try #require(at["activation"] as? Double)
            #expect(abs(activation - stored) <= 1e-5 * max(1, abs(stored)), "\(activation) vs \(stored)")
            #expect(tokens.compactMap { $0["activation"] as? Double }.max() ?? 0 <= stored + 1e-5 * max(1, abs(stored)))
        }
    }

    @Test func topNeuronsPerToken() async throws {
        try await withClient { client in
            let response = try await post(client, "/api/top-neurons", ["text": "To be, or not to be", "layers": [0, 1], "limit": 4])
            #expect(response.status == .ok)
            let body = try object(response)
            #expect(body["layers"] as? [Int] == [0, 1])
            let tokens = try #require(body["tokens"] as? [[String: Any]])
            #expect(!tokens.isEmpty)
            for token in tokens {
                let neurons = try #require(token["neurons"] as? [[String: Any]])
                #expect(neurons.count == 4)
                let values = neurons.compactMap { $0["activation"] as? Double }
                #expect(values == values.sorted(by: >))
            }
            let status = try await client.execute(uri: "/api/server", method: .get) { try object($0) }
            #expect((status["model"] as? [String: Any])?["fingerprint"] is String)
        }
    }

    @Test func badInferenceRequests() async throws {
        try await withClient { client in
            let long = String(repeating: "the king ", count: 3000)
            for (body, status, text) in [
                (["text": long, "layer": 1, "neuron": 3] as [String: Any], HTTPResponse.Status.badRequest, "4096"),
                (["text": "", "layer": 1, "neuron": 3], .badRequest, "no tokens"),
                (["text": "hello", "layer": 1, "neuron": 999], .notFound, "neuron 999"),
                (["text": "hello", "layer": 5, "neuron": 1], .notFound, "layer 5"),
                (["text": "hello"], .badRequest, "layer"),
            ] {
                let response = try await post(client, "/api/activations", body)
                #expect(response.status == status)
                #expect((try object(response)["error"] as? String)?.contains(text) == true, "\(String(buffer: response.body))")
            }
            for (body, status) in [(["text": "hello", "limit": 0] as [String: Any], HTTPResponse.Status.badRequest),
                                   (["text": "hello", "layers": [7]], .notFound), (["text": "hello", "layers": []], .badRequest)] {
                #expect(try await post(client, "/api/top-neurons", body).status == status)
            }
        }
    }

    @Test func withoutAModelTheInferenceRoutesAnswer503() async throws {
        try await withClient(model: false) { client in
            for route in ["/api/activations", "/api/top-neurons"] {
                let response = try await post(client, route, ["text": "hello", "layer": 1, "neuron": 3])
                #expect(response.status == .serviceUnavailable)
                #expect((try object(response)["error"] as? String)?.contains("--model") == true)
            }
        }
    }

    @Test func anotherModelIsRefused() throws {
        let store = try ServerFixture.copyOfStore("refused-store")
        let other = try ServerFixture.gpt2Folder(at: ServerFixture.folder.appendingPathComponent("other-model"), epsilon: 1e-6)
        #expect(throws: ServerError.self) {
            _ = try NeurodexServer(configuration: .init(storeDirectory: store), loadModel: { _ in try Self.model(other) })
        }
    }
}
