import Testing
@testable import Analysis

struct SpecialFunctionTests {
    struct Fixture: Decodable {
        struct Gamma: Decodable { let a, x, p, q: Double }
        struct ChiSquare: Decodable { let df: Int; let x, sf: Double }
        struct Beta: Decodable { let a, b, x, value: Double }
        struct StudentT: Decodable { let df: Int; let t, sf: Double }
        struct Normal: Decodable { let z, sf: Double }
        let gamma: [Gamma]
        let chi2: [ChiSquare]
        let beta: [Beta]
        let t: [StudentT]
        let normal: [Normal]
    }

    @Test func incompleteGammaMatchesSciPyTo1e10() throws {
        let fixture = try loadFixture("special", as: Fixture.self)
        #expect(fixture.gamma.count == 80)
        for c in fixture.gamma {
            #expect(isClose(regularizedGammaP(c.a, c.x), c.p, relative: 1e-10, absolute: 1e-300), "P(\(c.a), \(c.x))")
            #expect(isClose(regularizedGammaQ(c.a, c.x), c.q, relative: 1e-10, absolute: 1e-300), "Q(\(c.a), \(c.x))")
        }
    }

    @Test func distributionTailsMatchSciPy() throws {
        let fixture = try loadFixture("special", as: Fixture.self)
        for c in fixture.chi2 {
            #expect(isClose(chiSquareSurvival(c.x, degreesOfFreedom: Double(c.df)), c.sf, relative: 1e-10, absolute: 1e-300))
        }
        for c in fixture.beta {
            #expect(isClose(regularizedBeta(c.a, c.b, c.x), c.value, relative: 1e-10, absolute: 1e-300), "I(\(c.a), \(c.b), \(c.x))")
        }
        for c in fixture.t {
            #expect(isClose(studentTSurvival(c.t, degreesOfFreedom: Double(c.df)), c.sf, relative: 1e-10, absolute: 1e-300), "t \(c.t) df \(c.df)")
        }
        for c in fixture.normal {
            #expect(isClose(normalSurvival(c.z), c.sf, relative: 1e-12, absolute: 1e-300))
        }
    }
}
