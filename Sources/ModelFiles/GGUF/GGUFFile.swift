/// A GGUF file (llama.cpp's model format, versions 2 and 3), memory-mapped and validated.
///
/// Layout: magic "GGUF", uint32 version, uint64 tensor count, uint64 metadata count, the
/// metadata (key string, uint32 value type, value), the tensor infos (name, uint32 dimension
/// count, uint64 dimensions, uint32 ggml type, uint64 offset), padding to `alignment`, then the
/// data section. Opening the file reads and checks all headers: every tensor has a known type,
/// a size that does not overflow, an aligned offset, lies inside the file and overlaps no other.
/// Tensor bytes are read lazily from the mapping. Instances are immutable and thread-safe.
public final class GGUFFile: @unchecked Sendable {
    public static let maxDimensions = 4
    public static let maxArrayNesting = 16
    public static let defaultAlignment = 32

    public let path: String
    public let version: UInt32
    /// Metadata by key; `metadataKeys` keeps the file's order.
    public let metadata: [String: GGUFValue]
    public let metadataKeys: [String]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// Data alignment: `general.alignment`, or 32 when absent.
    public let alignment: Int
    /// Absolute file offset of the data section.
    public let dataOffset: Int

    private let tensorIndex: [String: Int]
    private let mapping: GGUFMappedFile

    /// Opens, maps and validates the file at `path`.
    public init(path: String) throws {
        self.path = path
        mapping = try GGUFMappedFile(path: path)
        var reader = GGUFByteReader(bytes: mapping.bytes, path: path)

        let magic = [try reader.read(UInt8.self, "magic"), try reader.read(UInt8.self, "magic"),
                     try reader.read(UInt8.self, "magic"), try reader.read(UInt8.self, "magic")]
        guard magic == Array("GGUF".utf8) else { throw GGUFError.badMagic(path: path, found: magic) }
        version = try reader.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            throw GGUFError.unsupportedVersion(path: path, version: version)
        }
        // Smallest tensor info: empty name (8) + dimension count (4) + type (4) + offset (8).
        let tensorCount = try reader.readCount("tensor count", minimumItemSize: 24)
        // Smallest metadata entry: empty key (8) + value type (4) + a one-byte value.
        let metadataCount = try reader.readCount("metadata count", minimumItemSize: 13)

        var metadata: [String: GGUFValue] = [:]
        var metadataKeys: [String] = []
        for index in 0..<metadataCount {
            let key = try reader.readString("metadata key #\(index)")
            guard metadata[key] == nil else { throw GGUFError.duplicateKey(path: path, key: key) }
            let rawType = try reader.read(UInt32.self, "type of metadata \"\(key)\"")
            metadata[key] = try Self.readValue(rawType: rawType, key: key, depth: 0, from: &reader)
            metadataKeys.append(key)
        }
        self.metadata = metadata
        self.metadataKeys = metadataKeys
        alignment = try Self.alignment(in: metadata, path: path)

        var tensors: [GGUFTensorInfo] = []
        var tensorIndex: [String: Int] = [:]
        tensors.reserveCapacity(tensorCount)
        for index in 0..<tensorCount {
            let tensor = try Self.readTensorInfo(index: index, alignment: alignment, from: &reader)
            guard tensorIndex[tensor.name] == nil else {
                throw GGUFError.duplicateTensor(path: path, name: tensor.name)
            }
            tensorIndex[tensor.name] = tensors.count
            tensors.append(tensor)
        }

        let headerEnd = reader.offset
        dataOffset = (headerEnd + alignment - 1) / alignment * alignment
        try Self.checkPlacement(of: tensors, dataSize: max(0, mapping.bytes.count - dataOffset), path: path)
        self.tensors = tensors
        self.tensorIndex = tensorIndex
    }

    /// The info of the tensor called `name`.
    public func tensor(named name: String) throws -> GGUFTensorInfo {
        guard let index = tensorIndex[name] else { throw GGUFError.missingTensor(path: path, name: name) }
        return tensors[index]
    }

    /// True when the file has a tensor called `name`.
    public func hasTensor(named name: String) -> Bool { tensorIndex[name] != nil }

    /// Calls `body` with the raw stored bytes of `tensor` (valid only during the call).
    public func withRawBytes<R>(of tensor: GGUFTensorInfo,
                                _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let start = dataOffset + tensor.offset
        return try body(UnsafeRawBufferPointer(rebasing: mapping.bytes[start..<(start + tensor.byteCount)]))
    }

    // MARK: - Reading the header

    private enum ValueType: UInt32 {
        case uint8 = 0, int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64, float64

        /// The fewest bytes one value of this type occupies (for checking array lengths).
        var minimumSize: Int {
            switch self {
            case .uint8, .int8, .bool: return 1
            case .uint16, .int16: return 2
            case .uint32, .int32, .float32: return 4
            case .uint64, .int64, .float64, .string: return 8
            case .array: return 12
            }
        }
    }

    private static func readValue(rawType: UInt32, key: String, depth: Int,
                                  from reader: inout GGUFByteReader) throws -> GGUFValue {
        guard let type = ValueType(rawValue: rawType) else {
            throw GGUFError.unknownValueType(path: reader.path, key: key, rawType: rawType)
        }
        let what = "value of metadata \"\(key)\""
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, what))
        case .int8: return .int8(try reader.read(Int8.self, what))
        case .uint16: return .uint16(try reader.read(UInt16.self, what))
        case .int16: return .int16(try reader.read(Int16.self, what))
        case .uint32: return .uint32(try reader.read(UInt32.self, what))
        case .int32: return .int32(try reader.read(Int32.self, what))
        case .float32: return .float32(try reader.readFloat(what))
        case .bool: return .bool(try reader.read(UInt8.self, what) != 0)
        case .string: return .string(try reader.readString(what))
        case .uint64: return .uint64(try reader.read(UInt64.self, what))
        case .int64: return .int64(try reader.read(Int64.self, what))
        case .float64: return .float64(try reader.readDouble(what))
        case .array: return .array(try readArray(key: key, depth: depth + 1, from: &reader))
        }
    }

    /// An array value: uint32 element type, uint64 count, elements (nested arrays recurse).
    private static func readArray(key: String, depth: Int, from reader: inout GGUFByteReader) throws -> GGUFArray {
        guard depth <= maxArrayNesting else { throw GGUFError.nestingTooDeep(path: reader.path, key: key) }
        let what = "array of metadata \"\(key)\""
        let rawType = try reader.read(UInt32.self, "element type of \(what)")
        guard let type = ValueType(rawValue: rawType) else {
            throw GGUFError.unknownValueType(path: reader.path, key: key, rawType: rawType)
        }
        let count = try reader.readCount("length of \(what)", minimumItemSize: type.minimumSize)
        switch type {
        case .uint8: return .uint8(try reader.readIntegers(UInt8.self, count: count, what))
        case .int8: return .int8(try reader.readIntegers(Int8.self, count: count, what))
        case .uint16: return .uint16(try reader.readIntegers(UInt16.self, count: count, what))
        case .int16: return .int16(try reader.readIntegers(Int16.self, count: count, what))
        case .uint32: return .uint32(try reader.readIntegers(UInt32.self, count: count, what))
        case .int32: return .int32(try reader.readIntegers(Int32.self, count: count, what))
        case .uint64: return .uint64(try reader.readIntegers(UInt64.self, count: count, what))
        case .int64: return .int64(try reader.readIntegers(Int64.self, count: count, what))
        case .float32:
            return .float32(try reader.readIntegers(UInt32.self, count: count, what).map(Float.init(bitPattern:)))
        case .float64:
            return .float64(try reader.readIntegers(UInt64.self, count: count, what).map(Double.init(bitPattern:)))
        case .bool:
            return .bool(try reader.readIntegers(UInt8.self, count: count, what).map { $0 != 0 })
        case .string:
            var strings: [String] = []
            strings.reserveCapacity(count)
            for index in 0..<count {
                strings.append(try reader.readString("element \(index) of \(what)"))
            }
            return .string(strings)
        case .array:
            var arrays: [GGUFArray] = []
            for _ in 0..<count {
                arrays.append(try readArray(key: key, depth: depth + 1, from: &reader))
            }
            return .array(arrays)
        }
    }

    private static func alignment(in metadata: [String: GGUFValue], path: String) throws -> Int {
        guard let value = metadata["general.alignment"] else { return defaultAlignment }
        guard case let .uint32(alignment) = value, alignment > 0, alignment & (alignment - 1) == 0 else {
            throw GGUFError.invalidAlignment(path: path, value: "\(value)")
        }
        return Int(alignment)
    }

    private static func readTensorInfo(index: Int, alignment: Int,
                                       from reader: inout GGUFByteReader) throws -> GGUFTensorInfo {
        let path = reader.path
        let name = try reader.readString("name of tensor #\(index)")
        let dimensionCount = try reader.read(UInt32.self, "dimension count of tensor \"\(name)\"")
        guard dimensionCount <= maxDimensions else {
            throw GGUFError.tooManyDimensions(path: path, tensor: name, count: dimensionCount)
        }
        var rawDimensions: [UInt64] = []
        for _ in 0..<dimensionCount {
            rawDimensions.append(try reader.read(UInt64.self, "dimensions of tensor \"\(name)\""))
        }
        let rawType = try reader.read(UInt32.self, "type of tensor \"\(name)\"")
        let offset = try reader.read(UInt64.self, "offset of tensor \"\(name)\"")

        let invalid = GGUFError.invalidDimensions(path: path, tensor: name, dimensions: rawDimensions)
        var dimensions: [Int] = []
        var elementCount = 1
        for raw in rawDimensions {
            guard let dimension = Int(exactly: raw) else { throw invalid }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw invalid }
            dimensions.append(dimension)
            elementCount = product
        }
        guard let type = GGMLType(rawValue: rawType) else {
            throw GGUFError.unknownTensorType(path: path, tensor: name, rawType: rawType)
        }
        let rowLength = dimensions.first ?? 1
        guard rowLength % type.blockSize == 0 else {
            throw GGUFError.rowNotBlockAligned(path: path, tensor: name, type: type, rowLength: rowLength)
        }
        let (byteCount, overflow) = (elementCount / type.blockSize).multipliedReportingOverflow(by: type.bytesPerBlock)
        guard !overflow else { throw invalid }
        guard offset % UInt64(alignment) == 0 else {
            throw GGUFError.misalignedTensor(path: path, tensor: name, offset: offset, alignment: alignment)
        }
        guard let intOffset = Int(exactly: offset) else {
            throw GGUFError.tensorOutOfBounds(path: path, tensor: name, offset: offset, byteCount: byteCount, dataSize: 0)
        }
        return GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: intOffset,
                              elementCount: elementCount, byteCount: byteCount)
    }

    /// Every tensor lies inside the data section and no two share a byte.
    private static func checkPlacement(of tensors: [GGUFTensorInfo], dataSize: Int, path: String) throws {
        for tensor in tensors {
            let (end, overflow) = tensor.offset.addingReportingOverflow(tensor.byteCount)
            guard !overflow, end <= dataSize else {
                throw GGUFError.tensorOutOfBounds(path: path, tensor: tensor.name, offset: UInt64(tensor.offset),
                                                  byteCount: tensor.byteCount, dataSize: dataSize)
            }
        }
        let placed = tensors.filter { $0.byteCount > 0 }.sorted { $0.offset < $1.offset }
        for (previous, next) in zip(placed, placed.dropFirst()) where previous.offset + previous.byteCount > next.offset {
            throw GGUFError.overlappingTensors(path: path, first: previous.name, second: next.name)
        }
    }
}
