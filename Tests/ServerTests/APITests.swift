import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

/// The API through HummingbirdTesting against the fixture store: every route, every error code.
@Suite(.enabled(if: NeurodexBinary.url != nil, NeurodexBinary.missingNote))
struct APITests {
    /// Runs `body` with a client of a server over the fixture store.
    /// One server per store in this process: LMDB forbids opening an environment twice in one
    /// process, and a server opens its store once.
    static let server = Result { try NeurodexServer(configuration: .init(storeDirectory: ServerFixture.store.get())) }

    func withClient(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Application(router: try Self.server.get().router()).test(.router) { client in try await body(client) }
    }

    /// The decoded JSON object of a response.
    func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    /// Expects an error answer: `status`, JSON `{"error": one line}`.
    func expectError(_ response: TestResponse, _ status: HTTPResponse.Status, containing text: String = "",
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
        let body = try object(response)
        #expect(body.count == 1, sourceLocation: sourceLocation)
        let message = try #require(body["error"] as? String, sourceLocation: sourceLocation)
        #expect(!message.isEmpty && !message.contains("\n"), sourceLocation: sourceLocation)
        #expect(text.isEmpty || message.contains(text), "\(message)", sourceLocation: sourceLocation)
    }

    @Test func layerTableIsSortedPagedAndFiltered() async throws {
        try await withClient { client in
            let page = try await client.execute(uri: "/api/layers/1?sort=max&order=desc&offset=0&limit=10", method: .get) { response in
                #expect(response.status == .ok)
                return try object(response)
            }
            #expect(page["total"] as? Int == ServerFixture.neurons)
            #expect(page["neuron_count"] as? Int == ServerFixture.neurons)
            let rows = try #require(page["neurons"] as? [[String: Any]])
            #expect(rows.count == 10)
            let maxima = rows.compactMap { $0["max"] as? Double }
            #expect(maxima.count == 10 && maxima == maxima.sorted(by: >))

            let ascending = try await client.execute(uri: "/api/layers/1?sort=mean&order=asc&offset=120&limit=50", method: .get) {
                try object($0)
            }
            let tail = try #require(ascending["neurons"] as? [[String: Any]])
            #expect(tail.count == ServerFixture.neurons - 120)
            let means = tail.compactMap { $0["mean"] as? Double }
            #expect(means == means.sorted())

            let token = try #require((rows.first?["top_tokens"] as? [String])?.first)
            let filtered = try await client.execute(uri: "/api/layers/1?token=\(token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                                                    method: .get) { try object($0) }
            let kept = try #require(filtered["neurons"] as? [[String: Any]])
            #expect(!kept.isEmpty && (filtered["total"] as? Int ?? 0) <= ServerFixture.neurons)
            for row in kept {
                #expect((row["top_tokens"] as? [String])?.contains { $0.lowercased().contains(token.lowercased()) } == true)
            }
        }
    }

    @Test func histogramAndServerStatus() async throws {
        try await withClient { client in
            let histogram = try await client.execute(uri: "/api/neurons/0/5/histogram", method: .get) { try object($0) }
            let bins = try #require(histogram["bins"] as? [[String: Any]])
            #expect(!bins.isEmpty)
            #expect(bins.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == histogram["total"] as? Int)
            let status = try await client.execute(uri: "/api/server", method: .get) { try object($0) }
            #expect(status["model"] == nil || status["model"] is NSNull)
            #expect((status["limits"] as? [String: Any])?["body_bytes"] as? Int == Limits.bodyBytes)
        }
    }

    @Test func analysisPlotsAndTheLayerTableShowCachedAnalyses() async throws {
        try await withClient { client in
            for plot in ["clusters", "segments"] {
                try await client.execute(uri: "/api/neurons/1/3/plots/\(plot).svg", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("image/svg+xml") == true)
                    #expect(String(buffer: response.body).contains("<svg"))
                }
            }
            let page = try await client.execute(uri: "/api/layers/1?sort=verdict&limit=5", method: .get) { try object($0) }
            let analyses = try #require(page["analyses"] as? [String: Any])
            #expect(analyses["analyzed"] as? Int ?? 0 >= 1)
            let first = try #require((page["neurons"] as? [[String: Any]])?.first)
            #expect(first["verdict"] is String && first["epsilon_squared"] is Double)
        }
    }

    @Test func openAPIDocumentListsEveryRoute() async throws {
        try await withClient { client in
            let document = try await client.execute(uri: "/api/openapi.json", method: .get) { try object($0) }
            #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
            let paths = try #require(document["paths"] as? [String: Any])
            for path in ["/api/info", "/api/server", "/api/neurons/{layer}/{neuron}", "/api/neurons", "/api/layers/{layer}",
                         "/api/search", "/api/neurons/{layer}/{neuron}/analysis", "/api/activations", "/api/top-neurons",
                         "/api/neurons/{layer}/{neuron}/histogram", "/api/neurons/{layer}/{neuron}/plots/{plot}",
                         "/api/layers/{layer}/effect-sizes.svg"] {
                #expect(paths[path] != nil, "\(path) is not in the OpenAPI document")
            }
        }
    }

    @Test func viewerPagesAndAssets() async throws {
        try await withClient { client in
            for page in ["/", "/layers/1", "/neurons/1/3", "/search"] {
                try await client.execute(uri: page, method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                    #expect(String(buffer: response.body).contains("/assets/app.js"))
                }
            }
            for (asset, type) in [("app.js", "text/javascript"), ("style.css", "text/css")] {
                try await client.execute(uri: "/assets/\(asset)", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix(type) == true)
                }
            }
        }
    }

    /// ViewerAssets.swift is generated from the files under Sources/Server/Viewer/.
    @Test func embeddedAssetsMatchTheirFiles() throws {
        let viewer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/Server/Viewer")
        for (file, embedded) in [("index.html", ViewerAssets.indexHTML), ("app.js", ViewerAssets.appJS),
                                 ("style.css", ViewerAssets.styleCSS), ("openapi.json", ViewerAssets.openAPIJSON)] {
            let text = try String(contentsOf: viewer.appendingPathComponent(file), encoding: .utf8)
            #expect(text == embedded, "Sources/Server/Viewer/\(file) changed: run Tools/embed_viewer.sh")
        }
        #expect(try JSONSerialization.jsonObject(with: Data(ViewerAssets.openAPIJSON.utf8)) is [String: Any])
    }

    @Test func badInputGetsTheRightCodeAndOneLine() async throws {
        try await withClient { client in
            let cases: [(String, HTTPRequest.Method, HTTPResponse.Status, String)] = [
                ("/api/nothing", .get, .notFound, "no such"),
                ("/assets/../../../etc/passwd", .get, .notFound, ""),
                ("/assets/%2e%2e/%2e%2e/etc/passwd", .get, .notFound, ""),
                ("/api/layers/x", .get, .badRequest, "layer"),
                ("/api/layers/-1", .get, .badRequest, "layer"),
                ("/api/layers/7", .get, .notFound, "layer 7"),
                ("/api/layers/99999999999999999999", .get, .badRequest, "layer"),
                ("/api/layers/1?sort=color", .get, .badRequest, "sort"),
                ("/api/layers/1?limit=0", .get, .badRequest, "limit"),
                ("/api/layers/1?offset=-3", .get, .badRequest, "offset"),
                ("/api/neurons/1/128/histogram", .get, .notFound, "neuron 128"),
                ("/api/neurons/1/3/plots/other.svg", .get, .notFound, "plot"),
                ("/api/neurons/1/3/plots/clusters.svg?embeddings=contextual", .get, .badRequest, "contextual"),
                ("/api/neurons/1/3/plots/clusters.svg?seed=x", .get, .badRequest, "seed"),
                ("/api/layers/1", .post, .methodNotAllowed, "GET"),
                ("/api/layers/1", .delete, .methodNotAllowed, "GET"),
                ("/api/openapi.json", .put, .methodNotAllowed, "GET"),
            ]
            for (uri, method, status, text) in cases {
                try await client.execute(uri: uri, method: method) { response in
                    try expectError(response, status, containing: text)
                    if status == .methodNotAllowed { #expect(response.headers[.allow] == "GET") }
                }
            }
        }
    }

    @Test func badBodiesAndSearchesGetTheRightCode() async throws {
        try await withClient { client in
            let tooMany = "[" + (0..<101).map { _ in #"{"layer":0,"neuron":1}"# }.joined(separator: ",") + "]"
            let cases: [(String, [UInt8], HTTPResponse.Status, String)] = [
                ("/api/neurons", Array(tooMany.utf8), .badRequest, "at most 100"),
                ("/api/neurons", Array(#"[{"layer":0,"neuron":1}"#.utf8), .badRequest, "not JSON"),
                ("/api/neurons", Array(#"{"layer":0}"#.utf8), .badRequest, "not JSON"),
                ("/api/neurons", Array(#"[{"layer":-1,"neuron":1}]"#.utf8), .badRequest, "non-negative"),
                ("/api/neurons", Array(#"[{"layer":0,"neuron":4000}]"#.utf8), .notFound, "neuron 4000"),
                ("/api/neurons", [0x5B, 0xFF, 0xFE, 0x5D], .badRequest, "UTF-8"),
                ("/api/neurons", Array(repeating: 0x20, count: Limits.bodyBytes + 1), .contentTooLarge, "64 KiB"),
                ("/api/activations", Array(#"{"text":"ÿ","layer":1,"neuron":1}"#.utf8), .serviceUnavailable, "--model"),
            ]
            for (uri, body, status, text) in cases {
                try await client.execute(uri: uri, method: .post, body: ByteBuffer(bytes: body)) { response in
                    try expectError(response, status, containing: text)
                }
            }
            for (uri, status, text) in [("/api/search", HTTPResponse.Status.badRequest, "token"),
                                        ("/api/search?token=", .badRequest, "token"),
                                        ("/api/search?token=%E2%98%83%E2%98%83%E2%98%83", .notFound, "no token"),
                                        ("/api/search?token=the&layer=9", .notFound, "layer 9"),
                                        ("/api/search?token=the&limit=-1", .badRequest, "limit"),
                                        ("/api/neurons/9/1", .notFound, "layer 9"),
                                        ("/api/neurons/1/99999", .notFound, "neuron 99999"),
                                        ("/api/neurons/1/99999/analysis", .notFound, "neuron 99999")] {
                try await client.execute(uri: uri, method: .get) { response in
                    try expectError(response, status, containing: text)
                }
            }
        }
    }
}
