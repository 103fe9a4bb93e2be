import Query
import Store

/// Which neurons of a layer to analyze: "all", or numbers and ranges such as "1,5,10-20".
public enum NeuronSelection: Sendable, Hashable {
    case all
    /// Ascending, without repeats.
    case list([Int])

    /// Parses "all" or comma-separated numbers and inclusive ranges ("1,5,10-20", spaces
    /// allowed: see `NumberList`); throws `StudyError.badNeuronList` for anything else.
    public init(parsing text: String) throws {
        switch NumberList(parsing: text) {
        case .all: self = .all
        case .list(let neurons): self = .list(neurons)
        case nil: throw StudyError.badNeuronList(text)
        }
    }

    /// The neurons of a layer of `neuronCount` neurons; throws `QueryError.unknownNeuron` for
    /// the first listed neuron outside it.
    public func neurons(layer: Int, neuronCount: Int) throws -> [Int] {
        switch self {
        case .all:
            return Array(0..<neuronCount)
        case .list(let neurons):
            if let outside = neurons.first(where: { $0 >= neuronCount }) {
                throw QueryError.unknownNeuron(layer: layer, neuron: outside, neuronCount: neuronCount)
            }
            return neurons
        }
    }

    /// "0-3,7" for [0, 1, 2, 3, 7] (ascending input); "" for none.
    public static func rangeText(_ neurons: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        while index < neurons.count {
            var end = index
            while end + 1 < neurons.count && neurons[end + 1] == neurons[end] + 1 { end += 1 }
            parts.append(end == index ? "\(neurons[index])" : "\(neurons[index])-\(neurons[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }
}
