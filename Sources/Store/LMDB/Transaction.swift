import CLMDB

/// A read-only view of the environment at one moment; valid only inside `read { }`.
public struct ReadTransaction {
    let txn: OpaquePointer

    /// Calls `body` with the stored value of `key`, or returns nil when there is none.
    /// The bytes point into the memory map and are valid only during `body`.
    public func withValue<T>(
        _ db: LMDBEnvironment.Database, key: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> T
    ) throws -> T? {
        try key.withUnsafeBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var v = MDB_val()
            let rc = mdb_get(txn, db.dbi, &k, &v)
            if rc == MDB_NOTFOUND { return nil }
            try check(rc, "read '\(db.name)'")
            return try body(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
    }

    /// A copy of the stored value of `key`.
    public func get(_ db: LMDBEnvironment.Database, key: [UInt8]) throws -> [UInt8]? {
        try withValue(db, key: key) { Array($0) }
    }

    /// Visits entries in key order starting at the first key ≥ `start`; `body` returns false
    /// to stop. Key and value bytes are valid only during `body`.
    public func scan(
        _ db: LMDBEnvironment.Database, from start: [UInt8] = [],
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, db.dbi, &cursor), "open cursor on '\(db.name)'")
        defer { mdb_cursor_close(cursor) }
        try start.withUnsafeBytes { startBytes in
            var k = MDB_val(mv_size: startBytes.count, mv_data: UnsafeMutableRawPointer(mutating: startBytes.baseAddress))
            var v = MDB_val()
            var op = start.isEmpty ? MDB_FIRST : MDB_SET_RANGE
            while true {
                let rc = mdb_cursor_get(cursor, &k, &v, op)
                if rc == MDB_NOTFOUND { return }
                try check(rc, "scan '\(db.name)'")
                let more = try body(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                                    UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
                if !more { return }
                op = MDB_NEXT
            }
        }
    }

    /// The number of entries in `db`.
    public func count(_ db: LMDBEnvironment.Database) throws -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(txn, db.dbi, &stat), "stat '\(db.name)'")
        return stat.ms_entries
    }
}

/// A write transaction; valid only inside `write { }`. Reads see the transaction's own writes.
public struct WriteTransaction {
    let txn: OpaquePointer

    /// Reads through this transaction.
    public var reader: ReadTransaction { ReadTransaction(txn: txn) }

    /// Stores `value` under `key`, replacing any previous value.
    public func put(_ db: LMDBEnvironment.Database, key: [UInt8], value: UnsafeRawBufferPointer) throws {
        try key.withUnsafeBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
            try check(mdb_put(txn, db.dbi, &k, &v, 0), "write '\(db.name)'")
        }
    }

    /// Stores the bytes of `value` under `key`.
    public func put(_ db: LMDBEnvironment.Database, key: [UInt8], bytes value: [UInt8]) throws {
        try value.withUnsafeBytes { try put(db, key: key, value: $0) }
    }

    /// Stores `value` under `key`, which must sort after every key of `db` (`MDB_APPEND`: a
    /// fast bulk load of sorted data; LMDB refuses out-of-order keys with `MDB_KEYEXIST`).
    public func append(_ db: LMDBEnvironment.Database, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_put(txn, db.dbi, &k, &v, UInt32(MDB_APPEND)), "append to '\(db.name)'")
    }

    /// Removes `key`; returns whether it was there.
    @discardableResult
    public func delete(_ db: LMDBEnvironment.Database, key: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            let rc = mdb_del(txn, db.dbi, &k, nil)
            if rc == MDB_NOTFOUND { return false }
            try check(rc, "delete from '\(db.name)'")
            return true
        }
    }

    /// Removes every entry of `db`.
    public func clear(_ db: LMDBEnvironment.Database) throws {
        try check(mdb_drop(txn, db.dbi, 0), "clear '\(db.name)'")
    }
}
