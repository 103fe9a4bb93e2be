/// Everything that can be wrong with a GGUF file, each case naming the file and the problem.
public enum GGUFError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or mapped.
    case cannotOpen(path: String, reason: String)
    /// The file ends before `reading` (at byte `offset`) is complete.
    case truncated(path: String, reading: String, offset: Int)
    /// The first four bytes are not "GGUF".
    case badMagic(path: String, found: [UInt8])
    /// Only versions 2 and 3 (little-endian) are read.
    case unsupportedVersion(path: String, version: UInt32)
    /// A count or length larger than what the rest of the file could possibly hold.
    case implausibleCount(path: String, what: String, count: UInt64, offset: Int)
    /// A metadata value type code outside the GGUF specification.
    case unknownValueType(path: String, key: String, rawType: UInt32)
    /// Arrays nested deeper than `GGUFFile.maxArrayNesting`.
    case nestingTooDeep(path: String, key: String)
    case duplicateKey(path: String, key: String)
    /// `general.alignment` is not a non-zero power of two stored as uint32.
    case invalidAlignment(path: String, value: String)
    case duplicateTensor(path: String, name: String)
    /// More than `GGUFFile.maxDimensions` dimensions.
    case tooManyDimensions(path: String, tensor: String, count: UInt32)
    /// A dimension does not fit in Int64 or the element/byte count overflows.
    case invalidDimensions(path: String, tensor: String, dimensions: [UInt64])
    /// A tensor type code that is not a known ggml type.
    case unknownTensorType(path: String, tensor: String, rawType: UInt32)
    /// The innermost dimension is not a multiple of the type's block size.
    case rowNotBlockAligned(path: String, tensor: String, type: GGMLType, rowLength: Int)
    /// The tensor's data offset is not a multiple of the file's alignment.
    case misalignedTensor(path: String, tensor: String, offset: UInt64, alignment: Int)
    /// The tensor's bytes extend past the end of the file.
    case tensorOutOfBounds(path: String, tensor: String, offset: UInt64, byteCount: Int, dataSize: Int)
    /// Two tensors share bytes.
    case overlappingTensors(path: String, first: String, second: String)
    case missingMetadata(path: String, key: String)
    /// A metadata value exists but has another type than the caller needs.
    case metadataType(path: String, key: String, expected: String, found: String)
    case missingTensor(path: String, name: String)
    /// Rows asked for that the tensor does not have.
    case rowsOutOfRange(path: String, tensor: String, rows: Range<Int>, rowCount: Int)
    /// The tensor's type is known but this reader cannot convert it to f32.
    case unsupportedDequantization(path: String, tensor: String, type: GGMLType)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "\(path): cannot open GGUF file: \(reason)"
        case let .truncated(path, reading, offset):
            return "\(path): file ends while reading \(reading) at byte \(offset) (truncated?)"
        case let .badMagic(path, found):
            let hex = found.map { String($0, radix: 16) }.joined(separator: " ")
            return "\(path): not a GGUF file (first bytes \(hex), expected 47 47 55 46 \"GGUF\")"
        case let .unsupportedVersion(path, version):
            let hint = version > 0xFFFF ? " (a big-endian file?)" : ""
            return "\(path): unsupported GGUF version \(version)\(hint); versions 2 and 3 are read"
        case let .implausibleCount(path, what, count, offset):
            return "\(path): \(what) at byte \(offset) is \(count), more than the file can hold"
        case let .unknownValueType(path, key, rawType):
            return "\(path): metadata \"\(key)\" has unknown value type \(rawType)"
        case let .nestingTooDeep(path, key):
            return "\(path): metadata \"\(key)\" nests arrays more than \(GGUFFile.maxArrayNesting) deep"
        case let .duplicateKey(path, key):
            return "\(path): metadata key \"\(key)\" appears twice"
        case let .invalidAlignment(path, value):
            return "\(path): general.alignment must be a non-zero power of two (uint32), found \(value)"
        case let .duplicateTensor(path, name):
            return "\(path): tensor \"\(name)\" appears twice"
        case let .tooManyDimensions(path, tensor, count):
            return "\(path): tensor \"\(tensor)\" has \(count) dimensions (at most \(GGUFFile.maxDimensions))"
        case let .invalidDimensions(path, tensor, dimensions):
            return "\(path): tensor \"\(tensor)\" has impossible dimensions \(dimensions) (size overflows)"
        case let .unknownTensorType(path, tensor, rawType):
            return "\(path): tensor \"\(tensor)\" has unknown ggml type \(rawType)"
        case let .rowNotBlockAligned(path, tensor, type, rowLength):
            return "\(path): tensor \"\(tensor)\" rows of \(rowLength) values are not a multiple of the \(type) block size \(type.blockSize)"
        case let .misalignedTensor(path, tensor, offset, alignment):
            return "\(path): tensor \"\(tensor)\" data offset \(offset) is not a multiple of the alignment \(alignment)"
        case let .tensorOutOfBounds(path, tensor, offset, byteCount, dataSize):
            return "\(path): tensor \"\(tensor)\" (\(byteCount) bytes at data offset \(offset)) extends past the end of the data section (\(dataSize) bytes)"
        case let .overlappingTensors(path, first, second):
            return "\(path): tensors \"\(first)\" and \"\(second)\" overlap"
        case let .missingMetadata(path, key):
            return "\(path): metadata \"\(key)\" is missing"
        case let .metadataType(path, key, expected, found):
            return "\(path): metadata \"\(key)\" is \(found), expected \(expected)"
        case let .missingTensor(path, name):
            return "\(path): no tensor named \"\(name)\""
        case let .rowsOutOfRange(path, tensor, rows, rowCount):
            return "\(path): rows \(rows) asked of tensor \"\(tensor)\", which has \(rowCount) rows"
        case let .unsupportedDequantization(path, tensor, type):
            return "\(path): tensor \"\(tensor)\" has type \(type), which cannot be converted to f32 yet"
        }
    }
}
