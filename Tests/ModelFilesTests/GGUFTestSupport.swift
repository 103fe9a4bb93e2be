import Foundation
@testable import ModelFiles

/// The GGUF fixtures written by Tools/make_gguf_fixtures.py.
enum GGUFFixtures {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // ModelFilesTests
        .deletingLastPathComponent()   // Tests
        .appendingPathComponent("Fixtures/gguf")

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(name))
    }
}

/// Writes `bytes` to a fresh temporary file and returns its path (removed by `removeTemporary`).
func writeTemporaryGGUF(_ bytes: [UInt8], name: String = "test") throws -> String {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("neurodex-gguf-tests-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent("\(name)-\(UUID().uuidString).gguf")
    try Data(bytes).write(to: url)
    return url.path
}

/// Opens `bytes` as a GGUF file and returns the error it is rejected with (nil if accepted).
func ggufError(_ bytes: [UInt8]) throws -> GGUFError? {
    let path = try writeTemporaryGGUF(bytes)
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
        _ = try GGUFFile(path: path)
        return nil
    } catch let error as GGUFError {
        return error
    }
}

/// Opens `bytes` as a GGUF file (the temporary file is removed once it is mapped).
func openGGUF(_ bytes: [UInt8]) throws -> GGUFFile {
    let path = try writeTemporaryGGUF(bytes)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try GGUFFile(path: path)
}

/// The case name of an error, e.g. "truncated", to compare kinds without the details.
func kind(_ error: GGUFError?) -> String {
    guard let error else { return "accepted" }
    return Mirror(reflecting: error).children.first?.label ?? "\(error)"
}

/// Builds GGUF bytes field by field, so tests can write files that lie in any way they like.
struct GGUFBuilder {
    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    /// Overrides for the counts written in the header (nil: the real counts).
    var tensorCountOverride: UInt64?
    var metadataCountOverride: UInt64?
    /// Encoded metadata entries: key, then the value type and value bytes.
    var metadata: [(key: String, typeAndValue: [UInt8])] = []
    var tensors: [(name: String, dimensions: [UInt64], type: UInt32, offset: UInt64)] = []
    var alignment = 32
    /// Bytes of data after the header padding.
    var dataSize = 0

    mutating func add(_ key: String, _ value: GGUFBuilder.Value) {
        metadata.append((key, value.encoded))
    }

    mutating func addTensor(_ name: String, _ dimensions: [UInt64], type: GGMLType, offset: UInt64) {
        tensors.append((name, dimensions, type.rawValue, offset))
    }

    /// Metadata values, encoded as GGUF writes them (type code, then the value).
    indirect enum Value {
        case uint32(UInt32)
        case uint64(UInt64)
        case string(String)
        case raw(type: UInt32, bytes: [UInt8])
        case array(elementType: UInt32, count: UInt64, elements: [UInt8])

        var encoded: [UInt8] {
            switch self {
            case let .uint32(v): return le(UInt32(4)) + le(v)
            case let .uint64(v): return le(UInt32(10)) + le(v)
            case let .string(s): return le(UInt32(8)) + GGUFBuilder.string(s)
            case let .raw(type, bytes): return le(type) + bytes
            case let .array(elementType, count, elements): return le(UInt32(9)) + le(elementType) + le(count) + elements
            }
        }
    }

    static func string(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }

    var bytes: [UInt8] {
        var out = magic + le(version)
        out += le(tensorCountOverride ?? UInt64(tensors.count))
        out += le(metadataCountOverride ?? UInt64(metadata.count))
        for entry in metadata { out += GGUFBuilder.string(entry.key) + entry.typeAndValue }
        for tensor in tensors {
            out += GGUFBuilder.string(tensor.name) + le(UInt32(tensor.dimensions.count))
            for dimension in tensor.dimensions { out += le(dimension) }
            out += le(tensor.type) + le(tensor.offset)
        }
        while out.count % alignment != 0 { out.append(0) }
        out += (0..<dataSize).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        return out
    }
}

/// Little-endian bytes of an integer.
func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}
