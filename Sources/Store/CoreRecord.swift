/// One top-activating occurrence of a neuron: a core token.
public struct CoreRecord: Sendable, Hashable, Codable {
    public var activation: Float
    public var document: UInt32
    /// Token position inside the document's token stream (not inside the context window).
    public var position: UInt32
    public var token: UInt32

    public init(activation: Float, document: UInt32, position: UInt32, token: UInt32) {
        self.activation = activation
        self.document = document
        self.position = position
        self.token = token
    }

    /// Store order: higher activation first; ties broken by (document, position) ascending so
    /// that results are deterministic.
    @inline(__always)
    public static func ranksBefore(_ a: CoreRecord, _ b: CoreRecord) -> Bool {
        if a.activation != b.activation { return a.activation > b.activation }
        if a.document != b.document { return a.document < b.document }
        return a.position < b.position
    }
}

/// A neuron's stored core tokens, in store order (see `CoreRecord.ranksBefore`).
public struct NeuronRecords: Sendable, Hashable {
    /// Flags stored with the records.
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// At most one record per token id (`--distinct-tokens`).
        public static let distinctTokens = Flags(rawValue: 1)
    }

    public var flags: Flags
    public var records: [CoreRecord]

    public init(flags: Flags = [], records: [CoreRecord]) {
        self.flags = flags
        self.records = records
    }

    /// Encoded size of one record: activation f32, document u32, position u32, token u32.
    public static let recordSize = 16
    /// Encoded header: record count u32, flags u32.
    public static let headerSize = 8

    /// The value stored in `records`: header then packed records, little-endian.
    public func encoded() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Self.headerSize + records.count * Self.recordSize)
        ByteCoding.appendLittleEndian(UInt32(records.count), to: &out)
        ByteCoding.appendLittleEndian(flags.rawValue, to: &out)
        for r in records {
            ByteCoding.appendLittleEndian(r.activation.bitPattern, to: &out)
            ByteCoding.appendLittleEndian(r.document, to: &out)
            ByteCoding.appendLittleEndian(r.position, to: &out)
            ByteCoding.appendLittleEndian(r.token, to: &out)
        }
        return out
    }

    /// Decodes a stored value; nil when its length does not match its header.
    public init?(encoded bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.headerSize else { return nil }
        let count = Int(ByteCoding.readLittleEndian(UInt32.self, bytes, at: 0))
        guard bytes.count == Self.headerSize + count * Self.recordSize else { return nil }
        flags = Flags(rawValue: ByteCoding.readLittleEndian(UInt32.self, bytes, at: 4))
        records = (0..<count).map { i in
            let o = Self.headerSize + i * Self.recordSize
            return CoreRecord(
                activation: ByteCoding.readFloat(bytes, at: o),
                document: ByteCoding.readLittleEndian(UInt32.self, bytes, at: o + 4),
                position: ByteCoding.readLittleEndian(UInt32.self, bytes, at: o + 8),
                token: ByteCoding.readLittleEndian(UInt32.self, bytes, at: o + 12))
        }
    }
}
