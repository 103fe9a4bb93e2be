import Foundation

/// Builds safetensors files: tensors are laid out in the order added, the header is padded with
/// spaces to a multiple of 8 bytes (as the reference implementation does).
public struct SafetensorsWriter {
    private var entries: [(name: String, dtype: SafetensorsDType, shape: [Int], bytes: Data)] = []
    /// Optional `__metadata__` strings.
    public var metadata: [String: String] = [:]

    public init() {}

    /// Adds a tensor given its raw little-endian bytes (`shape` × dtype size of them).
    public mutating func add(_ name: String, dtype: SafetensorsDType, shape: [Int], bytes: Data) {
        precondition(shape.reduce(dtype.byteSize, *) == bytes.count, "tensor '\(name)': bytes do not match shape")
        entries.append((name, dtype, shape, bytes))
    }

    /// Adds an F32 tensor.
    public mutating func add(_ name: String, shape: [Int], floats: [Float]) {
        let bytes = floats.withUnsafeBufferPointer { Data(buffer: $0) }
        add(name, dtype: .f32, shape: shape, bytes: bytes)
    }

    /// The encoded file.
    public func encoded() -> Data {
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0] ?? ""))" }
            parts.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
        }
        var offset = 0
        for entry in entries {
            let shape = entry.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(entry.name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + entry.bytes.count)]}")
            offset += entry.bytes.count
        }
        header += parts.joined(separator: ",") + "}"
        while header.utf8.count % 8 != 0 { header += " " }

        var file = Data()
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { file.append(contentsOf: $0) }
        file.append(contentsOf: Array(header.utf8))
        for entry in entries { file.append(entry.bytes) }
        return file
    }

    /// Writes the encoded file to `url`.
    public func write(to url: URL) throws {
        try encoded().write(to: url)
    }

    private func jsonString(_ text: String) -> String {
        // JSONEncoder escapes quotes, backslashes and control characters.
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
