import Canonical
import Foundation

/// A BPE tokenizer: byte-level (GPT-2, SmolLM2, Llama 3, Qwen2, Pythia and their relatives) or
/// SentencePiece-style with byte fallback (Llama 2, Mistral 7B v0.1).
///
/// One implementation, different tables: build it from GPT-2's `vocab.json` + `merges.txt`,
/// from an HF `tokenizer.json`, or from a GGUF file's `tokenizer.ggml.*` arrays; or let
/// `load(modelFolder:)` pick the files of a model folder. Encoding follows HF `tokenizers`
/// exactly: added tokens written in the text (such as `<|endoftext|>`) are matched first, the
/// rest is normalized and cut into words by the pre-tokenizer, and each word's bytes (or, for
/// SentencePiece-style tables, characters) are merged by rank. No BOS or EOS is ever added.
/// Each token has the bytes a decoder gives for it (a SentencePiece "▁" is a space, `<0x0A>`
/// the byte 0x0A), and distinct byte sequences stay distinct whatever their Unicode equivalence.
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
    /// it is cut into words (see `TokenizerTables.normalizer`).
    public var normalizesToNFC: Bool { normalizer == .nfc }
    /// How text is rewritten before the normalized added tokens are matched.
    let normalizer: TextNormalizer
    /// How text is cut into words.
    public let preTokenizer: PreTokenizer

    /// Bytes of each token as decoded, indexed by id (empty for ids no token has).       [vocabularySize]
    private let bytesByID: [[UInt8]]
    /// Id of each token's bytes (a token wins over a byte-fallback token with the same byte).
    private let idByBytes: [[UInt8]: UInt32]
    /// How a word starts before merging, for SentencePiece-style tables; nil: one token per byte.
    let characterSymbols: CharacterSymbols?
    /// The byte-fallback tokens `<0xNN>`, which decode as a group (see `decode`).
    private let fallbackTokens: Set<UInt32>
    /// `decode` removes one leading space (SentencePiece's prepended "▁").
    private let decodingStripsLeadingSpace: Bool
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
        var idBySpelling: [[UInt8]: UInt32] = [:]
        idBySpelling.reserveCapacity(tables.vocabulary.count)
        var largestID: Int = -1
        for entry in tables.vocabulary {
            idBySpelling[entry.bytes] = entry.id  // a repeated token keeps its last id, as in HF and llama.cpp
            largestID = max(largestID, Int(entry.id))
        }
        for token in tables.addedTokens { largestID = max(largestID, Int(token.id)) }
        guard largestID >= 0 else { throw TokenizerError.malformed(source: source, problem: "the vocabulary is empty") }
        guard largestID < Self.maximumVocabularySize else {
            throw TokenizerError.malformed(source: source, problem: "token id \(largestID) is too large")
        }
        vocabularySize = largestID + 1

        // What each token decodes to (byte-level: its spelling's bytes), and the byte-fallback
        // tokens, which `tokenID(bytes:)` gives only for a byte no other token has.
        var displayBytes: ([UInt8]) -> [UInt8] = { $0 }
        var fallbackByte: ([UInt8]) -> UInt8? = { _ in nil }
        if case .characters(let byteFallback, _) = tables.symbols {
            displayBytes = Metaspace.displayBytes
            if byteFallback { fallbackByte = Metaspace.fallbackByte }
        }
        var bytesByID = [[UInt8]](repeating: [], count: vocabularySize)
        var idByBytes: [[UInt8]: UInt32] = [:]
        idByBytes.reserveCapacity(tables.vocabulary.count)
        var fallbackTokens = Set<UInt32>()
        for entry in tables.vocabulary {
            if let byte = fallbackByte(entry.bytes) {
                bytesByID[Int(entry.id)] = [byte]
                fallbackTokens.insert(entry.id)
            } else {
                bytesByID[Int(entry.id)] = displayBytes(entry.bytes)
                idByBytes[bytesByID[Int(entry.id)]] = entry.id
            }
        }
        for id in fallbackTokens.sorted() where idByBytes[bytesByID[Int(id)]] == nil { idByBytes[bytesByID[Int(id)]] = id }
        for token in tables.addedTokens {
            guard !token.bytes.isEmpty else {
                throw TokenizerError.malformed(source: source, problem: "added token \(token.id) is empty")
            }
            // A normalized token's spelling is its normalized content, as in HF (Llama 2's "▁<pad>").
            bytesByID[Int(token.id)] = displayBytes(token.normalized ? tables.normalizer.normalized(token.bytes) : token.bytes)
            fallbackTokens.remove(token.id)
        }
        self.bytesByID = bytesByID
        self.fallbackTokens = fallbackTokens

        var merges: [UInt64: BytePairEncoder.Merge] = [:]
        merges.reserveCapacity(tables.merges.count)
        for (rank, merge) in tables.merges.enumerated() {
            let describe = { "merge \(rank + 1) (\"\(ByteLevelAlphabet.spelling(of: merge.left)) \(ByteLevelAlphabet.spelling(of: merge.right))\")" }
            guard let left = idBySpelling[merge.left], let right = idBySpelling[merge.right] else {
                throw TokenizerError.malformed(source: source, problem: "\(describe()) uses a token that is not in the vocabulary")
            }
            guard let result = idBySpelling[merge.left + merge.right] else {
                throw TokenizerError.malformed(source: source, problem: "\(describe()) makes a token that is not in the vocabulary")
            }
            // A repeated pair keeps its last rank, as HF `tokenizers` does.
            merges[BytePairEncoder.pairKey(left, right)] = .init(rank: UInt32(rank), result: result)
        }
        let byteTokens = (0..<256).map { idBySpelling[[UInt8($0)]] ?? BytePairEncoder.missingToken }
        bytePairs = BytePairEncoder(byteTokens: byteTokens, merges: merges, unknownToken: tables.unknownToken)
        if case .characters(let byteFallback, let fuseUnknown) = tables.symbols {
            characterSymbols = CharacterSymbols(idBySpelling: idBySpelling, byteFallback: byteFallback,
                                                unknownToken: tables.unknownToken, fuseUnknown: fuseUnknown)
        } else {
            characterSymbols = nil
        }
        decodingStripsLeadingSpace = tables.decodingStripsLeadingSpace

        for id in [tables.unknownToken, tables.beginOfSequence, tables.endOfSequence].compactMap({ $0 })
        where Int(id) >= vocabularySize {
            throw TokenizerError.malformed(source: source, problem: "special token id \(id) is outside the vocabulary")
        }
        beginOfSequence = tables.beginOfSequence
        endOfSequence = tables.endOfSequence
        for token in tables.addedTokens { idByBytes[bytesByID[Int(token.id)]] = token.id }
        self.idByBytes = idByBytes
        endOfText = idByBytes[Array("<|endoftext|>".utf8)]
        normalizer = tables.normalizer
        preTokenizer = tables.preTokenizer
        ignoreMerges = tables.ignoreMerges

        // Normalized added tokens are matched in normalized text by their normalized content.
        addedTokenPasses = [
            AddedTokenMatcher(tables.addedTokens.filter { !$0.normalized }.map { .init(bytes: $0.bytes, id: $0.id) }),
            AddedTokenMatcher(tables.addedTokens.filter { $0.normalized }.map {
                .init(bytes: tables.normalizer.normalized($0.bytes), id: $0.id)
            }),
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
        if pass == 1, let normalized = normalizer.normalize(UnsafeBufferPointer(rebasing: bytes[range])) {
            normalized.withUnsafeBufferPointer { normalized in
                appendTokens(ofNormalized: normalized, range: 0..<normalized.count, pass: pass, to: &ids)
            }
        } else {
            appendTokens(ofNormalized: bytes, range: range, pass: pass, to: &ids)
        }
    }

    private func appendTokens(ofNormalized bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, pass: Int, to ids: inout [UInt32]) {
        guard pass < addedTokenPasses.count else {
            // Metaspace comes without a normalizer, so `bytes` is the text itself and offset 0 its start.
            if case .metaspace(let scheme) = preTokenizer, !range.isEmpty, scheme.prepends(startsText: range.lowerBound == 0),
               !Metaspace.startsWithSpace(bytes, range: range) {
                let word = Metaspace.bytes + bytes[range]
                word.withUnsafeBufferPointer { appendTokens(ofWord: $0, to: &ids) }
                return
            }
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
        func initialTokens() -> [UInt32] { characterSymbols?.initialTokens(word) ?? bytePairs.initialTokens(word) }
        if word.count == 1 {
            ids.append(contentsOf: initialTokens())
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
        let tokens = bytePairs.merge(initialTokens())
        cache.store(tokens, for: key)
        ids.append(contentsOf: tokens)
    }

    /// The text of `ids`, as HF's decoder gives it: their bytes joined and read as UTF-8,
    /// invalid sequences (such as a character cut between two ids) shown as U+FFFD. Ids outside
    /// the vocabulary add nothing. SentencePiece-style tables decode as HF's `ByteFallback`
    /// and `Strip` decoders do: a run of byte tokens that is not valid UTF-8 gives one U+FFFD
    /// per token, and one leading space is removed when the decoder says so.
    public func decode(_ ids: [UInt32]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        var fallbackRun: (bytes: [UInt8], tokens: Int) = ([], 0)
        func endFallbackRun() {
            guard fallbackRun.tokens > 0 else { return }
            if String(validating: fallbackRun.bytes, as: UTF8.self) != nil {
                bytes += fallbackRun.bytes
            } else {
                for _ in 0..<fallbackRun.tokens { bytes += [0xEF, 0xBF, 0xBD] }  // U+FFFD
            }
            fallbackRun = ([], 0)
        }
        for id in ids {
            if fallbackTokens.contains(id) {
                fallbackRun.bytes += tokenBytes(id)
                fallbackRun.tokens += 1
            } else {
                endFallbackRun()
                bytes.append(contentsOf: tokenBytes(id))
            }
        }
        endFallbackRun()
        if decodingStripsLeadingSpace, bytes.first == UInt8(ascii: " ") { bytes.removeFirst() }
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
