import Foundation
import Query

/// Which neurons of a layer to analyze: "all", or numbers and ranges such as "1,5,10-20".
public enum NeuronSelection: Sendable, Hashable {
    case all
    /// Ascending, without repeats.
    case list([Int])

    /// Parses "all" or comma-separated numbers and inclusive ranges ("1,5,10-20").
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "all" {
            self = .all
            return
        }
        var neurons = Set<Int>()
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
            if bounds.count == 1, let n = Int(bounds[0]), n >= 0 {
                neurons.insert(n)
            } else if bounds.count == 2, let a = Int(bounds[0]), let b = Int(bounds[1]), a >= 0, a <= b {
                neurons.formUnion(a...b)
            } else {
                throw StudyError.badNeuronList(text)
            }
        }
        self = .list(neurons.sorted())
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
