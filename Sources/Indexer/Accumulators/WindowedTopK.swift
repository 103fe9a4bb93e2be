import Store

/// The best `k` records of many neurons — the highest activations, or the lowest — each with
/// the neuron's activation at every token of the context window the record came from.
///
/// Records are ranked exactly as by `TopK` (the lowest by `TopK` on negated activations: lowest
/// first, ties by (document, position) ascending), with the same `distinctTokens` rule, so over
/// the same candidates the highest-order records are the first k of a larger `TopK`'s. A window
/// is copied out of the batch only for a record that entered the heap during the batch and is
/// still there after it (`WindowedView.copyPendingWindows`), which is rare once the heap is
/// full: the cost grows with heap insertions that last a batch, not with tokens.
public struct WindowedTopK: Sendable, Equatable {
    /// Which end of the activations is kept.
    public enum Order: UInt8, Sendable {
        case highest, lowest
    }

    public let order: Order
    /// The longest window (the run's context, BOS not included).
    public let width: Int
    /// Records with activations negated for `.lowest`; payload slots index the tables below.
    var heap: TopK
    var values: [Float]           // [neurons, k, width]
    var windowStart: [UInt32]     // [neurons, k]
    var windowLength: [UInt32]    // [neurons, k]
    /// [neurons, k] the batch row whose window a slot still has to copy (−1: none); all −1
    /// between batches.
    var pendingRow: [Int32]

    public var neurons: Int { heap.neurons }
    public var k: Int { heap.k }

    public init(neurons: Int, k: Int, distinctTokens: Bool, width: Int, order: Order) {
        precondition(width > 0)
        self.order = order
        self.width = width
        heap = TopK(neurons: neurons, k: k, distinctTokens: distinctTokens, tracksSlots: true)
        values = [Float](repeating: 0, count: neurons * k * width)
        windowStart = [UInt32](repeating: 0, count: neurons * k)
        windowLength = [UInt32](repeating: 0, count: neurons * k)
        pendingRow = [Int32](repeating: -1, count: neurons * k)
    }

    /// Offers a record with its window to neuron `n` (any order of arrival).
    public mutating func offer(neuron n: Int, _ entry: WindowedRecord) {
        precondition(entry.activations.count <= width, "a window longer than the accumulator's width")
        var key = entry.record
        if order == .lowest { key.activation = -key.activation }
        guard let s = heap.offer(neuron: n, key) else { return }
        let slot = n * k + s
        windowStart[slot] = entry.windowStart
        windowLength[slot] = UInt32(entry.activations.count)
        for (i, v) in entry.activations.enumerated() { values[slot * width + i] = v }
    }

    /// Neuron `n`'s records with their windows, best first (lowest first for `.lowest`).
    public func entries(neuron n: Int) -> [WindowedRecord] {
        heap.entries(neuron: n).map { record, s in
            var record = record
            if order == .lowest { record.activation = -record.activation }
            let slot = n * k + s, length = Int(windowLength[slot])
            return WindowedRecord(record: record, windowStart: windowStart[slot],
                                  activations: Array(values[slot * width..<slot * width + length]))
        }
    }

    /// Adds every record of `other` (same shape): the exact result over the union.
    public mutating func merge(_ other: WindowedTopK) {
        precondition(other.order == order && other.width == width && other.neurons == neurons && other.k == k
                     && other.heap.distinctTokens == heap.distinctTokens)
        for n in 0..<neurons {
            for entry in other.entries(neuron: n) { offer(neuron: n, entry) }
        }
    }

    /// Runs `body` with raw-pointer access (for the indexing hot loop).
    mutating func withView<R>(_ body: (WindowedView) throws -> R) rethrows -> R {
        let k = self.k, width = self.width, negate = order == .lowest
        return try values.withUnsafeMutableBufferPointer { v in
            try windowStart.withUnsafeMutableBufferPointer { ws in
                try windowLength.withUnsafeMutableBufferPointer { wl in
                    try pendingRow.withUnsafeMutableBufferPointer { pending in
                        try heap.withHeapView { h in
                            try body(WindowedView(heap: h, negate: negate, k: k, width: width, values: v.baseAddress!,
                                                  windowStart: ws.baseAddress!, windowLength: wl.baseAddress!,
                                                  pendingRow: pending.baseAddress!))
                        }
                    }
                }
            }
        }
    }
}

/// Raw-pointer access to a `WindowedTopK`, for the hot loop.
struct WindowedView {
    let heap: HeapView
    let negate: Bool
    let k: Int
    let width: Int
    let values: UnsafeMutablePointer<Float>
    let windowStart: UnsafeMutablePointer<UInt32>
    let windowLength: UnsafeMutablePointer<UInt32>

    /// [neurons, k] see `WindowedTopK.pendingRow`.
    let pendingRow: UnsafeMutablePointer<Int32>

    /// Offers neuron `j`'s activation `value` at row `r` of a batch; when the record enters, its
    /// slot remembers the row, whose window `copyPendingWindows` copies after the batch.
    @inline(__always)
    func offer(neuron j: Int, value: Float, row r: Int, rows: BatchRows) {
        let key = negate ? -value : value
        guard key > heap.threshold[j] else { return }
        guard let s = heap.offer(neuron: j, CoreRecord(activation: key, document: rows.documents[r],
                                                       position: rows.positions[r], token: rows.tokens[r])) else { return }
        pendingRow[j * k + s] = Int32(r)
    }

    /// Copies neuron `j`'s activations over the windows of the records that entered its heap
    /// during the batch and are still there, out of `activations` ([rows.count, neurons],
    /// row-major); call once the batch has been offered for `j`.
    @inline(__always)
    func copyPendingWindows(neuron j: Int, rows: BatchRows, activations: UnsafePointer<Float>, neurons: Int) {
        for slot in j * k..<(j + 1) * k where pendingRow[slot] >= 0 {
            let r = Int(pendingRow[slot])
            pendingRow[slot] = -1
            let window = rows.windowRows[rows.windowOfRow[r]]
            let out = values + slot * width
            var source = activations + window.lowerBound * neurons + j
            for i in 0..<window.count {
                out[i] = source.pointee
                source += neurons
            }
            windowStart[slot] = rows.positions[window.lowerBound]
            windowLength[slot] = UInt32(window.count)
        }
    }
}

extension Optional where Wrapped == WindowedTopK {
    /// `withView` of the wrapped value, or `body(nil)` when there is none.
    mutating func withView<R>(_ body: (WindowedView?) throws -> R) rethrows -> R {
        guard var value = self else { return try body(nil) }
        self = nil  // keeps `value` uniquely referenced (no copy on write)
        defer { self = value }
        return try value.withView { try body($0) }
    }
}
