import Store

/// The band sample: a seeded sample of positions shared by all neurons (its own, larger than the
/// statistics sample, and independent of it through its seed salt), with, for every indexed
/// layer and every neuron, the histogram bin of the neuron's activation at each kept position.
/// The bands' examples are chosen from it at the end of a run (`BandExamples`).
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
    public let bins: HistogramBins
    /// Layer → kept position → [neurons] the bin of each neuron's activation there.
    private(set) var binRows: [Int: [SamplePosition: [UInt16]]]

    /// An empty sample of `size` positions (0: none) over windows of `context` for `layers`.
    public init(size: Int, seed: UInt64, context: Int, layers: [Int], bins: HistogramBins = HistogramBins()) {
        positions = Self.positionSample(size: size, seed: seed, context: context)
        self.bins = bins
        binRows = Dictionary(uniqueKeysWithValues: layers.map { ($0, [:]) })
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

    /// Offers a batch's positions; returns the indices in `offered` of those that entered, and
    /// forgets the bins of the positions that left.
    public mutating func admit(_ offered: [SamplePosition]) -> [Int] {
        let (entered, left) = positions.admit(offered)
        // Over a copy of the keys: iterating `binRows.keys` itself would keep a second reference
        // to the storage and make every removal copy a layer's rows.
        for layer in Array(binRows.keys) {
            for p in left { binRows[layer]?.removeValue(forKey: p) }
        }
        return entered
    }

    /// Records the bins of `layer`'s activations ([rows.count, neurons]) at `enteredRows`.
    public mutating func absorb(layer: Int, activations: UnsafeBufferPointer<Float>, neurons: Int, rows: BatchRows,
                                enteredRows: [Int]) {
        guard !enteredRows.isEmpty else { return }
        let bins = self.bins
        for r in enteredRows {
            let row = UnsafeBufferPointer(rebasing: activations[r * neurons..<(r + 1) * neurons])
            binRows[layer]![SamplePosition(document: rows.documents[r], position: rows.positions[r])] =
                row.map { UInt16(bins.index(of: $0)) }
        }
    }

    /// `layer`'s bins as [neurons, positions]: neuron j's bin at each kept position, lowest hash
    /// first, at `j * positions.count`.
    public func binColumns(layer: Int, neurons: Int) -> [UInt16] {
        let order = positionsByHash
        let rows = binRows[layer] ?? [:]
        var columns = [UInt16](repeating: 0, count: neurons * order.count)
        for (i, p) in order.enumerated() {
            guard let row = rows[p] else { continue }
            for j in 0..<neurons { columns[j * order.count + i] = row[j] }
        }
        return columns
    }

    // MARK: - Checkpoints

    /// The kept positions (lowest hash first), for a checkpoint.
    func encodedPositions() -> [UInt8] {
        BandSamplePositions.encoded(positionsByHash)
    }

    /// `layer`'s bin rows in the order of `encodedPositions`, for a checkpoint.
    func encodedRows(layer: Int) -> [UInt8] {
        var w = BinaryWriter()
        let rows = binRows[layer] ?? [:]
        w.write(array: positionsByHash.flatMap { rows[$0] ?? [] })
        return w.bytes
    }

    /// Restores a checkpointed sample: its positions, then each layer's rows.
    init(size: Int, seed: UInt64, context: Int, bins: HistogramBins = HistogramBins(), positions encoded: [UInt8],
         rows: [Int: [UInt8]], neurons: Int) throws {
        guard let kept = encoded.withUnsafeBytes({ BandSamplePositions.decoded($0) }) else {
            throw IndexError.badCheckpoint("bad band sample positions")
        }
        self.init(size: size, seed: seed, context: context, layers: Array(rows.keys), bins: bins)
        positions = Self.positionSample(size: size, seed: seed, context: context, positions: kept)
        guard positionsByHash == kept else { throw IndexError.badCheckpoint("band sample positions out of hash order, or not of this sample") }
        for (layer, bytes) in rows {
            var r = BinaryReader(bytes)
            let flat = try r.readArray(UInt16.self, expectedCount: kept.count * neurons)
            guard r.isAtEnd else { throw IndexError.badCheckpoint("trailing bytes in the band sample of layer \(layer)") }
            for (i, p) in kept.enumerated() { binRows[layer]![p] = Array(flat[i * neurons..<(i + 1) * neurons]) }
        }
    }

    /// Restores the sample a complete store ended with, for an appended run to continue: its
    /// positions (lowest hash first) and each layer's stored bins, [neurons, positions].
    init(size: Int, seed: UInt64, context: Int, bins: HistogramBins = HistogramBins(), positions kept: [SamplePosition],
         columns: [Int: [UInt16]], neurons: Int) throws {
        self.init(size: size, seed: seed, context: context, layers: Array(columns.keys), bins: bins)
        positions = Self.positionSample(size: size, seed: seed, context: context, positions: kept)
        guard positionsByHash == kept else { throw IndexError.storeMismatch("the store's band sample is not in hash order, or not of this --band-sample, --seed and --context") }
        for (layer, column) in columns {
            guard column.count == neurons * kept.count else {
                throw IndexError.storeMismatch("the store's band sample of layer \(layer) has \(column.count) bins, not \(neurons * kept.count)")
            }
            for (i, p) in kept.enumerated() {
                binRows[layer]![p] = (0..<neurons).map { column[$0 * kept.count + i] }
            }
        }
    }
}
