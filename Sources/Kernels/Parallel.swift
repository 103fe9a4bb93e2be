import Dispatch
import Synchronization

/// Calls `body(job)` once for every job in 0..<jobs, spread over up to `threads` threads
/// (the calling thread takes part); returns when all are done. Jobs are handed out in order
/// to whichever thread is free, so a thread slowed by other processes does not hold the
/// others back.
///
/// `body` is not required to be `Sendable`, so the caller is responsible for its safety: each
/// job must only write memory that no other job reads or writes.
public func forEachJobInParallel(_ jobs: Int, threads: Int, _ body: (Int) -> Void) {
    let workers = max(1, min(threads, jobs))
    if workers == 1 {
        for job in 0..<jobs { body(job) }
        return
    }
    let nextJob = Atomic<Int>(0)
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let job = nextJob.wrappingAdd(1, ordering: .relaxed).oldValue
                guard job < jobs else { return }
                work(job)
            }
        }
    }
}

/// Splits `rows` into about four chunks per thread and calls `body(rowRange)` for each, in
/// parallel (see `forEachJobInParallel`).
public func forEachRowChunkInParallel(_ rows: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    let chunks = min(rows, max(1, threads) == 1 ? 1 : 4 * threads)
    forEachJobInParallel(chunks, threads: threads) { chunk in
        body((rows * chunk / chunks)..<(rows * (chunk + 1) / chunks))
    }
}
