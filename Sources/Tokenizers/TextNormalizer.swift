import Canonical
import Foundation

/// How text is rewritten before the normalized added tokens are matched and it is cut into
/// words (HF `normalizer`). It is applied to each stretch of text between the added tokens
/// with `normalized: false`, and to the content of the added tokens with `normalized: true`,
/// which are then matched in the normalized text, as HF `tokenizers` does.
enum TextNormalizer: Sendable, Equatable {
    /// No normalizer.
    case none
    /// Unicode NFC (Pythia's tokenizer.json).
    case nfc
    /// Llama 2's and Mistral 7B v0.1's `Sequence[Prepend("▁"), Replace(" ", "▁")]`: every
    /// space written as "▁" (U+2581), and one "▁" put before each non-empty stretch.
    case sentencePiece

    /// The normalized form of the UTF-8 text `bytes`, or nil when normalizing leaves it unchanged.
    func normalize(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        switch self {
        case .none:
            return nil
        case .nfc:
            guard bytes.contains(where: { $0 >= 0x80 }) else { return nil }  // ASCII is in NFC
            let normalized = Array(String(decoding: bytes, as: UTF8.self).precomposedStringWithCanonicalMapping.utf8)
            return normalized.elementsEqual(bytes) ? nil : normalized
        case .sentencePiece:
            guard !bytes.isEmpty else { return nil }
            var normalized = Metaspace.bytes
            normalized.reserveCapacity(bytes.count + 8)
            for byte in bytes {
                if byte == UInt8(ascii: " ") { normalized += Metaspace.bytes } else { normalized.append(byte) }
            }
            return normalized
        }
    }

    /// The normalized form of `bytes` (themselves when normalizing leaves them unchanged).
    func normalized(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { normalize($0) } ?? bytes
    }
}

/// SentencePiece's "▁" (U+2581 LOWER ONE EIGHTH BLOCK), which its vocabularies write for a space.
enum Metaspace {
    /// The UTF-8 bytes of "▁".
    static let bytes: [UInt8] = [0xE2, 0x96, 0x81]

    /// Whether `bytes[range]` starts with a space or with "▁" (both are "▁" once spaces are replaced).
    static func startsWithSpace(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) -> Bool {
        guard let first = range.first else { return false }
        if bytes[first] == UInt8(ascii: " ") { return true }
        return range.count >= 3 && bytes[first] == 0xE2 && bytes[first + 1] == 0x96 && bytes[first + 2] == 0x81
    }

    /// What a decoder shows for a SentencePiece token spelling: "▁" becomes a space.
    static func displayBytes(_ spelling: [UInt8]) -> [UInt8] {
        guard spelling.count >= 3 else { return spelling }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(spelling.count)
        var i = 0
        while i < spelling.count {
            if i + 3 <= spelling.count, spelling[i] == 0xE2, spelling[i + 1] == 0x96, spelling[i + 2] == 0x81 {
                bytes.append(UInt8(ascii: " "))
                i += 3
            } else {
                bytes.append(spelling[i])
                i += 1
            }
        }
        return bytes
    }

    /// The byte a byte-fallback token spelling `<0xNN>` stands for (HF `ByteFallback` reads
    /// two hex digits of either case, as `TokenText` does), or nil for any other spelling.
    static func fallbackByte(_ spelling: [UInt8]) -> UInt8? {
        guard spelling.count == 6 else { return nil }
        let bytes = TokenText.bytes(of: String(decoding: spelling, as: UTF8.self))
        return bytes.count == 1 ? bytes[0] : nil
    }
}
