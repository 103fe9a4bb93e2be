import Foundation

/// Why a store could not be opened, read or written.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// The directory does not exist.
    case missing(path: String)
    /// The path exists but holds no Neurodex store.
    case notAStore(path: String, reason: String)
    /// The store was written by a different format version.
    case unsupportedFormat(path: String, found: UInt32, supported: UInt32)
    /// The store was written by an older format version this build reads but does not write.
    case readOnlyFormat(path: String, found: UInt32, writes: UInt32)
    /// A file of the store is damaged or not what it claims to be.
    case corrupted(path: String, detail: String)
    /// The store cannot be written (read-only directory or file).
    case readOnly(path: String)
    /// Another process is writing the store.
    case locked(path: String)
    /// A write failed for want of space: the disk (or LMDB's largest map) is full.
    case full(path: String, detail: String)
    /// A write failed otherwise (an I/O error, for one): nothing of it was committed.
    case writeFailed(path: String, detail: String)
    /// The store has no such layer or neuron.
    case notFound(String)
    /// The store belongs to another model than the one given.
    case modelMismatch(expected: String, found: String)
    /// A neuron was added to a layer that the store builder was not told about.
    case layerNotDeclared(Int)

    public var description: String {
        switch self {
        case .missing(let path): "\(path): no such store directory"
        case .notAStore(let path, let reason): "\(path): not a Neurodex store (\(reason))"
        case .unsupportedFormat(let path, let found, let supported):
            "\(path): store format version \(found) is not supported by this build (supports \(supported))"
        case .readOnlyFormat(let path, let found, let writes):
            "\(path): store format version \(found) is read but not written by this build (it writes \(writes)): index again into a new store, or `neurodex merge` this one into a new store"
        case .corrupted(let path, let detail): "\(path): store is damaged: \(detail)"
        case .readOnly(let path): "\(path): store is read-only"
        case .locked(let path): "\(path): another process is writing this store"
        case .full(let path, let detail): "\(path): no space left to write the store (\(detail))"
        case .writeFailed(let path, let detail): "\(path): the store could not be written (\(detail)); nothing of this write was committed"
        case .notFound(let what): what
        case .modelMismatch(let expected, let found):
            "store belongs to model \(found), not \(expected)"
        case .layerNotDeclared(let layer): "layer \(layer) must be declared before its neurons"
        }
    }
}
