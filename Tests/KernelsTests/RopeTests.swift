import Testing
@testable import Kernels

@Suite struct RopeTests {
    let heads = 3
    let d = 16
    let windows = [5, 1, 12]

    /// Positions of the packed windows' tokens.
    var positions: [Int] { windows.flatMap { 0..<$0 } }

    @Test(arguments: [RotaryPairing.adjacent, .halves])
    func matchesReference(pairing: RotaryPairing) {
        let tokens = windows.reduce(0, +)
        let x = randomValues(tokens * heads * d, in: -2...2, seed: 50)
        let table = RotaryTable(headDimension: d, base: 10_000, positions: 16)
        var y = x
        applyRotaryEmbedding(&y, rowStride: heads * d, heads: heads, windowLengths: windows,
                             table: table, pairing: pairing)
        let expected = Reference.rotaryEmbedding(x, positions: positions, heads: heads, headDimension: d,
                                                 base: 10_000, pairing: pairing)
        // The table's angles are float32 products (as in HF): a few ulps of the angle.
        #expect(relativeError(y, expected) < 1e-5)
    }

    @Test func rotatesOnlyTheGivenHeadsOfWiderRows() {
        // Rows of a fused projection: 2 rotated heads followed by 1 untouched head.
        let tokens = windows.reduce(0, +)
        let stride = 3 * d
        let x = randomValues(tokens * stride, seed: 51)
        let table = RotaryTable(headDimension: d, base: 100_000, positions: 12)
        var y = x
        applyRotaryEmbedding(&y, rowStride: stride, heads: 2, windowLengths: windows,
                             table: table, pairing: .adjacent)
        let rotated = (0..<tokens).flatMap { Array(x[($0 * stride)..<($0 * stride + 2 * d)]) }
        let expected = Reference.rotaryEmbedding(rotated, positions: positions, heads: 2, headDimension: d,
                                                 base: 100_000, pairing: .adjacent)
        for token in 0..<tokens {
            #expect(relativeError(Array(y[(token * stride)..<(token * stride + 2 * d)]),
                                  Array(expected[(token * 2 * d)..<((token + 1) * 2 * d)])) < 1e-5)
            #expect(y[(token * stride + 2 * d)..<((token + 1) * stride)] == x[(token * stride + 2 * d)..<((token + 1) * stride)])
        }
    }

    @Test func partialRotaryRotatesTheFirstDimensionsOfEachHead() {
        // GPT-NeoX rotary_pct 0.25: the first 4 of each 16-value head rotate (rotate_half over
        // those 4), the other 12 pass through.
        let tokens = windows.reduce(0, +)
        let rotary = 4
        let x = randomValues(tokens * heads * d, seed: 53)
        let table = RotaryTable(headDimension: rotary, base: 10_000, positions: 12)
        var y = x
        applyRotaryEmbedding(&y, rowStride: heads * d, heads: heads, headStride: d, windowLengths: windows,
                             table: table, pairing: .halves)
        let firsts = stride(from: 0, to: tokens * heads * d, by: d).flatMap { Array(x[$0..<($0 + rotary)]) }
        let expected = Reference.rotaryEmbedding(firsts, positions: positions, heads: heads, headDimension: rotary,
                                                 base: 10_000, pairing: .halves)
        for (head, start) in stride(from: 0, to: tokens * heads * d, by: d).enumerated() {
            #expect(relativeError(Array(y[start..<(start + rotary)]),
                                  Array(expected[(head * rotary)..<((head + 1) * rotary)])) < 1e-5)
            #expect(y[(start + rotary)..<(start + d)] == x[(start + rotary)..<(start + d)])
        }
        #expect(y != x)
    }

    /// llama.cpp's converter reorders each head's rows of W_q / W_k: HF row c·d/2 + i becomes
    /// GGUF row 2i + c. Rotating adjacent pairs of the reordered projection must equal HF's
    /// rotate_half on the original, value for value.
    @Test func adjacentOnLlamaCppPermutedEqualsHalvesOnOriginal() {
        let tokens = windows.reduce(0, +)
        let original = randomValues(tokens * heads * d, seed: 52)
        func ggufIndex(_ hfIndex: Int) -> Int {
            let (head, j) = (hfIndex / d, hfIndex % d)
            let (c, i) = (j / (d / 2), j % (d / 2))
            return head * d + 2 * i + c
        }
        var permuted = original
        for token in 0..<tokens {
            for index in 0..<(heads * d) {
                permuted[token * heads * d + ggufIndex(index)] = original[token * heads * d + index]
            }
        }
        let table = RotaryTable(headDimension: d, base: 100_000, positions: 12)
        var halves = original
        applyRotaryEmbedding(&halves, rowStride: heads * d, heads: heads, windowLengths: windows,
                             table: table, pairing: .halves)
        applyRotaryEmbedding(&permuted, rowStride: heads * d, heads: heads, windowLengths: windows,
                             table: table, pairing: .adjacent)
        for token in 0..<tokens {
            for index in 0..<(heads * d) {
                #expect(permuted[token * heads * d + ggufIndex(index)] == halves[token * heads * d + index])
            }
        }
    }

    @Test func positionZeroIsTheIdentity() {
        let x = randomValues(heads * d, seed: 53)
        var y = x
        applyRotaryEmbedding(&y, rowStride: heads * d, heads: heads, windowLengths: [1],
                             table: RotaryTable(headDimension: d, base: 10_000, positions: 1), pairing: .adjacent)
        #expect(y == x)
    }
}
