import Foundation
import Store
import Synchronization

/// Read-only queries over one store: the library behind `neurodex neuron`, `search`, `export`
/// and the future server. Cheap to share between threads; each call reads one consistent
/// snapshot of the activation store.
///
/// Opening reads the catalog's model and layer rows and the stored vocabulary once.
public final class StoreQuery: Sendable {
    /// An indexed layer: its catalog row and what its statistics rows mean.
    public struct IndexedLayer: Sendable {
        public let row: LayerRow
        /// The decoded `statistics_json`, decoded on first use and kept (a large sample makes it
        /// slow to decode, and a lookup needs one layer's only).
        private let specification: LazySpecification

        init(row: LayerRow) {
            self.row = row
            self.specification = LazySpecification(row: row)
        }

        /// The statistics description; throws when the layer's JSON is unreadable.
        public func statisticsSpec() throws -> LayerStatisticsSpec { try specification.value.get() }
    }

    /// A layer's `statistics_json`, decoded once, on first use, by whichever thread asks first.
    final class LazySpecification: Sendable {
        let row: LayerRow
        private let decoded = Mutex<Result<LayerStatisticsSpec, QueryError>?>(nil)

        init(row: LayerRow) { self.row = row }

        var value: Result<LayerStatisticsSpec, QueryError> {
            decoded.withLock { cached in
                if let cached { return cached }
                let result = StoreQuery.decodeSpec(row)
                cached = result
                return result
            }
        }
    }

    public let store: NeurodexStore
    /// The model the store was built from, when the catalog has one.
    public let model: ModelRow?
    /// The indexed layers, by layer index.
    public let layers: [Int: IndexedLayer]
    /// The stored vocabulary.
    public let vocabulary: StoredVocabulary
    /// The latest run, when the catalog has one (an unfinished run has no layers yet).
    public let latestRun: RunRow?

    /// Opens the store at `directory` for reading.
    public convenience init(directory: URL) throws {
        try self.init(store: NeurodexStore(directory: directory, mode: .read))
    }

    public init(store: NeurodexStore) throws {
        self.store = store
        let index = try store.catalog.indexDescription()
        self.model = index.model
        self.latestRun = index.latestRun
        self.layers = Dictionary(uniqueKeysWithValues: index.layers.map { row in
            (row.layer, IndexedLayer(row: row))
        })
        self.vocabulary = try store.activations.read { try StoredVocabulary(reader: $0) }
    }

    /// The indexed layers in ascending order.
    public var indexedLayers: [Int] { layers.keys.sorted() }

    /// The indexed layer `layer`, or the error that says why there is none.
    public func layer(_ layer: Int) throws -> IndexedLayer {
        if let found = layers[layer] { return found }
        if layers.isEmpty { throw noLayers() }
        if let model, !(0..<model.layerCount).contains(layer) {
            throw QueryError.unknownLayer(layer: layer, layerCount: model.layerCount)
        }
        throw QueryError.layerNotIndexed(layer: layer, indexed: indexedLayers)
    }

    /// The layers to visit: `requested` (each checked), or every indexed layer when nil.
    public func layers(_ requested: [Int]?) throws -> [IndexedLayer] {
        if layers.isEmpty { throw noLayers() }
        guard let requested else { return indexedLayers.compactMap { layers[$0] } }
        return try requested.map { try layer($0) }
    }

    /// Checks `layer` when given, otherwise that the store has any layer.
    public func checkLayerFilter(_ layer: Int?) throws {
        if let layer { _ = try self.layer(layer) } else if layers.isEmpty { throw noLayers() }
    }

    /// Why a store has no layer: its run has not finished, or nothing was indexed.
    func noLayers() -> QueryError {
        if let run = latestRun, run.status != .complete {
            return .runNotComplete(path: store.directory.path, status: run.status.rawValue, documentsDone: run.documentsDone)
        }
        return .emptyStore(path: store.directory.path)
    }

    /// Checks that `neuron` exists in `layer` (not that it has records).
    @discardableResult
    public func checkNeuron(layer: Int, neuron: Int) throws -> IndexedLayer {
        let found = try self.layer(layer)
        guard (0..<found.row.neuronCount).contains(neuron) else {
            throw QueryError.unknownNeuron(layer: layer, neuron: neuron, neuronCount: found.row.neuronCount)
        }
        return found
    }

    /// A neuron's statistics, or nil when the catalog has no row for it; with `.moments`,
    /// without its histogram and sample.
    public func statistics(layer: Int, neuron: Int, detail: StatisticsDetail = .full) throws -> NeuronStatistics? {
        let indexed = try checkNeuron(layer: layer, neuron: neuron)
        guard detail != .none,
              let row = try store.catalog.neuronStatistics(layer: layer, neuron: neuron, blobs: detail == .full) else { return nil }
        let hasBlobs = !row.histogram.isEmpty || !row.sample.isEmpty
        return try NeuronStatistics(row: row, spec: hasBlobs ? try indexed.statisticsSpec() : nil)
    }

    /// The statistics of every neuron of `layer` that has a row, by neuron.
    public func statistics(layer: Int) throws -> [Int: NeuronStatistics] {
        let indexed = try self.layer(layer)
        let rows = try store.catalog.neuronStatistics(layer: layer)
        var spec: LayerStatisticsSpec?
        var result: [Int: NeuronStatistics] = [:]
        for row in rows {
            if spec == nil && (!row.histogram.isEmpty || !row.sample.isEmpty) { spec = try indexed.statisticsSpec() }
            result[row.neuron] = try NeuronStatistics(row: row, spec: spec)
        }
        return result
    }

    static func decodeSpec(_ row: LayerRow) -> Result<LayerStatisticsSpec, QueryError> {
        func bad(_ detail: String) -> Result<LayerStatisticsSpec, QueryError> {
            .failure(.badStatistics(layer: row.layer, neuron: nil, detail: detail))
        }
        let spec: LayerStatisticsSpec
        do {
            spec = try JSONDecoder().decode(LayerStatisticsSpec.self, from: Data(row.statisticsJson.utf8))
        } catch {
            return bad("statistics_json is not a statistics description (\(error))")
        }
        let b = spec.bins
        // HistogramBins reads exponents from float bit patterns: keep them inside Float's range.
        guard -126 <= b.minExponent, b.minExponent < b.maxExponent, b.maxExponent <= 127,
              (0...8).contains(b.subdivisionBits) else {
            return bad("histogram bins \(b) are outside the supported range")
        }
        return .success(spec)
    }
}
