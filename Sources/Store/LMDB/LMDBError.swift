import CLMDB

/// An error reported by LMDB, with the operation that failed and `mdb_strerror`'s text.
public struct LMDBError: Error, CustomStringConvertible, Equatable {
    /// The LMDB (or errno) return code.
    public let code: Int32
    /// What Neurodex was doing, e.g. "open activations.lmdb" or "commit".
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    public var description: String {
        "\(operation): \(String(cString: mdb_strerror(code)))"
    }

    /// The memory map is full: the environment needs a larger map size.
    public var isMapFull: Bool { code == MDB_MAP_FULL }
}

/// Runs an LMDB call and throws `LMDBError` when it does not return `MDB_SUCCESS`.
@inline(__always)
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
    if code != 0 { throw LMDBError(code: code, operation: operation()) }
}
