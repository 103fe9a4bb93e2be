#if canImport(Glibc)
import Glibc
#endif

/// An owned, 64-byte aligned, fixed-size buffer of floats, freed when the last reference goes.
///
/// Weights and scratch activations live in these so that kernels get stable pointers without
/// nested `withUnsafe…` closures. Not thread-safe; contents start zeroed.
public final class FloatBuffer {
    /// Number of floats.
    public let count: Int
    /// Start of the storage; valid for `count` floats while the buffer is alive.
    public let pointer: UnsafeMutablePointer<Float>

    /// The size of a transparent huge page on x86-64 (and most arm64) Linux.
    public static let hugePageBytes = 2 << 20

    /// Allocates `count` zeroed floats (`count` ≥ 0).
    ///
    /// With `hugePages`, a buffer of at least `hugePageBytes` starts on a huge-page boundary and
    /// asks for transparent huge pages (`madvise(MADV_HUGEPAGE)`; systems set to "madvise" give
    /// them only when asked). For a batch's activations: the capture reads each neuron's column,
    /// one row every `neurons` floats, and on 4 KB pages a batch of thousands of rows misses the
    /// TLB at every row. The advice changes nothing else; where it fails, nothing changes.
    public init(count: Int, hugePages: Bool = false) {
        precondition(count >= 0, "FloatBuffer count must not be negative")
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let huge = hugePages && bytes >= Self.hugePageBytes
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: huge ? Self.hugePageBytes : 64)
        #if os(Linux)
        if huge { _ = madvise(raw, bytes, MADV_HUGEPAGE) }
        #endif
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
