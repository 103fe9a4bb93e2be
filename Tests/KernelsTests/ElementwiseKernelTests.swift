import Testing
@testable import Kernels

@Suite struct LayerNormTests {
    @Test(arguments: [1, 7, 8, 64, 77])
    func matchesReference(width: Int) {
        let rows = 5
        // A large offset checks that the variance does not cancel.
        let x = randomValues(rows * width, in: 99...101, seed: UInt64(width))
        let weight = randomValues(width, seed: 10)
        let bias = randomValues(width, seed: 11)
        var y = [Float](repeating: 0, count: rows * width)
        layerNorm(x, into: &y, rows: rows, width: width, weight: weight, bias: bias, epsilon: 1e-5)
        let expected = Reference.layerNorm(x, rows: rows, width: width, weight: weight, bias: bias, epsilon: 1e-5)
        #expect(relativeError(y, expected) < 1e-4)
    }

    @Test func worksInPlace() {
        let (rows, width) = (3, 20)
        let x = randomValues(rows * width, seed: 12)
        let weight = randomValues(width, seed: 13)
        let bias = randomValues(width, seed: 14)
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer { buffer in
            layerNorm(buffer.baseAddress!, into: buffer.baseAddress!, rows: rows, width: width,
                      weight: weight, bias: bias, epsilon: 1e-5)
        }
        let expected = Reference.layerNorm(x, rows: rows, width: width, weight: weight, bias: bias, epsilon: 1e-5)
        #expect(relativeError(inPlace, expected) < 1e-5)
    }
}

@Suite struct GeluNewTests {
    @Test func matchesReferenceOverWideRange() {
        // −30…30 in steps of 1/64, covering the tails where tanh saturates.
        let x = (-1920...1920).map { Float($0) / 64 }
        var y = x
        geluNew(&y, rows: 1, width: y.count)
        let expected = Reference.geluNew(x)
        for (index, value) in x.enumerated() {
            #expect(abs(y[index] - expected[index]) <= 1e-6 * max(1, abs(value)), "x = \(value)")
        }
    }

    @Test(arguments: [3, 8, 21])
    func addsBiasPerRow(width: Int) {
        let rows = 4
        let x = randomValues(rows * width, in: -5...5, seed: 20)
        let bias = randomValues(width, seed: 21)
        var y = x
        geluNew(&y, rows: rows, width: width, bias: bias)
        let biased = x.indices.map { x[$0] + bias[$0 % width] }
        #expect(relativeError(y, Reference.geluNew(biased)) < 1e-6)
    }
}

@Suite struct SoftmaxTests {
    @Test(arguments: [1, 2, 9, 100])
    func matchesReference(count: Int) {
        let x = randomValues(count, in: -30...30, seed: UInt64(count))
        var y = x
        softmax(&y, count: count)
        let expected = Reference.softmax(x)
        #expect(relativeError(y, expected) < 1e-5)
        #expect(abs(y.reduce(0, +) - 1) < 1e-5)
    }
}

@Suite struct AddBiasTests {
    @Test(arguments: [1, 8, 19])
    func matchesReference(width: Int) {
        let rows = 3
        let x = randomValues(rows * width, seed: 40)
        let bias = randomValues(width, seed: 41)
        var y = x
        addBias(&y, rows: rows, width: width, bias: bias)
        #expect(y == Reference.addBias(x, rows: rows, width: width, bias: bias))
    }
}
