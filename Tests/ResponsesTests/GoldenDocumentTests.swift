import Foundation
import Testing
import Responses

/// The CLI's golden JSON (Tests/Fixtures/golden, checked against the CLI in CLITests) decodes
/// into the documents, and the documents encode back to the same bytes.
@Suite struct GoldenDocumentTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/golden")

    /// The golden file `name` without its final newline; `$TIME` (a normalized time) made a time.
    func golden(_ name: String) throws -> String {
        let text = try String(contentsOf: Self.golden.appendingPathComponent(name), encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        return String(text.dropLast()).replacingOccurrences(of: "$TIME", with: "2025-01-02T03:04:05Z")
    }

    func check<D: ResponseDocument>(_ type: D.Type, _ name: String) throws {
        let json = try golden(name)
        let document = try ResponseEncoder.decode(type, from: Data(json.utf8))
        #expect(String(decoding: try ResponseEncoder.encode(document), as: UTF8.self) == json, "\(name)")
    }

    @Test func info() throws {
        try check(InfoResponse.self, "info.json")
    }

    @Test func neuron() throws {
        try check(NeuronResponse.self, "neuron-0-3.json")
        try check(NeuronResponse.self, "neuron-1-17-limit-5.json")
    }

    @Test func search() throws {
        try check(SearchResponse.self, "search-the.json")
        try check(SearchResponse.self, "search-id-layer-1.json")
    }

    @Test func analysis() throws {
        try check(AnalysisResponse.self, "analyze-neuron-0-3.json")
        try check(AnalysisResponse.self, "analyze-layers.json")
    }

    @Test func tokenize() throws {
        try check(TokenizeResponse.self, "tokenize.json")
    }
}
