import Foundation
import Hummingbird
import Query
import Store
import Study

/// An error answer of the API: an HTTP status and one sentence, sent as `{"error": "…"}`.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    /// Extra response headers (e.g. `Allow` of a 405).
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONBody.response(Self.body(message), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    /// `{"error":"…"}` with the message on one line.
    static func body(_ message: String) -> [UInt8] {
        let line = message.replacingOccurrences(of: "\n", with: " ")
        return Array("{\"error\":".utf8) + JSONBody.string(line) + Array("}".utf8)
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }

    /// The API error for any error a handler throws: the store's, the query layer's and the
    /// study's errors keep their message and get the status that fits; anything else is a 500.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as QueryError:
            switch error {
            case .emptyStore, .runNotComplete:
                return APIError(.serviceUnavailable, error.description)
            case .badStatistics:
                return APIError(.internalServerError, error.description)
            case .unknownLayer, .layerNotIndexed, .unknownNeuron, .neuronNotIndexed, .unknownToken, .unknownDocument,
                 .positionsOutsideDocument:
                return APIError(.notFound, error.description)
            }
        case let error as StudyError:
            return APIError(.badRequest, error.description)
        case let error as HTTPError:
            return switch error.status {
            case .notFound: APIError(.notFound, "no such page or API route")
            case .contentTooLarge: APIError(.contentTooLarge, "the request body is larger than \(Limits.bodyBytes / 1024) KiB")
            case .methodNotAllowed: APIError(.methodNotAllowed, "this route does not accept that method")
            default: APIError(error.status, error.body ?? error.status.reasonPhrase)
            }
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            return APIError(.contentTooLarge, "the request body is larger than \(Limits.bodyBytes / 1024) KiB")
        default:
            return APIError(.internalServerError, "\(error)")
        }
    }
}

/// Turns every error into the API's `{"error": "…"}` answer, so that no route, unknown path or
/// failure answers in another shape.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            if apiError.status == .internalServerError {
                context.logger.error("\(request.method) \(request.uri.path): \(apiError.message)")
            }
            return try apiError.response(from: request, context: context)
        }
    }
}
