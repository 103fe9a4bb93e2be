import Foundation

/// The residual stream one pass of an index run in layer passes hands to the next: each batch's
/// [rows, embeddingSize] f32 values after the pass's last layer, batch after batch, in a file
/// in the store's directory. Exact: the next pass starts from the same bits the forward had.
///
/// A checkpoint records how far the file was written and read (`offset`), so a resumed run
/// truncates what it wrote after the checkpoint and reads on from where it was.
final class ResidualFile {
    let url: URL
    /// Bytes written (a file being written) or read (a file being read) so far.
    private(set) var offset: Int
    private let descriptor: Int32

    /// The file of the residual stream after `layer` in `store`'s directory.
    static func url(inStore directory: URL, afterLayer layer: Int) -> URL {
        directory.appendingPathComponent("residual-after-layer-\(layer).f32")
    }

    /// Opens (creating it when missing) the file at `url` to write from `offset` on, dropping
    /// what it holds beyond that.
    static func writing(_ url: URL, from offset: Int) throws -> ResidualFile {
        let file = try ResidualFile(url, flags: O_RDWR | O_CREAT, offset: offset)
        guard ftruncate(file.descriptor, off_t(offset)) == 0 else { throw file.failure("truncate") }
        return file
    }

    /// Opens the file at `url` to read from `offset` on.
    static func reading(_ url: URL, from offset: Int) throws -> ResidualFile {
        try ResidualFile(url, flags: O_RDONLY, offset: offset)
    }

    private init(_ url: URL, flags: Int32, offset: Int) throws {
        self.url = url
        self.offset = offset
        descriptor = open(url.path, flags | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw IndexError.residualFile(path: url.path, detail: "cannot open the residual stream file: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// Appends `values`.
    func append(_ values: UnsafeBufferPointer<Float>) throws {
        let bytes = UnsafeRawBufferPointer(values)
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            guard n > 0 else { throw failure("write") }
            done += n
        }
        offset += bytes.count
    }

    /// Fills `values` with the next values of the file.
    func read(into values: UnsafeMutableBufferPointer<Float>) throws {
        let bytes = UnsafeMutableRawBufferPointer(values)
        var done = 0
        while done < bytes.count {
            let n = pread(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            guard n > 0 else {
                if n == 0 {
                    throw IndexError.residualFile(path: url.path, detail: "the residual stream ends after \(offset + done) bytes, before the pass has read it all")
                }
                throw failure("read")
            }
            done += n
        }
        offset += bytes.count
    }

    /// Makes what was written durable (before a checkpoint records `offset`).
    func sync() throws {
        guard fsync(descriptor) == 0 else { throw failure("sync") }
    }

    private func failure(_ what: String) -> IndexError {
        .residualFile(path: url.path, detail: "cannot \(what) the residual stream: \(String(cString: strerror(errno)))")
    }
}
