import Kernels

/// One activation segment and its categorical homogeneity.
public struct SegmentResult: Codable, Sendable, Equatable {
    /// Segment number, 0 for the lowest activations.
    public var index: Int
    /// Indices of the members among the core tokens, by decreasing activation.
    public var members: [Int]
    public var minimumActivation: Double
    public var maximumActivation: Double
    /// Mean pairwise cosine similarity of the members' embeddings against random subsets of the
    /// same size drawn from all core tokens (`greater`); nil for a segment of one token.
    public var homogeneity: PermutationTestResult?
}

/// Bottom-up analysis: are tokens that the neuron activates alike also alike in category?
public struct BottomUpResult: Codable, Sendable, Equatable {
    public var method: SegmentationMethod
    /// [K] segment of each core token.
    public var labels: [Int]
    /// Segments by increasing activation.
    public var segments: [SegmentResult]
    /// Spearman ρ between segment number and homogeneity (nil for fewer than 3 segments with a
    /// homogeneity, or when the homogeneities are all equal).
    public var trend: CorrelationResult?
    /// Segments whose homogeneity is raised (p < α).
    public var raisedSegments: [Int]
    /// Whether the highest-activation segment is raised.
    public var topSegmentRaised: Bool
    /// Whether the highest-activation segment is the only raised one (the paper's finding).
    public var onlyTopRaised: Bool

    public init(activations: [Double], similarity: Matrix, method: SegmentationMethod, segmentCount: Int,
                parameters: AnalysisParameters, generator: inout SeededGenerator) throws {
        self.method = method
        labels = try segmentLabels(activations: activations, method: method, count: segmentCount)
        let count = (labels.max() ?? -1) + 1
        var membersOf = [[Int]](repeating: [], count: count)
        for i in ascendingActivationOrder(activations).reversed() { membersOf[labels[i]].append(i) }

        // One null distribution per segment size, drawn in increasing size.
        var nulls: [Int: [Double]] = [:]
        var pool = Array(0..<activations.count)
        for size in Set(membersOf.map(\.count)).sorted() where size >= 2 {
            nulls[size] = (0..<parameters.permutations).map { _ in
                shufflePrefix(&pool, count: size, using: &generator)
                return meanPairwiseSimilarity(similarity, pool[0..<size])
            }
        }
        segments = membersOf.enumerated().map { index, members in
            let values = members.map { activations[$0] }
            let homogeneity = nulls[members.count].map { null in
                PermutationTestResult(observed: meanPairwiseSimilarity(similarity, members[...]), null: null,
                                      alternative: .greater)
            }
            return SegmentResult(index: index, members: members, minimumActivation: values.min() ?? 0,
                                 maximumActivation: values.max() ?? 0, homogeneity: homogeneity)
        }

        let scored = segments.compactMap { segment in segment.homogeneity.map { (Double(segment.index), $0.observed) } }
        trend = scored.count >= 3 ? try CorrelationResult.spearman(scored.map(\.0), scored.map(\.1)) : nil
        raisedSegments = segments.filter { ($0.homogeneity?.p ?? 1) < parameters.alpha }.map(\.index)
        topSegmentRaised = raisedSegments.contains(count - 1)
        onlyTopRaised = raisedSegments == [count - 1]
    }
}

/// Mean cosine similarity over the pairs of `members` (at least two). The sum is taken in fixed
/// point (each similarity rounded toward zero to a multiple of 2⁻⁶², summed exactly as integers),
/// so it does not depend on the order of the members: segments holding the same tokens get
/// exactly the same homogeneity, and rank statistics over segments see the tie.
func meanPairwiseSimilarity(_ similarity: Matrix, _ members: ArraySlice<Int>) -> Double {
    var sum: Int128 = 0
    let n = similarity.columns
    similarity.values.withUnsafeBufferPointer { s in
        for a in members.indices {
            let row = members[a] * n
            for b in members.indices where b > a { sum &+= Int128(Int64(s[row + members[b]] * 0x1p62)) }
        }
    }
    let size = members.count
    return Double(sum) * 0x1p-62 / Double(size * (size - 1) / 2)
}
