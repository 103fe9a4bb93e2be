import Foundation
import GRDB
import Testing
@testable import Store

@Suite struct CatalogTests {
    let tmp = TemporaryDirectory()

    /// Schema/catalog.sql, found from this file's path.
    static let schemaFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schema/catalog.sql")

    /// Statements with comments dropped and white space folded (none around `(`, `)`, `,`).
    static func canonicalStatements(_ sql: String) -> [String] {
        sql.split(separator: ";", omittingEmptySubsequences: true)
            .map { statement in
                var text = statement.split(separator: "\n")
                    .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
                    .joined(separator: " ")
                    .split(whereSeparator: \.isWhitespace).joined(separator: " ")
                for mark in ["(", ")", ","] {
                    text = text.replacingOccurrences(of: " " + mark, with: mark)
                        .replacingOccurrences(of: mark + " ", with: mark)
                }
                return text
            }
            .filter { !$0.isEmpty }
    }

    /// One column or constraint per line: breaks after the commas at parenthesis depth 1.
    static func formatted(_ statement: String) -> String {
        var out = "", depth = 0
        for ch in statement {
            switch ch {
            case "(":
                depth += 1
                out.append(ch)
                if depth == 1 && statement.hasPrefix("CREATE TABLE") { out += "\n    " }
            case ")":
                if depth == 1 && statement.hasPrefix("CREATE TABLE") { out += "\n" }
                depth -= 1
                out.append(ch)
            case "," where depth == 1 && statement.hasPrefix("CREATE TABLE"):
                out += ",\n   "
            default:
                out.append(ch)
            }
        }
        return out
    }

    /// The migrations must create exactly the DDL written in Schema/catalog.sql. To accept a
    /// deliberate change, run the tests once with NEURODEX_WRITE_SCHEMA=1 and commit the file.
    @Test func migrationsProduceTheCanonicalSchema() throws {
        let catalog = try Catalog(path: tmp.path("catalog.sqlite"))
        let created = try catalog.schemaSQL()
        if ProcessInfo.processInfo.environment["NEURODEX_WRITE_SCHEMA"] == "1" {
            let text = "-- Neurodex catalog schema (catalog.sqlite). Canonical: the migrations in\n"
                + "-- Sources/Store/Catalog/CatalogSchema.swift must produce exactly these statements.\n\n"
                + created.map { Self.formatted($0) + ";\n" }.joined(separator: "\n")
            try text.write(to: Self.schemaFile, atomically: true, encoding: .utf8)
        }
        let canonical = try String(contentsOf: Self.schemaFile, encoding: .utf8)
        #expect(Self.canonicalStatements(canonical) == created.map { Self.canonicalStatements($0).joined() })
    }

    @Test func migratesFromEmptyAndReopens() throws {
        let path = tmp.path("catalog.sqlite")
        do {
            let catalog = try Catalog(path: path)
            let tables = try catalog.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb%' AND name NOT LIKE 'sqlite_%' ORDER BY name") }
            #expect(tables == ["analyses", "corpora", "documents", "layers", "models", "neuron_stats", "runs"])
        }
        let reopened = try Catalog(path: path, readOnly: true)
        #expect(try reopened.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM models") } == 0)
    }

    @Test func foreignKeysAreEnforced() throws {
        let catalog = try Catalog(path: tmp.path("catalog.sqlite"))
        #expect(try catalog.read { try Bool.fetchOne($0, sql: "PRAGMA foreign_keys") } == true)
        #expect(throws: DatabaseError.self) {
            try catalog.write { db in
                var doc = DocumentRow(id: 0, corpusId: 999, sourcePath: "a.txt", byteOffset: 0, byteLength: 1,
                                      sha256: "00", tokenCount: 1)
                try doc.insert(db)
            }
        }
    }

    @Test func recordsRoundTrip() throws {
        let catalog = try Catalog(path: tmp.path("catalog.sqlite"))
        let (model, corpus, run) = try catalog.write { db in
            var model = ModelRow(family: "gpt2", source: "models/gpt2", fingerprint: "f00d", layerCount: 12,
                                 embeddingSize: 768, neuronCount: 3072, vocabularySize: 50257, maxContext: 1024,
                                 activationDefinition: "gelu_new(ln_2(x)·W_fc + b_fc)", configJson: "{}")
            try model.insert(db)
            var corpus = CorpusRow(name: "shakespeare", sourcesJson: #"["a.txt"]"#)
            try corpus.insert(db)
            var doc = DocumentRow(id: 0, corpusId: corpus.id!, sourcePath: "a.txt", byteOffset: 10, byteLength: 20,
                                  sha256: "ab", tokenCount: 5, replacements: 1, metadataJson: #"{"id":3}"#)
            try doc.insert(db)
            var run = RunRow(modelId: model.id!, corpusId: corpus.id!, configJson: "{}", toolVersion: "0.1", status: .running)
            try run.insert(db)
            var layer = LayerRow(layer: 0, runId: run.id!, neuronCount: 3072, topK: 100, distinctTokens: false, statisticsJson: "{}")
            try layer.insert(db)
            var stats = NeuronStatsRow(layer: 0, neuron: 5, count: 10, mean: 0.5, variance: 1, skewness: 0.1, kurtosis: 3,
                                       min: -0.17, max: 4, fractionPositive: 0.4, histogram: Data([1, 0, 0, 0]), sample: Data())
            try stats.insert(db)
            var analysis = AnalysisRow(runId: run.id!, layer: 0, neuron: 5, method: "topdown", parametersHash: "h",
                                       parametersJson: "{}", seed: 0, resultJson: "{}")
            try analysis.insert(db)
            return (model, corpus, run)
        }
        try catalog.read { (db: Database) throws in
            #expect(try ModelRow.fetchOne(db)?.fingerprint == model.fingerprint)
            #expect(try CorpusRow.fetchOne(db)?.name == corpus.name)
            #expect(try DocumentRow.fetchOne(db)?.metadataJson == #"{"id":3}"#)
            #expect(try RunRow.fetchOne(db)?.status == run.status)
            #expect(try NeuronStatsRow.fetchOne(db)?.histogram == Data([1, 0, 0, 0]))
            #expect(try AnalysisRow.fetchCount(db) == 1)
        }
        // An invalid status is refused by the CHECK constraint.
        #expect(throws: DatabaseError.self) {
            try catalog.write { try $0.execute(sql: "UPDATE runs SET status = 'bogus'") }
        }
    }

    @Test func aSecondConnectionReadsDuringAWrite() throws {
        let path = tmp.path("catalog.sqlite")
        let writer = try Catalog(path: path)
        let reader = try Catalog(path: path, readOnly: true)
        try writer.write { db in
            var corpus = CorpusRow(name: "first", sourcesJson: "[]")
            try corpus.insert(db)
        }
        try writer.write { db in
            var corpus = CorpusRow(name: "second", sourcesJson: "[]")
            try corpus.insert(db)
            // Uncommitted: another connection still sees one corpus, and is not blocked.
            #expect(try reader.read { try CorpusRow.fetchCount($0) } == 1)
        }
        #expect(try reader.read { try CorpusRow.fetchCount($0) } == 2)
    }

    @Test func refusesAFileThatIsNotSQLite() throws {
        let path = tmp.path("catalog.sqlite")
        try Data(repeating: 0x41, count: 8192).write(to: path)
        let error = #expect(throws: StoreError.self) { _ = try Catalog(path: path) }
        guard case .corrupted? = error else { Issue.record("expected .corrupted, got \(String(describing: error))"); return }
    }
}
