import Foundation

extension Tokenizer {
    /// GPT-2's tokenizer files: `vocab.json` (token spelling → id) and `merges.txt` (an optional
    /// `#version` line, then one merge per line, "left right", best first). `<|endoftext|>`, when
    /// the vocabulary has it, is matched in text and is also the BOS and EOS, as in transformers'
    /// GPT2TokenizerFast.
    ///
    /// - Throws: `TokenizerError` naming the file when one is missing, unreadable or malformed.
    public init(vocabularyFile: URL, mergesFile: URL) throws {
        let spellings = try TokenizerFileReading.decodeJSON(
            [String: UInt32].self, from: vocabularyFile, expecting: "a JSON object of token → id")
        // Token spellings are strings over GPT-2's byte alphabet, in which no two distinct strings
        // are canonically equivalent, so String keys lose nothing here; bytes are the keys from now on.
        let vocabulary = spellings.sorted { $0.value < $1.value }.map { (bytes: ByteLevelAlphabet.tokenBytes($0.key), id: $0.value) }
        let merges = try Self.readMerges(mergesFile)

        let endOfText = spellings["<|endoftext|>"]
        let added = endOfText.map { [TokenizerTables.AddedToken(bytes: Array("<|endoftext|>".utf8), id: $0, normalized: false)] }
        try self.init(tables: TokenizerTables(
            source: vocabularyFile.path, vocabulary: vocabulary, merges: merges, addedTokens: added ?? [],
            preTokenizer: .gpt2, beginOfSequence: endOfText, endOfSequence: endOfText))
    }

    /// The merges of a `merges.txt`, split on bytes so that no line ending is lost or merged.
    static func readMerges(_ file: URL) throws -> [(left: [UInt8], right: [UInt8])] {
        let data = try TokenizerFileReading.contents(of: file)
        var merges: [(left: [UInt8], right: [UInt8])] = []
        for (index, rawLine) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var line = Array(rawLine)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.isEmpty || (index == 0 && line.starts(with: Array("#version".utf8))) { continue }
            let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TokenizerError.malformed(
                    source: file.path,
                    problem: "line \(index + 1) is not two tokens separated by one space: \"\(String(decoding: line, as: UTF8.self))\"")
            }
            merges.append((ByteLevelAlphabet.tokenBytes(String(decoding: parts[0], as: UTF8.self)),
                           ByteLevelAlphabet.tokenBytes(String(decoding: parts[1], as: UTF8.self))))
        }
        return merges
    }
}
