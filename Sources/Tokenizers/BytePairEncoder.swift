/// Byte-pair merging of one word, with the merges keyed by pairs of token ids.
///
/// A word starts as one token per byte (the vocabulary's single-byte tokens). Then, as long as
/// some adjacent pair has a merge, the pair with the lowest rank is merged, the leftmost one on
/// ties — the rule of GPT-2's `bpe()` and of HF `tokenizers`. `encode` does this with a heap in
/// O(n log n); `encodeReference` rescans the word after every merge, the obvious way, and the
/// tests check that both agree.
struct BytePairEncoder: Sendable {
    /// Rank of a merge (its line in the merges list) and the token it makes.
    struct Merge: Sendable {
        let rank: UInt32
        let result: UInt32
    }

    /// The single-byte token of each byte value, or `missingToken`.                  // [256]
    let byteTokens: [UInt32]
    /// The merges, keyed by `pairKey(left, right)`.
    let merges: [UInt64: Merge]
    /// What a byte without a single-byte token becomes: the model's unknown token, or nothing
    /// (nil), as HF's BPE model does when it has no `unk_token`.
    let unknownToken: UInt32?

    static let missingToken = UInt32.max

    @inline(__always)
    static func pairKey(_ left: UInt32, _ right: UInt32) -> UInt64 {
        UInt64(left) << 32 | UInt64(right)
    }

    @inline(__always)
    func merge(_ left: UInt32, _ right: UInt32) -> Merge? {
        merges[Self.pairKey(left, right)]
    }

    /// One token per byte; bytes without a token become the unknown token or are dropped.
    func initialTokens(_ word: UnsafeBufferPointer<UInt8>) -> [UInt32] {
        var tokens: [UInt32] = []
        tokens.reserveCapacity(word.count)
        for byte in word {
            let token = byteTokens[Int(byte)]
            if token != Self.missingToken {
                tokens.append(token)
            } else if let unknownToken {
                tokens.append(unknownToken)
            }
        }
        return tokens
    }

    /// The tokens of `word`, merged with a heap of candidate pairs.
    func encode(_ word: UnsafeBufferPointer<UInt8>) -> [UInt32] {
        merge(initialTokens(word))
    }

    /// `tokens` merged with a heap of candidate pairs.
    func merge(_ tokens: [UInt32]) -> [UInt32] {
        var tokens = tokens
        let count = tokens.count
        if count < 2 { return tokens }
        if count == 2 {
            if let merged = merge(tokens[0], tokens[1]) { return [merged.result] }
            return tokens
        }

        // The word as a linked list of symbols; a merged-away symbol gets `alive[i] = false`.
        var next = Array(1...count)          // count means "none"
        var previous = Array(-1..<(count - 1))
        var alive = [Bool](repeating: true, count: count)

        struct Candidate: Comparable {
            let rank: UInt32
            let position: Int
            let result: UInt32
            static func < (a: Self, b: Self) -> Bool {
                a.rank != b.rank ? a.rank < b.rank : a.position < b.position
            }
        }
        var queue = MinHeap<Candidate>(capacity: 2 * count)
        for position in 0..<(count - 1) {
            if let merged = merge(tokens[position], tokens[position + 1]) {
                queue.push(Candidate(rank: merged.rank, position: position, result: merged.result))
            }
        }

        while let candidate = queue.pop() {
            let left = candidate.position
            guard alive[left], next[left] < count else { continue }
            let right = next[left]
            // Skip candidates made stale by an earlier merge of either symbol.
            guard let current = merge(tokens[left], tokens[right]), current.result == candidate.result else { continue }

            tokens[left] = candidate.result
            alive[right] = false
            next[left] = next[right]
            if next[left] < count { previous[next[left]] = left }

            if previous[left] >= 0, let merged = merge(tokens[previous[left]], tokens[left]) {
                queue.push(Candidate(rank: merged.rank, position: previous[left], result: merged.result))
            }
            if next[left] < count, let merged = merge(tokens[left], tokens[next[left]]) {
                queue.push(Candidate(rank: merged.rank, position: left, result: merged.result))
            }
        }

        var merged: [UInt32] = []
        var position = 0
        while position < count {
            merged.append(tokens[position])
            position = next[position]
        }
        return merged
    }

    /// The tokens of `word`: find the lowest-ranked mergeable pair (leftmost on ties), merge it,
    /// start over. Quadratic; the reference for `encode`.
    func encodeReference(_ word: UnsafeBufferPointer<UInt8>) -> [UInt32] {
        mergeReference(initialTokens(word))
    }

    /// `tokens` merged the quadratic way; the reference for `merge`.
    func mergeReference(_ tokens: [UInt32]) -> [UInt32] {
        var tokens = tokens
        while true {
            var best: (rank: UInt32, position: Int, result: UInt32)?
            for position in 0..<max(0, tokens.count - 1) {
                if let merged = merge(tokens[position], tokens[position + 1]),
                   best.map({ merged.rank < $0.rank }) ?? true {
                    best = (merged.rank, position, merged.result)
                }
            }
            guard let best else { return tokens }
            tokens.replaceSubrange(best.position...(best.position + 1), with: [best.result])
        }
    }
}
