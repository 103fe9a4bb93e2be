import Testing
@testable import Analysis

/// Multiple-testing corrections, effect sizes, clustering agreement and silhouette against
/// statsmodels semantics / scikit-learn.
struct TestStatisticsTests {
    struct MultipleTests: Decodable {
        struct Case: Decodable { let p, holm, bh: [Double] }
        let cases: [Case]
    }

    @Test func holmAndBenjaminiHochbergMatchTheirDefinitions() throws {
        let fixture = try loadFixture("multipletests", as: MultipleTests.self)
        for c in fixture.cases {
            #expect(zip(holmAdjusted(c.p), c.holm).allSatisfy { isClose($0, $1, relative: 1e-12) })
            #expect(zip(benjaminiHochbergAdjusted(c.p), c.bh).allSatisfy { isClose($0, $1, relative: 1e-12) })
        }
        #expect(holmAdjusted([]).isEmpty && benjaminiHochbergAdjusted([]).isEmpty)
    }

    struct Effects: Decodable {
        struct Case: Decodable { let a, b: [Double]; let cliffs_delta, auc: Double }
        let cases: [Case]
    }

    @Test func cliffsDeltaAndAUCMatchScikitLearn() throws {
        let fixture = try loadFixture("effects", as: Effects.self)
        for c in fixture.cases {
            #expect(isClose(cliffsDelta(c.a, c.b), c.cliffs_delta, relative: 1e-12))
            #expect(isClose(areaUnderCurve(c.a, c.b), c.auc, relative: 1e-12))
            // AUC = U / (n1 n2) and δ = 2 AUC − 1.
            #expect(isClose(areaUnderCurve(c.a, c.b), try MannWhitneyResult(c.a, c.b).u / Double(c.a.count * c.b.count)))
            #expect(isClose(cliffsDelta(c.a, c.b), 2 * areaUnderCurve(c.a, c.b) - 1, relative: 1e-12, absolute: 1e-15))
        }
    }

    struct Agreement: Decodable {
        struct Case: Decodable { let a, b: [Int]; let ari, nmi: Double }
        let cases: [Case]
    }

    @Test func adjustedRandAndNormalizedMutualInformationMatchScikitLearn() throws {
        let fixture = try loadFixture("agreement", as: Agreement.self)
        for c in fixture.cases {
            let ari = try adjustedRandIndex(c.a, c.b), nmi = try normalizedMutualInformation(c.a, c.b)
            #expect(isClose(ari, c.ari), "ARI \(ari) vs \(c.ari)")
            #expect(isClose(nmi, c.nmi), "NMI \(nmi) vs \(c.nmi)")
        }
        #expect(throws: AnalysisError.self) { try adjustedRandIndex([0, 1], [0]) }
    }

    struct Silhouette: Decodable {
        struct Case: Decodable { let rows, columns: Int; let x: [Double]; let labels: [Int]; let score: Double }
        let cases: [Case]
    }

    @Test func cosineSilhouetteMatchesScikitLearn() throws {
        let fixture = try loadFixture("silhouette", as: Silhouette.self)
        for c in fixture.cases {
            let x = try Matrix(rows: c.rows, columns: c.columns, values: c.x)
            let distances = cosineDistances(similarity: try cosineSimilarityMatrix(x))
            let score = try silhouetteScore(distances: distances, labels: c.labels)
            #expect(isClose(score, c.score), "silhouette \(score) vs \(c.score)")
        }
        let distances = Matrix(zeros: 3, 3)
        #expect(throws: AnalysisError.self) { try silhouetteScore(distances: distances, labels: [0, 0, 0]) }
        #expect(throws: AnalysisError.self) { try silhouetteScore(distances: distances, labels: [0, 1, 2]) }
    }
}
