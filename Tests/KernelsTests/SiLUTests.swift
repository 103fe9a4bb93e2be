import Testing
@testable import Kernels

@Suite struct SwiGLUTests {
    @Test(arguments: [(1, 1), (8, 1), (13, 2), (1536, 3)])
    func matchesReference(width: Int, threads: Int) {
        let rows = 5
        // Gates over −100…100 reach both tails of the sigmoid; ups are ordinary values.
        let gateUp = randomValues(rows * 2 * width, in: -100...100, seed: UInt64(width) + 40)
        var hidden = [Float](repeating: 0, count: rows * width)
        swiGLU(gateUp, into: &hidden, rows: rows, width: width, threads: threads)
        let expected = Reference.swiGLU(gateUp, rows: rows, width: width)
        for (index, value) in hidden.enumerated() {
            #expect(abs(value - expected[index]) <= 4e-7 * max(1, abs(expected[index])), "index \(index)")
        }
    }

    /// Every instruction set gives the bits of the scalar reference, with gates past the
    /// exponential's clamp, signed zeros, infinities and NaN, in rows that leave every tail.
    @Test func everyInstructionSetGivesTheReferenceBits() {
        let special: [Float] = [0, -0.0, 87.3, -87.3, 88, -88, 100, -100, 1e-30, .infinity, -.infinity, .nan]
        for width in [1, 7, 8, 15, 16, 17, 24, 1536 + 3] {
            let rows = 3
            var gateUp = randomValues(rows * 2 * width, in: -30...30, seed: UInt64(width) + 60)
            for i in stride(from: 0, to: gateUp.count, by: 7) { gateUp[i] = special[i / 7 % special.count] }
            let expected = Reference.swiGLUInKernelOrder(gateUp, rows: rows, width: width)
            for instructions in InstructionSet.available {
                var hidden = [Float](repeating: 0, count: rows * width)
                swiGLU(gateUp, into: &hidden, rows: rows, width: width, instructions: instructions)
                #expect(hidden.map(\.bitPattern) == expected.map(\.bitPattern), "\(instructions), width \(width)")
            }
        }
    }

    @Test func siluTails() {
        #expect(silu(0) == 0)
        #expect(silu(-200) == 0 && !silu(-200).isNaN)
        #expect(silu(200) == 200)
        #expect(abs(silu(1) - 0.7310586) < 1e-7)
    }

    @Test func gateAndUpAreTheRightHalves() {
        // One row, width 2: gates (0, 100), ups (3, 5) → (silu(0)·3, silu(100)·5) = (0, 500).
        var hidden = [Float](repeating: .nan, count: 2)
        swiGLU([0, 100, 3, 5], into: &hidden, rows: 1, width: 2)
        #expect(hidden == [0, 500])
    }
}
