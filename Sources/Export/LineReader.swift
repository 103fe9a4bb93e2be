import Foundation

/// Reads a text file line by line without loading it whole (JSON Lines files can be large).
struct LineReader {
    let url: URL
    var chunkSize = 1 << 22

    /// Calls `body` with each non-blank line (without its newline) and its 1-based number.
    func forEachLine(_ body: (Data, Int) throws -> Void) throws {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) }
        catch { throw ExportError.cannotRead(path: url.path, reason: "\(error)") }
        defer { try? handle.close() }
        var pending = Data()
        var lineNumber = 0
        func emit(_ line: Data) throws {
            lineNumber += 1
            if line.contains(where: { !Self.isBlank($0) }) { try body(line, lineNumber) }
        }
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: chunkSize) ?? Data() }
            catch { throw ExportError.cannotRead(path: url.path, reason: "\(error)") }
            if chunk.isEmpty { break }
            pending.append(chunk)
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                try emit(pending[start..<newline])
                start = newline + 1
            }
            pending = Data(pending[start...])
        }
        if !pending.isEmpty { try emit(pending) }
    }

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }
}
