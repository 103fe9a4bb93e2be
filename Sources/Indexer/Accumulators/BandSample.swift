import Store

/// The band sample: a seeded sample of positions shared by all neurons (its own, larger than the
/// statistics sample, and independent of it through its seed salt). The bands' examples are
/// chosen from it at the end of a run (`BandExamples`), which runs the sample's windows through
/// the model again and so learns every neuron's activation at every kept position then: nothing
/// per neuron is held while the corpus streams (for GPT-2 XL's 48 layers that was 1.26 GB of
/// histogram bins).
///
/// Like `PositionSample` it keeps the positions with the lowest hashes, so it does not depend
/// on batching and shards merge exactly. Its hashes put whole context windows first
/// (`PositionSample.Grouping.windows`): the sample is about `windowCount` seeded random windows,
/// of each a seeded random `size / windowCount` of its positions (all of them at context 64 and
/// the default size), so the examples' windows are made by running just those windows again.
public struct BandSample: Sendable, Equatable {
    /// Mixed into `--seed` (the ASCII of "bandsamp").
    public static let seedSalt: UInt64 = 0x6261_6e64_7361_6d70
    /// The number of windows a full sample is spread over.
    public static let windowCount = 32

    public private(set) var positions: PositionSample

    /// A sample of `size` positions (0: none) over windows of `context`, holding `kept` (lowest
    /// hash first; empty: a new sample). Throws when `kept` is not in this sample's hash order,
    /// that is, not a sample of this size, seed and context.
    public init(size: Int, seed: UInt64, context: Int, kept: [SamplePosition] = []) throws {
        positions = Self.positionSample(size: size, seed: seed, context: context, positions: kept)
        guard positionsByHash == kept else {
            throw IndexError.storeMismatch("the band sample is not in hash order, or not of this --band-sample, --seed and --context")
        }
    }

    /// The seed of the position sample of `--seed`.
    public static func sampleSeed(_ seed: UInt64) -> UInt64 { seed ^ seedSalt }

    /// The position sample of `--band-sample size`, `--seed seed` and `--context context`, holding
    /// `positions` (in any order; empty: a new sample).
    public static func positionSample(size: Int, seed: UInt64, context: Int, positions: [SamplePosition] = []) -> PositionSample {
        let grouping = PositionSample.Grouping.windows(context: context, perWindow: (size + windowCount - 1) / windowCount)
        return PositionSample(size: size, seed: sampleSeed(seed), grouping: grouping, positions: positions)
    }

    /// The kept positions, lowest hash first.
    public var positionsByHash: [SamplePosition] { positions.kept.map(\.position) }

    /// Offers a batch's positions.
    public mutating func admit(_ offered: [SamplePosition]) {
        _ = positions.admit(offered)
    }

    /// The kept positions (lowest hash first), for a checkpoint.
    func encodedPositions() -> [UInt8] {
        BandSamplePositions.encoded(positionsByHash)
    }

    /// Restores a checkpointed sample (`encodedPositions`).
    init(size: Int, seed: UInt64, context: Int, encoded: [UInt8]) throws {
        guard let kept = encoded.withUnsafeBytes({ BandSamplePositions.decoded($0) }) else {
            throw IndexError.badCheckpoint("bad band sample positions")
        }
        do {
            try self.init(size: size, seed: seed, context: context, kept: kept)
        } catch {
            throw IndexError.badCheckpoint("band sample positions out of hash order, or not of this sample")
        }
    }
}
