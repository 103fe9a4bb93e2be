/// A little-endian cursor over the bytes of a GGUF file; every read is bounds-checked and
/// throws `GGUFError.truncated` instead of reading past the end.
struct GGUFByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset: Int = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw GGUFError.truncated(path: path, reading: what(), offset: offset)
        }
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += size
        return value
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A count that announces `count` items of at least `minimumItemSize` bytes each; rejected
    /// when the rest of the file cannot hold them, so lying counts never allocate.
    mutating func readCount(_ what: @autoclosure () -> String, minimumItemSize: Int) throws -> Int {
        let start = offset
        let count = try read(UInt64.self, what())
        let (needed, overflow) = count.multipliedReportingOverflow(by: UInt64(max(minimumItemSize, 1)))
        guard !overflow, needed <= UInt64(remaining) else {
            throw GGUFError.implausibleCount(path: path, what: what(), count: count, offset: start)
        }
        return Int(count)
    }

    /// A GGUF string: uint64 byte length, then UTF-8 bytes (no terminator).
    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let length = try readCount("length of \(what())", minimumItemSize: 1)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
        offset += length
        return String(decoding: slice, as: UTF8.self)
    }

    /// `count` consecutive little-endian integers (the count was already checked with `readCount`).
    mutating func readIntegers<T: FixedWidthInteger>(_: T.Type, count: Int,
                                                     _ what: @autoclosure () -> String) throws -> [T] {
        let size = MemoryLayout<T>.size
        guard count <= remaining / size else {
            throw GGUFError.truncated(path: path, reading: what(), offset: offset)
        }
        let start = offset
        let source = bytes
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                buffer[i] = T(littleEndian: source.loadUnaligned(fromByteOffset: start + i * size, as: T.self))
            }
            initialized = count
        }
        offset += count * size
        return values
    }
}
