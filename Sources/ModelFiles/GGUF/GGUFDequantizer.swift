import Kernels

/// Conversion of ggml blocks to f32, value for value as ggml's `dequantize_row_*`
/// (ggml-quants.c) and gguf-py's `quants.py` compute it, in the same float operation order so
/// the results are bit-identical. Block layouts are given in each function (little-endian).
enum GGUFDequantizer {
    /// Converts `blockCount` consecutive blocks of `type` at `source` into
    /// `blockCount · type.blockSize` floats at `destination`.
    /// The caller guarantees both buffers are large enough and `type.isDequantizable`.
    static func dequantize(_ type: GGMLType, blockCount: Int,
                           from source: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>) {
        let bytes = source.assumingMemoryBound(to: UInt8.self)
        switch type {
        case .f32: f32(source, blockCount, destination)
        case .f16: convertHalfToFloat(source, into: destination, count: blockCount)
        case .bf16: convertBFloat16ToFloat(source, into: destination, count: blockCount)
        case .q4_0: q4_0(bytes, blockCount, destination)
        case .q4_1: q4_1(bytes, blockCount, destination)
        case .q5_0: q5_0(bytes, blockCount, destination)
        case .q5_1: q5_1(bytes, blockCount, destination)
        case .q8_0: q8_0(bytes, blockCount, destination)
        case .q2_K: q2_K(bytes, blockCount, destination)
        case .q3_K: q3_K(bytes, blockCount, destination)
        case .q4_K: q4_K(bytes, blockCount, destination)
        case .q5_K: q5_K(bytes, blockCount, destination)
        case .q6_K: q6_K(bytes, blockCount, destination)
        default: preconditionFailure("GGUFDequantizer: \(type) is not dequantizable; check isDequantizable first")
        }
    }

    /// The little-endian half stored at `bytes[offset]`, as Float.
    @inline(__always)
    static func half(_ bytes: UnsafePointer<UInt8>, _ offset: Int) -> Float {
        floatFromHalfBits(UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)
    }

    // MARK: - Plain types

    private static func f32(_ x: UnsafeRawPointer, _ count: Int, _ y: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            y[i] = Float(bitPattern: UInt32(littleEndian: x.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        }
    }

    // MARK: - 32-value blocks

    /// Q4_0, 18 bytes: d (f16), qs[16]; value j = (nibble − 8)·d, low nibbles are values
    /// 0–15 and high nibbles values 16–31.
    private static func q4_0(_ x: UnsafePointer<UInt8>, _ blockCount: Int, _ y: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let b = x + block * 18, out = y + block * 32
            let d = half(b, 0)
            let qs = b + 2
            for j in 0..<16 {
                out[j] = Float(Int32(qs[j] & 0x0F) - 8) * d
                out[j + 16] = Float(Int32(qs[j] >> 4) - 8) * d
            }
        }
    }

    /// Q4_1, 20 bytes: d (f16), m (f16), qs[16]; value = nibble·d + m.
    private static func q4_1(_ x: UnsafePointer<UInt8>, _ blockCount: Int, _ y: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let b = x + block * 20, out = y + block * 32
            let d = half(b, 0), m = half(b, 2)
            let qs = b + 4
            for j in 0..<16 {
                out[j] = Float(qs[j] & 0x0F) * d + m
                out[j + 16] = Float(qs[j] >> 4) * d + m
            }
        }
    }

    /// Q5_0, 22 bytes: d (f16), qh (u32: bit j is the fifth bit of value j), qs[16];
    /// value = (5-bit q − 16)·d.
    private static func q5_0(_ x: UnsafePointer<UInt8>, _ blockCount: Int, _ y: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let b = x + block * 22, out = y + block * 32
            let d = half(b, 0)
            let qh = UInt32(b[2]) | UInt32(b[3]) << 8 | UInt32(b[4]) << 16 | UInt32(b[5]) << 24
            let qs = b + 6
            for j in 0..<16 {
                let high0 = UInt8(truncatingIfNeeded: ((qh >> UInt32(j)) << 4) & 0x10)
                let high1 = UInt8(truncatingIfNeeded: (qh >> UInt32(j + 12)) & 0x10)
                out[j] = Float(Int32((qs[j] & 0x0F) | high0) - 16) * d
                out[j + 16] = Float(Int32((qs[j] >> 4) | high1) - 16) * d
            }
        }
    }

    /// Q5_1, 24 bytes: d (f16), m (f16), qh (u32), qs[16]; value = 5-bit q·d + m.
    private static func q5_1(_ x: UnsafePointer<UInt8>, _ blockCount: Int, _ y: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let b = x + block * 24, out = y + block * 32
            let d = half(b, 0), m = half(b, 2)
            let qh = UInt32(b[4]) | UInt32(b[5]) << 8 | UInt32(b[6]) << 16 | UInt32(b[7]) << 24
            let qs = b + 8
            for j in 0..<16 {
                let high0 = UInt8(truncatingIfNeeded: ((qh >> UInt32(j)) << 4) & 0x10)
                let high1 = UInt8(truncatingIfNeeded: (qh >> UInt32(j + 12)) & 0x10)
                out[j] = Float((qs[j] & 0x0F) | high0) * d + m
                out[j + 16] = Float((qs[j] >> 4) | high1) * d + m
            }
        }
    }

    /// Q8_0, 34 bytes: d (f16), qs[32] (int8); value = q·d.
    private static func q8_0(_ x: UnsafePointer<UInt8>, _ blockCount: Int, _ y: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let b = x + block * 34, out = y + block * 32
            let d = half(b, 0)
            let qs = b + 2
            for j in 0..<32 {
                out[j] = Float(Int8(bitPattern: qs[j])) * d
            }
        }
    }
}
