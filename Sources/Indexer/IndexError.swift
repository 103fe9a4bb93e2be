/// Why indexing stopped.
public enum IndexError: Error, CustomStringConvertible, Equatable {
    case corpusNotFound(path: String)
    case unreadable(path: String, reason: String)
    case badJSONL(path: String, line: Int, reason: String)
    case corruptArchive(path: String, reason: String)
    case emptyCorpus
    case invalidOption(String)
    case layerOutOfRange(layer: Int, layerCount: Int)
    case nonFiniteActivation(layer: Int, neuron: Int, document: UInt32, position: UInt32, value: Float)
    case badCheckpoint(String)
    case storeMismatch(String)
    case interrupted(documentsDone: Int)
    /// Stores with band examples are merged only with the model that indexed them.
    case mergeNeedsModel(String)
    /// A residual stream file of a run in layer passes could not be written or read.
    case residualFile(path: String, detail: String)

    public var description: String {
        switch self {
        case .corpusNotFound(let path): "\(path): no such corpus file or directory"
        case .unreadable(let path, let reason): "\(path): cannot read: \(reason)"
        case .badJSONL(let path, let line, let reason): "\(path):\(line): \(reason)"
        case .corruptArchive(let path, let reason): "\(path): corrupt compressed corpus file: \(reason)"
        case .emptyCorpus: "the corpus has no documents, or only empty ones"
        case .invalidOption(let message): message
        case .layerOutOfRange(let layer, let count):
            "layer \(layer) is beyond the model, which has layers 0–\(count - 1)"
        case .nonFiniteActivation(let layer, let neuron, let document, let position, let value):
            "non-finite activation \(value) at layer \(layer), neuron \(neuron), document \(document), position \(position): the model file is probably broken"
        case .badCheckpoint(let detail): "checkpoint cannot be read: \(detail)"
        case .storeMismatch(let detail): detail
        case .interrupted(let done): "interrupted after \(done) documents; run again with --resume to continue"
        case .mergeNeedsModel(let detail): detail
        case .residualFile(let path, let detail): "\(path): \(detail)"
        }
    }
}
