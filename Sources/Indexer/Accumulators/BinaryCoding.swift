import Store
/// Native-order binary encoding of checkpoint state (little-endian hosts; checkpoints are not
/// meant to move between machines of different byte order).
struct BinaryWriter {
    private(set) var bytes: [UInt8] = []

    mutating func write<T: BitwiseCopyable>(_ value: T) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    mutating func write<T: BitwiseCopyable>(array: [T]) {
        write(UInt64(array.count))
        array.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
}

struct BinaryReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func read<T: BitwiseCopyable>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else { throw IndexError.badCheckpoint("truncated at byte \(offset)") }
        defer { offset += size }
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }

    mutating func readArray<T: BitwiseCopyable>(_: T.Type, expectedCount: Int? = nil) throws -> [T] {
        let count = Int(try read(UInt64.self))
        let size = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !size.overflow, offset + size.partialValue <= bytes.count else {
            throw IndexError.badCheckpoint("array of \(count) elements past the end")
        }
        if let expectedCount, expectedCount != count {
            throw IndexError.badCheckpoint("array of \(count) elements where \(expectedCount) were expected")
        }
        defer { offset += size.partialValue }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + size.partialValue]))
            }
            initialized = count
        }
    }
}

extension LayerAccumulator {
    /// The whole state, for a checkpoint.
    func encoded() -> [UInt8] {
        var w = BinaryWriter()
        w.write(UInt32(2))  // encoding version (2: windows and negative records)
        w.write(Int64(layer)); w.write(Int64(neurons))
        w.write(Int64(bins.minExponent)); w.write(Int64(bins.maxExponent)); w.write(Int64(bins.subdivisionBits))
        w.write(Int64(topK.k)); w.write(topK.distinctTokens ? UInt8(1) : 0)
        w.write(array: topK.activation); w.write(array: topK.document); w.write(array: topK.position)
        w.write(array: topK.token); w.write(array: topK.count); w.write(array: topK.threshold)
        w.write(count)
        w.write(array: neuronStatistics.moments); w.write(array: neuronStatistics.extrema)
        w.write(array: neuronStatistics.positives); w.write(array: neuronStatistics.histogram)
        let positions = sampled.keys.sorted { ($0.document, $0.position) < ($1.document, $1.position) }
        w.write(UInt64(positions.count))
        for p in positions {
            w.write(p.document); w.write(p.position); w.write(array: sampled[p]!)
        }
        for part in [windows, negative] {
            w.write(part == nil ? UInt8(0) : 1)
            part?.encode(to: &w)
        }
        return w.bytes
    }

    /// Restores a checkpointed state.
    init(encoded bytes: [UInt8]) throws {
        var r = BinaryReader(bytes)
        guard try r.read(UInt32.self) == 2 else { throw IndexError.badCheckpoint("unknown encoding version") }
        let layer = Int(try r.read(Int64.self)), neurons = Int(try r.read(Int64.self))
        let bins = HistogramBinsValues(min: Int(try r.read(Int64.self)), max: Int(try r.read(Int64.self)),
                                       bits: Int(try r.read(Int64.self)))
        let k = Int(try r.read(Int64.self)), distinct = try r.read(UInt8.self) == 1
        guard neurons > 0, k > 0, bins.min < bins.max, (0...8).contains(bins.bits) else {
            throw IndexError.badCheckpoint("bad layer header")
        }
        self.init(layer: layer, neurons: neurons, k: k, distinctTokens: distinct,
                  bins: .init(minExponent: bins.min, maxExponent: bins.max, subdivisionBits: bins.bits))
        topK.activation = try r.readArray(Float.self, expectedCount: neurons * k)
        topK.document = try r.readArray(UInt32.self, expectedCount: neurons * k)
        topK.position = try r.readArray(UInt32.self, expectedCount: neurons * k)
        topK.token = try r.readArray(UInt32.self, expectedCount: neurons * k)
        topK.count = try r.readArray(Int32.self, expectedCount: neurons)
        topK.threshold = try r.readArray(Float.self, expectedCount: neurons)
        count = try r.read(Double.self)
        neuronStatistics.moments = try r.readArray(Double.self, expectedCount: neuronStatistics.moments.count)
        neuronStatistics.extrema = try r.readArray(Float.self, expectedCount: 2 * neurons)
        neuronStatistics.positives = try r.readArray(UInt64.self, expectedCount: neurons)
        neuronStatistics.histogram = try r.readArray(UInt32.self, expectedCount: neurons * self.bins.count)
        let sampleCount = Int(try r.read(UInt64.self))
        for _ in 0..<sampleCount {
            let p = SamplePosition(document: try r.read(UInt32.self), position: try r.read(UInt32.self))
            sampled[p] = try r.readArray(Float.self, expectedCount: neurons)
        }
        windows = try r.read(UInt8.self) == 1 ? try WindowedTopK(decoding: &r, neurons: neurons) : nil
        negative = try r.read(UInt8.self) == 1 ? try WindowedTopK(decoding: &r, neurons: neurons) : nil
        guard r.isAtEnd else { throw IndexError.badCheckpoint("trailing bytes") }
    }
}

private struct HistogramBinsValues { var min: Int; var max: Int; var bits: Int }

extension WindowedTopK {
    func encode(to w: inout BinaryWriter) {
        w.write(order.rawValue); w.write(Int64(k)); w.write(Int64(width)); w.write(heap.distinctTokens ? UInt8(1) : 0)
        w.write(array: heap.activation); w.write(array: heap.document); w.write(array: heap.position)
        w.write(array: heap.token); w.write(array: heap.count); w.write(array: heap.threshold); w.write(array: heap.slot)
        w.write(array: values); w.write(array: windowStart); w.write(array: windowLength)
    }

    init(decoding r: inout BinaryReader, neurons: Int) throws {
        guard let order = Order(rawValue: try r.read(UInt8.self)) else { throw IndexError.badCheckpoint("bad window order") }
        let k = Int(try r.read(Int64.self)), width = Int(try r.read(Int64.self)), distinct = try r.read(UInt8.self) == 1
        guard k > 0, width > 0 else { throw IndexError.badCheckpoint("bad window header") }
        self.init(neurons: neurons, k: k, distinctTokens: distinct, width: width, order: order)
        heap.activation = try r.readArray(Float.self, expectedCount: neurons * k)
        heap.document = try r.readArray(UInt32.self, expectedCount: neurons * k)
        heap.position = try r.readArray(UInt32.self, expectedCount: neurons * k)
        heap.token = try r.readArray(UInt32.self, expectedCount: neurons * k)
        heap.count = try r.readArray(Int32.self, expectedCount: neurons)
        heap.threshold = try r.readArray(Float.self, expectedCount: neurons)
        heap.slot = try r.readArray(UInt32.self, expectedCount: neurons * k)
        values = try r.readArray(Float.self, expectedCount: neurons * k * width)
        windowStart = try r.readArray(UInt32.self, expectedCount: neurons * k)
        windowLength = try r.readArray(UInt32.self, expectedCount: neurons * k)
    }
}
