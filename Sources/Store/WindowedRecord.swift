/// A record with the neuron's activation at every token of the context window it came from.
public struct WindowedRecord: Sendable, Hashable {
    public var record: CoreRecord
    /// Document position of the window's first token (the window is in `record.document`).
    public var windowStart: UInt32
    /// [window length] the neuron's activation at each token of the window, f32.
    public var activations: [Float]

    public init(record: CoreRecord, windowStart: UInt32, activations: [Float]) {
        self.record = record
        self.windowStart = windowStart
        self.activations = activations
    }

    /// Index of the record's own token in the window.
    public var focus: Int { Int(record.position) - Int(windowStart) }

    /// The document positions the window covers.
    public var positions: Range<Int> { Int(windowStart)..<Int(windowStart) + activations.count }

    /// Encoded size of the fixed part of one entry: the record (16 bytes), window start u32,
    /// window length u32.
    static let entryHeaderSize = NeuronRecords.recordSize + 8

    /// The value stored in `windows` and `negative`: count u32, then per entry the record
    /// (activation f32, document u32, position u32, token u32), window start u32, window
    /// length u32 and length × f32 activations, little-endian.
    public static func encoded(_ entries: [WindowedRecord]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(4 + entries.reduce(0) { $0 + entryHeaderSize + 4 * $1.activations.count })
        ByteCoding.appendLittleEndian(UInt32(entries.count), to: &out)
        for e in entries {
            ByteCoding.appendLittleEndian(e.record.activation.bitPattern, to: &out)
            ByteCoding.appendLittleEndian(e.record.document, to: &out)
            ByteCoding.appendLittleEndian(e.record.position, to: &out)
            ByteCoding.appendLittleEndian(e.record.token, to: &out)
            ByteCoding.appendLittleEndian(e.windowStart, to: &out)
            ByteCoding.appendLittleEndian(UInt32(e.activations.count), to: &out)
            ByteCoding.appendLittleEndian(e.activations, to: &out)
        }
        return out
    }

    /// Decodes a stored value; nil when its length does not match what it declares.
    public static func decoded(_ bytes: UnsafeRawBufferPointer) -> [WindowedRecord]? {
        var offset = 0
        guard let entries = decoded(bytes, from: &offset), offset == bytes.count else { return nil }
        return entries
    }

    /// Decodes one encoded list that starts at `offset` (and may be followed by more bytes),
    /// moving `offset` past it; nil when the bytes end before it does.
    static func decoded(_ bytes: UnsafeRawBufferPointer, from offset: inout Int) -> [WindowedRecord]? {
        guard offset + 4 <= bytes.count else { return nil }
        let count = Int(ByteCoding.readLittleEndian(UInt32.self, bytes, at: offset))
        offset += 4
        var entries: [WindowedRecord] = []
        entries.reserveCapacity(min(count, (bytes.count - offset) / entryHeaderSize))
        for _ in 0..<count {
            guard offset + entryHeaderSize <= bytes.count else { return nil }
            let record = CoreRecord(activation: ByteCoding.readFloat(bytes, at: offset),
                                    document: ByteCoding.readLittleEndian(UInt32.self, bytes, at: offset + 4),
                                    position: ByteCoding.readLittleEndian(UInt32.self, bytes, at: offset + 8),
                                    token: ByteCoding.readLittleEndian(UInt32.self, bytes, at: offset + 12))
            let start = ByteCoding.readLittleEndian(UInt32.self, bytes, at: offset + 16)
            let length = Int(ByteCoding.readLittleEndian(UInt32.self, bytes, at: offset + 20))
            offset += entryHeaderSize
            guard length <= (bytes.count - offset) / 4 else { return nil }
            let activations = (0..<length).map { ByteCoding.readFloat(bytes, at: offset + 4 * $0) }
            offset += 4 * length
            entries.append(WindowedRecord(record: record, windowStart: start, activations: activations))
        }
        return entries
    }
}

extension CoreRecord {
    /// Order of the most negative records: lower activation first; ties broken by
    /// (document, position) ascending, as in `ranksBefore`.
    @inline(__always)
    public static func ranksLowestFirst(_ a: CoreRecord, _ b: CoreRecord) -> Bool {
        if a.activation != b.activation { return a.activation < b.activation }
        if a.document != b.document { return a.document < b.document }
        return a.position < b.position
    }
}
