import Kernels
import Testing
@testable import Analysis

struct ClusteringTests {
    struct Linkage: Decodable {
        struct Case: Decodable {
            let rows, columns: Int
            let x, condensed: [Double]
            let linkage: [[Double]]
            let maxclust: [String: [Int]]
        }
        let cases: [Case]
    }

    /// Random data: no ties, so merge ids, heights and flat labels must all equal SciPy's.
    @Test func averageLinkageMatchesSciPy() throws {
        let fixture = try loadFixture("linkage", as: Linkage.self)
        #expect(fixture.cases.count == 5)
        for c in fixture.cases {
            let x = try Matrix(rows: c.rows, columns: c.columns, values: c.x)
            let distances = cosineDistances(similarity: try cosineSimilarityMatrix(x))
            #expect(zip(condensed(distances), c.condensed).allSatisfy { isClose($0, $1, relative: 1e-9, absolute: 1e-12) })
            let dendrogram = try Dendrogram(averageLinkage: distances)
            let hasDuplicates = c.condensed.contains { $0 < 1e-12 }
            for (merge, row) in zip(dendrogram.merges, c.linkage) {
                #expect(isClose(merge.distance, row[2], relative: 1e-9, absolute: 1e-12))
                if !hasDuplicates {
                    #expect(Double(merge.left) == row[0] && Double(merge.right) == row[1] && Double(merge.size) == row[3])
                }
            }
            for k in 2...10 {
                let expected = try #require(c.maxclust[String(k)])
                let labels = dendrogram.flatClusters(maxClusters: k)
                #expect(samePartition(labels, expected), "k = \(k), n = \(c.rows)")
                if !hasDuplicates { #expect(labels == expected.map { $0 - 1 }) }
            }
        }
    }

    @Test func chainAlgorithmAgreesWithTheObviousAlgorithm() throws {
        var generator = SeededGenerator(seed: 21)
        for n in [2, 3, 9, 40] {
            let x = try Matrix(rows: n, columns: 6, values: (0..<(n * 6)).map { _ in normal(&generator) })
            let distances = cosineDistances(similarity: try cosineSimilarityMatrix(x))
            let fast = try Dendrogram(averageLinkage: distances)
            let reference = Dendrogram.averageLinkageReference(distances: distances)
            #expect(fast.merges.count == n - 1)
            #expect(zip(fast.merges, reference.merges).allSatisfy {
                $0.left == $1.left && $0.right == $1.right && $0.size == $1.size
                    && isClose($0.distance, $1.distance, relative: 1e-12, absolute: 1e-15)
            })
        }
    }

    @Test func tiedHeightsGiveFewerClustersLikeSciPy() throws {
        // Four points, two identical pairs far apart: heights 0, 0, 1.
        let similarity = try Matrix(rows: 4, columns: 4, values: [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1] as [Double])
        let dendrogram = try Dendrogram(averageLinkage: cosineDistances(similarity: similarity))
        #expect(dendrogram.merges.map(\.distance) == [0, 0, 1])
        // No cut gives exactly 3 clusters: SciPy's maxclust returns 2.
        #expect(Set(dendrogram.flatClusters(maxClusters: 3)).count == 2)
        #expect(dendrogram.flatClusters(maxClusters: 4) == [0, 1, 2, 3])
    }

    @Test func blasSimilarityAgreesWithReference() throws {
        var generator = SeededGenerator(seed: 4)
        let x = try Matrix(rows: 17, columns: 33, values: (0..<(17 * 33)).map { _ in normal(&generator) })
        let fast = try cosineSimilarityMatrix(x), reference = try cosineSimilarityMatrixReference(x)
        #expect(zip(fast.values, reference.values).allSatisfy { abs($0 - $1) < 1e-14 })
        let zeroRow = try Matrix(rows: 2, columns: 2, values: [1, 2, 0, 0] as [Double])
        #expect(throws: AnalysisError.zeroVector(row: 1)) { try cosineSimilarityMatrix(zeroRow) }
    }

    /// Synthetic embeddings: `groups` tight clusters of `size` noisy copies of random directions.
    func blobs(groups: Int, size: Int, dimension: Int, noise: Double, seed: UInt64) throws -> (Matrix, [Int]) {
        var generator = SeededGenerator(seed: seed)
        let centers = (0..<groups).map { _ in (0..<dimension).map { _ in normal(&generator) } }
        var values: [Double] = [], labels: [Int] = []
        for i in 0..<(groups * size) {
            let group = (i * 7) % groups
            labels.append(group)
            values += centers[group].map { $0 + noise * normal(&generator) }
        }
        return (try Matrix(rows: groups * size, columns: dimension, values: values), labels)
    }

    @Test func kernelKMeansEqualsExplicitCentroids() throws {
        for (seed, noise) in [(UInt64(1), 0.3), (2, 1.0), (3, 2.5)] {
            let (x, _) = try blobs(groups: 4, size: 12, dimension: 10, noise: noise, seed: seed)
            let unit = try unitRows(x)
            let similarity = try cosineSimilarityMatrix(x)
            for k in [2, 4, 6] {
                let kmeans = SphericalKMeans(clusterCount: k, restarts: 3)
                var g1 = SeededGenerator(seed: seed), g2 = SeededGenerator(seed: seed)
                let fast = try kmeans.labels(similarity: similarity, generator: &g1)
                let reference = try kmeans.labelsReference(unitEmbeddings: unit, generator: &g2)
                #expect(fast == reference, "noise \(noise), k \(k)")
                #expect(Set(fast).count == k)
            }
        }
    }

    @Test func bothMethodsRecoverSeparatedClustersAndTheirNumber() throws {
        let (x, truth) = try blobs(groups: 5, size: 10, dimension: 32, noise: 0.15, seed: 9)
        let similarity = try cosineSimilarityMatrix(x)
        for method in ClusteringMethod.allCases {
            var generator = SeededGenerator(seed: 0)
            let outcome = try ClusteringOutcome(similarity: similarity, method: method, kRange: 2...10, fixedK: nil,
                                                kMeansRestarts: 5, generator: &generator)
            #expect(outcome.clusterCount == 5, "\(method)")
            #expect(samePartition(outcome.labels, truth), "\(method)")
            #expect(outcome.candidates.map(\.k) == Array(2...10))
            let best = outcome.candidates.compactMap(\.silhouette).max()
            #expect(outcome.silhouette == best)
        }
        var generator = SeededGenerator(seed: 0)
        let fixed = try ClusteringOutcome(similarity: similarity, method: .averageLinkage, kRange: 2...10, fixedK: 3,
                                          kMeansRestarts: 1, generator: &generator)
        #expect(fixed.clusterCount == 3 && fixed.candidates.count == 1)
        #expect(throws: AnalysisError.self) {
            try ClusteringOutcome(similarity: similarity, method: .averageLinkage, kRange: 2...10, fixedK: 50,
                                  kMeansRestarts: 1, generator: &generator)
        }
    }
}
