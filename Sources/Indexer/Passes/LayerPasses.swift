/// The layers of an index run in groups, one pass over the corpus each, so that one group's
/// accumulators fit a memory budget (`IndexingOptions.accumulatorMemory`).
///
/// Each pass after the first starts its forward at its first layer from the residual stream the
/// previous pass wrote (`ResidualFile`), so the passes together run every layer once, as one
/// pass would, and give the same bits.
struct LayerPasses: Codable, Equatable {
    /// The indexed layers in ascending groups, one per pass.
    var groups: [[Int]]

    /// Groups of consecutive indexed layers, as few as fit `budget` bytes of accumulators a pass
    /// at `bytesPerLayer` each (at least one layer a pass), and as even as they can be.
    init(layers: [Int], bytesPerLayer: Int, budget: Int) {
        precondition(!layers.isEmpty)
        let perPass = max(1, budget / max(1, bytesPerLayer))
        let passes = (layers.count + perPass - 1) / perPass
        let (size, extra) = layers.count.quotientAndRemainder(dividingBy: passes)
        var groups: [[Int]] = [], start = 0
        for pass in 0..<passes {
            let count = size + (pass < extra ? 1 : 0)
            groups.append(Array(layers[start..<start + count]))
            start += count
        }
        self.groups = groups
    }

    init(groups: [[Int]]) { self.groups = groups }

    var count: Int { groups.count }

    /// The first layer the forward of `pass` runs: 0, or the one after the previous pass's last.
    func firstForwardLayer(of pass: Int) -> Int { pass == 0 ? 0 : groups[pass - 1].last! + 1 }
}
