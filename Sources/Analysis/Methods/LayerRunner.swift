import Dispatch
import Foundation

/// Runs `NeuronAnalysis` over many neurons on several threads.
public enum LayerRunner {
    /// Analyzes neurons 0..<count with `concurrency` worker threads. `input(i)` loads neuron i (it may throw, e.g. a store error), `stream(i)`
    /// gives its random stream; `progress` is called with the number of finished neurons.
    /// Results are in neuron order and do not depend on the number of threads.
    public static func analyze(count: Int, parameters: AnalysisParameters, concurrency: Int,
                               stream: @escaping @Sendable (Int) -> UInt64 = { UInt64($0) },
                               input: @escaping @Sendable (Int) throws -> NeuronInput,
                               progress: (@Sendable (Int) -> Void)? = nil) -> [Result<NeuronAnalysis, any Error>] {
        let workers = max(1, min(concurrency, count))
        let state = SharedResults(count: count)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = state.claim() {
                let result = Result { try NeuronAnalysis(input: input(i), parameters: parameters, stream: stream(i)) }
                let finished = state.store(result, at: i)
                progress?(finished)
            }
        }
        return state.results()
    }
}

/// Work queue and result slots shared by the worker threads, behind one lock.
private final class SharedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var finished = 0
    private var slots: [Result<NeuronAnalysis, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// The next unclaimed neuron, or nil when all are claimed.
    func claim() -> Int? {
        lock.withLock {
            guard next < slots.count else { return nil }
            next += 1
            return next - 1
        }
    }

    /// Stores a result; returns the number of finished neurons.
    func store(_ result: Result<NeuronAnalysis, any Error>, at index: Int) -> Int {
        lock.withLock {
            slots[index] = result
            finished += 1
            return finished
        }
    }

    func results() -> [Result<NeuronAnalysis, any Error>] {
        lock.withLock { slots.map { $0! } }
    }
}
