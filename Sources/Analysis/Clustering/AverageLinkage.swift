/// One merge of an agglomerative clustering: a row of SciPy's linkage matrix Z.
public struct Merge: Sendable, Equatable, Codable {
    /// Cluster ids (leaves are 0..<n; the cluster formed by merge i is n + i), left < right.
    public var left: Int
    public var right: Int
    /// Distance between the two clusters when they merged.
    public var distance: Double
    /// Number of leaves in the merged cluster.
    public var size: Int
}

/// A hierarchical clustering as SciPy's linkage matrix: n − 1 merges sorted by distance.
public struct Dendrogram: Sendable, Equatable {
    public let leafCount: Int
    public let merges: [Merge]

    /// Average linkage (UPGMA) over a [n, n] distance matrix, the same merge tree as
    /// `scipy.cluster.hierarchy.linkage(method="average")`: SciPy's nearest-neighbour-chain
    /// algorithm with its tie-breaking, merges sorted stably by distance and relabelled.
    public init(averageLinkage distances: Matrix) throws {
        let n = distances.rows
        guard distances.columns == n else {
            throw AnalysisError.lengthMismatch(what: "distance matrix columns", expected: n, found: distances.columns)
        }
        var d = distances.values  // [n, n], updated in place: row/column y holds the merged cluster
        var size = [Int](repeating: 1, count: n)
        var chain: [Int] = []
        var unsorted: [Merge] = []
        unsorted.reserveCapacity(max(n - 1, 0))

        for _ in 0..<max(n - 1, 0) {
            if chain.isEmpty, let first = size.firstIndex(where: { $0 > 0 }) { chain = [first] }
            var x = 0, y = 0
            var currentMin = Double.infinity
            while true {
                x = chain[chain.count - 1]
                // Prefer the previous element of the chain on ties, so the chain cannot cycle.
                if chain.count > 1 {
                    y = chain[chain.count - 2]
                    currentMin = d[x * n + y]
                } else {
                    currentMin = .infinity
                }
                for i in 0..<n where size[i] > 0 && i != x && d[x * n + i] < currentMin {
                    currentMin = d[x * n + i]
                    y = i
                }
                if chain.count > 1 && y == chain[chain.count - 2] { break }
                chain.append(y)
            }
            chain.removeLast(2)
            if x > y { swap(&x, &y) }
            let nx = size[x], ny = size[y]
            unsorted.append(Merge(left: x, right: y, distance: currentMin, size: nx + ny))
            size[x] = 0
            size[y] = nx + ny
            for i in 0..<n where size[i] > 0 && i != y {
                let updated = (Double(nx) * d[i * n + x] + Double(ny) * d[i * n + y]) / Double(nx + ny)
                d[i * n + y] = updated
                d[y * n + i] = updated
            }
        }
        leafCount = n
        merges = Self.relabel(Self.stableSortedByDistance(unsorted), leafCount: n)
    }

    /// Wraps merges already in linkage-matrix form.
    public init(leafCount: Int, merges: [Merge]) {
        self.leafCount = leafCount
        self.merges = merges
    }

    private static func stableSortedByDistance(_ merges: [Merge]) -> [Merge] {
        merges.indices
            .sorted { merges[$0].distance < merges[$1].distance || (merges[$0].distance == merges[$1].distance && $0 < $1) }
            .map { merges[$0] }
    }

    /// Replaces the slot indices recorded by the chain algorithm with cluster ids (union–find
    /// in sorted order, as SciPy's `label`).
    private static func relabel(_ merges: [Merge], leafCount n: Int) -> [Merge] {
        var parent = Array(0..<max(2 * n - 1, 1))
        var size = [Int](repeating: 1, count: max(2 * n - 1, 1))
        func find(_ x: Int) -> Int {
            var root = x
            while parent[root] != root { root = parent[root] }
            var node = x
            while parent[node] != root {
                let next = parent[node]
                parent[node] = root
                node = next
            }
            return root
        }
        var result: [Merge] = []
        for (i, merge) in merges.enumerated() {
            let a = find(merge.left), b = find(merge.right)
            let label = n + i
            parent[a] = label
            parent[b] = label
            size[label] = size[a] + size[b]
            result.append(Merge(left: min(a, b), right: max(a, b), distance: merge.distance, size: size[label]))
        }
        return result
    }

    /// Flat clusters with at most `maxClusters` clusters, as
    /// `fcluster(Z, maxClusters, criterion="maxclust")` minus one (labels start at 0): the tree is
    /// cut at the lowest merge height that leaves no more than `maxClusters` clusters, so ties in
    /// height can leave fewer. Labels are numbered in SciPy's depth-first order.
    public func flatClusters(maxClusters: Int) -> [Int] {
        let n = leafCount
        if maxClusters >= n { return Array(0..<n) }
        // Highest merge distance within each merged cluster (equals its own distance when the
        // tree is monotone, as average linkage is up to rounding).
        var maxDistance = [Double](repeating: 0, count: merges.count)
        for (i, merge) in merges.enumerated() {
            var value = merge.distance
            if merge.left >= n { value = max(value, maxDistance[merge.left - n]) }
            if merge.right >= n { value = max(value, maxDistance[merge.right - n]) }
            maxDistance[i] = value
        }
        // Binary search, as SciPy, for the lowest threshold index giving ≤ maxClusters clusters;
        // cutting at t leaves n − #{merges with max distance ≤ t} clusters.
        var lower = -1, upper = n - 1
        while upper - lower > 1 {
            let middle = (lower + upper) >> 1
            let threshold = maxDistance[middle]
            let clusters = n - maxDistance.count { $0 <= threshold }
            if clusters > maxClusters { lower = middle } else { upper = middle }
        }
        return labels(cutoff: maxDistance[upper], maxDistance: maxDistance)
    }

    /// SciPy's `cluster_monocrit`: depth-first from the root; the first node with max distance
    /// ≤ cutoff on each path leads a cluster; leaves outside any cluster are singletons.
    private func labels(cutoff: Double, maxDistance: [Double]) -> [Int] {
        let n = leafCount
        var labels = [Int](repeating: 0, count: n)
        var visited = [Bool](repeating: false, count: 2 * n - 1)
        var stack = [2 * n - 2]
        var clusterCount = 0
        var leader = -1
        while let top = stack.last {
            let root = top - n
            let left = merges[root].left, right = merges[root].right
            if leader == -1 && maxDistance[root] <= cutoff {
                leader = root
                clusterCount += 1
            }
            if left >= n && !visited[left] {
                visited[left] = true
                stack.append(left)
                continue
            }
            if right >= n && !visited[right] {
                visited[right] = true
                stack.append(right)
                continue
            }
            if left < n {
                if leader == -1 { clusterCount += 1 }
                labels[left] = clusterCount - 1
            }
            if right < n {
                if leader == -1 { clusterCount += 1 }
                labels[right] = clusterCount - 1
            }
            if leader == root { leader = -1 }
            stack.removeLast()
        }
        return labels
    }
}

extension Dendrogram {
    /// Reference for `init(averageLinkage:)`: the obvious O(n³) algorithm that merges, at each
    /// step, the two clusters with the smallest mean pairwise leaf distance. Same tree as the
    /// chain algorithm when no two candidate distances tie.
    public static func averageLinkageReference(distances: Matrix) -> Dendrogram {
        let n = distances.rows
        var clusters: [(id: Int, members: [Int])] = (0..<n).map { ($0, [$0]) }
        var merges: [Merge] = []
        while clusters.count > 1 {
            var best = (a: 0, b: 1, distance: Double.infinity)
            for a in 0..<clusters.count {
                for b in (a + 1)..<clusters.count {
                    var sum = 0.0
                    for i in clusters[a].members { for j in clusters[b].members { sum += distances[i, j] } }
                    let average = sum / Double(clusters[a].members.count * clusters[b].members.count)
                    if average < best.distance { best = (a, b, average) }
                }
            }
            let a = clusters[best.a], b = clusters[best.b]
            let members = a.members + b.members
            merges.append(Merge(left: min(a.id, b.id), right: max(a.id, b.id), distance: best.distance, size: members.count))
            clusters.remove(at: best.b)
            clusters[best.a] = (n + merges.count - 1, members)
        }
        return Dendrogram(leafCount: n, merges: merges)
    }
}
