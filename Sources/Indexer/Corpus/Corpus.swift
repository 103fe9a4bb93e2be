import Canonical
import Foundation

/// The documents of the paths given to `neurodex index`, in a fixed order.
///
/// A plain-text file is one document; a `.jsonl` file holds one document per line (field
/// `text`; the other fields are kept as metadata); a directory contributes its files
/// recursively in sorted path order (hidden files skipped); `-` is standard input as one
/// document. A file ending in `.gz` (gzip) or `.zst` (Zstandard) is decompressed as it is
/// read, never whole in memory, and is text or JSONL by the name before that extension
/// (`a.jsonl.gz`, `a.txt.zst`, `a.gz`); its documents' offsets and lengths count decompressed
/// bytes.
public struct Corpus: Sendable {
    public enum SourceKind: Sendable { case text, jsonl, standardInput }

    public struct Source: Sendable {
        public var path: String
        public var kind: SourceKind
        /// Bytes on disk (compressed, for a compressed file).
        public var byteCount: Int
        public var compression: Compression? = nil
        /// Hex SHA-256 of the file's compressed bytes, for a compressed file.
        public var compressedSHA256: String? = nil
        /// Which of the paths given it comes from (their index).
        public var pathIndex = 0
    }

    public let sources: [Source]

    /// Total bytes of all sources (standard input counts as 0 until read).
    public var byteCount: Int { sources.reduce(0) { $0 + $1.byteCount } }

    /// Resolves `paths` into sources; throws when one does not exist or cannot be listed.
    public init(paths: [String]) throws {
        var sources: [Source] = []
        let fm = FileManager.default
        for (pathIndex, path) in paths.enumerated() {
            let firstOfPath = sources.count
            defer { for i in firstOfPath..<sources.count { sources[i].pathIndex = pathIndex } }
            if path == "-" {
                sources.append(Source(path: "-", kind: .standardInput, byteCount: 0))
                continue
            }
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { throw IndexError.corpusNotFound(path: path) }
            if isDirectory.boolValue {
                guard let enumerator = fm.enumerator(at: URL(fileURLWithPath: path),
                                                     includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey],
                                                     options: [.skipsHiddenFiles]) else {
                    throw IndexError.unreadable(path: path, reason: "cannot list directory")
                }
                var files: [Source] = []
                for case let url as URL in enumerator {
                    let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
                    guard values?.isRegularFile == true else { continue }
                    files.append(try Self.fileSource(url.path, size: values?.fileSize ?? 0))
                }
                sources += files.sorted { $0.path < $1.path }
            } else {
                let size = (try? fm.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
                sources.append(try Self.fileSource(path, size: size))
            }
        }
        self.sources = sources
    }

    static func fileSource(_ path: String, size: Int) throws -> Source {
        let compression = Compression(path: path)
        let name = compression == nil ? path : URL(fileURLWithPath: path).deletingPathExtension().path
        var source = Source(path: path, kind: name.lowercased().hasSuffix(".jsonl") ? .jsonl : .text, byteCount: size,
                            compression: compression)
        if compression != nil { source.compressedSHA256 = try Self.fileSHA256(path) }
        return source
    }

    /// What the catalog's corpus `sources_json` records: the paths given to `neurodex index`
    /// (as strings), then one `{"compressed": path, "sha256": hex}` per compressed file, with
    /// the SHA-256 of its compressed bytes. Without compressed files, just the paths given.
    public func sourcesJSON(paths: [String]) throws -> String {
        let compressed = sources.compactMap { source in
            source.compressedSHA256.map { SourceEntry.compressed(path: source.path, sha256: $0) }
        }
        return try CanonicalJSON.string(paths.map(SourceEntry.path) + compressed)
    }

    private enum SourceEntry: Encodable {
        case path(String)
        case compressed(path: String, sha256: String)

        private enum Keys: String, CodingKey { case compressed, sha256 }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .path(let path):
                var container = encoder.singleValueContainer()
                try container.encode(path)
            case .compressed(let path, let sha256):
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(path, forKey: .compressed)
                try container.encode(sha256, forKey: .sha256)
            }
        }
    }

    /// Visits the documents in order, numbered from `firstIndex`. Documents for which
    /// `include(index)` is false are skipped without being decoded or hashed (a compressed file
    /// is still decompressed past them). `afterPath` is called after the documents of each path
    /// given. `body` and `afterPath` return false to stop early.
    public func forEachDocument(firstIndex: Int = 0, include: (Int) -> Bool = { _ in true },
                                afterPath: () throws -> Bool = { true },
                                _ body: (CorpusDocument) throws -> Bool) throws {
        var index = firstIndex
        var bytesBefore = 0  // on disk, of the sources before this one
        for (sourceIndex, source) in sources.enumerated() {
            defer { bytesBefore += source.byteCount }
            let endsPath = sourceIndex == sources.count - 1 || sources[sourceIndex + 1].pathIndex != source.pathIndex
            let reader = try source.compression.map { try DecompressingReader(path: source.path, compression: $0) }
            let chunks = try reader.map { reader in { try reader.next() } } ?? Self.wholeFile(source)
            /// The corpus bytes on disk read once this source's first `end` bytes are decoded.
            let bytesRead = { (end: Int) in bytesBefore + min(source.byteCount, reader?.compressedBytesRead ?? end) }
            switch source.kind {
            case .text, .standardInput:
                defer { index += 1 }
                if include(index) {
                    var bytes = try chunks() ?? []
                    while let more = try chunks() { bytes += more }
                    var document = Self.document(index: index, path: source.path, offset: 0, bytes: bytes[...])
                    document.corpusBytesRead = bytesRead(bytes.count)
                    if try !body(document) { return }
                }
            case .jsonl:
                var lineNumber = 0
                var stopped = false
                try Self.forEachLine(of: chunks) { line, offset in
                    lineNumber += 1
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return true }
                    defer { index += 1 }
                    guard include(index) else { return true }
                    // Invalid UTF-8 is repaired (and counted) before the JSON is read, as in text files.
                    var document = Self.document(index: index, path: source.path, offset: offset, bytes: line)
                    let (text, metadata) = try Self.parseJSONLine(document.text, path: source.path, line: lineNumber)
                    document.text = text
                    document.metadataJSON = metadata
                    document.corpusBytesRead = bytesRead(offset + line.count + 1)
                    stopped = try !body(document)
                    return !stopped
                }
                if stopped { return }
            }
            if endsPath, try !afterPath() { return }
        }
    }

    /// The bytes of a plain file or standard input as one chunk, then nil.
    static func wholeFile(_ source: Source) throws -> () throws -> [UInt8]? {
        var whole: [UInt8]? = try read(source)
        return {
            defer { whole = nil }
            return whole
        }
    }

    /// Calls `body` with each line of `chunks` (without its newline) and the line's byte
    /// offset, until the chunks end or `body` returns false.
    static func forEachLine(of chunks: () throws -> [UInt8]?,
                            _ body: (ArraySlice<UInt8>, Int) throws -> Bool) throws {
        var partial: [UInt8] = []  // the start of a line that goes on in the next chunk
        var partialOffset = 0
        var chunkOffset = 0
        while let chunk = try chunks() {
            var start = 0
            while let end = chunk[start...].firstIndex(of: 0x0A) {
                let proceed: Bool
                if partial.isEmpty {
                    proceed = try body(chunk[start..<end], chunkOffset + start)
                } else {
                    partial += chunk[start..<end]
                    proceed = try body(partial[...], partialOffset)
                    partial = []
                }
                if !proceed { return }
                start = end + 1
            }
            if start < chunk.count {
                if partial.isEmpty { partialOffset = chunkOffset + start }
                partial += chunk[start...]
            }
            chunkOffset += chunk.count
        }
        if !partial.isEmpty { _ = try body(partial[...], partialOffset) }
    }

    /// Hex SHA-256 of a file's bytes, read a mebibyte at a time.
    static func fileSHA256(_ path: String) throws -> String {
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw IndexError.unreadable(path: path, reason: "cannot open file")
        }
        defer { try? file.close() }
        let hash = SHA256()
        do {
            while let piece = try file.read(upToCount: 1 << 20), !piece.isEmpty { hash.update(data: piece) }
        } catch {
            throw IndexError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return hash.hexDigest()
    }

    static func read(_ source: Source) throws -> [UInt8] {
        if source.kind == .standardInput {
            return [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: source.path), options: .alwaysMapped))
        } catch {
            throw IndexError.unreadable(path: source.path, reason: (error as NSError).localizedDescription)
        }
    }

    static func document(index: Int, path: String, offset: Int, bytes: ArraySlice<UInt8>) -> CorpusDocument {
        let (text, replacements) = decodeUTF8(bytes)
        let digest = SHA256.hex(of: bytes)
        return CorpusDocument(index: index, sourcePath: path, byteOffset: offset, byteLength: bytes.count,
                              text: text, replacements: replacements, sha256: digest, metadataJSON: nil)
    }

    /// The `text` field and the other fields (as sorted-key JSON) of one JSONL line.
    static func parseJSONLine(_ line: String, path: String, line number: Int) throws -> (String, String?) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(line.utf8)) }
        catch { throw IndexError.badJSONL(path: path, line: number, reason: "not valid JSON") }
        guard var fields = object as? [String: Any] else {
            throw IndexError.badJSONL(path: path, line: number, reason: "not a JSON object")
        }
        guard let text = fields.removeValue(forKey: "text") as? String else {
            throw IndexError.badJSONL(path: path, line: number, reason: "no string field \"text\"")
        }
        guard !fields.isEmpty else { return (text, nil) }
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return (text, String(decoding: data, as: UTF8.self))
    }
}
