import Store

/// Where a run stands at a checkpoint (the `state` database's "progress" value, JSON).
struct Progress: Codable, Equatable {
    /// The first document not yet processed (in corpus order, before shard filtering).
    var nextDocument: Int
    /// Documents processed by this run (this shard's only).
    var documentsDone: Int
    /// Counted positions processed.
    var tokensDone: Int
    /// The position sample's positions.
    var samplePositions: [SamplePosition]
    /// A run in more than one layer pass: its passes and the one under way, and the bytes of
    /// its residual files read and written in that pass (nil in a run in one pass).
    var passes: LayerPasses? = nil
    var pass: Int? = nil
    var residualRead: Int? = nil
    var residualWritten: Int? = nil
}

/// Names of the values in the `state` database: a run's checkpoint, and the exact moments a
/// finished run keeps for a run appended later.
enum StateKey {
    static let progress = "progress"
    static func layer(_ layer: Int) -> String { "layer.\(layer)" }
    static func moments(_ layer: Int) -> String { "moments.\(layer)" }
    /// The band sample's positions, lowest hash first.
    static let bandSample = "band_sample"
}
