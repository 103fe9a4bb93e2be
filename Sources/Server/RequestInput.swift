import Foundation
import Hummingbird
import Study

/// Reading what a request carries (path parameters, query parameters, a JSON body), each
/// failure a 400 or 413 that says which input is wrong.
enum RequestInput {
    /// A non-negative integer path parameter such as `layer`.
    static func index(_ name: String, _ context: some RequestContext) throws -> Int {
        guard let text = context.parameters.get(name), let value = Int(text), value >= 0 else {
            throw APIError.badRequest("\(name) must be a non-negative integer, not \(quoted(context.parameters.get(name) ?? ""))")
        }
        return value
    }

    /// The query parameter `name` as text, nil when absent.
    static func text(_ name: String, _ request: Request) -> String? {
        request.uri.queryParameters.get(name).map { String($0) }
    }

    /// An integer query parameter within `range`, `fallback` when absent.
    static func integer(_ name: String, _ request: Request, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let text = text(name, request) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("\(name) must be an integer in \(range.lowerBound)…\(range.upperBound), not \(quoted(text))")
        }
        return value
    }

    /// A query parameter naming one of `T`'s cases, `fallback` when absent.
    static func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ request: Request, default fallback: T) throws -> T
    where T.RawValue == String {
        guard let text = text(name, request) else { return fallback }
        guard let value = T(rawValue: text) else {
            throw APIError.badRequest("\(name) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not \(quoted(text))")
        }
        return value
    }

    /// `true` or `false`, `fallback` when absent.
    static func flag(_ name: String, _ request: Request, default fallback: Bool) throws -> Bool {
        guard let text = text(name, request) else { return fallback }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.badRequest("\(name) must be true or false, not \(quoted(text))")
        }
    }

    /// The analysis parameters of `?embeddings=static|contextual&distinct_tokens=true|false&seed=0`,
    /// the other parameters at `neurodex analyze`'s defaults.
    static func studyParameters(_ request: Request) throws -> StudyParameters {
        var parameters = StudyParameters()
        parameters.embeddings = try choice("embeddings", request, default: .static)
        parameters.distinctTokens = try flag("distinct_tokens", request, default: false)
        if let text = text("seed", request) {
            guard let seed = UInt64(text) else { throw APIError.badRequest("seed must be a non-negative integer, not \(quoted(text))") }
            parameters.analysis.seed = seed
        }
        return parameters
    }

    /// The request's body, at most `Limits.bodyBytes`.
    static func body(_ request: Request) async throws -> [UInt8] {
        let tooLarge = APIError(.contentTooLarge, "the request body is larger than \(Limits.bodyBytes / 1024) KiB")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > Limits.bodyBytes { throw tooLarge }
        do {
            let buffer = try await request.body.collect(upTo: Limits.bodyBytes)
            return Array(buffer.readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge  // NIO's "too many bytes"
        }
    }

    /// The request's body decoded from JSON as `T`.
    static func json<T: Decodable>(_ type: T.Type, _ request: Request, describing shape: String) async throws -> T {
        let bytes = try await body(request)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw APIError.badRequest("the request body is not UTF-8 text")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw APIError.badRequest("the request body is not JSON of the form \(shape)")
        }
    }

    /// `text` in quotes, cut short, for a message.
    static func quoted(_ text: String) -> String {
        let short = text.count > 40 ? text.prefix(40) + "…" : text[...]
        return "\"" + short.replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
