import CLMDB
import Foundation

/// An LMDB environment in one file (`MDB_NOSUBDIR`), owning its handle.
///
/// Many readers in many threads and processes may read at once (`MDB_NOTLS`: a read
/// transaction is not tied to a thread); one writer at a time. Transactions are closures that
/// commit when they return and abort when they throw. The map is a large sparse reservation
/// that grows on `MDB_MAP_FULL` up to `maxMapSize`.
public final class LMDBEnvironment: @unchecked Sendable {
    /// Options for opening an environment.
    public struct Options: Sendable {
        /// Initial map size in bytes (virtual address space; the file grows as data is written).
        public var mapSize: Int = 1 << 36            // 64 GiB
        /// The map doubles on `MDB_MAP_FULL` until it reaches this size.
        public var maxMapSize: Int = 1 << 42         // 4 TiB
        public var maxDatabases: UInt32 = 16
        public var maxReaders: UInt32 = 512
        public var readOnly = false
        /// Skip fsync at commit (for scratch stores and tests; a crash may lose the last commits).
        public var noSync = false

        public init() {}
    }

    /// A named database inside the environment.
    public struct Database: Sendable, Hashable {
        public let name: String
        let dbi: MDB_dbi
    }

    let env: OpaquePointer
    public let path: URL
    public let options: Options
    private var databases: [String: Database] = [:]
    private let lock = NSLock()
    private var mapSize: Int

    /// Opens (or, unless read-only, creates) the environment file at `path`.
    public init(path: URL, options: Options = Options()) throws {
        var handle: OpaquePointer?
        let name = path.lastPathComponent
        try check(mdb_env_create(&handle), "create environment for \(name)")
        guard let handle else { throw LMDBError(code: ENOMEM, operation: "create environment") }
        do {
            try check(mdb_env_set_maxdbs(handle, options.maxDatabases), "set max databases")
            try check(mdb_env_set_maxreaders(handle, options.maxReaders), "set max readers")
            try check(mdb_env_set_mapsize(handle, options.mapSize), "set map size")
            var flags = UInt32(MDB_NOSUBDIR | MDB_NOTLS)
            if options.readOnly { flags |= UInt32(MDB_RDONLY) }
            if options.noSync { flags |= UInt32(MDB_NOSYNC) }
            try check(mdb_env_open(handle, path.path, flags, 0o644), "open \(path.path)")
        } catch {
            mdb_env_close(handle)  // before any property is set, so deinit does not run
            throw error
        }
        self.env = handle
        self.path = path
        self.options = options
        self.mapSize = options.mapSize
    }

    deinit {
        mdb_env_close(env)
    }

    /// Opens a named database, creating it when `create` is set (needs a writable environment).
    /// The empty name is LMDB's unnamed main database, whose keys name the other databases.
    public func database(_ name: String, create: Bool) throws -> Database {
        lock.lock(); defer { lock.unlock() }
        if let db = databases[name] { return db }
        var txn: OpaquePointer?
        let readOnly = options.readOnly || !create
        try check(mdb_txn_begin(env, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "begin transaction")
        var dbi: MDB_dbi = 0
        let rc = name.isEmpty ? mdb_dbi_open(txn, nil, 0, &dbi)
                              : mdb_dbi_open(txn, name, create ? UInt32(MDB_CREATE) : 0, &dbi)
        if rc != 0 {
            mdb_txn_abort(txn)
            throw LMDBError(code: rc, operation: "open database '\(name)'")
        }
        try check(mdb_txn_commit(txn), "commit opening database '\(name)'")
        let db = Database(name: name, dbi: dbi)
        databases[name] = db
        return db
    }

    /// Runs `body` in a read-only transaction that sees one consistent snapshot.
    public func read<T>(_ body: (ReadTransaction) throws -> T) throws -> T {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "begin read transaction")
        guard let txn else { throw LMDBError(code: ENOMEM, operation: "begin read transaction") }
        defer { mdb_txn_abort(txn) }
        return try body(ReadTransaction(txn: txn))
    }

    /// Runs `body` in a write transaction: committed when it returns, aborted when it throws.
    ///
    /// When the map fills up, the transaction is aborted, the map doubled (up to
    /// `maxMapSize`) and `body` run again from the start, so `body` must not have effects
    /// outside the transaction.
    public func write<T>(_ body: (WriteTransaction) throws -> T) throws -> T {
        while true {
            do {
                return try writeOnce(body)
            } catch let error as LMDBError where error.isMapFull && mapSize < options.maxMapSize {
                mapSize = min(mapSize * 2, options.maxMapSize)
                try check(mdb_env_set_mapsize(env, mapSize), "grow map to \(mapSize) bytes")
            }
        }
    }

    private func writeOnce<T>(_ body: (WriteTransaction) throws -> T) throws -> T {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, nil, 0, &txn), "begin write transaction")
        guard let txn else { throw LMDBError(code: ENOMEM, operation: "begin write transaction") }
        let result: T
        do {
            result = try body(WriteTransaction(txn: txn))
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        try check(mdb_txn_commit(txn), "commit to \(path.lastPathComponent)")
        return result
    }

    /// Drops this process's pages of the map (they stay in the page cache and are read again
    /// when touched): a long writer whose transactions walk a large database, such as an index
    /// run adding to the token index, would otherwise keep every page it walked resident.
    /// LMDB does not tell where its map is (`mdb_env_info` gives the address only for
    /// `MDB_FIXEDMAP`), so the ranges come from `/proc/self/maps`; elsewhere this does nothing.
    public func releaseMappedPages() {
        for range in mappedRanges() {
            madvise(UnsafeMutableRawPointer(bitPattern: range.lowerBound), Int(range.upperBound - range.lowerBound),
                    MADV_DONTNEED)
        }
    }

    /// The bytes of this process's map of the file that are resident (`Rss` of
    /// `/proc/self/smaps`), 0 where that is not known: what `releaseMappedPages` drops.
    public func mappedResidentBytes() -> Int {
        let ranges = Set(mappedRanges().map(\.lowerBound))
        guard !ranges.isEmpty, let smaps = Self.procText("/proc/self/smaps") else { return 0 }
        var bytes = 0
        var inMap = false
        for line in smaps.split(separator: "\n") {
            if let range = Self.mapRange(line) {
                inMap = ranges.contains(range.lowerBound)
            } else if inMap, line.hasPrefix("Rss:") {
                bytes += 1024 * (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0)
            }
        }
        return bytes
    }

    /// The address ranges of `/proc/self/maps` that map this environment's file (same inode).
    private func mappedRanges() -> [Range<UInt>] {
        var status = stat()
        guard stat(path.path, &status) == 0, let maps = Self.procText("/proc/self/maps") else { return [] }
        return maps.split(separator: "\n").compactMap { line in
            // start-end perms offset dev inode path
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, UInt64(fields[4]) == UInt64(status.st_ino),
                  fields[5].hasSuffix(path.lastPathComponent) else { return nil }
            return Self.mapRange(line)
        }
    }

    /// The address range a `/proc/self/maps` (or smaps) header line starts with, nil for other lines.
    private static func mapRange(_ line: Substring) -> Range<UInt>? {
        guard let dash = line.firstIndex(of: "-"), let space = line.firstIndex(of: " "), dash < space,
              let start = UInt(line[..<dash], radix: 16),
              let end = UInt(line[line.index(after: dash)..<space], radix: 16), start < end else { return nil }
        return start..<end
    }

    /// A `/proc` file's text (their size reads as 0, so they are read to the end).
    private static func procText(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() else { return nil }
        try? handle.close()
        return String(decoding: data, as: UTF8.self)
    }

    /// Flushes buffers to disk (useful after `noSync` writes).
    public func sync() throws {
        try check(mdb_env_sync(env, 1), "sync \(path.lastPathComponent)")
    }
}
