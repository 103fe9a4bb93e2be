import Foundation
import Kernels

/// One tensor as described by a safetensors header.
public struct SafetensorsTensor: Sendable, Equatable {
    public var name: String
    public var dtype: SafetensorsDType
    public var shape: [Int]
    /// Offset of the first byte from the start of the file.
    public var fileOffset: Int
    public var byteCount: Int

    /// Product of the shape (1 for a scalar).
    public var elementCount: Int { byteCount / dtype.byteSize }
}

/// A memory-mapped `.safetensors` file with a validated header.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON
/// `{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {…}}`, then the data
/// section that the offsets index into. Opening checks that the JSON is well formed, every dtype
/// is known, shape × dtype size equals the byte length (without overflow), every tensor lies
/// inside the file and no two tensors overlap. Reading converts F32, F16 and BF16 to Float.
public final class SafetensorsFile {
    public let url: URL
    /// Tensors by name.
    public let tensors: [String: SafetensorsTensor]
    /// The optional `__metadata__` string map.
    public let metadata: [String: String]
    private let mapping: MappedFile

    /// Opens and validates the file at `url`. Throws `SafetensorsError`.
    public init(url: URL) throws {
        self.url = url
        mapping = try MappedFile(url: url)
        (tensors, metadata) = try Self.parseHeader(of: mapping.bytes, file: url.path)
    }

    /// Names of all tensors, sorted.
    public var tensorNames: [String] { tensors.keys.sorted() }

    /// The header entry of `name`, or nil.
    public func tensor(_ name: String) -> SafetensorsTensor? { tensors[name] }

    /// The raw little-endian bytes of a tensor, valid while this file object is alive.
    public func bytes(of name: String) throws -> UnsafeRawBufferPointer {
        let tensor = try requireTensor(name)
        return UnsafeRawBufferPointer(rebasing: mapping.bytes[tensor.fileOffset..<(tensor.fileOffset + tensor.byteCount)])
    }

    /// Converts the tensor to floats into `destination`, which must hold exactly
    /// `elementCount` floats, then releases the tensor's mapped pages (`MappedFile.release`).
    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let tensor = try requireTensor(name)
        defer { mapping.release(tensor.fileOffset..<(tensor.fileOffset + tensor.byteCount)) }
        precondition(destination.count == tensor.elementCount, "destination size differs from tensor '\(name)'")
        guard tensor.elementCount > 0, let output = destination.baseAddress,
              let source = mapping.bytes.baseAddress.map({ $0 + tensor.fileOffset }) else { return }
        switch tensor.dtype {
        case .f32:
            // Little-endian hosts only (x86-64, arm64): the bytes are the floats.
            UnsafeMutableRawPointer(output).copyMemory(from: source, byteCount: tensor.byteCount)
        case .f16:
            convertHalfToFloat(source, into: output, count: tensor.elementCount)
        case .bf16:
            convertBFloat16ToFloat(source, into: output, count: tensor.elementCount)
        default:
            throw SafetensorsError.unsupportedDType(file: url.path, tensor: name, dtype: tensor.dtype.rawValue)
        }
    }

    /// The tensor converted to floats, row-major.
    public func floats(_ name: String) throws -> [Float] {
        let count = try requireTensor(name).elementCount
        return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(name, into: buffer)
            initialized = count
        }
    }

    private func requireTensor(_ name: String) throws -> SafetensorsTensor {
        guard let tensor = tensors[name] else {
            throw SafetensorsError.missingTensor(file: url.path, tensor: name)
        }
        return tensor
    }
}

// MARK: - Header parsing and validation

extension SafetensorsFile {
    private struct HeaderEntry: Decodable {
        var dtype: String
        var shape: [Int]
        var dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The header as decoded JSON, before validation.
    private struct Header: Decodable {
        var entries: [String: HeaderEntry] = [:]
        var metadata: [String: String] = [:]

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            for key in container.allKeys {
                if key.stringValue == "__metadata__" {
                    metadata = try container.decode([String: String].self, forKey: key)
                } else {
                    entries[key.stringValue] = try container.decode(HeaderEntry.self, forKey: key)
                }
            }
        }
    }

    static func parseHeader(of bytes: UnsafeRawBufferPointer, file: String) throws
        -> (tensors: [String: SafetensorsTensor], metadata: [String: String])
    {
        guard bytes.count >= 8 else {
            throw SafetensorsError.truncated(file: file, detail: "\(bytes.count) bytes, shorter than the 8-byte header length")
        }
        let declaredLength = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard declaredLength <= UInt64(bytes.count - 8) else {
            throw SafetensorsError.truncated(file: file, detail: "header of \(declaredLength) bytes declared but the file has only \(bytes.count - 8) after the length")
        }
        let headerLength = Int(declaredLength)
        let headerBytes = Data(bytes[8..<(8 + headerLength)])
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: headerBytes)
        } catch let error as DecodingError {
            throw SafetensorsError.malformedHeader(file: file, detail: describe(error))
        } catch {
            throw SafetensorsError.malformedHeader(file: file, detail: "\(error)")
        }

        let dataStart = 8 + headerLength
        let dataSize = bytes.count - dataStart
        var tensors: [String: SafetensorsTensor] = [:]
        var ranges: [(name: String, begin: Int, end: Int)] = []
        for name in header.entries.keys.sorted() {
            guard let entry = header.entries[name] else { continue }
            let tensor = try validate(entry, name: name, file: file, dataStart: dataStart, dataSize: dataSize)
            tensors[name] = tensor
            if tensor.byteCount > 0 {
                ranges.append((name, tensor.fileOffset - dataStart, tensor.fileOffset - dataStart + tensor.byteCount))
            }
        }
        ranges.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for (previous, next) in zip(ranges, ranges.dropFirst()) where next.begin < previous.end {
            throw SafetensorsError.overlappingTensors(file: file, first: previous.name, second: next.name)
        }
        return (tensors, header.metadata)
    }

    private static func validate(_ entry: HeaderEntry, name: String, file: String,
                                 dataStart: Int, dataSize: Int) throws -> SafetensorsTensor {
        func invalid(_ detail: String) -> SafetensorsError {
            .invalidTensor(file: file, tensor: name, detail: detail)
        }
        guard let dtype = SafetensorsDType(rawValue: entry.dtype) else {
            throw invalid("unknown dtype '\(entry.dtype)'")
        }
        guard entry.shape.allSatisfy({ $0 >= 0 }) else {
            throw invalid("negative dimension in shape \(entry.shape)")
        }
        var byteCount = dtype.byteSize
        for dimension in entry.shape {
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw invalid("shape \(entry.shape) overflows a byte count") }
            byteCount = product
        }
        guard entry.dataOffsets.count == 2 else {
            throw invalid("data_offsets must be [begin, end], found \(entry.dataOffsets)")
        }
        let (begin, end) = (entry.dataOffsets[0], entry.dataOffsets[1])
        guard begin >= 0, begin <= end else {
            throw invalid("data_offsets [\(begin), \(end)] are not an increasing pair of non-negative offsets")
        }
        guard end - begin == byteCount else {
            throw SafetensorsError.sizeMismatch(file: file, tensor: name, expectedBytes: byteCount, actualBytes: end - begin)
        }
        guard end <= dataSize else {
            throw SafetensorsError.offsetsPastEnd(file: file, tensor: name, end: end, dataSize: dataSize)
        }
        return SafetensorsTensor(name: name, dtype: dtype, shape: entry.shape,
                                 fileOffset: dataStart + begin, byteCount: byteCount)
    }
}

/// A one-line account of a JSON decoding failure: where and what.
func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return keys.isEmpty ? "" : " at " + keys.joined(separator: ".")
    }
    switch error {
    case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
        return context.debugDescription + path(context)
    case let .keyNotFound(key, context):
        return "missing key '\(key.stringValue)'" + path(context)
    @unknown default:
        return "\(error)"
    }
}
