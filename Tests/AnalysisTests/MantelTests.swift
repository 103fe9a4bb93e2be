import Kernels
import Testing
@testable import Analysis

struct MantelTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let objects: Int
            let x, y: [Double]
            let rho, p_greater, p_less, p_two_sided: Double
        }
        let cases: [Case]
    }

    /// ρ matches SciPy's Spearman on the condensed vectors; the Monte-Carlo p-value is within
    /// Monte-Carlo error (4 sd at 20,000 permutations) of the exact p over all n! permutations.
    @Test func matchesSpearmanAndTheExactPermutationDistribution() throws {
        let fixture = try loadFixture("mantel", as: Fixture.self)
        let permutations = 20_000
        for (index, c) in fixture.cases.enumerated() {
            for (alternative, exact) in [(Alternative.greater, c.p_greater), (.less, c.p_less), (.twoSided, c.p_two_sided)] {
                var generator = SeededGenerator(seed: 5, stream: UInt64(index))
                let result = try MantelResult(x: c.x, y: c.y, objectCount: c.objects, permutations: permutations,
                                              alternative: alternative, generator: &generator)
                #expect(isClose(result.rho, c.rho, relative: 1e-9, absolute: 1e-12))
                let tolerance = 4 * (exact * (1 - exact) / Double(permutations)).squareRoot() + 2.0 / Double(permutations)
                #expect(abs(result.p - exact) <= tolerance, "\(alternative): p \(result.p) vs exact \(exact)")
            }
        }
    }

    @Test func rejectsBadShapesAndConstantMatrices() {
        var generator = SeededGenerator(seed: 0)
        #expect(throws: AnalysisError.self) {
            try MantelResult(x: [1, 2], y: [1, 2, 3], objectCount: 3, permutations: 10, alternative: .greater, generator: &generator)
        }
        #expect(throws: AnalysisError.allValuesIdentical(what: "Mantel distance matrix")) {
            try MantelResult(x: [1, 1, 1], y: [1, 2, 3], objectCount: 3, permutations: 10, alternative: .greater, generator: &generator)
        }
    }
}
