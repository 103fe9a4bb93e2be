import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

/// The API serves the CLI's documents byte for byte: `neurodex info|neuron|search|analyze
/// --format json` against the same store print what the routes answer (plus a newline).
///
/// On a store of its own, one test at a time: `info` shows file sizes, which caching changes.
@Suite(.enabled(if: NeurodexBinary.url != nil, NeurodexBinary.missingNote), .serialized)
struct CLIDocumentTests {
    static let store = Result { try ServerFixture.copyOfStore("documents-store") }

    static let server = Result { try NeurodexServer(configuration: .init(storeDirectory: store.get())) }

    func withClient(_ body: @escaping @Sendable (any TestClientProtocol, URL) async throws -> Void) async throws {
        let store = try Self.store.get()
        try await Application(router: try Self.server.get().router()).test(.router) { client in try await body(client, store) }
    }

    /// The CLI's standard output without its final newline.
    func cli(_ arguments: [String]) throws -> String {
        let result = try NeurodexBinary.run(arguments)
        #expect(result.status == 0, "\(arguments): \(result.error)")
        var text = String(decoding: result.output, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    func body(_ client: any TestClientProtocol, _ uri: String, method: HTTPRequest.Method = .get,
              _ body: String? = nil) async throws -> String {
        try await client.execute(uri: uri, method: method, body: body.map { ByteBuffer(string: $0) }) { response in
            #expect(response.status == .ok, "\(uri): \(String(buffer: response.body))")
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            return String(buffer: response.body)
        }
    }

    @Test func infoNeuronAndSearchAreTheCLIDocuments() async throws {
        try await withClient { client, store in
            #expect(try await body(client, "/api/info") == (try cli(["info", "--store", store.path, "--format", "json"])))
            let neuron = try await body(client, "/api/neurons/1/3")
            #expect(neuron == (try cli(["neuron", "--store", store.path, "1", "3", "--format", "json"])))

            let document = try #require(try JSONSerialization.jsonObject(with: Data(neuron.utf8)) as? [String: Any])
            let token = try #require((document["top"] as? [[String: Any]])?.first?["token"] as? String)
            let encoded = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            for (query, arguments) in [("token=\(encoded)", ["--limit", "50"]), ("token=\(encoded)&layer=0&limit=5", ["--layer", "0", "--limit", "5"]),
                                       ("token=\(encoded)&limit=0", ["--limit", "0"])] {
                #expect(try await body(client, "/api/search?\(query)")
                        == (try cli(["search", "--store", store.path, "--token", token, "--format", "json"] + arguments)))
            }
        }
    }

    @Test func aBatchIsTheNeuronDocumentsInOrder() async throws {
        try await withClient { client, store in
            let batch = try await body(client, "/api/neurons", method: .post, #"[{"layer":1,"neuron":7},{"layer":0,"neuron":2}]"#)
            let one = try cli(["neuron", "--store", store.path, "1", "7", "--format", "json"])
            let two = try cli(["neuron", "--store", store.path, "0", "2", "--format", "json"])
            #expect(batch == "[\(one),\(two)]")
            #expect(try await body(client, "/api/neurons", method: .post, "[]") == "[]")
        }
    }

    @Test func theAnalysisIsComputedOnceThenCachedAsAnalyzeCachesIt() async throws {
        try await withClient { client, store in
            let first = try await body(client, "/api/neurons/0/9/analysis?seed=7")
            #expect(first.contains(#""source":"computed""#) || first.contains(#""source":"cache""#))
            let second = try await body(client, "/api/neurons/0/9/analysis?seed=7")
            #expect(second.contains(#""source":"cache""#))
            // analyze finds the server's cached row and prints the same document.
            #expect(second == (try cli(["analyze", "--store", store.path, "--layers", "0", "--neurons", "9", "--seed", "7",
                                        "--format", "json", "--quiet"])))
            _ = try await body(client, "/api/neurons/0/9/analysis?seed=7&distinct_tokens=true")
            let distinct = try await body(client, "/api/neurons/0/9/analysis?seed=7&distinct_tokens=true")
            #expect(distinct == (try cli(["analyze", "--store", store.path, "--layers", "0", "--neurons", "9", "--seed", "7",
                                          "--distinct-tokens", "--format", "json", "--quiet"])))
        }
    }
}
