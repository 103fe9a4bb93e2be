import Foundation
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
        var threaded = [Float](repeating: 0, count: rows * width)
        layerNorm(x, into: &threaded, rows: rows, width: width, weight: weight, bias: bias, epsilon: 1e-5, threads: 3)
        #expect(threaded == y)
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

@Suite struct LayerNormThenAddingToInputTests {
    /// One pass gives the values of `layerNorm` followed by `addBias` on its input.
    @Test(arguments: [5, 8, 37])
    func equalsLayerNormThenAddBias(width: Int) {
        let rows = 6
        let x = randomValues(rows * width, in: -3...3, seed: 50)
        let weight = randomValues(width, seed: 51), bias = randomValues(width, seed: 52)
        let residualBias = randomValues(width, seed: 53)
        var expectedNormed = [Float](repeating: 0, count: rows * width)
        layerNorm(x, into: &expectedNormed, rows: rows, width: width, weight: weight, bias: bias, epsilon: 1e-5)
        var expectedInput = x
        addBias(&expectedInput, rows: rows, width: width, bias: residualBias)
        var input = x
        var normed = [Float](repeating: .nan, count: rows * width)
        layerNorm(&input, into: &normed, rows: rows, width: width, weight: weight, bias: bias, epsilon: 1e-5,
                  thenAddingToInput: residualBias, threads: 2)
        #expect(normed == expectedNormed)
        #expect(input == expectedInput)
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

    /// Every instruction set gives the bits of the scalar reference, on ordinary values, the
    /// clamp's edges, signed zeros, subnormals, infinities and NaN, in rows whose lengths leave
    /// every possible tail.
    @Test func everyInstructionSetGivesTheReferenceBits() {
        var rng = SplitMix64(seed: 5)
        let special: [Float] = [0, -0.0, 1, -1, .leastNonzeroMagnitude, -.leastNormalMagnitude, 1e-20, -3e38,
                                .infinity, -.infinity, .nan, 11.2798, -11.2798, 11.28, -11.28, 20, -20, 1e10]
        for width in [1, 15, 16, 17, 31, 3072 + 5] {
            let x = (0..<width).map { i in
                i % 5 == 0 ? special[i / 5 % special.count] : Float(Int.random(in: -4000...4000, using: &rng)) / 256
            }
            let bias = (0..<width).map { _ in Float(Int.random(in: -100...100, using: &rng)) / 64 }
            for withBias in [false, true] {
                let expected = Reference.geluNewApproximation(x, bias: withBias ? bias : nil)
                for instructions in InstructionSet.available {
                    var y = x
                    if withBias { geluNew(&y, rows: 1, width: width, bias: bias, instructions: instructions) }
                    else { geluNew(&y, rows: 1, width: width, instructions: instructions) }
                    #expect(y.map(\.bitPattern) == expected.map(\.bitPattern),
                            "\(instructions), width \(width), bias \(withBias)")
                }
            }
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
        var threaded = x
        geluNew(&threaded, rows: rows, width: width, bias: bias, threads: 3)
        #expect(threaded == y)
    }
}

@Suite struct InstructionSetTests {
    /// The instruction sets the C kernels can use here include the widest the CPU reports.
    @Test func theWidestInstructionsAreFound() {
        #expect(InstructionSet.available.last == InstructionSet.best)
        #if arch(x86_64)
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) {
            let has = Set(flags.split(separator: " "))
            let expected: InstructionSet = ["avx512f", "avx512vl", "avx512dq", "avx512bw"].allSatisfy { has.contains(Substring($0)) }
                ? .avx512 : has.contains("avx2") ? .avx2 : .baseline
            #expect(InstructionSet.best == expected)
        }
        #endif
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

@Suite struct VectorExponentialTests {
    @Test func matchesLibraryExpAcrossTheRange() {
        // −87…88 in steps of 1/128, plus values past both ends (clamped).
        let inputs = (-87 * 128...88 * 128).map { Float($0) / 128 }
        var worst: Double = 0
        var index = 0
        while index + 8 <= inputs.count {
            let lanes = SIMD8<Float>((0..<8).map { inputs[index + $0] })
            let fast = exponential(lanes)
            for lane in 0..<8 {
                let exact = Foundation.exp(Double(lanes[lane]))
                worst = max(worst, abs(Double(fast[lane]) - exact) / exact)
            }
            index += 8
        }
        #expect(worst < 3e-7, "worst relative error \(worst)")
        let extremes = exponential(SIMD8<Float>(-1000, -87.3, 0, 1, -1, 88, 1000, .infinity))
        #expect(extremes[0] > 0 && extremes[0] < 2e-38)
        #expect(extremes[2] == 1)
        #expect(extremes[6].isFinite && extremes[6] > 1e38)
    }
}
