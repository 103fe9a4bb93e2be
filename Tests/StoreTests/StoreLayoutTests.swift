import Foundation
import Testing
@testable import Store

/// Checks Schema/activations.md against what the store code creates and writes.
@Suite struct StoreLayoutTests {
    let tmp = TemporaryDirectory()

    static let layoutFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schema/activations.md")

    /// database name → documented key bytes ("any" → nil), from the first table of the file.
    static func documentedDatabases() throws -> [String: Int?] {
        let text = try String(contentsOf: layoutFile, encoding: .utf8)
        var result: [String: Int?] = [:]
        var inTable = false
        for line in text.split(separator: "\n") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.first == "database" { inTable = true; continue }
            if inTable && line.hasPrefix("|---") { continue }
            guard inTable, line.hasPrefix("|"), cells.count >= 4 else { if inTable { break }; continue }
            result[cells[0]] = Int(cells[2])
        }
        return result
    }

    @Test func documentedDatabasesAreTheOnesCreated() throws {
        let path = tmp.path("activations.lmdb")
        _ = try ActivationStore(path: path, create: true)
        // The unnamed main database lists the named databases as its keys.
        let env = try LMDBEnvironment(path: path, options: { var o = LMDBEnvironment.Options(); o.readOnly = true; return o }())
        let main = try env.database("", create: false)
        var names: Set<String> = []
        try env.read { txn in
            try txn.scan(main) { key, _ in names.insert(String(decoding: key, as: UTF8.self)); return true }
        }
        #expect(names == Set(try Self.documentedDatabases().keys))
    }

    @Test func documentedKeyLengthsMatchTheKeysWritten() throws {
        let documented = try Self.documentedDatabases()
        let written: [String: [UInt8]] = [
            "records": StoreKey.neuron(layer: 1, neuron: 2),
            "tokens": StoreKey.document(3),
            "by_token": StoreKey.tokenNeuron(token: 4, layer: 1, neuron: 2),
            "embeddings": StoreKey.token(4),
            "inputs": StoreKey.occurrence(layer: 1, document: 3, position: 5),
            "vocabulary": StoreKey.token(4),
            "windows": StoreKey.neuron(layer: 1, neuron: 2),
            "negative": StoreKey.neuron(layer: 1, neuron: 2),
            "logit_lens": StoreKey.neuron(layer: 1, neuron: 2),
            "bands": StoreKey.neuron(layer: 1, neuron: 2),
            "contexts": StoreKey.neuron(layer: 1, neuron: 2),
        ]
        for (name, key) in written {
            #expect(documented[name] == .some(key.count), "\(name)")
        }
        #expect(documented["meta"] == .some(nil))
        #expect(documented["state"] == .some(nil))
    }
}
