import Kernels
import Testing
@testable import Analysis

struct SegmentationTests {
    @Test func equalCountCutsTheAscendingOrderLikeArraySplit() throws {
        let activations = (0..<23).map { Double(($0 * 7) % 23) }  // a permutation of 0..<23
        let labels = try segmentLabels(activations: activations, method: .equalCount, count: 10)
        // 23 = 3 + 3 + 3 + 2 × 7, lowest activations in segment 0.
        let sizes = (0..<10).map { s in labels.count { $0 == s } }
        #expect(sizes == [3, 3, 3, 2, 2, 2, 2, 2, 2, 2])
        for i in activations.indices {
            for j in activations.indices where activations[i] < activations[j] { #expect(labels[i] <= labels[j]) }
        }
        #expect(throws: AnalysisError.self) { try segmentLabels(activations: [1, 2], method: .equalCount, count: 3) }
    }

    @Test func quartilesKeepTiesTogether() throws {
        let labels = try segmentLabels(activations: [1, 2, 3, 4, 5, 6, 7, 8], method: .quartiles, count: 4)
        #expect(labels == [0, 0, 1, 1, 2, 2, 3, 3])
        // Quartile cut points 1, 1, 1.75: the ties at 1 stay in one segment, empty segments vanish.
        let tied = try segmentLabels(activations: [1, 1, 1, 1, 1, 2, 3], method: .quartiles, count: 4)
        #expect(tied == [0, 0, 0, 0, 0, 1, 1])
    }

    /// Exhaustive search over every way to cut n sorted values into k runs: the least total
    /// within-run sum of squared deviations.
    func bruteForceCost(_ values: [Double], _ k: Int) -> Double {
        func ssd(_ slice: ArraySlice<Double>) -> Double {
            let m = slice.reduce(0, +) / Double(slice.count)
            return slice.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        }
        func best(_ start: Int, _ classes: Int) -> Double {
            if classes == 1 { return ssd(values[start...]) }
            var result = Double.infinity
            for end in (start + 1)...(values.count - classes + 1) {
                result = min(result, ssd(values[start..<end]) + best(end, classes - 1))
            }
            return result
        }
        return best(0, k)
    }

    @Test func naturalBreaksIsOptimal() {
        var generator = SeededGenerator(seed: 8)
        for n in [5, 9, 14] {
            for k in 2...4 {
                let values = (0..<n).map { _ in (normal(&generator) * 4).rounded() / 2 }.sorted()
                let sizes = naturalBreakSizes(sorted: values, classCount: k)
                #expect(sizes.count == k && sizes.reduce(0, +) == n && sizes.allSatisfy { $0 > 0 })
                var start = 0, cost = 0.0
                for size in sizes {
                    let slice = values[start..<(start + size)]
                    let m = slice.reduce(0, +) / Double(size)
                    cost += slice.reduce(0) { $0 + ($1 - m) * ($1 - m) }
                    start += size
                }
                #expect(isClose(cost, bruteForceCost(values, k), relative: 1e-9, absolute: 1e-9))
            }
        }
        #expect(naturalBreakSizes(sorted: [1, 2, 10, 11, 12, 30], classCount: 3) == [2, 3, 1])
    }
}
