import Export
import Foundation
import Hummingbird
import Responses

/// JSON answers: bytes with `Content-Type: application/json`.
enum JSONBody {
    /// A response carrying `bytes`, a complete JSON document.
    static func response(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The JSON string literal of `text`.
    static func string(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        JSONText.appendString(text, to: &out)
        return out
    }

    /// A response carrying `document` as `ResponseEncoder` writes it (the CLI's bytes).
    static func encode<Document: ResponseDocument>(_ document: Document) throws -> Response {
        response(try ResponseEncoder.encode(document))
    }
}
