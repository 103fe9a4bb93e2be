import Kernels
import Testing
@testable import Analysis

struct SeededGeneratorTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let seed: String
            let raw: [String]
            let bounds: [Int]
            let bounded: [Int]
            let units: [Double]
            let shuffled20: [Int]
        }
        let cases: [Case]
    }

    @Test func matchesTheReferenceStreams() throws {
        let fixture = try loadFixture("prng", as: Fixture.self)
        #expect(fixture.cases.count == 5)
        for testCase in fixture.cases {
            let seed = try #require(UInt64(testCase.seed))
            var generator = SeededGenerator(seed: seed)
            #expect((0..<8).map { _ in String(generator.next()) } == testCase.raw)
            generator = SeededGenerator(seed: seed)
            #expect(testCase.bounds.map { generator.next(below: $0) } == testCase.bounded)
            generator = SeededGenerator(seed: seed)
            #expect(testCase.units.map { _ in generator.nextUnit() } == testCase.units)
            generator = SeededGenerator(seed: seed)
            var values = Array(0..<20)
            shuffle(&values, using: &generator)
            #expect(values == testCase.shuffled20)
        }
    }

    @Test func streamsOfOneSeedDiffer() {
        var a = SeededGenerator(seed: 7, stream: 1, 2)
        var b = SeededGenerator(seed: 7, stream: 1, 3)
        var c = SeededGenerator(seed: 7, stream: 1, 2)
        let first = (0..<4).map { _ in a.next() }
        #expect(first != (0..<4).map { _ in b.next() })
        #expect(first == (0..<4).map { _ in c.next() })
    }

    @Test func boundedValuesAreUniform() {
        var generator = SeededGenerator(seed: 3)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[generator.next(below: 7)] += 1 }
        // Each count ~ Binomial(70000, 1/7): mean 10000, sd ≈ 93.
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
    }

    @Test func prefixShuffleDrawsUniformSubsets() {
        var generator = SeededGenerator(seed: 11)
        var pool = Array(0..<10)
        var hits = [Int](repeating: 0, count: 10)
        for _ in 0..<20_000 {
            shufflePrefix(&pool, count: 3, using: &generator)
            for i in pool[0..<3] { hits[i] += 1 }
            #expect(Set(pool).count == 10)
        }
        // Each element is drawn with probability 0.3: mean 6000, sd ≈ 65.
        #expect(hits.allSatisfy { abs($0 - 6_000) < 350 })
    }
}
