import Foundation

/// Why a query could not be answered. Every case names what was asked for and what the store
/// has, so that the message alone tells the user what to do.
public enum QueryError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The store has no indexed layer yet (nothing was indexed or imported into it).
    case emptyStore(path: String)
    /// The store's index run has not finished (it is running, was interrupted or failed), so
    /// it has no records to query yet.
    case runNotComplete(path: String, status: String, documentsDone: Int)
    /// The model has no such layer.
    case unknownLayer(layer: Int, layerCount: Int)
    /// The model has the layer, but it was not indexed into this store.
    case layerNotIndexed(layer: Int, indexed: [Int])
    /// The layer has no such neuron.
    case unknownNeuron(layer: Int, neuron: Int, neuronCount: Int)
    /// The neuron exists but the store holds no records for it (an unfinished run).
    case neuronNotIndexed(layer: Int, neuron: Int)
    /// No token of the stored vocabulary matches the text (`alsoTriedLeadingSpace`: nor the
    /// text with a leading space added or removed).
    case unknownToken(String, alsoTriedLeadingSpace: Bool)
    /// The store has no such document.
    case unknownDocument(UInt32)
    /// The token positions are not inside the document.
    case positionsOutsideDocument(document: UInt32, positions: Range<Int>, tokenCount: Int)
    /// A layer's statistics description or a neuron's statistics row cannot be read.
    case badStatistics(layer: Int, neuron: Int?, detail: String)

    public var description: String {
        switch self {
        case .emptyStore(let path):
            "\(path): the store has no indexed layer yet (run `neurodex index` or `neurodex import` first)"
        case .runNotComplete(let path, let status, let documentsDone):
            "\(path): the index run is not complete (\(status), \(documentsDone) documents so far): \(Self.advice(runStatus: status))"
        case .unknownLayer(let layer, let layerCount):
            "layer \(layer) does not exist: the model has layers 0–\(layerCount - 1)"
        case .layerNotIndexed(let layer, let indexed):
            "layer \(layer) is not in this store; indexed layers: \(Self.list(indexed))"
        case .unknownNeuron(let layer, let neuron, let neuronCount):
            "neuron \(neuron) does not exist: layer \(layer) has neurons 0–\(neuronCount - 1)"
        case .neuronNotIndexed(let layer, let neuron):
            "layer \(layer) neuron \(neuron) has no records in this store (is its run finished?)"
        case .unknownToken(let text, let alsoTriedLeadingSpace):
            "no token of the store's vocabulary is \(Self.quoted(text))"
                + (alsoTriedLeadingSpace ? " (with or without a leading space)" : "")
        case .unknownDocument(let document):
            "the store has no document \(document)"
        case .positionsOutsideDocument(let document, let positions, let tokenCount):
            "positions \(positions.lowerBound)..<\(positions.upperBound) are not inside document \(document), "
                + "which has \(tokenCount) tokens"
        case .badStatistics(let layer, let neuron, let detail):
            "statistics of layer \(layer)\(neuron.map { " neuron \($0)" } ?? "") cannot be read: \(detail)"
        }
    }

    /// What to do about a run that has not finished.
    static func advice(runStatus: String) -> String {
        switch runStatus {
        case "running": "query it when it has finished (if its process died, continue it with `neurodex index --resume`)"
        case "failed": "it failed; `neurodex info` tells why"
        default: "continue it with `neurodex index --resume`"
        }
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// "0–3, 7" for [0, 1, 2, 3, 7].
    static func list(_ layers: [Int]) -> String {
        if layers.isEmpty { return "none" }
        var parts: [String] = []
        var start = layers[0], end = layers[0]
        for l in layers.dropFirst() {
            if l == end + 1 { end = l; continue }
            parts.append(start == end ? "\(start)" : "\(start)–\(end)")
            start = l; end = l
        }
        parts.append(start == end ? "\(start)" : "\(start)–\(end)")
        return parts.joined(separator: ", ")
    }
}
