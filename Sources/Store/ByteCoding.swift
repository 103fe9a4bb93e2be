/// Fixed-width integer and float encodings for store keys and values.
///
/// Keys are big-endian so that LMDB's lexicographic byte order is numeric order; values are
/// little-endian, the native order of every platform Neurodex runs on, so that arrays can be
/// read in place.
enum ByteCoding {
    @inline(__always)
    static func appendBigEndian<I: FixedWidthInteger>(_ value: I, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    static func appendLittleEndian<I: FixedWidthInteger>(_ value: I, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends each value's IEEE bits, little-endian: in one copy on little-endian hosts.
    static func appendLittleEndian(_ values: [Float], to bytes: inout [UInt8]) {
        #if _endian(little)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for v in values { appendLittleEndian(v.bitPattern, to: &bytes) }
        #endif
    }

    @inline(__always)
    static func readBigEndian<I: FixedWidthInteger>(_: I.Type, _ bytes: UnsafeRawBufferPointer, at offset: Int) -> I {
        I(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: I.self))
    }

    @inline(__always)
    static func readLittleEndian<I: FixedWidthInteger>(_: I.Type, _ bytes: UnsafeRawBufferPointer, at offset: Int) -> I {
        I(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: I.self))
    }

    @inline(__always)
    static func readFloat(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Float {
        Float(bitPattern: readLittleEndian(UInt32.self, bytes, at: offset))
    }

    /// Little-endian bytes of a float array.
    static func bytes(of floats: [Float]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(floats.count * 4)
        for f in floats { appendLittleEndian(f.bitPattern, to: &out) }
        return out
    }

    /// Little-endian bytes of a UInt32 array.
    static func bytes(of values: [UInt32]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * 4)
        for v in values { appendLittleEndian(v, to: &out) }
        return out
    }

    static func floats(_ bytes: UnsafeRawBufferPointer) -> [Float] {
        copyLittleEndian(bytes, as: Float.self)
    }

    static func uint32s(_ bytes: UnsafeRawBufferPointer) -> [UInt32] {
        copyLittleEndian(bytes, as: UInt32.self)
    }

    /// The 4-byte little-endian values of `bytes`, copied in one go (Neurodex runs on
    /// little-endian hosts only; see Schema/activations.md).
    static func copyLittleEndian<T: BitwiseCopyable>(_ bytes: UnsafeRawBufferPointer, as: T.Type) -> [T] {
        let count = bytes.count / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: bytes[0..<count * MemoryLayout<T>.stride]))
            }
            initialized = count
        }
    }
}

/// The keys of the activation store's databases (layout in Schema/activations.md).
public enum StoreKey {
    /// `records`: (layer u16, neuron u32), 6 bytes.
    public static func neuron(layer: Int, neuron: Int) -> [UInt8] {
        var k = [UInt8](); k.reserveCapacity(6)
        ByteCoding.appendBigEndian(UInt16(layer), to: &k)
        ByteCoding.appendBigEndian(UInt32(neuron), to: &k)
        return k
    }

    /// `tokens`: document u32, 4 bytes.
    public static func document(_ document: UInt32) -> [UInt8] {
        var k = [UInt8](); k.reserveCapacity(4)
        ByteCoding.appendBigEndian(document, to: &k)
        return k
    }

    /// `by_token`: (token u32, layer u16, neuron u32), 10 bytes.
    public static func tokenNeuron(token: UInt32, layer: Int, neuron: Int) -> [UInt8] {
        var k = [UInt8](); k.reserveCapacity(10)
        ByteCoding.appendBigEndian(token, to: &k)
        ByteCoding.appendBigEndian(UInt16(layer), to: &k)
        ByteCoding.appendBigEndian(UInt32(neuron), to: &k)
        return k
    }

    /// `embeddings`: token u32, 4 bytes.
    public static func token(_ token: UInt32) -> [UInt8] {
        var k = [UInt8](); k.reserveCapacity(4)
        ByteCoding.appendBigEndian(token, to: &k)
        return k
    }

    /// `inputs`: (layer u16, document u32, position u32), 10 bytes.
    public static func occurrence(layer: Int, document: UInt32, position: UInt32) -> [UInt8] {
        var k = [UInt8](); k.reserveCapacity(10)
        ByteCoding.appendBigEndian(UInt16(layer), to: &k)
        ByteCoding.appendBigEndian(document, to: &k)
        ByteCoding.appendBigEndian(position, to: &k)
        return k
    }

    /// `meta` and `state`: UTF-8 name.
    public static func name(_ name: String) -> [UInt8] { Array(name.utf8) }
}
