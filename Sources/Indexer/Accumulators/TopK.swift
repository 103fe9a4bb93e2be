import Store

/// The K best core records of many neurons, one bounded min-heap per neuron, in flat arrays.
///
/// Heap order: the root is the *worst* kept record (lowest activation; among equal
/// activations the later (document, position)), so a candidate enters when it ranks before
/// the root. With `distinctTokens`, a neuron keeps at most one record per token id: its best.
///
/// With `tracksSlots`, every kept record also owns a *payload slot* in 0..<k that moves with it
/// through the heap: `offer` returns the slot of a record it keeps (the slot of the record it
/// evicted or replaced, or a free one), so a caller can keep data beside each record in a
/// [neurons, k] table (the windows of `WindowedTopK`).
public struct TopK: Sendable, Equatable {
    public let neurons: Int
    public let k: Int
    public let distinctTokens: Bool
    public let tracksSlots: Bool

    // [neurons, k] each; slots 0..<count[n] of a neuron's row form its heap.
    var activation: [Float]
    var document: [UInt32]
    var position: [UInt32]
    var token: [UInt32]
    var count: [Int32]                 // [neurons]
    /// Activation of the root when the heap is full, −∞ before: a candidate that is not
    /// above it can be skipped without touching the heap (when it comes later in
    /// (document, position) order than every kept record, as in a streaming pass).
    var threshold: [Float]             // [neurons]
    /// [neurons, k] the payload slot of each heap entry with `tracksSlots`, else empty.
    var slot: [UInt32]

    public init(neurons: Int, k: Int, distinctTokens: Bool, tracksSlots: Bool = false) {
        precondition(neurons > 0 && k > 0)
        self.neurons = neurons
        self.k = k
        self.distinctTokens = distinctTokens
        self.tracksSlots = tracksSlots
        slot = tracksSlots ? [UInt32](repeating: 0, count: neurons * k) : []
        activation = [Float](repeating: 0, count: neurons * k)
        document = [UInt32](repeating: 0, count: neurons * k)
        position = [UInt32](repeating: 0, count: neurons * k)
        token = [UInt32](repeating: 0, count: neurons * k)
        count = [Int32](repeating: 0, count: neurons)
        threshold = [Float](repeating: -.infinity, count: neurons)
    }

    /// Offers a candidate to neuron `n` with the full ranking rule (any order of arrival);
    /// returns its payload slot when it is kept (0 without `tracksSlots`), nil otherwise.
    @discardableResult
    public mutating func offer(neuron n: Int, _ record: CoreRecord) -> Int? {
        withHeapView { $0.offer(neuron: n, record) }
    }

    /// Runs `body` with raw-pointer access to every heap (for the indexing hot loop).
    mutating func withHeapView<R>(_ body: (HeapView) throws -> R) rethrows -> R {
        let k = self.k, distinct = distinctTokens, tracksSlots = self.tracksSlots
        return try activation.withUnsafeMutableBufferPointer { a in
            try document.withUnsafeMutableBufferPointer { d in
                try position.withUnsafeMutableBufferPointer { p in
                    try token.withUnsafeMutableBufferPointer { t in
                        try count.withUnsafeMutableBufferPointer { c in
                            try threshold.withUnsafeMutableBufferPointer { th in
                                try slot.withUnsafeMutableBufferPointer { s in
                                    try body(HeapView(k: k, distinct: distinct, activation: a.baseAddress!,
                                                      document: d.baseAddress!, position: p.baseAddress!,
                                                      token: t.baseAddress!, count: c.baseAddress!,
                                                      threshold: th.baseAddress!,
                                                      slot: tracksSlots ? s.baseAddress! : nil))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Neuron `n`'s kept records in store order (best first).
    public func records(neuron n: Int) -> [CoreRecord] {
        entries(neuron: n).map(\.record)
    }

    /// Neuron `n`'s kept records in store order, each with its payload slot (0 without `tracksSlots`).
    public func entries(neuron n: Int) -> [(record: CoreRecord, slot: Int)] {
        let base = n * k
        return (0..<Int(count[n])).map { i in
            (CoreRecord(activation: activation[base + i], document: document[base + i],
                        position: position[base + i], token: token[base + i]),
             tracksSlots ? Int(slot[base + i]) : 0)
        }.sorted { CoreRecord.ranksBefore($0.record, $1.record) }
    }

    /// Adds every record of `other` (same shape) — the exact top-K of the union.
    public mutating func merge(_ other: TopK) {
        precondition(other.neurons == neurons && other.k == k && other.distinctTokens == distinctTokens)
        for n in 0..<neurons {
            for record in other.records(neuron: n) { offer(neuron: n, record) }
        }
    }
}

/// Raw-pointer access to the heaps of `TopK`, for the hot loop (no bounds checks, no CoW).
struct HeapView {
    let k: Int
    let distinct: Bool
    let activation: UnsafeMutablePointer<Float>
    let document: UnsafeMutablePointer<UInt32>
    let position: UnsafeMutablePointer<UInt32>
    let token: UnsafeMutablePointer<UInt32>
    let count: UnsafeMutablePointer<Int32>
    let threshold: UnsafeMutablePointer<Float>
    /// The payload slot of each heap entry, when tracked.
    let slot: UnsafeMutablePointer<UInt32>?

    /// Whether slot i ranks after slot j (is worse).
    @inline(__always)
    func worse(_ i: Int, _ j: Int) -> Bool {
        if activation[i] != activation[j] { return activation[i] < activation[j] }
        if document[i] != document[j] { return document[i] > document[j] }
        return position[i] > position[j]
    }

    @inline(__always)
    func worse(_ r: CoreRecord, thanSlot j: Int) -> Bool {
        if r.activation != activation[j] { return r.activation < activation[j] }
        if r.document != document[j] { return r.document > document[j] }
        return r.position > position[j]
    }

    @inline(__always)
    func set(_ i: Int, _ r: CoreRecord) {
        activation[i] = r.activation
        document[i] = r.document
        position[i] = r.position
        token[i] = r.token
    }

    /// Moves the record at `start` up to its place, shifting parents down into the hole.
    func siftUp(base: Int, _ start: Int) {
        let moving = CoreRecord(activation: activation[base + start], document: document[base + start],
                                position: position[base + start], token: token[base + start])
        let movingSlot = slot?[base + start]
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard worse(moving, thanSlot: base + parent) else { break }
            copySlot(base + parent, to: base + i)
            i = parent
        }
        set(base + i, moving)
        if let movingSlot { slot![base + i] = movingSlot }
    }

    /// Moves the record at `start` down to its place, shifting the worse child up into the hole.
    func siftDown(base: Int, _ start: Int, size: Int) {
        let moving = CoreRecord(activation: activation[base + start], document: document[base + start],
                                position: position[base + start], token: token[base + start])
        let movingSlot = slot?[base + start]
        var i = start
        while true {
            let left = 2 * i + 1, right = left + 1
            guard left < size else { break }
            let child = right < size && worse(base + right, base + left) ? right : left
            guard worse(base + child, thanRecord: moving) else { break }
            copySlot(base + child, to: base + i)
            i = child
        }
        set(base + i, moving)
        if let movingSlot { slot![base + i] = movingSlot }
    }

    @inline(__always)
    func copySlot(_ from: Int, to: Int) {
        activation[to] = activation[from]
        document[to] = document[from]
        position[to] = position[from]
        token[to] = token[from]
        if let slot { slot[to] = slot[from] }
    }

    /// Offers `r` to neuron `n`'s heap under the full ranking rule; returns the payload slot
    /// of the kept record (0 when slots are not tracked), or nil when it is not kept.
    @inline(__always) @discardableResult
    func offer(neuron n: Int, _ r: CoreRecord) -> Int? {
        let base = n * k
        let size = Int(count[n])
        if distinct {
            for i in 0..<size where token[base + i] == r.token {
                if worse(r, thanSlot: base + i) || (activation[base + i] == r.activation
                        && document[base + i] == r.document && position[base + i] == r.position) { return nil }
                let payload = slot.map { Int($0[base + i]) } ?? 0  // the replaced occurrence's
                set(base + i, r)           // better occurrence of a kept token: it can only sink
                siftDown(base: base, i, size: size)
                if size == k { threshold[n] = activation[base] }
                return payload
            }
        }
        if size < k {
            set(base + size, r)
            slot?[base + size] = UInt32(size)  // slots 0..<size are taken
            siftUp(base: base, size)
            count[n] = Int32(size + 1)
            if size + 1 == k { threshold[n] = activation[base] }
            return slot == nil ? 0 : size
        }
        guard worse(base, thanRecord: r) else { return nil }
        let payload = slot.map { Int($0[base]) } ?? 0  // the evicted root's
        set(base, r)
        siftDown(base: base, 0, size: size)
        threshold[n] = activation[base]
        return payload
    }

    @inline(__always)
    func worse(_ slot: Int, thanRecord r: CoreRecord) -> Bool {
        if activation[slot] != r.activation { return activation[slot] < r.activation }
        if document[slot] != r.document { return document[slot] > r.document }
        return position[slot] > r.position
    }
}
