import Kernels

/// The four analyses of one neuron's core tokens (METHOD.md): top-down, interleaving,
/// bottom-up and homomorphism. Same input, parameters and stream → identical result.
public struct NeuronAnalysis: Codable, Sendable, Equatable {
    public var parameters: AnalysisParameters
    /// Random stream of this neuron (see `init`).
    public var stream: UInt64
    /// Number of core tokens K.
    public var coreCount: Int
    public var topDown: TopDownResult
    public var interleaving: InterleavingResult
    public var bottomUp: BottomUpResult
    public var homomorphism: HomomorphismResult

    /// Runs every analysis. `stream` separates the random streams of different neurons that
    /// share a seed (e.g. `layer << 32 | neuron`); each analysis step draws from its own
    /// sub-stream, so results do not depend on which other steps ran or in what order.
    public init(input: NeuronInput, parameters: AnalysisParameters = AnalysisParameters(), stream: UInt64 = 0) throws {
        try parameters.validate()
        let k = input.activations.count
        let needed = max(4, parameters.minK + 1, parameters.segmentation == .quartiles ? 4 : parameters.segmentCount)
        guard k >= needed else {
            throw AnalysisError.tooFewObservations(what: "core tokens", needed: needed, found: k)
        }
        let similarity = try cosineSimilarityMatrix(input.embeddings)  // [K, K]
        func generator(_ step: Step) -> SeededGenerator {
            SeededGenerator(seed: parameters.seed, stream: stream, step.rawValue)
        }

        var clusteringGenerator = generator(.clustering)
        topDown = try TopDownResult(activations: input.activations, tokenIDs: input.tokenIDs, similarity: similarity,
                                    parameters: parameters, generator: &clusteringGenerator)
        var interleavingGenerator = generator(.interleaving)
        interleaving = InterleavingResult(activations: input.activations, topDown: topDown, parameters: parameters,
                                          generator: &interleavingGenerator)
        var bottomUpGenerator = generator(.bottomUp)
        bottomUp = try BottomUpResult(activations: input.activations, similarity: similarity,
                                      method: parameters.segmentation, segmentCount: parameters.segmentCount,
                                      parameters: parameters, generator: &bottomUpGenerator)
        var fullGenerator = generator(.homomorphism)
        var subsetGenerator = generator(.topSubset)
        homomorphism = try HomomorphismResult(activations: input.activations, similarity: similarity, topDown: topDown,
                                              bottomUp: bottomUp, parameters: parameters,
                                              fullGenerator: &fullGenerator, subsetGenerator: &subsetGenerator)
        self.parameters = parameters
        self.stream = stream
        self.coreCount = k
    }

    /// Sub-streams of the randomized steps.
    private enum Step: UInt64 {
        case clustering = 1, interleaving, bottomUp, homomorphism, topSubset
    }
}
