import Kernels
import Store

/// A seeded uniform sample of positions: the `size` positions with the smallest hashes of
/// (seed, document, position). Independent of processing order, so shards merge exactly.
public struct PositionSample: Sendable, Equatable {
    public let size: Int
    public let seed: UInt64
    /// Kept positions with their hashes, ascending by hash.
    public private(set) var kept: [(hash: UInt64, position: SamplePosition)] = []

    public init(size: Int, seed: UInt64) {
        self.size = size
        self.seed = seed
    }

    public static func == (a: PositionSample, b: PositionSample) -> Bool {
        a.size == b.size && a.seed == b.seed && a.kept.map(\.position) == b.kept.map(\.position)
    }

    /// The splitmix64 output function of the seed and the position: a well-mixed 64-bit hash.
    public func hash(_ p: SamplePosition) -> UInt64 {
        SplitMix64.mix(seed &+ (UInt64(p.document) << 32 | UInt64(p.position)) &* SplitMix64.increment)
    }

    /// Offers positions; returns the ones that entered (with their index in `offered`) and
    /// the ones that left.
    public mutating func admit(_ offered: [SamplePosition]) -> (entered: [Int], left: [SamplePosition]) {
        guard size > 0 else { return ([], []) }
        var enteredSet = Set<SamplePosition>()
        var leftList: [SamplePosition] = []
        var indexOf: [SamplePosition: Int] = [:]
        for (i, p) in offered.enumerated() {
            let h = hash(p)
            if kept.count == size, let last = kept.last, h >= last.hash { continue }
            let insertAt = kept.firstIndex { $0.hash > h } ?? kept.count
            kept.insert((h, p), at: insertAt)
            enteredSet.insert(p)
            indexOf[p] = i
            if kept.count > size {
                let dropped = kept.removeLast().position
                if enteredSet.remove(dropped) == nil { leftList.append(dropped) }
            }
        }
        return (enteredSet.map { indexOf[$0]! }.sorted(), leftList)
    }

    /// Restores a sample from its positions (hashes are recomputed).
    public init(size: Int, seed: UInt64, positions: [SamplePosition]) {
        self.init(size: size, seed: seed)
        kept = positions.map { (hash($0), $0) }.sorted { $0.hash < $1.hash }
    }
}
