/// Where one tensor lives in a GGUF file and what it holds (already validated against the file).
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// Dimensions in GGUF (ggml) order: `dimensions[0]` is the innermost, contiguous one, so a
    /// weight matrix with `dimensions == [in, out]` is stored as `out` rows of `in` values.
    public let dimensions: [Int]
    public let type: GGMLType
    /// Byte offset from the start of the data section (a multiple of the file's alignment).
    public let offset: Int
    public let elementCount: Int
    public let byteCount: Int

    /// Values per row: the innermost dimension (1 for a tensor without dimensions).
    public var rowLength: Int { dimensions.first ?? 1 }

    /// Number of rows: the product of all dimensions but the innermost.
    public var rowCount: Int { rowLength == 0 ? 0 : elementCount / rowLength }
}
