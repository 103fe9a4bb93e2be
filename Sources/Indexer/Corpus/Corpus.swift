import Canonical
import Foundation

/// The documents of the paths given to `neurodex index`, in a fixed order.
///
/// A plain-text file is one document; a `.jsonl` file holds one document per line (field
/// `text`; the other fields are kept as metadata); a directory contributes its files
/// recursively in sorted path order (hidden files skipped); `-` is standard input as one
/// document.
public struct Corpus: Sendable {
    public enum SourceKind: Sendable { case text, jsonl, standardInput }

    public struct Source: Sendable {
        public var path: String
        public var kind: SourceKind
        public var byteCount: Int
    }

    public let sources: [Source]

    /// Total bytes of all sources (standard input counts as 0 until read).
    public var byteCount: Int { sources.reduce(0) { $0 + $1.byteCount } }

    /// Resolves `paths` into sources; throws when one does not exist or cannot be listed.
    public init(paths: [String]) throws {
        var sources: [Source] = []
        let fm = FileManager.default
        for path in paths {
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
                    files.append(Self.fileSource(url.path, size: values?.fileSize ?? 0))
                }
                sources += files.sorted { $0.path < $1.path }
            } else {
                let size = (try? fm.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
                sources.append(Self.fileSource(path, size: size))
            }
        }
        self.sources = sources
    }

    static func fileSource(_ path: String, size: Int) -> Source {
        Source(path: path, kind: path.lowercased().hasSuffix(".jsonl") ? .jsonl : .text, byteCount: size)
    }

    /// Visits the documents in order. Documents for which `include(index)` is false are skipped
    /// without being decoded or hashed. `body` returns false to stop early.
    public func forEachDocument(include: (Int) -> Bool = { _ in true },
                                _ body: (CorpusDocument) throws -> Bool) throws {
        var index = 0
        for source in sources {
            let bytes = try Self.read(source)
            switch source.kind {
            case .text, .standardInput:
                defer { index += 1 }
                guard include(index) else { continue }
                if try !body(Self.document(index: index, path: source.path, offset: 0, bytes: bytes[...])) { return }
            case .jsonl:
                var lineNumber = 0
                var start = 0
                while start < bytes.count {
                    let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
                    lineNumber += 1
                    let line = bytes[start..<end]
                    defer { start = end + 1 }
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                    defer { index += 1 }
                    guard include(index) else { continue }
                    // Invalid UTF-8 is repaired (and counted) before the JSON is read, as in text files.
                    var document = Self.document(index: index, path: source.path, offset: start, bytes: line)
                    let (text, metadata) = try Self.parseJSONLine(document.text, path: source.path, line: lineNumber)
                    document.text = text
                    document.metadataJSON = metadata
                    if try !body(document) { return }
                }
            }
        }
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
