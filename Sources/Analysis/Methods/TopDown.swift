import Kernels

/// One cluster of core tokens and its activations.
public struct ClusterSummary: Codable, Sendable, Equatable {
    /// Cluster number; clusters are numbered by decreasing mean activation.
    public var id: Int
    /// n, mean, sd, min, quartiles, median, max of the members' activations.
    public var activation: GroupSummary
    /// Indices of the members among the core tokens, by decreasing activation.
    public var members: [Int]
    /// Token id of each member.
    public var tokenIDs: [UInt32]
    /// Activation of each member.
    public var activations: [Double]
}

/// Two clusters' activations compared: Mann–Whitney U with Holm's correction over all pairs,
/// and Cliff's δ (positive when the first cluster activates more).
public struct ClusterPairComparison: Codable, Sendable, Equatable {
    public var first: Int
    public var second: Int
    public var mannWhitney: MannWhitneyResult
    /// Holm-adjusted p-value over the k(k − 1)/2 pairs.
    public var holmP: Double
    public var cliffsDelta: Double
}

/// Top-down analysis: do the categories (clusters by cosine similarity) differ in activation?
public struct TopDownResult: Codable, Sendable, Equatable {
    /// The clustering, labels renumbered by decreasing mean activation of the clusters.
    public var clustering: ClusteringOutcome
    public var clusters: [ClusterSummary]
    /// Ids of the clusters with at least `minClusterSize` members, ascending: the categories that
    /// the tests compare (at least two).
    public var testedClusters: [Int]
    /// Kruskal–Wallis over the tested clusters' activations (H, p, ε²).
    public var differentiation: KruskalWallisResult
    /// Every pair of tested clusters, in order of their ids: (0, 1), (0, 2), …, (1, 2), ….
    public var pairs: [ClusterPairComparison]

    /// Clusters the core tokens and compares the clusters' activations.
    public init(activations: [Double], tokenIDs: [UInt32], similarity: Matrix,
                parameters: AnalysisParameters, generator: inout SeededGenerator) throws {
        var clustering = try ClusteringOutcome(similarity: similarity, method: parameters.clustering,
                                               kRange: parameters.kRange, fixedK: parameters.fixedK,
                                               kMeansRestarts: parameters.kMeansRestarts,
                                               minClusterSize: parameters.minClusterSize, generator: &generator)
        clustering.labels = renumberedByDecreasingMean(clustering.labels, activations)
        let k = clustering.clusterCount

        var membersOf = [[Int]](repeating: [], count: k)
        for i in ascendingActivationOrder(activations).reversed() { membersOf[clustering.labels[i]].append(i) }
        let clusters = membersOf.enumerated().map { id, members in
            let values = members.map { activations[$0] }
            return ClusterSummary(id: id, activation: GroupSummary(values), members: members,
                                  tokenIDs: members.map { tokenIDs[$0] }, activations: values)
        }
        // The clustering has at least two clusters this large (`ClusteringOutcome`).
        let tested = clusters.filter { $0.members.count >= parameters.minClusterSize }.map(\.id)
        self.clusters = clusters
        differentiation = try KruskalWallisResult(groups: tested.map { clusters[$0].activations })

        var pairs: [ClusterPairComparison] = []
        for (index, a) in tested.enumerated() {
            for b in tested[(index + 1)...] {
                let x = clusters[a].activations, y = clusters[b].activations
                pairs.append(ClusterPairComparison(first: a, second: b, mannWhitney: try MannWhitneyResult(x, y),
                                                   holmP: 1, cliffsDelta: cliffsDelta(x, y)))
            }
        }
        for (i, adjusted) in holmAdjusted(pairs.map(\.mannWhitney.p)).enumerated() { pairs[i].holmP = adjusted }
        self.pairs = pairs
        self.testedClusters = tested
        self.clustering = clustering
    }
}

/// Labels renumbered so that cluster 0 has the highest mean activation (ties by old label).
func renumberedByDecreasingMean(_ labels: [Int], _ activations: [Double]) -> [Int] {
    let k = (labels.max() ?? -1) + 1
    var sums = [Double](repeating: 0, count: k), counts = [Int](repeating: 0, count: k)
    for (label, activation) in zip(labels, activations) {
        sums[label] += activation
        counts[label] += 1
    }
    let means = (0..<k).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : -.infinity }
    let order = (0..<k).sorted { means[$0] > means[$1] || (means[$0] == means[$1] && $0 < $1) }
    var newLabel = [Int](repeating: 0, count: k)
    for (rank, old) in order.enumerated() { newLabel[old] = rank }
    return labels.map { newLabel[$0] }
}
