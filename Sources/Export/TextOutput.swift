import Foundation

/// A buffered UTF-8 text destination: a file, standard output, or memory (for tests).
public final class TextOutput {
    private enum Destination {
        case file(FileHandle, path: String, close: Bool)
        case memory
    }

    private let destination: Destination
    private var buffer: [UInt8] = []
    private var written: [UInt8] = []
    private let flushSize = 1 << 20

    /// Writes to standard output.
    public static func standardOutput() -> TextOutput {
        TextOutput(destination: .file(FileHandle.standardOutput, path: "standard output", close: false))
    }

    /// Collects the text in memory; read it with `text`.
    public init() {
        destination = .memory
    }

    /// Creates (or truncates) the file at `url`.
    public init(file url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw ExportError.cannotWrite(path: url.path, reason: "cannot create the file")
        }
        do {
            destination = .file(try FileHandle(forWritingTo: url), path: url.path, close: true)
        } catch {
            throw ExportError.cannotWrite(path: url.path, reason: "\(error)")
        }
    }

    private init(destination: Destination) {
        self.destination = destination
    }

    deinit {
        try? flush()
        if case .file(let handle, _, true) = destination { try? handle.close() }
    }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= flushSize { try flush() }
    }

    public func write(bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushSize { try flush() }
    }

    /// Hands the buffered text to the destination.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        switch destination {
        case .file(let handle, let path, _):
            do { try handle.write(contentsOf: buffer) }
            catch { throw ExportError.cannotWrite(path: path, reason: "\(error)") }
        case .memory:
            written.append(contentsOf: buffer)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Everything written so far to a memory output.
    public var text: String { String(decoding: written + buffer, as: UTF8.self) }
}
