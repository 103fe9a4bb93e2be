import Kernels

/// How core tokens are grouped into categories.
public enum ClusteringMethod: String, Codable, Sendable, Hashable, CaseIterable {
    /// Agglomerative clustering, average linkage on cosine distance, cut into k clusters.
    case averageLinkage = "average-linkage"
    /// Spherical k-means with k-means++ seeding.
    case sphericalKMeans = "spherical-kmeans"
}

/// Silhouette of one candidate number of clusters.
public struct ClusterCountScore: Codable, Sendable, Equatable {
    /// The requested number of clusters.
    public var k: Int
    /// The number of clusters obtained (average linkage can give fewer when merge heights tie).
    public var clusters: Int
    /// Mean cosine silhouette; nil when it is undefined (one cluster, or one item per cluster).
    public var silhouette: Double?
    /// Clusters with at least the minimum cluster size; a candidate needs two to be chosen.
    public var largeClusters: Int
}

/// A clustering of core tokens and how its number of clusters was chosen.
public struct ClusteringOutcome: Codable, Sendable, Equatable {
    public var method: ClusteringMethod
    /// [n] cluster of each item, numbered 0..<clusterCount.
    public var labels: [Int]
    public var clusterCount: Int
    /// Mean cosine silhouette of the chosen clustering (nil when undefined).
    public var silhouette: Double?
    /// Every candidate tried, in increasing k (one entry when k was fixed).
    public var candidates: [ClusterCountScore]

    /// Clusters the items whose cosine similarities are `similarity` ([n, n]): with `fixedK`, into
    /// that many clusters; otherwise into the k of `kRange` (capped at n − 1) with the highest
    /// mean cosine silhouette, the smallest such k on ties. With `minClusterSize`, only candidates
    /// with at least two clusters of that many items or more can be chosen; throws
    /// `allValuesIdentical` when every candidate is a single cluster and `tooFewObservations` when
    /// no candidate has two large enough clusters.
    public init(similarity: Matrix, method: ClusteringMethod, kRange: ClosedRange<Int>, fixedK: Int?,
                kMeansRestarts: Int, minClusterSize: Int? = nil, generator: inout SeededGenerator) throws {
        let n = similarity.rows
        guard n >= 3 else { throw AnalysisError.tooFewObservations(what: "clustering", needed: 3, found: n) }
        let candidateKs: [Int]
        if let fixedK {
            guard fixedK >= 2, fixedK <= n - 1 else {
                throw AnalysisError.invalidParameter(name: "k", value: "\(fixedK)", reason: "must be between 2 and n − 1 = \(n - 1)")
            }
            candidateKs = [fixedK]
        } else {
            guard kRange.lowerBound >= 2 else {
                throw AnalysisError.invalidParameter(name: "k range", value: "\(kRange)", reason: "must start at 2 or more")
            }
            let upper = min(kRange.upperBound, n - 1)
            guard kRange.lowerBound <= upper else {
                throw AnalysisError.tooFewObservations(what: "clustering with k ≥ \(kRange.lowerBound)", needed: kRange.lowerBound + 1, found: n)
            }
            candidateKs = Array(kRange.lowerBound...upper)
        }

        let distances = cosineDistances(similarity: similarity)
        let dendrogram = method == .averageLinkage ? try Dendrogram(averageLinkage: distances) : nil
        var best: (labels: [Int], score: ClusterCountScore)?
        var candidates: [ClusterCountScore] = []
        for k in candidateKs {
            let labels: [Int]
            if let dendrogram {
                labels = numberedByFirstAppearance(dendrogram.flatClusters(maxClusters: k))
            } else {
                labels = try SphericalKMeans(clusterCount: k, restarts: kMeansRestarts)
                    .labels(similarity: similarity, generator: &generator)
            }
            let clusters = Set(labels).count
            let silhouette = clusters >= 2 && clusters <= n - 1
                ? try silhouetteScore(distances: distances, labels: labels) : nil
            let sizes = Dictionary(labels.map { ($0, 1) }, uniquingKeysWith: +).values
            let score = ClusterCountScore(k: k, clusters: clusters, silhouette: silhouette,
                                          largeClusters: sizes.count { $0 >= minClusterSize ?? 1 })
            candidates.append(score)
            if minClusterSize != nil, score.largeClusters < 2 { continue }
            let improves: Bool
            switch (silhouette, best?.score.silhouette) {
            case (.some(let s), .some(let b)): improves = s > b
            case (.some, .none): improves = true
            case (.none, _): improves = best == nil
            }
            if improves { best = (labels, score) }
        }
        guard let best else {
            guard candidates.contains(where: { $0.clusters >= 2 }) else {
                throw AnalysisError.allValuesIdentical(what: "embeddings (a single cluster)")
            }
            throw AnalysisError.tooFewObservations(what: "clusters of at least \(minClusterSize ?? 1) core tokens",
                                                   needed: 2, found: candidates.map(\.largeClusters).max() ?? 0)
        }
        self.method = method
        self.labels = best.labels
        self.clusterCount = best.score.clusters
        self.silhouette = best.score.silhouette
        self.candidates = candidates
    }
}
