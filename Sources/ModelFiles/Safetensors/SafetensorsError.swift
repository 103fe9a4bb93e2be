/// Everything that can be wrong with a safetensors file or a sharded checkpoint.
/// Each case names the file (its path) and, where it applies, the tensor.
public enum SafetensorsError: Error, CustomStringConvertible, Sendable {
    /// The file cannot be opened or mapped.
    case cannotOpen(file: String, reason: String)
    /// The file is shorter than its own header says.
    case truncated(file: String, detail: String)
    /// The header is not the JSON object the format requires.
    case malformedHeader(file: String, detail: String)
    /// A header entry is invalid (unknown dtype, bad shape, bad offsets, overflowing size).
    case invalidTensor(file: String, tensor: String, detail: String)
    /// shape × dtype size differs from the byte length given by the offsets.
    case sizeMismatch(file: String, tensor: String, expectedBytes: Int, actualBytes: Int)
    /// The tensor's data ends past the end of the file.
    case offsetsPastEnd(file: String, tensor: String, end: Int, dataSize: Int)
    /// Two tensors claim the same bytes.
    case overlappingTensors(file: String, first: String, second: String)
    /// No tensor of that name.
    case missingTensor(file: String, tensor: String)
    /// The tensor exists but its element type does not convert to Float.
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// A folder has neither `model.safetensors` nor `model.safetensors.index.json`.
    case noWeights(folder: String)
    /// `model.safetensors.index.json` is malformed or points outside its folder.
    case invalidIndex(file: String, detail: String)

    public var description: String {
        switch self {
        case let .cannotOpen(file, reason):
            "\(file): cannot open: \(reason)"
        case let .truncated(file, detail):
            "\(file): truncated safetensors file: \(detail)"
        case let .malformedHeader(file, detail):
            "\(file): malformed safetensors header: \(detail)"
        case let .invalidTensor(file, tensor, detail):
            "\(file): tensor '\(tensor)': \(detail)"
        case let .sizeMismatch(file, tensor, expected, actual):
            "\(file): tensor '\(tensor)': shape and dtype need \(expected) bytes but its offsets span \(actual)"
        case let .offsetsPastEnd(file, tensor, end, dataSize):
            "\(file): tensor '\(tensor)': data ends at byte \(end) of the data section, which has only \(dataSize) bytes (file truncated or header wrong)"
        case let .overlappingTensors(file, first, second):
            "\(file): tensors '\(first)' and '\(second)' overlap"
        case let .missingTensor(file, tensor):
            "\(file): no tensor named '\(tensor)'"
        case let .unsupportedDType(file, tensor, dtype):
            "\(file): tensor '\(tensor)' has dtype \(dtype); only F32, F16 and BF16 convert to float"
        case let .noWeights(folder):
            "\(folder): no model.safetensors or model.safetensors.index.json"
        case let .invalidIndex(file, detail):
            "\(file): invalid safetensors index: \(detail)"
        }
    }
}
