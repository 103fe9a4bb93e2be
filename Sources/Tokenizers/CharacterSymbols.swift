/// The first tokens of a word of a SentencePiece-style BPE (Llama 2, Mistral): HF's BPE model
/// over characters rather than bytes, as its `merge_word` builds them. Each character whose
/// spelling is a token is that token; a space is spelled "▁". A character without a token
/// becomes the `<0xNN>` tokens of its UTF-8 bytes (byte fallback), or, when byte fallback is
/// off or a byte token is missing, the unknown token — consecutive unknown characters fused
/// into one with `fuse_unk` — or nothing when there is no unknown token.
struct CharacterSymbols: Sendable {
    /// Id of each token spelling (the vocabulary, "▁" for a space).
    let idBySpelling: [[UInt8]: UInt32]
    /// Id of the token of each ASCII character (the space's is the "▁" token), or `missing`.  // [128]
    let asciiTokens: [UInt32]
    /// Id of `<0xNN>` for each byte value, or `missing`; nil without byte fallback.    // [256]
    let byteTokens: [UInt32]?
    let unknownToken: UInt32?
    let fuseUnknown: Bool

    static let missing = UInt32.max

    init(idBySpelling: [[UInt8]: UInt32], byteFallback: Bool, unknownToken: UInt32?, fuseUnknown: Bool) {
        self.idBySpelling = idBySpelling
        asciiTokens = (0..<128).map { byte in
            let spelling = byte == Int(UInt8(ascii: " ")) ? Metaspace.bytes : [UInt8(byte)]
            return idBySpelling[spelling] ?? Self.missing
        }
        byteTokens = byteFallback ? (0..<256).map { idBySpelling[Self.fallbackSpelling(UInt8($0))] ?? Self.missing } : nil
        self.unknownToken = unknownToken
        self.fuseUnknown = fuseUnknown
    }

    /// The tokens of the characters of `word` (valid UTF-8), before any merge.
    func initialTokens(_ word: UnsafeBufferPointer<UInt8>) -> [UInt32] {
        var tokens: [UInt32] = []
        tokens.reserveCapacity(word.count)
        var unknownWaits = false  // an unknown token not yet written (HF's `unk`)
        var position = 0
        while position < word.count {
            let lead = word[position]
            let end = min(position + (lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4), word.count)
            let isSpace = lead == UInt8(ascii: " ")
            let id = lead < 0x80 ? asciiTokens[Int(lead)] : idBySpelling[Array(word[position..<end])] ?? Self.missing
            if id != Self.missing {
                if unknownWaits, let unknownToken { tokens.append(unknownToken) }
                unknownWaits = false
                tokens.append(id)
            } else if let fallback = fallbackTokens(isSpace ? Metaspace.bytes : Array(word[position..<end])) {
                tokens.append(contentsOf: fallback)  // as HF, a waiting unknown token keeps waiting
            } else if let unknownToken {
                if unknownWaits && !fuseUnknown { tokens.append(unknownToken) }
                unknownWaits = true
            }
            position = end
        }
        if unknownWaits, let unknownToken { tokens.append(unknownToken) }
        return tokens
    }

    /// The byte tokens of `spelling`, or nil without byte fallback or when one is missing.
    private func fallbackTokens(_ spelling: [UInt8]) -> [UInt32]? {
        guard let byteTokens else { return nil }
        var tokens: [UInt32] = []
        for byte in spelling {
            let id = byteTokens[Int(byte)]
            guard id != Self.missing else { return nil }
            tokens.append(id)
        }
        return tokens
    }

    /// The spelling of the byte-fallback token of `byte`: `<0xNN>`, as HF writes it (`<{b:#04X}>`).
    static func fallbackSpelling(_ byte: UInt8) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        return Array("<0x".utf8) + [digits[Int(byte >> 4)], digits[Int(byte & 0xF)], UInt8(ascii: ">")]
    }
}
