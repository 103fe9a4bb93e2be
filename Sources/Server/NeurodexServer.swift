import Foundation
import Hummingbird
import NIOCore
import Logging

/// `neurodex serve`: the HTTP JSON API over one store (docs/api.md) and the viewer's pages.
///
/// The store is opened read-only; the only write is the analysis cache in the catalog, when the
/// store's directory is writable.
public struct NeurodexServer: Sendable {
    /// Where to listen and what to serve.
    public struct Configuration: Sendable {
        public var storeDirectory: URL
        /// Loopback unless asked otherwise.
        public var host: String
        /// 0 picks a free port.
        public var port: Int

        public init(storeDirectory: URL, host: String = "127.0.0.1", port: Int = 8080) {
            self.storeDirectory = storeDirectory
            self.host = host
            self.port = port
        }
    }

    public let configuration: Configuration
    let service: APIService

    /// Opens the store, then loads the model with `loadModel` (given the store's last indexed
    /// layer, the last one the model must run). Throws the store's error when it cannot be
    /// read, and `ServerError.modelMismatch` when the model is not the one the store was
    /// indexed with.
    public init(configuration: Configuration,
                loadModel: ((_ lastLayer: Int?) throws -> InferenceModel)? = nil) throws {
        self.configuration = configuration
        service = try APIService(storeDirectory: configuration.storeDirectory, loadModel: loadModel)
    }

    /// The router of every API route and page, for `run` and for tests.
    public func router() -> Router<BasicRequestContext> {
        APIRoutes(service: service).router()
    }

    /// Serves until SIGINT or SIGTERM; `started` gets the URL once the socket listens.
    public func run(started: @escaping @Sendable (String) -> Void) async throws {
        var logger = Logger(label: "neurodex-serve")
        logger.logLevel = .warning
        let host = configuration.host
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                started("http://\(host.contains(":") ? "[\(host)]" : host):\(port)/")
            },
            logger: logger)
        try await app.runService()
    }
}
