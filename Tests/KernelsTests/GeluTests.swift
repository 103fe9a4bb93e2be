import Foundation
import Testing
@testable import Kernels

@Suite struct GeluTests {
    @Test func matchesReferenceValueByValue() {
        // −10…10 in steps of 1/64: each value within 1e-5 of its own size, so the left tail
        // (where 1 + erf would cancel to nothing) keeps its precision.
        let x = (-640...640).map { Float($0) / 64 }
        var y = x
        gelu(&y, rows: 1, width: y.count)
        let expected = Reference.gelu(x)
        for (index, value) in x.enumerated() {
            #expect(abs(y[index] - expected[index]) <= 1e-5 * abs(expected[index]), "x = \(value)")
        }
        #expect(y[640] == 0)
        #expect(abs(Reference.gelu([1])[0] - 0.8413447) < 1e-6)
    }

    @Test(arguments: [3, 8, 21])
    func addsBiasPerRow(width: Int) {
        let rows = 4
        let x = randomValues(rows * width, in: -5...5, seed: 30)
        let bias = randomValues(width, seed: 31)
        var y = x
        gelu(&y, rows: rows, width: width, bias: bias)
        let biased = x.indices.map { x[$0] + bias[$0 % width] }
        #expect(relativeError(y, Reference.gelu(biased)) < 1e-6)
        var threaded = x
        gelu(&threaded, rows: rows, width: width, bias: bias, threads: 3)
        #expect(threaded == y)
    }
}
