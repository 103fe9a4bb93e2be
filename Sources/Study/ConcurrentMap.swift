import Dispatch
import Foundation

extension Array where Element: Sendable {
    /// `transform` applied to every element on up to `concurrency` threads, results in order.
    /// Used to encode and decode cached results, which costs about a millisecond per neuron.
    func concurrentMap<T: Sendable>(concurrency: Int, _ transform: @Sendable (Element) throws -> T) rethrows -> [T] {
        let workers = Swift.max(1, Swift.min(concurrency, count))
        if workers == 1 { return try map(transform) }
        let slots = ResultSlots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: count, by: workers) {
                slots.set(index, Result { try transform(self[index]) })
            }
        }
        return try slots.values().map { try $0.get() }
    }
}

/// One result slot per element, filled from several threads behind a lock.
private final class ResultSlots<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<T, any Error>) {
        lock.withLock { slots[index] = result }
    }

    func values() -> [Result<T, any Error>] {
        lock.withLock { slots.map { $0! } }
    }
}
