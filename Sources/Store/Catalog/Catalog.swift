import Foundation
import GRDB

/// The SQLite half of a store: models, corpora, documents, runs, layers, per-neuron
/// statistics and cached analyses. A WAL `DatabasePool`: readers in other threads and
/// processes read while one writer writes.
public final class Catalog: Sendable {
    /// File name inside a store directory.
    public static let fileName = "catalog.sqlite"

    public let pool: DatabasePool
    private let path: String

    /// Opens the catalog at `path`. Unless `readOnly`, a missing file is created and the schema
    /// migrated to the newest version.
    public init(path: URL, readOnly: Bool = false) throws {
        var config = Configuration()
        config.readonly = readOnly
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.label = "neurodex.catalog"
        self.path = path.path
        do {
            pool = try DatabasePool(path: path.path, configuration: config)
            if readOnly {
                let migrator = CatalogSchema.migrator
                let applied = try pool.read { try migrator.appliedIdentifiers($0) }
                let known = Set(migrator.migrations)
                if applied.isEmpty {
                    throw StoreError.notAStore(path: path.path, reason: "catalog has no schema")
                }
                if !applied.isSubset(of: known) {
                    throw StoreError.unsupportedFormat(path: path.path, found: UInt32(applied.count),
                                                       supported: UInt32(known.count))
                }
                if applied != known {
                    throw StoreError.notAStore(path: path.path, reason: "catalog schema is older than this build; open it once for writing to upgrade it")
                }
            } else {
                let migrator = CatalogSchema.migrator
                let applied = try pool.read { try migrator.appliedIdentifiers($0) }
                if !applied.isSubset(of: Set(migrator.migrations)) {
                    throw StoreError.unsupportedFormat(path: path.path, found: UInt32(applied.count),
                                                       supported: UInt32(migrator.migrations.count))
                }
                try migrator.migrate(pool)
            }
        } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                throw StoreError.corrupted(path: path.path, detail: error.message ?? "not a SQLite database")
            case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
                throw readOnly ? StoreError.notAStore(path: path.path, reason: error.message ?? "cannot open catalog")
                               : StoreError.readOnly(path: path.path)
            default:
                throw error
            }
        }
    }

    /// Reads one consistent snapshot.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// Writes in one transaction. A full disk is `StoreError.full`.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(body)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw StoreError.full(path: path, detail: error.message ?? "database or disk is full")
        }
    }

    /// The SQL of every table and index the schema has, in name order (for schema checks).
    public func schemaSQL() throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT sql FROM sqlite_master
                WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
                ORDER BY type DESC, name
                """)
        }
    }
}
