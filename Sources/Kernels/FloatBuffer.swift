/// An owned, 64-byte aligned, fixed-size buffer of floats, freed when the last reference goes.
///
/// Weights and scratch activations live in these so that kernels get stable pointers without
/// nested `withUnsafe…` closures. Not thread-safe; contents start zeroed.
public final class FloatBuffer {
    /// Number of floats.
    public let count: Int
    /// Start of the storage; valid for `count` floats while the buffer is alive.
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates `count` zeroed floats (`count` ≥ 0).
    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must not be negative")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
    }

    /// Allocates a buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: count) }
        }
    }

    deinit { pointer.deallocate() }

    /// The storage as a mutable buffer pointer.
    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    /// A copy of the contents.
    public var array: [Float] { Array(buffer) }
}
