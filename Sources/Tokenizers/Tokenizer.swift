import Canonical
import Foundation

/// A byte-level BPE tokenizer (GPT-2, SmolLM2 and their relatives).
///
/// One implementation, different tables: build it from GPT-2's `vocab.json` + `merges.txt`,
/// from an HF `tokenizer.json`, or from a GGUF file's `tokenizer.ggml.*` arrays; or let
/// `load(modelFolder:)` pick the files of a model folder. Encoding follows HF `tokenizers`
/// exactly: added tokens written in the text (such as `<|endoftext|>`) are matched first, the
/// rest is cut into words by the pre-tokenizer, and each word's bytes are merged by rank.
/// No BOS or EOS is ever added. The vocabulary is keyed by bytes, so distinct byte sequences
/// stay distinct whatever their Unicode equivalence.
///
/// A `Tokenizer` is an immutable value and safe to share between threads; copies share one
/// bounded cache of merged words.
public struct Tokenizer: Sendable {
    /// Number of token ids: one more than the largest id.
    public let vocabularySize: Int
    /// The id of `<|endoftext|>` when the vocabulary has it (GPT-2's document separator; also
    /// SmolLM2's, whose EOS is `<|im_end|>`).
    public let endOfText: UInt32?
    /// The beginning-of-sequence id the tokenizer files declare, if any.
    public let beginOfSequence: UInt32?
    /// The end-of-sequence id the tokenizer files declare, if any.
    public let endOfSequence: UInt32?
    /// Whether text is put in Unicode NFC before the normalized added tokens are matched and
    /// it is cut into words (see `TokenizerTables.normalizesToNFC`).
    public let normalizesToNFC: Bool
    /// How text is cut into words.
    public let preTokenizer: PreTokenizer

    /// Bytes of each token, indexed by id (empty for ids no token has).                [vocabularySize]
    private let bytesByID: [[UInt8]]
    /// Id of each token's bytes.
    private let idByBytes: [[UInt8]: UInt32]
    /// Added tokens with `normalized: false`, then the others (see `TokenizerTables.AddedToken`).
    private let addedTokenPasses: [AddedTokenMatcher]
    /// Words found in the vocabulary are taken whole (HF `ignore_merges`).
    private let ignoreMerges: Bool
    let bytePairs: BytePairEncoder
    private let cache = WordCache()

    /// Largest vocabulary accepted, so that a corrupt id cannot allocate gigabytes.
    static let maximumVocabularySize = 1 << 24

    init(tables: TokenizerTables) throws {
        let source = tables.source
        var idByBytes: [[UInt8]: UInt32] = [:]
        idByBytes.reserveCapacity(tables.vocabulary.count)
        var largestID: Int = -1
        for entry in tables.vocabulary {
            idByBytes[entry.bytes] = entry.id  // a repeated token keeps its last id, as in HF and llama.cpp
            largestID = max(largestID, Int(entry.id))
        }
        for token in tables.addedTokens { largestID = max(largestID, Int(token.id)) }
        guard largestID >= 0 else { throw TokenizerError.malformed(source: source, problem: "the vocabulary is empty") }
        guard largestID < Self.maximumVocabularySize else {
            throw TokenizerError.malformed(source: source, problem: "token id \(largestID) is too large")
        }
        vocabularySize = largestID + 1

        var bytesByID = [[UInt8]](repeating: [], count: vocabularySize)
        for entry in tables.vocabulary { bytesByID[Int(entry.id)] = entry.bytes }
        for token in tables.addedTokens {
            guard !token.bytes.isEmpty else {
                throw TokenizerError.malformed(source: source, problem: "added token \(token.id) is empty")
            }
            bytesByID[Int(token.id)] = token.bytes
        }
        self.bytesByID = bytesByID

        var merges: [UInt64: BytePairEncoder.Merge] = [:]
        merges.reserveCapacity(tables.merges.count)
        for (rank, merge) in tables.merges.enumerated() {
            let describe = { "merge \(rank + 1) (\"\(ByteLevelAlphabet.spelling(of: merge.left)) \(ByteLevelAlphabet.spelling(of: merge.right))\")" }
            guard let left = idByBytes[merge.left], let right = idByBytes[merge.right] else {
                throw TokenizerError.malformed(source: source, problem: "\(describe()) uses a token that is not in the vocabulary")
            }
            guard let result = idByBytes[merge.left + merge.right] else {
                throw TokenizerError.malformed(source: source, problem: "\(describe()) makes a token that is not in the vocabulary")
            }
            // A repeated pair keeps its last rank, as HF `tokenizers` does.
            merges[BytePairEncoder.pairKey(left, right)] = .init(rank: UInt32(rank), result: result)
        }
        let byteTokens = (0..<256).map { idByBytes[[UInt8($0)]] ?? BytePairEncoder.missingToken }
        bytePairs = BytePairEncoder(byteTokens: byteTokens, merges: merges, unknownToken: tables.unknownToken)

        for id in [tables.unknownToken, tables.beginOfSequence, tables.endOfSequence].compactMap({ $0 })
        where Int(id) >= vocabularySize {
            throw TokenizerError.malformed(source: source, problem: "special token id \(id) is outside the vocabulary")
        }
        beginOfSequence = tables.beginOfSequence
        endOfSequence = tables.endOfSequence
        for token in tables.addedTokens { idByBytes[token.bytes] = token.id }
        self.idByBytes = idByBytes
        endOfText = idByBytes[Array("<|endoftext|>".utf8)]
        normalizesToNFC = tables.normalizesToNFC
        preTokenizer = tables.preTokenizer
        ignoreMerges = tables.ignoreMerges

        let matcherToken = { (token: TokenizerTables.AddedToken) in AddedTokenMatcher.Token(bytes: token.bytes, id: token.id) }
        addedTokenPasses = [
            AddedTokenMatcher(tables.addedTokens.filter { !$0.normalized }.map(matcherToken)),
            AddedTokenMatcher(tables.addedTokens.filter { $0.normalized }.map(matcherToken)),
        ]
    }

    /// The token ids of `text`.
    public func encode(_ text: String) -> [UInt32] {
        var text = text
        return text.withUTF8 { bytes in
            var ids: [UInt32] = []
            ids.reserveCapacity(bytes.count / 3 + 1)
            appendTokens(of: bytes, range: 0..<bytes.count, pass: 0, to: &ids)
            return ids
        }
    }

    /// Matches the added tokens of pass `pass` and those of later passes in the text between;
    /// after the last pass, pre-tokenizes and merges. Text reaching the pass of normalized
    /// added tokens (pass 1) is normalized first, as HF `tokenizers` does.
    private func appendTokens(of bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, pass: Int, to ids: inout [UInt32]) {
        if pass == 1, normalizesToNFC, let normalized = Self.nfc(UnsafeBufferPointer(rebasing: bytes[range])) {
            normalized.withUnsafeBufferPointer { normalized in
                appendTokens(ofNormalized: normalized, range: 0..<normalized.count, pass: pass, to: &ids)
            }
        } else {
            appendTokens(ofNormalized: bytes, range: range, pass: pass, to: &ids)
        }
    }

    /// The NFC form of the UTF-8 text `bytes`, or nil when it is already in NFC (always for ASCII).
    private static func nfc(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard bytes.contains(where: { $0 >= 0x80 }) else { return nil }
        let normalized = Array(String(decoding: bytes, as: UTF8.self).precomposedStringWithCanonicalMapping.utf8)
        return normalized.elementsEqual(bytes) ? nil : normalized
    }

    private func appendTokens(ofNormalized bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, pass: Int, to ids: inout [UInt32]) {
        guard pass < addedTokenPasses.count else {
            preTokenizer.forEachWord(in: bytes, range: range) { word in
                appendTokens(ofWord: UnsafeBufferPointer(rebasing: bytes[word]), to: &ids)
            }
            return
        }
        addedTokenPasses[pass].forEachSegment(in: bytes, range: range) { segment in
            switch segment {
            case .token(let id): ids.append(id)
            case .text(let text): appendTokens(of: bytes, range: text, pass: pass + 1, to: &ids)
            }
        }
    }

    private func appendTokens(ofWord word: UnsafeBufferPointer<UInt8>, to ids: inout [UInt32]) {
        if word.count == 1 {
            ids.append(contentsOf: bytePairs.initialTokens(word))
            return
        }
        let key = Array(word)
        if ignoreMerges, let id = idByBytes[key] {
            ids.append(id)
            return
        }
        if let cached = cache.tokens(for: key) {
            ids.append(contentsOf: cached)
            return
        }
        let tokens = bytePairs.encode(word)
        cache.store(tokens, for: key)
        ids.append(contentsOf: tokens)
    }

    /// The text of `ids`: their bytes joined and read as UTF-8, invalid sequences (such as a
    /// character cut between two ids) shown as U+FFFD. Ids outside the vocabulary add nothing.
    public func decode(_ ids: [UInt32]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids { bytes.append(contentsOf: tokenBytes(id)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bytes of token `id` (empty for an id outside the vocabulary). A token may hold part
    /// of a UTF-8 character.
    public func tokenBytes(_ id: UInt32) -> [UInt8] {
        Int(id) < bytesByID.count ? bytesByID[Int(id)] : []
    }

    /// Token `id` for display: its text when its bytes are valid UTF-8, otherwise the valid
    /// characters with each stray byte written `<0xNN>` (e.g. " <0xE2><0x80>"), as `TokenText`
    /// writes every token Neurodex shows.
    public func tokenString(_ id: UInt32) -> String {
        TokenText.string(of: tokenBytes(id))
    }

    /// The id of the token whose bytes are `bytes`, if there is one (an added token wins over
    /// a vocabulary entry with the same bytes).
    public func tokenID(bytes: [UInt8]) -> UInt32? {
        idByBytes[bytes]
    }
}
