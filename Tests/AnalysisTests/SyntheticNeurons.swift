import Foundation
@testable import Analysis
import Kernels

/// Neurons with known structure: 4 categories of 25 tokens each (noisy copies of 4 random
/// directions in 64 dimensions), activations set by `Kind`. Token id = 1000 · category + item.
enum SyntheticNeuron {
    enum Kind: CaseIterable {
        /// Category c activates in [2c, 2c + 1]: categories map cleanly onto disjoint ranges.
        case segregated
        /// Category c activates ~ N(0.8 c, 1): different means, overlapping ranges.
        case interleaved
        /// Activations ~ N(0, 1) whatever the category.
        case random
        /// Only the 10 highest-activation tokens share a category; the other 90 point in
        /// unrelated random directions.
        case topCategory
    }

    static let categories = 4, perCategory = 25, dimension = 64

    /// The neuron and the category of each core token.
    static func make(_ kind: Kind, seed: UInt64) throws -> (input: NeuronInput, categories: [Int]) {
        var generator = SeededGenerator(seed: seed)
        let count = categories * perCategory
        func direction() -> [Double] { (0..<dimension).map { _ in normal(&generator) } }
        let centers = (0..<categories).map { _ in direction() }
        var category = (0..<count).map { $0 % categories }
        shuffle(&category, using: &generator)

        var embeddings: [Double] = [], activations: [Double] = [], tokens: [UInt32] = []
        for (item, c) in category.enumerated() {
            let activation: Double
            var center = centers[c]
            switch kind {
            case .segregated: activation = 2 * Double(c) + generator.nextUnit()
            case .interleaved: activation = 0.8 * Double(c) + normal(&generator)
            case .random: activation = normal(&generator)
            case .topCategory:
                let top = item < 10
                activation = top ? 5 + generator.nextUnit() : 4 * generator.nextUnit()
                center = top ? centers[0] : direction()
                category[item] = top ? 0 : 1 + item
            }
            activations.append(activation)
            tokens.append(UInt32(1000 * c + item))
            embeddings += center.map { $0 + 0.5 * normal(&generator) }
        }
        let input = try NeuronInput(activations: activations, tokenIDs: tokens,
                                    embeddings: Matrix(rows: count, columns: dimension, values: embeddings))
        return (input, category)
    }
}
