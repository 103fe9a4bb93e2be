import Dispatch

/// Calls `body(job)` once for every job in 0..<jobs, spread over up to `threads` threads
/// (the calling thread takes part). Jobs are dealt round-robin; returns when all are done.
///
/// `body` is not required to be `Sendable`, so the caller is responsible for its safety: each
/// job must only write memory that no other job reads or writes.
public func forEachJobInParallel(_ jobs: Int, threads: Int, _ body: (Int) -> Void) {
    let workers = max(1, min(threads, jobs))
    if workers == 1 {
        for job in 0..<jobs { body(job) }
        return
    }
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var job = worker
            while job < jobs {
                work(job)
                job += workers
            }
        }
    }
}
