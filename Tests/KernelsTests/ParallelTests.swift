import Synchronization
import Testing
@testable import Kernels

@Suite struct ParallelTests {
    @Test(arguments: [1, 2, 3, 8])
    func everyJobRunsExactlyOnce(threads: Int) {
        let jobs = 100
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: jobs)
        counts.initialize(repeating: 0)
        defer { counts.deallocate() }
        forEachJobInParallel(jobs, threads: threads) { job in counts[job] += 1 }
        #expect(counts.allSatisfy { $0 == 1 })
    }

    @Test(arguments: [(0, 2), (1, 2), (7, 1), (7, 3), (100, 2)])
    func rowChunksCoverEveryRowOnce(rows: Int, threads: Int) {
        let seen = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(rows, 1))
        seen.initialize(repeating: 0)
        defer { seen.deallocate() }
        forEachRowChunkInParallel(rows, threads: threads) { chunk in
            for row in chunk { seen[row] += 1 }
        }
        #expect(seen.prefix(rows).allSatisfy { $0 == 1 })
    }
}
