/// The tokens around each of a neuron's records, stored beside the records (the `contexts`
/// database, Schema/activations.md) so that a lookup reads one value instead of one document
/// per record: for a neuron with 100 records, 100 random reads in the token streams, most of a
/// lookup's time in a large store.
///
/// They are derived data, written by `StoreWriter.putRecords` from the documents that
/// transaction sees. Each entry names its record's (document, position), and a reader uses an
/// entry only where that matches the record it is for; anything else is read from the documents.
public struct NeuronContexts: Sendable, Hashable {
    /// The radius the stores of this build keep: the default of `neurodex neuron`, the API and
    /// the exports.
    public static let radius = 12

    /// One record's context.
    public struct Entry: Sendable, Hashable {
        /// The record's document and position.
        public var document: UInt32
        public var position: UInt32
        /// Document position of `tokens[0]`.
        public var start: UInt32
        /// The tokens of the document within the radius of `position` (see `StoreReader.context`).
        public var tokens: [UInt32]

        public init(document: UInt32, position: UInt32, start: UInt32, tokens: [UInt32]) {
            self.document = document
            self.position = position
            self.start = start
            self.tokens = tokens
        }

        /// Whether this is the context of `record`.
        public func belongs(to record: CoreRecord) -> Bool {
            document == record.document && position == record.position
        }
    }

    /// Tokens within `radius` of each record's position.
    public var radius: Int
    /// One entry per record, in the records' order.
    public var entries: [Entry]

    public init(radius: Int, entries: [Entry]) {
        self.radius = radius
        self.entries = entries
    }

    /// Encoded size of the fixed part of one entry: document u32, position u32, start u32,
    /// token count u16.
    static let entryHeaderSize = 14

    /// The stored value: count u32, radius u16, token width u16 (2 when every token id is below
    /// 65,536, else 4), then per entry document u32, position u32, start u32, token count u16 and
    /// the tokens, little-endian.
    public func encoded() -> [UInt8] {
        let wide = entries.contains { $0.tokens.contains { $0 > UInt32(UInt16.max) } }
        let width = wide ? 4 : 2
        var out = [UInt8]()
        out.reserveCapacity(8 + entries.reduce(0) { $0 + Self.entryHeaderSize + width * $1.tokens.count })
        ByteCoding.appendLittleEndian(UInt32(entries.count), to: &out)
        ByteCoding.appendLittleEndian(UInt16(clamping: radius), to: &out)
        ByteCoding.appendLittleEndian(UInt16(width), to: &out)
        for e in entries {
            ByteCoding.appendLittleEndian(e.document, to: &out)
            ByteCoding.appendLittleEndian(e.position, to: &out)
            ByteCoding.appendLittleEndian(e.start, to: &out)
            ByteCoding.appendLittleEndian(UInt16(clamping: e.tokens.count), to: &out)
            for t in e.tokens.prefix(Int(UInt16.max)) {
                if wide { ByteCoding.appendLittleEndian(t, to: &out) }
                else { ByteCoding.appendLittleEndian(UInt16(truncatingIfNeeded: t), to: &out) }
            }
        }
        return out
    }

    /// Decodes a stored value; nil when it is malformed (its length does not match what it
    /// declares, or its token width is neither 2 nor 4).
    public init?(encoded bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 8 else { return nil }
        let count = Int(ByteCoding.readLittleEndian(UInt32.self, bytes, at: 0))
        let radius = Int(ByteCoding.readLittleEndian(UInt16.self, bytes, at: 4))
        let width = Int(ByteCoding.readLittleEndian(UInt16.self, bytes, at: 6))
        guard width == 2 || width == 4 else { return nil }
        var offset = 8
        var entries: [Entry] = []
        entries.reserveCapacity(min(count, (bytes.count - offset) / Self.entryHeaderSize))
        for _ in 0..<count {
            guard offset + Self.entryHeaderSize <= bytes.count else { return nil }
            let document = ByteCoding.readLittleEndian(UInt32.self, bytes, at: offset)
            let position = ByteCoding.readLittleEndian(UInt32.self, bytes, at: offset + 4)
            let start = ByteCoding.readLittleEndian(UInt32.self, bytes, at: offset + 8)
            let length = Int(ByteCoding.readLittleEndian(UInt16.self, bytes, at: offset + 12))
            offset += Self.entryHeaderSize
            guard length <= (bytes.count - offset) / width else { return nil }
            let tokens = width == 2
                ? (0..<length).map { UInt32(ByteCoding.readLittleEndian(UInt16.self, bytes, at: offset + 2 * $0)) }
                : (0..<length).map { ByteCoding.readLittleEndian(UInt32.self, bytes, at: offset + 4 * $0) }
            offset += width * length
            entries.append(Entry(document: document, position: position, start: start, tokens: tokens))
        }
        guard offset == bytes.count else { return nil }
        self.init(radius: radius, entries: entries)
    }
}

extension StoreReader {
    /// The tokens of `record`'s document within `radius` of its position, with the document
    /// position of the first. A document missing from the store, or one too short to hold the
    /// record's position, gives the record's token alone (at its position).
    public func context(of record: CoreRecord, radius: Int) throws -> (start: UInt32, tokens: [UInt32]) {
        let position = Int(record.position)
        let radius = min(max(0, radius), 1 << 24)
        let start = max(0, position - radius)
        if let tokens = try tokens(document: record.document, range: start..<(position + radius + 1)),
           position - start < tokens.count {
            return (UInt32(start), tokens)
        }
        return (record.position, [record.token])
    }

    /// The contexts stored beside a neuron's records, or nil when the store has none for it.
    public func contexts(layer: Int, neuron: Int) throws -> NeuronContexts? {
        guard let database = db.contexts else { return nil }
        return try txn.withValue(database, key: StoreKey.neuron(layer: layer, neuron: neuron)) { bytes in
            guard let decoded = NeuronContexts(encoded: bytes) else {
                throw StoreError.corrupted(path: ActivationStore.fileName,
                                           detail: "contexts of layer \(layer) neuron \(neuron) are malformed")
            }
            return decoded
        }
    }

    /// The contexts of `records` as `putRecords` stores them, or nil when a record's document
    /// is not in this snapshot (its context read later may differ, so none is stored).
    func storedContexts(of records: [CoreRecord]) throws -> NeuronContexts? {
        var entries: [NeuronContexts.Entry] = []
        entries.reserveCapacity(records.count)
        for record in records {
            let (start, tokens) = try context(of: record, radius: NeuronContexts.radius)
            if tokens.count == 1 && start == record.position, try !hasDocument(record.document) { return nil }
            entries.append(NeuronContexts.Entry(document: record.document, position: record.position, start: start,
                                                tokens: tokens))
        }
        return NeuronContexts(radius: NeuronContexts.radius, entries: entries)
    }

    private func hasDocument(_ document: UInt32) throws -> Bool {
        try txn.withValue(db.tokens, key: StoreKey.document(document)) { _ in true } ?? false
    }
}
