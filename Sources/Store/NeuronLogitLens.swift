/// A token and a score.
public struct TokenScore: Sendable, Hashable, Codable {
    public var token: UInt32
    public var value: Float

    public init(token: UInt32, value: Float) {
        self.token = token
        self.value = value
    }
}

/// The logit lens of a neuron: the output tokens its output weights raise most and lower most
/// (the neuron's output direction times the unembedding, without the final norm).
public struct NeuronLogitLens: Sendable, Hashable {
    /// Highest value first; ties by token id ascending.
    public var raised: [TokenScore]
    /// Lowest value first; ties by token id ascending.
    public var lowered: [TokenScore]

    public init(raised: [TokenScore], lowered: [TokenScore]) {
        self.raised = raised
        self.lowered = lowered
    }

    /// The value stored in `logit_lens`: raised count u32, lowered count u32, then each list as
    /// (token u32, value f32) pairs, little-endian.
    public func encoded() -> [UInt8] {
        var out = [UInt8]()
        ByteCoding.appendLittleEndian(UInt32(raised.count), to: &out)
        ByteCoding.appendLittleEndian(UInt32(lowered.count), to: &out)
        for s in raised + lowered {
            ByteCoding.appendLittleEndian(s.token, to: &out)
            ByteCoding.appendLittleEndian(s.value.bitPattern, to: &out)
        }
        return out
    }

    /// Decodes a stored value; nil when its length does not match its header.
    public init?(encoded bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 8 else { return nil }
        let r = Int(ByteCoding.readLittleEndian(UInt32.self, bytes, at: 0))
        let l = Int(ByteCoding.readLittleEndian(UInt32.self, bytes, at: 4))
        guard r <= bytes.count, l <= bytes.count, bytes.count == 8 + 8 * (r + l) else { return nil }
        let all = (0..<r + l).map { i in
            TokenScore(token: ByteCoding.readLittleEndian(UInt32.self, bytes, at: 8 + 8 * i),
                       value: ByteCoding.readFloat(bytes, at: 12 + 8 * i))
        }
        raised = Array(all[..<r])
        lowered = Array(all[r...])
    }
}
