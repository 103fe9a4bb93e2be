import Foundation
import Hummingbird
import Query
import Responses
import Study

/// The routes of the API and the viewer's pages (docs/api.md).
struct APIRoutes: Sendable {
    let service: APIService

    /// The methods answered with 405 on a route that has none of them.
    static let otherMethods: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch]

    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self, options: [.autoGenerateHeadEndpoints])
        router.add(middleware: ErrorMiddleware())
        var table = RouteTable(router: router)

        table.add("/api/info", .get) { _, _ in
            try JSONBody.encode(try await blocking { InfoResponse(summary: try service.store.store.summary()) })
        }
        table.add("/api/server", .get) { _, _ in try JSONBody.encode(service.status()) }
        table.add("/api/neurons/:layer/:neuron", .get) { _, context in
            let (layer, neuron) = (try RequestInput.index("layer", context), try RequestInput.index("neuron", context))
            return JSONBody.response(try await blocking { try ResponseEncoder.encode(try service.neuron(layer: layer, neuron: neuron)) })
        }
        table.add("/api/neurons", .post) { request, _ in
            let shape = #"[{"layer": L, "neuron": N}, …]"#
            let wanted = try await RequestInput.json([NeuronAddress].self, request, describing: shape)
            guard wanted.count <= Limits.batchNeurons else {
                throw APIError.badRequest("a batch has at most \(Limits.batchNeurons) neurons, not \(wanted.count)")
            }
            if let bad = wanted.first(where: { $0.layer < 0 || $0.neuron < 0 }) {
                throw APIError.badRequest("layer and neuron must be non-negative, not \(bad.layer)/\(bad.neuron)")
            }
            let documents = try await blocking { try wanted.map { try service.neuron(layer: $0.layer, neuron: $0.neuron) } }
            var bytes: [UInt8] = [UInt8(ascii: "[")]
            for (index, document) in documents.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes += try ResponseEncoder.encode(document)
            }
            bytes.append(UInt8(ascii: "]"))
            return JSONBody.response(bytes)
        }
        table.add("/api/search", .get) { request, _ in
            guard let token = RequestInput.text("token", request), !token.isEmpty else {
                throw APIError.badRequest("give the token to look for: /api/search?token=TEXT")
            }
            let layer = try RequestInput.text("layer", request).map { _ in
                try RequestInput.integer("layer", request, in: 0...Int(Int32.max), default: 0)
            }
            let limit = try RequestInput.integer("limit", request, in: 0...Limits.searchHits, default: 50)
            return try JSONBody.encode(try await blocking {
                try service.search(token: token, layer: layer, limit: limit == 0 ? Limits.searchHits : limit)
            })
        }
        table.add("/api/neurons/:layer/:neuron/analysis", .get) { request, context in
            let (layer, neuron) = (try RequestInput.index("layer", context), try RequestInput.index("neuron", context))
            let parameters = try RequestInput.studyParameters(request)
            return try JSONBody.encode(try await blocking {
                try service.analysisResponse(layer: layer, neuron: neuron, parameters: parameters)
            })
        }
        table.add("/api/neurons/:layer/:neuron/histogram", .get) { _, context in
            let (layer, neuron) = (try RequestInput.index("layer", context), try RequestInput.index("neuron", context))
            let statistics = try service.store.withQuery { try $0.statistics(layer: layer, neuron: neuron) }
            return try JSONBody.encode(HistogramDocument(layer: layer, neuron: neuron, statistics: statistics))
        }
        table.add("/api/layers/:layer", .get) { request, context in
            let layer = try RequestInput.index("layer", context)
            var query = LayerTableRequest()
            query.sort = try RequestInput.choice("sort", request, default: .max)
            query.order = try RequestInput.choice("order", request, default: .desc)
            query.offset = try RequestInput.integer("offset", request, in: 0...Int(Int32.max), default: 0)
            query.limit = try RequestInput.integer("limit", request, in: 1...Limits.pageRows, default: 50)
            query.token = RequestInput.text("token", request)
            query.verdict = RequestInput.text("verdict", request)
            query.parameters = try RequestInput.studyParameters(request)
            let asked = query
            let page = try await blocking { try service.layerTable(layer: layer, request: asked) }
            return try JSONBody.encode(page)
        }
        table.add("/api/layers/:layer/effect-sizes.svg", .get) { request, context in
            let layer = try RequestInput.index("layer", context)
            let parameters = try RequestInput.studyParameters(request)
            guard let svg = try await blocking({ try service.effectSizePlot(layer: layer, parameters: parameters) }) else {
                throw APIError.notFound("no analysis of layer \(layer) is cached under these parameters (run `neurodex analyze`)")
            }
            return Self.svg(svg)
        }
        table.add("/api/neurons/:layer/:neuron/plots/:plot", .get) { request, context in
            let (layer, neuron) = (try RequestInput.index("layer", context), try RequestInput.index("neuron", context))
            let name = context.parameters.get("plot") ?? ""
            guard name.hasSuffix(".svg"), let plot = APIService.NeuronPlot(rawValue: String(name.dropLast(4))) else {
                throw APIError.notFound("no plot \(RequestInput.quoted(name)); plots are clusters.svg and segments.svg")
            }
            let parameters = try RequestInput.studyParameters(request)
            return Self.svg(try await blocking {
                try service.neuronPlot(plot, layer: layer, neuron: neuron, parameters: parameters)
            })
        }
        table.add("/api/activations", .post) { request, _ in
            let model = try service.requireModel()
            let body = try await RequestInput.json(ActivationsRequest.self, request,
                                                   describing: #"{"text": "…", "layer": L, "neuron": N}"#)
            return try JSONBody.encode(try await blocking {
                try service.store.withQuery { try model.activations(body, query: $0) }
            })
        }
        table.add("/api/top-neurons", .post) { request, _ in
            let model = try service.requireModel()
            let body = try await RequestInput.json(TopNeuronsRequest.self, request,
                                                   describing: #"{"text": "…", "layers": [0, 1], "limit": 10}"#)
            return try JSONBody.encode(try await blocking {
                try service.store.withQuery { try model.topNeurons(body, query: $0) }
            })
        }
        table.add("/api/openapi.json", .get) { _, _ in
            JSONBody.response(Array(ViewerAssets.openAPIJSON.utf8))
        }

        // The viewer: one page that routes on its own path, and its scripts and styles.
        for page in ["/", "/layers/:layer", "/neurons/:layer/:neuron", "/search"] {
            table.add(RouterPath(stringLiteral: page), .get) { _, _ in Self.asset(ViewerAssets.indexHTML, type: "text/html") }
        }
        table.add("/assets/app.js", .get) { _, _ in Self.asset(ViewerAssets.appJS, type: "text/javascript") }
        table.add("/assets/style.css", .get) { _, _ in Self.asset(ViewerAssets.styleCSS, type: "text/css") }

        table.finish()
        return router
    }

    static func svg(_ text: String) -> Response {
        asset(text, type: "image/svg+xml")
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type + "; charset=utf-8", .cacheControl: "no-cache"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// One neuron of a `POST /api/neurons` batch.
struct NeuronAddress: Decodable, Sendable {
    var layer: Int
    var neuron: Int
}

/// Runs blocking store or analysis work off Swift's cooperative threads, which serve requests.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// Adds routes to a router and remembers each path's methods, so that the other methods of a
/// known path answer 405 with `Allow` rather than 404.
struct RouteTable {
    typealias Handler = @Sendable (Request, BasicRequestContext) async throws -> Response

    let router: Router<BasicRequestContext>
    private var methods: [String: [HTTPRequest.Method]] = [:]
    private var order: [RouterPath] = []

    init(router: Router<BasicRequestContext>) {
        self.router = router
    }

    mutating func add(_ path: RouterPath, _ method: HTTPRequest.Method, _ handler: @escaping Handler) {
        router.on(path, method: method, use: handler)
        if methods[path.description] == nil { order.append(path) }
        methods[path.description, default: []].append(method)
    }

    /// Registers the 405 answers.
    func finish() {
        for path in order {
            let allowed = methods[path.description] ?? []
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            for method in APIRoutes.otherMethods where !allowed.contains(method) {
                router.on(path, method: method) { request, _ -> Response in
                    throw APIError(.methodNotAllowed, "\(request.method.rawValue) is not allowed here; use \(allow)",
                                   headers: [.allow: allow])
                }
            }
        }
    }
}
