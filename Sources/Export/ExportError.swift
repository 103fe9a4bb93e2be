import Foundation

/// Why an export or an import failed. Messages name the file and the problem.
public enum ExportError: Error, CustomStringConvertible, Equatable {
    /// A file or directory could not be written.
    case cannotWrite(path: String, reason: String)
    /// A file or directory could not be read.
    case cannotRead(path: String, reason: String)
    /// A NeuronRecord file is not what the format says.
    case badNeuronRecord(path: String, reason: String)
    /// The folder holds no NeuronRecord files.
    case noNeuronRecords(path: String)
    /// Two files describe the same neuron.
    case duplicateNeuron(layer: Int, neuron: Int, path: String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason): "\(path): cannot write: \(reason)"
        case .cannotRead(let path, let reason): "\(path): cannot read: \(reason)"
        case .badNeuronRecord(let path, let reason): "\(path): not a valid NeuronRecord: \(reason)"
        case .noNeuronRecords(let path):
            "\(path): no NeuronRecord files (expected {layer}/{neuron}.json or a .jsonl file of NeuronRecords)"
        case .duplicateNeuron(let layer, let neuron, let path):
            "\(path): layer \(layer) neuron \(neuron) was already read from another file"
        }
    }
}
