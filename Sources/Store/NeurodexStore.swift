import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// A store directory: `activations.lmdb` (LMDB) beside `catalog.sqlite` (SQLite).
///
/// Opened for reading, any number of processes may share it; opened for writing, a lock file
/// keeps a second writer out with a clear error.
public final class NeurodexStore: Sendable {
    /// How to open a store.
    public enum Mode: Sendable {
        /// Read only; the store must exist.
        case read
        /// Read and write; the store must exist.
        case write
        /// Read and write; a missing or empty directory becomes a new store.
        case create
        /// Read the activations; write the catalog, to cache analyses. Takes no write lock (an
        /// index run may be writing at the same time). `StoreError.readOnly` when the catalog
        /// cannot be written.
        case readCachingAnalyses
    }

    public let directory: URL
    public let activations: ActivationStore
    public let catalog: Catalog
    /// Whether the catalog was opened for writing (every mode but `read`).
    public let catalogIsWritable: Bool
    private let writeLock: WriteLock?

    public init(directory: URL, mode: Mode, lmdbOptions: LMDBEnvironment.Options = .init()) throws {
        let fm = FileManager.default
        let path = directory.path
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue {
            throw StoreError.notAStore(path: path, reason: "it is a file, not a directory")
        }
        let lmdbPath = directory.appendingPathComponent(ActivationStore.fileName)
        let catalogPath = directory.appendingPathComponent(Catalog.fileName)
        switch mode {
        case .read, .write, .readCachingAnalyses:
            guard exists else { throw StoreError.missing(path: path) }
            for file in [lmdbPath, catalogPath] where !fm.fileExists(atPath: file.path) {
                throw StoreError.notAStore(path: path, reason: "no \(file.lastPathComponent)")
            }
        case .create:
            if !exists {
                do { try fm.createDirectory(at: directory, withIntermediateDirectories: true) }
                catch { throw StoreError.readOnly(path: path) }
            } else if !fm.fileExists(atPath: lmdbPath.path) && !fm.fileExists(atPath: catalogPath.path) {
                let contents = (try? fm.contentsOfDirectory(atPath: path)) ?? []
                // write.lock alone is left by a process killed while it created the store.
                if contents.contains(where: { !$0.hasPrefix(".") && $0 != "write.lock" }) {
                    throw StoreError.notAStore(path: path, reason: "directory is not empty")
                }
            }
        }
        let writable = mode == .write || mode == .create
        catalogIsWritable = mode != .read
        // Checked explicitly: a directory without the owner-write bit is read-only, even for
        // root, whom the file system would let write.
        if catalogIsWritable && !Self.isMarkedWritable(directory) { throw StoreError.readOnly(path: path) }
        writeLock = writable ? try WriteLock(directory: directory) : nil
        var options = lmdbOptions
        options.readOnly = !writable
        self.directory = directory
        self.activations = try ActivationStore(path: lmdbPath, create: writable, options: options)
        self.catalog = try Catalog(path: catalogPath, readOnly: !catalogIsWritable)
    }

    /// Whether the owner-write permission bit is set (checked explicitly so that a directory
    /// made read-only is respected even by root, who ignores permissions).
    static func isMarkedWritable(_ url: URL) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let permissions = attributes[.posixPermissions] as? NSNumber else { return false }
        return permissions.intValue & 0o200 != 0
    }

    /// Sizes on disk of the store's files, in bytes.
    public func fileSizes() -> [String: Int] {
        var sizes: [String: Int] = [:]
        for name in [ActivationStore.fileName, Catalog.fileName, Catalog.fileName + "-wal"] {
            let url = directory.appendingPathComponent(name)
            if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber {
                sizes[name] = size.intValue
            }
        }
        return sizes
    }
}

/// An exclusive `flock` on `<store>/write.lock`, held while the store is open for writing.
final class WriteLock: Sendable {
    private let descriptor: Int32

    init(directory: URL) throws {
        let path = directory.appendingPathComponent("write.lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.readOnly(path: directory.path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw StoreError.locked(path: directory.path)
        }
        descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
