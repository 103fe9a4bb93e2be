import CZlib
import CZstd
import Foundation

/// How a corpus file is compressed, from its name: `.gz` (gzip, through zlib) or `.zst`
/// (Zstandard, through libzstd).
public enum Compression: String, Sendable {
    case gzip, zstd

    /// The compression of `path` from its last extension, or nil for a plain file.
    init?(path: String) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "gz": self = .gzip
        case "zst": self = .zstd
        default: return nil
        }
    }
}

/// The decompressed bytes of a gzip or zstd file, one chunk at a time: the file is read in
/// 64 KiB pieces and never held whole, compressed or not. Concatenated gzip members and
/// zstd frames are read as one stream. Corrupt or truncated data throws
/// `IndexError.corruptArchive` naming the file.
final class DecompressingReader {
    private let path: String
    private let file: FileHandle
    private let decoder: Decoder
    private var input: [UInt8] = []
    private var inputUsed = 0
    private var atEndOfFile = false
    private var readAnyInput = false
    /// Compressed bytes decoded so far.
    private(set) var compressedBytesRead = 0

    private static let chunkSize = 1 << 16

    init(path: String, compression: Compression) throws {
        self.path = path
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw IndexError.unreadable(path: path, reason: "cannot open file")
        }
        self.file = file
        switch compression {
        case .gzip: decoder = try GzipDecoder(path: path)
        case .zstd: decoder = try ZstdDecoder(path: path)
        }
    }

    deinit { try? file.close() }

    /// The next decompressed chunk (never empty), or nil at the end of a complete stream.
    func next() throws -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: Self.chunkSize)
        while true {
            if inputUsed == input.count && !atEndOfFile {
                do { input = [UInt8](try file.read(upToCount: Self.chunkSize) ?? Data()) }
                catch { throw IndexError.unreadable(path: path, reason: (error as NSError).localizedDescription) }
                inputUsed = 0
                atEndOfFile = input.isEmpty
                readAnyInput = readAnyInput || !atEndOfFile
            }
            // Called even without input: the decoder may still hold output.
            let (consumed, produced) = try input.withUnsafeBufferPointer { source in
                try output.withUnsafeMutableBufferPointer { target in
                    try decoder.decode(UnsafeBufferPointer(rebasing: source[inputUsed...]), into: target)
                }
            }
            inputUsed += consumed
            compressedBytesRead += consumed
            if produced > 0 { return Array(output[..<produced]) }
            if inputUsed == input.count && atEndOfFile {
                guard readAnyInput && decoder.atStreamBoundary else {
                    throw IndexError.corruptArchive(path: path, reason: "the \(decoder.format) data ends early (truncated file)")
                }
                return nil
            }
            if consumed == 0 && inputUsed < input.count {
                throw IndexError.corruptArchive(path: path, reason: "the \(decoder.format) decoder makes no progress")
            }
        }
    }
}

/// One decompression library's streaming interface.
private protocol Decoder: AnyObject {
    var format: String { get }
    /// True when everything decoded so far ends a whole member or frame.
    var atStreamBoundary: Bool { get }
    /// Decodes from `input` into `output`; returns the bytes consumed and produced.
    func decode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) throws -> (Int, Int)
}

private final class GzipDecoder: Decoder {
    let format = "gzip"
    private let path: String
    private var stream = z_stream()
    private(set) var atStreamBoundary = true

    init(path: String) throws {
        self.path = path
        // 15 window bits, +16: gzip header and trailer (not raw deflate or zlib).
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw IndexError.unreadable(path: path, reason: "zlib could not start")
        }
    }

    deinit { inflateEnd(&stream) }

    func decode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) throws -> (Int, Int) {
        if atStreamBoundary {
            // A new member: the first one, or one concatenated after a finished member.
            guard !input.isEmpty else { return (0, 0) }
            inflateReset(&stream)
            atStreamBoundary = false
        }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = UInt32(input.count)
        stream.next_out = output.baseAddress
        stream.avail_out = UInt32(output.count)
        let status = inflate(&stream, Z_NO_FLUSH)
        let consumed = input.count - Int(stream.avail_in)
        let produced = output.count - Int(stream.avail_out)
        switch status {
        case Z_OK, Z_BUF_ERROR: break
        case Z_STREAM_END: atStreamBoundary = true
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
            throw IndexError.corruptArchive(path: path, reason: "gzip data is corrupt: \(message)")
        }
        return (consumed, produced)
    }
}

private final class ZstdDecoder: Decoder {
    let format = "zstd"
    private let path: String
    private let context: OpaquePointer
    private(set) var atStreamBoundary = true

    init(path: String) throws {
        self.path = path
        guard let context = ZSTD_createDCtx() else { throw IndexError.unreadable(path: path, reason: "libzstd could not start") }
        self.context = context
    }

    deinit { ZSTD_freeDCtx(context) }

    func decode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) throws -> (Int, Int) {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var target = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let status = ZSTD_decompressStream(context, &target, &source)
        if ZSTD_isError(status) != 0 {
            throw IndexError.corruptArchive(path: path, reason: "zstd data is corrupt: \(String(cString: ZSTD_getErrorName(status)))")
        }
        // 0: a frame just ended. Otherwise more input is needed, or more output is pending.
        if source.pos > 0 || target.pos > 0 { atStreamBoundary = status == 0 }
        return (source.pos, target.pos)
    }
}
