import Testing
@testable import Analysis

/// Kruskal–Wallis, Mann–Whitney, Spearman, ranks and quantiles against SciPy/NumPy.
struct RankStatisticsTests {
    struct Ranks: Decodable {
        struct Case: Decodable { let values, ranks: [Double] }
        struct QuantileCase: Decodable { let values, probabilities, quantiles: [Double] }
        let cases: [Case]
        let quantiles: [QuantileCase]
    }

    @Test func averageRanksAndQuantilesMatchSciPy() throws {
        let fixture = try loadFixture("ranks", as: Ranks.self)
        for c in fixture.cases {
            #expect(AverageRanks(c.values).ranks == c.ranks)
        }
        for c in fixture.quantiles {
            let sorted = c.values.sorted()
            for (p, expected) in zip(c.probabilities, c.quantiles) {
                #expect(isClose(quantile(sorted: sorted, p), expected, relative: 1e-12, absolute: 1e-15))
            }
        }
    }

    struct Kruskal: Decodable {
        struct Case: Decodable { let groups: [[Double]]; let h, p: Double }
        let cases: [Case]
    }

    @Test func kruskalWallisMatchesSciPy() throws {
        let fixture = try loadFixture("kruskal", as: Kruskal.self)
        #expect(fixture.cases.count == 8)
        for c in fixture.cases {
            let result = try KruskalWallisResult(groups: c.groups)
            #expect(isClose(result.h, c.h), "H \(result.h) vs \(c.h)")
            #expect(abs(result.p - c.p) <= 1e-6 && isClose(result.p, c.p, relative: 1e-9, absolute: 1e-15))
            let n = Double(c.groups.map(\.count).reduce(0, +))
            #expect(isClose(result.epsilonSquared, c.h / (n - 1)))
        }
    }

    @Test func kruskalWallisRejectsDegenerateInput() {
        #expect(throws: AnalysisError.self) { try KruskalWallisResult(groups: [[1, 2, 3]]) }
        #expect(throws: AnalysisError.self) { try KruskalWallisResult(groups: [[1, 2], []]) }
        #expect(throws: AnalysisError.allValuesIdentical(what: "Kruskal–Wallis values")) {
            try KruskalWallisResult(groups: [[1, 1], [1, 1, 1]])
        }
        #expect(throws: AnalysisError.self) { try KruskalWallisResult(groups: [[1, .nan], [2, 3]]) }
    }

    struct MannWhitney: Decodable {
        struct Case: Decodable { let x, y: [Double]; let u1, p: Double; let method: String }
        let cases: [Case]
    }

    @Test func mannWhitneyMatchesSciPyExactAndAsymptotic() throws {
        let fixture = try loadFixture("mannwhitney", as: MannWhitney.self)
        var methods: Set<String> = []
        for c in fixture.cases {
            let result = try MannWhitneyResult(c.x, c.y)
            methods.insert(result.method.rawValue)
            #expect(result.method.rawValue == c.method, "sizes \(c.x.count), \(c.y.count)")
            #expect(result.u == c.u1)
            #expect(abs(result.p - c.p) <= 1e-6 && isClose(result.p, c.p, relative: 1e-9, absolute: 1e-15),
                    "p \(result.p) vs \(c.p) for sizes \(c.x.count), \(c.y.count)")
        }
        #expect(methods == ["exact", "asymptotic"])
    }

    @Test func exactDistributionSumsToOneAndIsSymmetric() {
        for (m, n) in [(1, 1), (3, 5), (8, 8), (4, 90)] {
            let distribution = MannWhitneyDistribution(m, n)
            #expect(isClose(distribution.probabilities.reduce(0, +), 1, relative: 1e-12))
            let p = distribution.probabilities
            #expect(p.indices.allSatisfy { isClose(p[$0], p[p.count - 1 - $0], relative: 1e-9, absolute: 1e-18) })
        }
        // n1 = 2, n2 = 2: U ∈ {0,1,2,2,3,4} over the 6 arrangements.
        #expect(MannWhitneyDistribution(2, 2).probabilities.map { $0 * 6 }.map { $0.rounded() } == [1, 1, 2, 1, 1])
    }

    struct Spearman: Decodable {
        struct Case: Decodable { let x, y: [Double]; let rho, p: Double }
        let cases: [Case]
    }

    @Test func spearmanMatchesSciPy() throws {
        let fixture = try loadFixture("spearman", as: Spearman.self)
        for c in fixture.cases {
            let result = try #require(try CorrelationResult.spearman(c.x, c.y))
            #expect(isClose(result.coefficient, c.rho), "rho \(result.coefficient) vs \(c.rho)")
            #expect(abs(result.p - c.p) <= 1e-6 && isClose(result.p, c.p, relative: 1e-9, absolute: 1e-15), "p \(result.p) vs \(c.p)")
        }
        #expect(try CorrelationResult.spearman([1, 1, 1], [1, 2, 3]) == nil)
        #expect(throws: AnalysisError.self) { try CorrelationResult.spearman([1, 2], [1, 2]) }
    }
}
