import Analysis
import Foundation
import Query
import Store
import Study
import Synchronization

/// The store behind the API, opened read-only, and what the server keeps in memory about it.
///
/// The catalog is read again when the store changes underneath (a layer appears when an index
/// run finishes): a query that fails because the store has no such layer, or its run is not
/// complete, is answered after one re-reading, at most once a second. The store itself stays
/// open: LMDB forbids opening one environment twice in a process.
final class StoreService: Sendable {
    let store: NeurodexStore
    private let state: Mutex<State>

    private struct State {
        var query: StoreQuery
        var openedAt: ContinuousClock.Instant
        /// Layer headlines, read once per opening.
        var headlines: [Int: LayerHeadlines] = [:]
    }

    /// How often a stale store may be reopened.
    static let reopenInterval: Duration = .seconds(1)

    init(directory: URL) throws {
        // Activations read-only; the catalog writable where it can be, for the analysis cache.
        do {
            store = try NeurodexStore(directory: directory, mode: .readCachingAnalyses)
        } catch StoreError.readOnly {
            store = try NeurodexStore(directory: directory, mode: .read)
        }
        state = Mutex(State(query: try StoreQuery(store: store), openedAt: .now))
    }

    /// The store's query layer as opened last.
    var query: StoreQuery { state.withLock { $0.query } }

    /// Runs `body` on the store; when it fails because the store lacks a layer or a finished
    /// run, reads the catalog again (at most once per `reopenInterval`) and tries once more.
    func withQuery<T>(_ body: (StoreQuery) throws -> T) throws -> T {
        let current = query
        do {
            return try body(current)
        } catch let error as QueryError {
            switch error {
            case .emptyStore, .runNotComplete, .layerNotIndexed:
                guard let reopened = try reopen(replacing: current) else { throw error }
                return try body(reopened)
            default:
                throw error
            }
        }
    }

    /// A fresh opening of the store, or nil when `stale` was opened too recently to retry.
    private func reopen(replacing stale: StoreQuery) throws -> StoreQuery? {
        let due = state.withLock { state -> Bool in
            state.query !== stale || ContinuousClock.now - state.openedAt >= Self.reopenInterval
        }
        guard due else { return nil }
        let fresh = try StoreQuery(store: store)
        state.withLock { state in
            state.query = fresh
            state.openedAt = .now
            state.headlines = [:]
        }
        return fresh
    }

    /// The headline statistics of `layer`'s neurons, read on first use.
    func headlines(layer: Int) throws -> LayerHeadlines {
        try withQuery { query in
            _ = try query.layer(layer)
            if let cached = state.withLock({ $0.query === query ? $0.headlines[layer] : nil }) { return cached }
            let read = try LayerHeadlines(query: query, layer: layer)
            state.withLock { state in
                if state.query === query { state.headlines[layer] = read }
            }
            return read
        }
    }
}
