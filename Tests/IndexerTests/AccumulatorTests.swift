import Foundation
import Kernels
import Models
import Store
import Testing
@testable import Indexer

/// The obvious top-K: sort everything, keep the best K (best occurrence per token if distinct).
func bruteForceTopK(_ all: [CoreRecord], k: Int, distinct: Bool) -> [CoreRecord] {
    var sorted = all.sorted(by: CoreRecord.ranksBefore)
    if distinct {
        var seen = Set<UInt32>()
        sorted = sorted.filter { seen.insert($0.token).inserted }
    }
    return Array(sorted.prefix(k))
}

@Suite struct TopKTests {
    @Test(arguments: [false, true])
    func matchesBruteForceWithTies(distinct: Bool) {
        var rng = SplitMix64(seed: 7)
        let neurons = 5, k = 7
        var topK = TopK(neurons: neurons, k: k, distinctTokens: distinct)
        var all = [[CoreRecord]](repeating: [], count: neurons)
        for i in 0..<400 {
            for n in 0..<neurons {
                // Few distinct values and tokens, so that ties and repeated tokens are common.
                let r = CoreRecord(activation: Float(Int.random(in: 0..<12, using: &rng)) / 4,
                                   document: UInt32(i / 50), position: UInt32(i % 50),
                                   token: UInt32.random(in: 0..<9, using: &rng))
                all[n].append(r)
                topK.offer(neuron: n, r)
            }
        }
        for n in 0..<neurons {
            #expect(topK.records(neuron: n) == bruteForceTopK(all[n], k: k, distinct: distinct))
        }
    }

    @Test func mergeEqualsOneStream() {
        var rng = SplitMix64(seed: 11)
        var whole = TopK(neurons: 3, k: 5, distinctTokens: true)
        var parts = [TopK](repeating: TopK(neurons: 3, k: 5, distinctTokens: true), count: 3)
        for i in 0..<300 {
            for n in 0..<3 {
                let r = CoreRecord(activation: Float.random(in: -1...1, using: &rng).rounded(toPlaces: 1),
                                   document: UInt32(i), position: 0, token: UInt32.random(in: 0..<20, using: &rng))
                whole.offer(neuron: n, r)
                parts[i % 3].offer(neuron: n, r)
            }
        }
        var merged = parts[0]
        merged.merge(parts[1]); merged.merge(parts[2])
        for n in 0..<3 { #expect(merged.records(neuron: n) == whole.records(neuron: n)) }
    }
}

extension Float {
    func rounded(toPlaces places: Int) -> Float {
        let scale = Float(pow(10, Double(places)))
        return (self * scale).rounded() / scale
    }
}

@Suite struct MomentsTests {
    @Test func combiningPartsEqualsTheWhole() {
        var rng = SplitMix64(seed: 3)
        let values = (0..<1000).map { _ in Double.random(in: -2...5, using: &rng) * Double.random(in: 0...1, using: &rng) }
        let whole = Moments(values: values)
        let parts = [values[0..<1], values[1..<400], values[400..<401], values[401...]].map { Moments(values: $0) }
        let combined = parts.reduce(Moments()) { Moments.combine($0, $1) }
        #expect(combined.count == whole.count)
        for (a, b) in [(combined.mean, whole.mean), (combined.m2, whole.m2), (combined.m3, whole.m3), (combined.m4, whole.m4)] {
            #expect(abs(a - b) <= 1e-9 * max(1, abs(b)))
        }
        // Population variance, biased skewness and excess kurtosis, checked from definitions.
        let n = Double(values.count), mean = values.reduce(0, +) / n
        let m2 = values.map { pow($0 - mean, 2) }.reduce(0, +) / n
        let m3 = values.map { pow($0 - mean, 3) }.reduce(0, +) / n
        let m4 = values.map { pow($0 - mean, 4) }.reduce(0, +) / n
        #expect(abs(combined.variance - m2) < 1e-9)
        #expect(abs(combined.skewness - m3 / pow(m2, 1.5)) < 1e-9)
        #expect(abs(combined.kurtosis - (m4 / (m2 * m2) - 3)) < 1e-9)
    }
}

@Suite struct LayerAccumulatorTests {
    /// Random batches with BOS rows; the accumulator must equal sums over all counted values.
    @Test(arguments: [1, 2])
    func matchesBruteForce(threads: Int) throws {
        var rng = SplitMix64(seed: 5)
        let neurons = 150, k = 6
        var acc = LayerAccumulator(layer: 3, neurons: neurons, k: k, distinctTokens: false,
                                   windowRecords: 3, negativeK: 4, windowWidth: 9)
        var all = [[CoreRecord]](repeating: [], count: neurons)
        var values = [[Double]](repeating: [], count: neurons)
        var windowOf = [[SamplePosition: WindowedRecord]](repeating: [:], count: neurons)
        var position: UInt32 = 0
        for batchIndex in 0..<6 {
            var rows = BatchRows()
            for r in 0..<40 {
                let isBOS = r % 10 == 0
                if isBOS { rows.beginWindow() }
                rows.append(document: UInt32(batchIndex), position: isBOS ? 0 : position, token: UInt32(r % 13), counted: !isBOS)
                if !isBOS { position += 1 }
            }
            let acts = (0..<rows.count * neurons).map { _ in Float.random(in: -0.2...3, using: &rng) }
            for r in rows.counted {
                for n in 0..<neurons {
                    let v = acts[r * neurons + n]
                    let record = CoreRecord(activation: v, document: rows.documents[r], position: rows.positions[r],
                                            token: rows.tokens[r])
                    all[n].append(record)
                    values[n].append(Double(v))
                    let window = (r / 10 * 10 + 1)..<(r / 10 * 10 + 10)  // the counted rows after the BOS
                    windowOf[n][SamplePosition(document: record.document, position: record.position)] = WindowedRecord(
                        record: record, windowStart: rows.positions[window.lowerBound],
                        activations: window.map { acts[$0 * neurons + n] })
                }
            }
            try acts.withUnsafeBufferPointer { try acc.absorb($0, rows: rows, threads: threads) }
        }
        for n in 0..<neurons {
            #expect(acc.topK.records(neuron: n) == bruteForceTopK(all[n], k: k, distinct: false))
            func windowed(_ r: CoreRecord) -> WindowedRecord? { windowOf[n][SamplePosition(document: r.document, position: r.position)] }
            #expect(acc.windows?.entries(neuron: n) == bruteForceTopK(all[n], k: 3, distinct: false).map { windowed($0)! })
            #expect(acc.negative?.entries(neuron: n)
                    == all[n].sorted(by: CoreRecord.ranksLowestFirst).prefix(4).map { windowed($0)! })
            let stats = acc.statistics(neuron: n, samplePositions: [])
            let m = Moments(values: values[n])
            #expect(stats.count == values[n].count)
            #expect(abs(stats.mean - m.mean) < 1e-9)
            #expect(abs(stats.variance - m.variance) < 1e-9)
            #expect(abs(stats.skewness - m.skewness) < 1e-8)
            #expect(abs(stats.kurtosis - m.kurtosis) < 1e-8)
            #expect(stats.min == values[n].min())
            #expect(stats.max == values[n].max())
            #expect(stats.fractionPositive == Double(values[n].filter { $0 > 0 }.count) / Double(values[n].count))
            var histogram = [UInt32](repeating: 0, count: acc.bins.count)
            for v in values[n] { histogram[acc.bins.index(of: Float(v))] += 1 }
            #expect(acc.histogramCounts(neuron: n) == histogram)
        }
        #expect(try LayerAccumulator(encoded: acc.encoded()) == acc)
    }

    /// The vectorized capture kernel, on every instruction set this CPU has, against the scalar
    /// reference: bit-identical state (moments, extrema with signed zeros, histograms at bin
    /// edges and beyond, heaps with ties and windows) and the same entered rows, with neurons
    /// that do not fill a last SIMD group.
    @Test(arguments: [(1, false), (2, false), (2, true)])
    func vectorizedKernelEqualsTheScalarReference(threads: Int, distinct: Bool) throws {
        for instructions in InstructionSet.available {
            var rng = SplitMix64(seed: 11)
            let neurons = 150
            let special: [Float] = [0, -0.0, 1, -1, 0x1p-10, -0x1p-10, 0x1p10, -0x1p10, 1e-30, -1e30, 1e30, 0.5, 0.5,
                                    0x1p-11, -0x1p-11, 0x1.fffffep9, 0x1.1p-10, .leastNonzeroMagnitude]
            func make() -> LayerAccumulator {
                LayerAccumulator(layer: 2, neurons: neurons, k: 5, distinctTokens: distinct,
                                 windowRecords: 3, negativeK: 4, windowWidth: 9)
            }
            var vectorized = make(), scalar = make()
            for batchIndex in 0..<5 {
                var rows = BatchRows()
                for r in 0..<40 {
                    let isBOS = r % 10 == 0
                    if isBOS { rows.beginWindow() }
                    rows.append(document: UInt32(batchIndex), position: UInt32(r), token: UInt32(r % 7), counted: !isBOS)
                }
                // Neurons 0..<20 take signed zeros and negatives only, so that their maxima are
                // ±0 and the order of equal extrema shows.
                let zeros: [Float] = [0, -0.0, -1, -0x1p-10]
                let acts = (0..<rows.count * neurons).map { i in
                    i % neurons < 20 ? zeros.randomElement(using: &rng)!
                        : Int.random(in: 0..<4, using: &rng) == 0 ? special.randomElement(using: &rng)!
                        : Float(Int.random(in: -40...90, using: &rng)) / 16
                }
                let entered = try acts.withUnsafeBufferPointer { a in
                    (try vectorized.absorb(a, rows: rows, sampleEntered: [], sampleLeft: [], threads: threads,
                                           kernel: .vectorized(instructions)),
                     try scalar.absorb(a, rows: rows, sampleEntered: [], sampleLeft: [], threads: threads, kernel: .scalar))
                }
                #expect(entered.0 == entered.1, "\(instructions)")
            }
            #expect(vectorized == scalar, "\(instructions)")
            #expect(vectorized.encoded() == scalar.encoded(), "\(instructions)")
        }
    }

    @Test func nonFiniteActivationsAreReportedWithTheirPlace() {
        var acc = LayerAccumulator(layer: 1, neurons: 4, k: 2, distinctTokens: false)
        var rows = BatchRows()
        rows.append(document: 9, position: 0, token: 1, counted: true)
        rows.append(document: 9, position: 1, token: 2, counted: true)
        let acts: [Float] = [0, 1, 2, 3, 4, .nan, 6, 7]
        #expect(throws: IndexError.self) {
            try acts.withUnsafeBufferPointer { try acc.absorb($0, rows: rows, threads: 1) }
        }
        do {
            try acts.withUnsafeBufferPointer { try acc.absorb($0, rows: rows, threads: 1) }
        } catch let error as IndexError {
            guard case .nonFiniteActivation(1, 1, 9, 1, _) = error else { Issue.record("wrong place: \(error)"); return }
        } catch { Issue.record("\(error)") }
    }

    @Test func truncatedCheckpointIsRejected() {
        let acc = LayerAccumulator(layer: 0, neurons: 3, k: 2, distinctTokens: true)
        let bytes = acc.encoded()
        #expect(throws: IndexError.self) { _ = try LayerAccumulator(encoded: Array(bytes.dropLast(5))) }
    }
}

@Suite struct PositionSampleTests {
    @Test func sampleIsIndependentOfOrderAndSplitting() {
        let positions = (0..<500).map { SamplePosition(document: UInt32($0 / 37), position: UInt32($0 % 37)) }
        var forward = PositionSample(size: 20, seed: 42)
        _ = forward.admit(positions)
        var backward = PositionSample(size: 20, seed: 42)
        _ = backward.admit(positions.reversed())
        #expect(forward == backward)
        var chunked = PositionSample(size: 20, seed: 42)
        var kept = Set<SamplePosition>()
        for chunk in stride(from: 0, to: positions.count, by: 64) {
            let offered = Array(positions[chunk..<min(positions.count, chunk + 64)])
            let (entered, left) = chunked.admit(offered)
            for p in left { kept.remove(p) }
            for i in entered { kept.insert(offered[i]) }
        }
        #expect(chunked == forward)
        #expect(kept == Set(forward.kept.map(\.position)))
    }

    /// The kept positions are exactly the `size` smallest by SplitMix64 of
    /// seed + (document << 32 | position) · golden ratio, computed here by brute force.
    @Test func sampleHoldsTheSmallestHashesByBruteForce() {
        func splitMixHash(seed: UInt64, _ p: SamplePosition) -> UInt64 {
            var z = seed &+ (UInt64(p.document) << 32 | UInt64(p.position)) &* 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let positions = (0..<700).map { SamplePosition(document: UInt32($0 / 53), position: UInt32($0 % 53 * 3)) }
        for (size, seed) in [(1, 0), (25, 7), (100, 0xDEAD_BEEF), (700, 3), (900, 11)] as [(Int, UInt64)] {
            var sample = PositionSample(size: size, seed: seed)
            for chunk in stride(from: 0, to: positions.count, by: 97) {
                _ = sample.admit(Array(positions[chunk..<min(positions.count, chunk + 97)]))
            }
            let expected = positions.map { (hash: splitMixHash(seed: seed, $0), position: $0) }
                .sorted { $0.hash < $1.hash }.prefix(size)
            #expect(sample.kept.map(\.position) == expected.map(\.position), "size \(size), seed \(seed)")
            #expect(sample.kept.map(\.hash) == expected.map(\.hash))
        }
    }
}

extension PositionSampleTests {
    /// `Grouping.windows`: the kept positions are whole windows' eligible positions, lowest
    /// window hash first; order and splitting do not matter; about `perWindow` of each window
    /// is eligible; the restore drops positions that could not have entered.
    @Test func windowGroupingKeepsWholeWindowsIndependentOfOrder() {
        let context = 16
        let positions = (0..<4000).map { SamplePosition(document: UInt32($0 / 400), position: UInt32($0 % 400)) }
        let grouping = PositionSample.Grouping.windows(context: context, perWindow: 4)
        var forward = PositionSample(size: 40, seed: 9, grouping: grouping)
        _ = forward.admit(positions)
        var chunked = PositionSample(size: 40, seed: 9, grouping: grouping)
        for chunk in stride(from: 0, to: positions.count, by: 48) {
            _ = chunked.admit(Array(positions[chunk..<min(positions.count, chunk + 48)].reversed()))
        }
        #expect(chunked == forward)
        #expect(forward.kept.count == 40)
        func window(_ p: SamplePosition) -> SamplePosition {
            SamplePosition(document: p.document, position: p.position / UInt32(context) * UInt32(context))
        }
        let eligible = positions.filter { forward.hash($0) != nil }
        let share = Double(eligible.count) / Double(positions.count)
        #expect(share > 0.2 && share < 0.3)  // 4 of 16
        // Every window met in the sample, except the last, is there with all its eligible positions.
        let windows = forward.kept.map { window($0.position) }
        var distinct: [SamplePosition] = []
        for w in windows where distinct.last != w { distinct.append(w) }
        #expect(Set(distinct).count == distinct.count)  // contiguous runs
        for w in distinct.dropLast() {
            #expect(forward.kept.filter { window($0.position) == w }.count == eligible.filter { window($0) == w }.count)
        }
        let ineligible = positions.first { forward.hash($0) == nil }!
        let restored = PositionSample(size: 40, seed: 9, grouping: grouping, positions: forward.kept.map(\.position) + [ineligible])
        #expect(restored == forward)
        let all = PositionSample.Grouping.windows(context: context, perWindow: context)
        #expect(positions.allSatisfy { PositionSample(size: 1, seed: 9, grouping: all).hash($0) != nil })
    }
}

@Suite struct WindowedTopKTests {
    /// A window that names its record: [activation, document, position].
    static func window(of r: CoreRecord) -> WindowedRecord {
        WindowedRecord(record: r, windowStart: r.position, activations: [r.activation, Float(r.document), Float(r.position)])
    }

    @Test(arguments: [false, true])
    func keepsTheFirstRecordsOfTheTopKWithTheirWindows(distinct: Bool) {
        var rng = SplitMix64(seed: 3)
        var topK = TopK(neurons: 4, k: 9, distinctTokens: distinct)
        var highest = WindowedTopK(neurons: 4, k: 4, distinctTokens: distinct, width: 3, order: .highest)
        var lowest = WindowedTopK(neurons: 4, k: 5, distinctTokens: distinct, width: 3, order: .lowest)
        var all = [[CoreRecord]](repeating: [], count: 4)
        for i in 0..<500 {
            for n in 0..<4 {
                let r = CoreRecord(activation: Float(Int.random(in: -8..<8, using: &rng)) / 4,
                                   document: UInt32(i / 40), position: UInt32(i % 40),
                                   token: UInt32.random(in: 0..<11, using: &rng))
                all[n].append(r)
                topK.offer(neuron: n, r)
                highest.offer(neuron: n, Self.window(of: r))
                lowest.offer(neuron: n, Self.window(of: r))
            }
        }
        for n in 0..<4 {
            #expect(highest.entries(neuron: n) == topK.records(neuron: n).prefix(4).map(Self.window(of:)))
            let negated = all[n].map { CoreRecord(activation: -$0.activation, document: $0.document,
                                                  position: $0.position, token: $0.token) }
            let expected = bruteForceTopK(negated, k: 5, distinct: distinct).map {
                CoreRecord(activation: -$0.activation, document: $0.document, position: $0.position, token: $0.token)
            }
            #expect(lowest.entries(neuron: n) == expected.map(Self.window(of:)))
        }
    }

    @Test func mergeEqualsOneStream() {
        var rng = SplitMix64(seed: 5)
        var whole = WindowedTopK(neurons: 2, k: 4, distinctTokens: false, width: 3, order: .lowest)
        var parts = [WindowedTopK](repeating: whole, count: 3)
        for i in 0..<200 {
            for n in 0..<2 {
                let r = CoreRecord(activation: Float.random(in: -1...1, using: &rng).rounded(toPlaces: 1),
                                   document: UInt32(i), position: 0, token: 1)
                whole.offer(neuron: n, Self.window(of: r))
                parts[i % 3].offer(neuron: n, Self.window(of: r))
            }
        }
        var merged = parts[0]
        merged.merge(parts[1]); merged.merge(parts[2])
        for n in 0..<2 { #expect(merged.entries(neuron: n) == whole.entries(neuron: n)) }
    }
}

@Suite struct LogitLensTests {
    /// Blocks smaller than the matrices, both weight layouts, one or two threads: the same lists
    /// as a direct product.
    @Test(arguments: [false, true], [1, 2])
    func blocksGiveTheDirectProduct(columns: Bool, threads: Int) {
        var rng = SplitMix64(seed: 9)
        let neurons = 5, width = 3, vocabulary = 23
        let directions = (0..<neurons * width).map { _ in Float(Int.random(in: -20...20, using: &rng)) / 8 }
        let unembedding = (0..<vocabulary * width).map { _ in Float(Int.random(in: -20...20, using: &rng)) / 8 }
        // Neuron n's direction: row n of [neurons, width], or column n of its transpose [width, neurons].
        let stored = columns ? (0..<width * neurons).map { directions[($0 % neurons) * width + $0 / neurons] } : directions
        let lens = stored.withUnsafeBufferPointer { d in
            unembedding.withUnsafeBufferPointer { u in
                LogitLens.compute(NeuronOutputWeights(directions: d.baseAddress!, directionsAreColumns: columns,
                                                      unembedding: u.baseAddress!, neurons: neurons, width: width,
                                                      vocabulary: vocabulary),
                                  count: 4, neuronBlock: 2, vocabularyBlock: 4, threads: threads)
            }
        }
        for n in 0..<neurons {
            let scores = (0..<vocabulary).map { v in (0..<width).reduce(Float(0)) { $0 + directions[n * width + $1] * unembedding[v * width + $1] } }
            let high = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(4)
            let low = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }.prefix(4)
            #expect(lens[n].raised == high.map { TokenScore(token: UInt32($0), value: scores[$0]) })
            #expect(lens[n].lowered == low.map { TokenScore(token: UInt32($0), value: scores[$0]) })
        }
    }

    /// The chunked scan (whole chunks skipped once both lists are full) keeps the lists of a
    /// sort, ties to the lower token, over rows with many ties and a ragged end, fed in pieces.
    @Test(arguments: [1, 10, 40])
    func scanKeepsTheListsOfASort(count: Int) {
        var rng = SplitMix64(seed: UInt64(count))
        let scores = (0..<5_003).map { _ in Float(Int.random(in: -300...300, using: &rng)) / 16 }
        var raised: [TokenScore] = [], lowered: [TokenScore] = []
        for start in stride(from: 0, to: scores.count, by: 1_000) {
            let end = min(scores.count, start + 1_000)
            scores[start..<end].withUnsafeBufferPointer {
                LogitLens.scan($0, firstToken: start, raised: &raised, lowered: &lowered, count: count)
            }
        }
        let high = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(count)
        let low = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }.prefix(count)
        #expect(raised == high.map { TokenScore(token: UInt32($0), value: scores[$0]) })
        #expect(lowered == low.map { TokenScore(token: UInt32($0), value: scores[$0]) })
    }
}
