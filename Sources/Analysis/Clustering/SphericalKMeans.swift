import Kernels

/// Spherical k-means: clusters of unit vectors around unit-length centroids, assigning each
/// item to the centroid of highest cosine similarity (Dhillon & Modha 2001), seeded k-means++
/// initialization, best of several restarts by the objective Σ_i cos(x_i, centroid of i).
///
/// Works on the [n, n] cosine similarity matrix G alone (the kernel form): with s_c the sum of
/// the unit vectors of cluster c, cos(x_i, s_c / ‖s_c‖) = Σ_{j∈c} G_ij / √(Σ_{j,j'∈c} G_jj'),
/// so an iteration costs O(n²) whatever the embedding dimension.
public struct SphericalKMeans: Sendable {
    public var clusterCount: Int
    public var restarts: Int
    public var maxIterations: Int

    public init(clusterCount: Int, restarts: Int = 10, maxIterations: Int = 100) {
        self.clusterCount = clusterCount
        self.restarts = restarts
        self.maxIterations = maxIterations
    }

    /// [n] labels in 0..<k, numbered in order of first appearance. Needs 1 ≤ k ≤ n.
    public func labels(similarity: Matrix, generator: inout SeededGenerator) throws -> [Int] {
        try validate(itemCount: similarity.rows)
        return bestOfRestarts(itemCount: similarity.rows, generator: &generator) { labels in
            KernelCentroids(similarity: similarity, labels: labels, clusterCount: clusterCount)
        } seedDistance: { i, center in
            1 - similarity[i, center]
        }
    }

    /// Reference for `labels(similarity:generator:)`: the same algorithm with explicit
    /// centroids in embedding space (`unitEmbeddings` [n, d], rows of unit length).
    public func labelsReference(unitEmbeddings: Matrix, generator: inout SeededGenerator) throws -> [Int] {
        try validate(itemCount: unitEmbeddings.rows)
        func dot(_ i: Int, _ j: Int) -> Double {
            var sum = 0.0
            for k in 0..<unitEmbeddings.columns { sum += unitEmbeddings[i, k] * unitEmbeddings[j, k] }
            return sum
        }
        return bestOfRestarts(itemCount: unitEmbeddings.rows, generator: &generator) { labels in
            ExplicitCentroids(embeddings: unitEmbeddings, labels: labels, clusterCount: clusterCount)
        } seedDistance: { i, center in
            1 - dot(i, center)
        }
    }

    private func validate(itemCount n: Int) throws {
        guard clusterCount >= 1, clusterCount <= n else {
            throw AnalysisError.invalidParameter(name: "k", value: "\(clusterCount)", reason: "must be between 1 and the number of items (\(n))")
        }
        guard restarts >= 1 else {
            throw AnalysisError.invalidParameter(name: "restarts", value: "\(restarts)", reason: "must be at least 1")
        }
    }

    /// Runs k-means++ seeding and Lloyd iterations `restarts` times; keeps the best objective
    /// (the first on ties).
    private func bestOfRestarts<C: Centroids>(itemCount n: Int, generator: inout SeededGenerator,
                                             centroids: ([Int]) -> C,
                                             seedDistance: (Int, Int) -> Double) -> [Int] {
        var best: (labels: [Int], objective: Double)?
        for _ in 0..<restarts {
            let centers = seeds(itemCount: n, generator: &generator, distance: seedDistance)
            // Initial assignment: the most similar seed (1 − distance), first on ties.
            var labels = (0..<n).map { i in
                centers.indices.min { seedDistance(i, centers[$0]) < seedDistance(i, centers[$1]) }!
            }
            var current = centroids(labels)
            for _ in 0..<maxIterations {
                var next = current.assignments()
                refillEmptyClusters(&next, scores: current)
                if next == labels { break }
                labels = next
                current = centroids(labels)
            }
            let objective = current.objective
            if best == nil || objective > best!.objective { best = (labels, objective) }
        }
        return numberedByFirstAppearance(best!.labels)
    }

    /// k-means++: the first seed uniformly, each next one with probability ∝ D², D the cosine
    /// distance to the nearest seed so far; if every D is 0, the first item not yet a seed.
    private func seeds(itemCount n: Int, generator: inout SeededGenerator,
                       distance: (Int, Int) -> Double) -> [Int] {
        var centers = [generator.next(below: n)]
        var nearest = (0..<n).map { max(0, distance($0, centers[0])) }
        while centers.count < clusterCount {
            let weights = nearest.map { $0 * $0 }
            let total = weights.reduce(0, +)
            var chosen = -1
            if total > 0 {
                let target = generator.nextUnit() * total
                var cumulative = 0.0
                for i in 0..<n where weights[i] > 0 {
                    cumulative += weights[i]
                    chosen = i
                    if cumulative > target { break }
                }
            }
            if chosen < 0 || centers.contains(chosen) {
                chosen = (0..<n).first { !centers.contains($0) }!
            }
            centers.append(chosen)
            for i in 0..<n { nearest[i] = min(nearest[i], max(0, distance(i, chosen))) }
        }
        return centers
    }

    /// Gives every empty cluster the item least similar to its own centroid among clusters that
    /// keep at least one other member.
    private func refillEmptyClusters<C: Centroids>(_ labels: inout [Int], scores: C) {
        var counts = [Int](repeating: 0, count: clusterCount)
        for label in labels { counts[label] += 1 }
        for empty in 0..<clusterCount where counts[empty] == 0 {
            var worst = -1
            var worstScore = Double.infinity
            for i in labels.indices where counts[labels[i]] > 1 {
                let score = scores.similarity(i, labels[i])
                if score < worstScore { worstScore = score; worst = i }
            }
            guard worst >= 0 else { return }
            counts[labels[worst]] -= 1
            labels[worst] = empty
            counts[empty] = 1
        }
    }
}

/// Labels renumbered 0, 1, … in order of first appearance.
func numberedByFirstAppearance(_ labels: [Int]) -> [Int] {
    var map: [Int: Int] = [:]
    return labels.map { label in
        if let mapped = map[label] { return mapped }
        map[label] = map.count
        return map.count - 1
    }
}

/// The centroids of one labeling, as far as the algorithm needs them.
private protocol Centroids {
    /// Cosine similarity of item i to the centroid of cluster c (−∞ for an empty cluster).
    func similarity(_ i: Int, _ c: Int) -> Double
    /// Σ_i cos(x_i, centroid of its cluster) = Σ_c ‖s_c‖.
    var objective: Double { get }
    var itemCount: Int { get }
    var clusterCount: Int { get }
}

extension Centroids {
    /// Each item's most similar centroid, first on ties.
    func assignments() -> [Int] {
        (0..<itemCount).map { i in
            var best = 0
            var bestScore = -Double.infinity
            for c in 0..<clusterCount {
                let score = similarity(i, c)
                if score > bestScore { bestScore = score; best = c }
            }
            return best
        }
    }
}

/// Kernel form: Σ_{j∈c} G_ij for every (i, c), and ‖s_c‖ from them.
private struct KernelCentroids: Centroids {
    let itemCount: Int
    let clusterCount: Int
    /// [n, k] Σ_{j∈c} G_ij.
    var sums: [Double]
    /// [k] ‖s_c‖ (0 for an empty cluster).
    var norms: [Double]

    init(similarity: Matrix, labels: [Int], clusterCount k: Int) {
        let n = similarity.rows
        itemCount = n
        clusterCount = k
        sums = [Double](repeating: 0, count: n * k)
        for i in 0..<n {
            for j in 0..<n { sums[i * k + labels[j]] += similarity[i, j] }
        }
        norms = [Double](repeating: 0, count: k)
        for i in 0..<n { norms[labels[i]] += sums[i * k + labels[i]] }
        norms = norms.map { max(0, $0).squareRoot() }
    }

    func similarity(_ i: Int, _ c: Int) -> Double {
        norms[c] > 0 ? sums[i * clusterCount + c] / norms[c] : -.infinity
    }

    var objective: Double { norms.reduce(0, +) }
}

/// Explicit form: centroids s_c / ‖s_c‖ in embedding space.
private struct ExplicitCentroids: Centroids {
    let embeddings: Matrix
    let itemCount: Int
    let clusterCount: Int
    /// [k, d] unit centroids (zero rows for empty clusters).
    var centroids: Matrix
    var norms: [Double]

    init(embeddings: Matrix, labels: [Int], clusterCount k: Int) {
        self.embeddings = embeddings
        itemCount = embeddings.rows
        clusterCount = k
        let d = embeddings.columns
        var sums = Matrix(zeros: k, d)
        for i in 0..<embeddings.rows {
            for column in 0..<d { sums[labels[i], column] += embeddings[i, column] }
        }
        norms = (0..<k).map { c in
            var squares = 0.0
            for column in 0..<d { squares += sums[c, column] * sums[c, column] }
            return squares.squareRoot()
        }
        centroids = sums
        for c in 0..<k where norms[c] > 0 {
            for column in 0..<d { centroids[c, column] /= norms[c] }
        }
    }

    func similarity(_ i: Int, _ c: Int) -> Double {
        guard norms[c] > 0 else { return -.infinity }
        var dot = 0.0
        for column in 0..<embeddings.columns { dot += embeddings[i, column] * centroids[c, column] }
        return dot
    }

    var objective: Double { norms.reduce(0, +) }
}
