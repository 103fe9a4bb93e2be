import Kernels
import Testing
@testable import Analysis

/// Repeated tokens and tied activations (Tools/make_stats_fixtures.py, `ties`): identical vectors
/// are one point, so every rank statistic sees the exact ties that SciPy and scikit-learn see.
struct TieTests {
    struct Fixture: Decodable {
        struct Pair: Decodable { let first, second: Int; let u1, p: Double }
        struct Case: Decodable {
            let rows, columns: Int
            let x, activations: [Double]
            let tokens: [Int]
            let mantel_rho: Double
            let segments: [Int]
            let homogeneity: [Double]
            let trend_rho, trend_p: Double
            let clusters: [Int]
            let kruskal_h, kruskal_p: Double
            let pairs: [Pair]
            let silhouette: Double
        }
        let cases: [Case]
    }

    @Test func identicalVectorsHaveSimilarityExactlyOneAndEqualRows() throws {
        for c in try loadFixture("ties", as: Fixture.self).cases {
            let similarity = try cosineSimilarityMatrix(Matrix(rows: c.rows, columns: c.columns, values: c.x))
            let reference = try cosineSimilarityMatrixReference(Matrix(rows: c.rows, columns: c.columns, values: c.x))
            let distances = cosineDistances(similarity: similarity)
            for i in 0..<c.rows {
                for j in 0..<c.rows {
                    #expect(similarity[i, j] == similarity[j, i])
                    #expect(isClose(similarity[i, j], reference[i, j], relative: 0, absolute: 1e-14))
                    guard c.tokens[i] == c.tokens[j] else { continue }
                    #expect(similarity[i, j] == 1 && distances[i, j] == 0, "rows \(i), \(j)")
                    for k in 0..<c.rows { #expect(similarity[i, k] == similarity[j, k]) }
                }
            }
        }
    }

    /// Each similarity depends only on its two vectors: reordering the rows reorders the matrix,
    /// bit for bit.
    @Test func similaritiesDoNotDependOnRowOrder() throws {
        let c = try loadFixture("ties", as: Fixture.self).cases[2]
        let matrix = try Matrix(rows: c.rows, columns: c.columns, values: c.x)
        let order = Array((0..<c.rows).reversed())
        let similarity = try cosineSimilarityMatrix(matrix)
        let reordered = try cosineSimilarityMatrix(matrix.selectingRows(order))
        #expect(reordered == similarity.principalSubmatrix(order))
    }

    @Test func mantelTrendAndClusterTestsMatchSciPyWithTies() throws {
        for (index, c) in try loadFixture("ties", as: Fixture.self).cases.enumerated() {
            let similarity = try cosineSimilarityMatrix(Matrix(rows: c.rows, columns: c.columns, values: c.x))
            let n = c.rows
            var gaps: [Double] = []
            for i in 0..<n { for j in (i + 1)..<n { gaps.append(abs(c.activations[i] - c.activations[j])) } }
            var generator = SeededGenerator(seed: 1, stream: UInt64(index))
            let mantel = try MantelResult(x: gaps, y: condensed(cosineDistances(similarity: similarity)), objectCount: n,
                                          permutations: 10, alternative: .greater, generator: &generator)
            #expect(isClose(mantel.rho, c.mantel_rho, relative: 1e-12, absolute: 1e-14), "case \(index)")

            var parameters = AnalysisParameters()
            parameters.permutations = 10
            let bottomUp = try BottomUpResult(activations: c.activations, similarity: similarity, method: .equalCount,
                                              segmentCount: 10, parameters: parameters, generator: &generator)
            #expect(bottomUp.labels == c.segments)
            for (segment, expected) in zip(bottomUp.segments, c.homogeneity) {
                #expect(isClose(segment.homogeneity!.observed, expected, relative: 0, absolute: 1e-15))
            }
            let trend = try #require(bottomUp.trend)
            #expect(isClose(trend.coefficient, c.trend_rho, relative: 1e-12, absolute: 1e-14), "case \(index)")
            #expect(isClose(trend.p, c.trend_p, relative: 1e-9, absolute: 1e-14))

            let groups = (0..<3).map { cluster in c.activations.indices.filter { c.clusters[$0] == cluster }.map { c.activations[$0] } }
            let kruskal = try KruskalWallisResult(groups: groups)
            #expect(isClose(kruskal.h, c.kruskal_h) && isClose(kruskal.p, c.kruskal_p))
            for pair in c.pairs {
                let test = try MannWhitneyResult(groups[pair.first], groups[pair.second])
                #expect(test.u == pair.u1 && isClose(test.p, pair.p))
            }
            let silhouette = try silhouetteScore(distances: cosineDistances(similarity: similarity), labels: c.clusters)
            #expect(isClose(silhouette, c.silhouette, relative: 1e-12, absolute: 1e-14))
        }
    }

    /// Segments holding the same tokens in a different order have exactly the same homogeneity.
    @Test func homogeneityDoesNotDependOnMemberOrder() throws {
        let c = try loadFixture("ties", as: Fixture.self).cases[1]
        let similarity = try cosineSimilarityMatrix(Matrix(rows: c.rows, columns: c.columns, values: c.x))
        let members = Array(0..<17)
        #expect(meanPairwiseSimilarity(similarity, members[...]) == meanPairwiseSimilarity(similarity, members.reversed()[...]))
        #expect(meanPairwiseSimilarity(similarity, [3, 9, 1, 12][...]) == meanPairwiseSimilarity(similarity, [12, 1, 3, 9][...]))
    }
}
