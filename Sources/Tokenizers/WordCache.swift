import Foundation

/// The tokens of recently merged words, shared by every copy of a `Tokenizer` and safe to use
/// from several threads. Bounded: when it holds `capacity` words it starts over empty.
final class WordCache: @unchecked Sendable {  // mutable state guarded by `lock`
    private var tokensByWord: [[UInt8]: [UInt32]] = [:]
    private let lock = NSLock()
    let capacity: Int
    /// Longer words are not cached (they are rare and would crowd the cache).
    let longestWord: Int

    init(capacity: Int = 65_536, longestWord: Int = 128) {
        self.capacity = capacity
        self.longestWord = longestWord
    }

    func tokens(for word: [UInt8]) -> [UInt32]? {
        lock.lock()
        defer { lock.unlock() }
        return tokensByWord[word]
    }

    func store(_ tokens: [UInt32], for word: [UInt8]) {
        guard word.count <= longestWord else { return }
        lock.lock()
        defer { lock.unlock() }
        if tokensByWord.count >= capacity { tokensByWord.removeAll(keepingCapacity: true) }
        tokensByWord[word] = tokens
    }
}
