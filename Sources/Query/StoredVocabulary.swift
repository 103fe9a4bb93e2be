import Canonical
import Store

/// The store's vocabulary (token id → the bytes the tokenizer decodes it to), read once, so
/// that contexts and tokens are shown without the model.
public struct StoredVocabulary: Sendable {
    /// Every token's bytes, concatenated in id order.
    private let bytes: [UInt8]
    /// Token `id` is `bytes[offsets[id]..<offsets[id + 1]]`.                          [count + 1]
    private let offsets: [Int]
    /// Every token's text (see `text(of:)`), decoded once: a neuron lookup shows thousands of
    /// tokens.                                                                          [count]
    private let texts: [String]

    /// Builds the table from one byte array per id (empty for ids the store does not have).
    public init(table: [[UInt8]]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(table.reduce(0) { $0 + $1.count })
        var offsets = [0]
        offsets.reserveCapacity(table.count + 1)
        for token in table {
            bytes.append(contentsOf: token)
            offsets.append(bytes.count)
        }
        self.bytes = bytes
        self.offsets = offsets
        texts = Self.texts(bytes: bytes, offsets: offsets)
    }

    /// Reads the vocabulary of a store, straight into the concatenated table.
    public init(reader: StoreReader) throws {
        var bytes: [UInt8] = []
        var offsets = [0]
        try reader.forEachTokenBytes { id, tokenBytes in
            while offsets.count <= Int(id) { offsets.append(bytes.count) }  // ids the store lacks
            bytes.append(contentsOf: tokenBytes)
            offsets.append(bytes.count)
        }
        self.bytes = bytes
        self.offsets = offsets
        texts = Self.texts(bytes: bytes, offsets: offsets)
    }

    /// One more than the largest id the table covers.
    public var count: Int { offsets.count - 1 }

    /// The bytes of `token`, or nil when the store has none for it.
    public func bytes(of token: UInt32) -> ArraySlice<UInt8>? {
        let id = Int(token)
        guard id < count, offsets[id] < offsets[id + 1] else { return nil }
        return bytes[offsets[id]..<offsets[id + 1]]
    }

    /// Appends the bytes of `token` to `out`; a token the store has no bytes for is written as
    /// `<unk:ID>` so that it stays visible.
    public func appendBytes(of token: UInt32, to out: inout [UInt8]) {
        out.append(contentsOf: concatenatedBytes(of: CollectionOfOne(token), marking: 0).bytes)
    }

    /// The bytes of `tokens` one after the other (see `appendBytes(of:to:)`), and where the
    /// bytes of `tokens[marking]` are (empty when `marking` is out of range).
    public func concatenatedBytes<Tokens: Collection>(of tokens: Tokens, marking: Int)
        -> (bytes: [UInt8], marked: Range<Int>) where Tokens.Element == UInt32 {
        // Two passes: measure, then copy into an array of the exact size (a context window is
        // built for every record of a lookup, so this is the hot path of `neurodex neuron`).
        var total = 0
        for token in tokens {
            let id = Int(token)
            total += id < count && offsets[id] < offsets[id + 1] ? offsets[id + 1] - offsets[id]
                                                                  : Self.unknownText(token).utf8.count
        }
        var marked = 0..<0
        // 8 bytes of room after the last token: most tokens are a few bytes, and one unaligned
        // 8-byte copy each is much cheaper than a call to memmove each.
        let bytes = [UInt8](unsafeUninitializedCapacity: total + 8) { out, initialized in
            initialized = 0
            guard let destination = out.baseAddress else { return }
            self.bytes.withUnsafeBufferPointer { all in
                var at = 0
                for (i, token) in tokens.enumerated() {
                    let id = Int(token)
                    let start = at
                    if id < count, offsets[id] < offsets[id + 1], let source = all.baseAddress {
                        let length = offsets[id + 1] - offsets[id]
                        if length <= 8, offsets[id] + 8 <= all.count {
                            let word = UnsafeRawPointer(source + offsets[id]).loadUnaligned(as: UInt64.self)
                            UnsafeMutableRawPointer(destination + at).storeBytes(of: word, as: UInt64.self)
                        } else {
                            (destination + at).initialize(from: source + offsets[id], count: length)
                        }
                        at += length
                    } else {
                        for byte in Self.unknownText(token).utf8 { destination[at] = byte; at += 1 }
                    }
                    if i == marking { marked = start..<at }
                }
                initialized = at
            }
        }
        return (bytes, marked)
    }

    /// One token as text (see `TokenText`); `<unk:ID>` when the store has no bytes for it.
    public func text(of token: UInt32) -> String {
        Int(token) < texts.count ? texts[Int(token)] : Self.unknownText(token)
    }

    /// The text of each id of the table.
    private static func texts(bytes: [UInt8], offsets: [Int]) -> [String] {
        bytes.withUnsafeBufferPointer { all in
            (0..<offsets.count - 1).map { (id: Int) -> String in
                let range = offsets[id]..<offsets[id + 1]
                return range.isEmpty ? unknownText(UInt32(id)) : TokenText.string(of: UnsafeBufferPointer(rebasing: all[range]))
            }
        }
    }

    /// The text of a run of tokens, decoded as a whole (characters split between tokens come
    /// out whole; invalid UTF-8 becomes U+FFFD).
    public func decode<Tokens: Sequence>(_ tokens: Tokens) -> String where Tokens.Element == UInt32 {
        String(decoding: concatenatedBytes(of: Array(tokens), marking: -1).bytes, as: UTF8.self)
    }

    /// The ids whose bytes are exactly `target`, in id order.
    public func tokens(withBytes target: [UInt8]) -> [UInt32] {
        guard !target.isEmpty else { return [] }
        var found: [UInt32] = []
        for id in 0..<count where offsets[id + 1] - offsets[id] == target.count
            && bytes[offsets[id]..<offsets[id + 1]].elementsEqual(target) {
            found.append(UInt32(id))
        }
        return found
    }

    static func unknownText(_ token: UInt32) -> String { "<unk:\(token)>" }
}
