import Kernels
import Store

/// A seeded uniform sample of positions: the `size` positions with the smallest hashes of
/// (seed, document, position). Independent of processing order, so shards merge exactly.
///
/// With `Grouping.windows` the hash puts a position's context window first: the sample then
/// holds a few whole windows (of their eligible positions) instead of positions scattered over
/// the corpus, so that running its windows through the model again costs a few windows.
public struct PositionSample: Sendable, Equatable {
    /// How positions are ordered.
    public enum Grouping: Sendable, Equatable {
        /// By a hash of the position alone.
        case positions
        /// By a hash of the position's context window (document positions cut every `context`
        /// from 0), then by the position's own hash; only positions whose own hash is at most
        /// `eligibleBelow` can enter (about `eligibleBelow / 2⁶⁴` of each window).
        case windows(context: Int, eligibleBelow: UInt64)

        /// Windows of `context` positions, of which about `perWindow` are eligible.
        public static func windows(context: Int, perWindow: Int) -> Grouping {
            let share = Double(perWindow) / Double(max(1, context))
            return .windows(context: context, eligibleBelow: share >= 1 ? .max : UInt64(share * 0x1p64))
        }
    }

    public let size: Int
    public let seed: UInt64
    public let grouping: Grouping
    /// Kept positions with their hashes, ascending by (hash, position).
    public private(set) var kept: [(hash: UInt64, position: SamplePosition)] = []

    public init(size: Int, seed: UInt64, grouping: Grouping = .positions) {
        self.size = size
        self.seed = seed
        self.grouping = grouping
    }

    public static func == (a: PositionSample, b: PositionSample) -> Bool {
        a.size == b.size && a.seed == b.seed && a.grouping == b.grouping && a.kept.map(\.position) == b.kept.map(\.position)
    }

    /// The position's sort key, or nil when it cannot enter (`Grouping.windows`). For
    /// `.positions`, the splitmix64 output function of the seed and the position.
    public func hash(_ p: SamplePosition) -> UInt64? {
        let own = Self.mix(seed, document: p.document, position: p.position)
        switch grouping {
        case .positions:
            return own
        case let .windows(context, eligibleBelow):
            guard own <= eligibleBelow else { return nil }
            let start = UInt32(BatchBuilder.windowStart(containing: Int(p.position), context: context))
            let window = Self.mix(SplitMix64.mix(seed), document: p.document, position: start)
            return window & 0xFFFF_FFFF_0000_0000 | own & 0xFFFF_FFFF
        }
    }

    private static func mix(_ seed: UInt64, document: UInt32, position: UInt32) -> UInt64 {
        SplitMix64.mix(seed &+ (UInt64(document) << 32 | UInt64(position)) &* SplitMix64.increment)
    }

    /// True when (hash a, position a) sorts before (hash b, position b): hash first, ties (two
    /// windows whose hashes share their upper half) by position.
    @inline(__always)
    private static func precedes(_ a: (UInt64, SamplePosition), _ b: (UInt64, SamplePosition)) -> Bool {
        (a.0, a.1.document, a.1.position) < (b.0, b.1.document, b.1.position)
    }

    /// Offers positions; returns the ones that entered (with their index in `offered`) and
    /// the ones that left.
    public mutating func admit(_ offered: [SamplePosition]) -> (entered: [Int], left: [SamplePosition]) {
        guard size > 0 else { return ([], []) }
        var enteredSet = Set<SamplePosition>()
        var leftList: [SamplePosition] = []
        var indexOf: [SamplePosition: Int] = [:]
        for (i, p) in offered.enumerated() {
            guard let h = hash(p) else { continue }
            if kept.count == size, let last = kept.last, !Self.precedes((h, p), last) { continue }
            let insertAt = kept.firstIndex { Self.precedes((h, p), $0) } ?? kept.count
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

    /// Restores a sample from its positions (hashes are recomputed; a position that could not
    /// have entered is dropped, which the caller sees as a shorter `kept`).
    public init(size: Int, seed: UInt64, grouping: Grouping = .positions, positions: [SamplePosition]) {
        self.init(size: size, seed: seed, grouping: grouping)
        kept = positions.compactMap { p in hash(p).map { ($0, p) } }.sorted { Self.precedes($0, $1) }
    }
}
