import Kernels

/// Mantel test of two distance matrices over the same objects: Spearman correlation between
/// their condensed (upper-triangle) entries; the null permutes the objects of one matrix
/// (rows and columns together).
public struct MantelResult: Codable, Sendable, Equatable {
    /// Spearman ρ between the two condensed distance vectors.
    public var rho: Double
    /// (permutations with ρ at least as extreme + 1) / (permutations + 1).
    public var p: Double
    public var permutations: Int
    public var alternative: Alternative

    /// Tests `x` and `y`, condensed distance vectors over `objectCount` objects (the order of
    /// `scipy.spatial.distance.pdist`: pairs (0,1), (0,2), …, (1,2), …). Throws
    /// `allValuesIdentical` when either vector is constant.
    public init(x: [Double], y: [Double], objectCount n: Int, permutations: Int,
                alternative: Alternative, generator: inout SeededGenerator) throws {
        let pairs = n * (n - 1) / 2
        guard n >= 3 else { throw AnalysisError.tooFewObservations(what: "Mantel objects", needed: 3, found: n) }
        guard x.count == pairs else { throw AnalysisError.lengthMismatch(what: "Mantel first matrix", expected: pairs, found: x.count) }
        guard y.count == pairs else { throw AnalysisError.lengthMismatch(what: "Mantel second matrix", expected: pairs, found: y.count) }
        try requireFinite(x, "Mantel first matrix")
        try requireFinite(y, "Mantel second matrix")

        // Ranks centred on their mean; the Pearson correlation of ranks is Σ cx·cy / √(Σcx² Σcy²),
        // and permuting objects only permutes the entries, so the norms stay fixed.
        let rankMean = Double(pairs + 1) / 2
        let cx = AverageRanks(x).ranks.map { $0 - rankMean }
        let cy = AverageRanks(y).ranks.map { $0 - rankMean }
        let norm = (cx.reduce(0) { $0 + $1 * $1 } * cy.reduce(0) { $0 + $1 * $1 }).squareRoot()
        guard norm > 0 else { throw AnalysisError.allValuesIdentical(what: "Mantel distance matrix") }
        let squareX = squareForm(cx, n), squareY = squareForm(cy, n)

        let identity = Array(0..<n)
        let observed = max(-1, min(1, permutedCrossProduct(squareX, squareY, n, identity) / norm))
        var order = identity
        let test = PermutationTestResult(observed: observed, permutations: permutations,
                                         alternative: alternative, generator: &generator) { generator in
            shuffle(&order, using: &generator)
            return permutedCrossProduct(squareX, squareY, n, order) / norm
        }
        rho = observed
        p = test.p
        self.permutations = permutations
        self.alternative = alternative
    }
}

/// Condensed vector → [n, n] symmetric matrix with a zero diagonal.
func squareForm(_ condensed: [Double], _ n: Int) -> [Double] {
    var square = [Double](repeating: 0, count: n * n)
    var k = 0
    for i in 0..<n {
        for j in (i + 1)..<n {
            square[i * n + j] = condensed[k]
            square[j * n + i] = condensed[k]
            k += 1
        }
    }
    return square
}

/// Σ_{i<j} X[i, j] · Y[π(i), π(j)] for [n, n] matrices. Four partial sums per row break the
/// dependency chain of the additions (the hot loop of the Mantel null).
func permutedCrossProduct(_ x: [Double], _ y: [Double], _ n: Int, _ permutation: [Int]) -> Double {
    x.withUnsafeBufferPointer { x in
        y.withUnsafeBufferPointer { y in
            permutation.withUnsafeBufferPointer { pi in
                var total = 0.0
                for i in 0..<n {
                    let rowX = x.baseAddress! + i * n
                    let rowY = y.baseAddress! + pi[i] * n
                    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                    var j = i + 1
                    while j + 3 < n {
                        s0 += rowX[j] * rowY[pi[j]]
                        s1 += rowX[j + 1] * rowY[pi[j + 1]]
                        s2 += rowX[j + 2] * rowY[pi[j + 2]]
                        s3 += rowX[j + 3] * rowY[pi[j + 3]]
                        j += 4
                    }
                    while j < n {
                        s0 += rowX[j] * rowY[pi[j]]
                        j += 1
                    }
                    total += (s0 + s1) + (s2 + s3)
                }
                return total
            }
        }
    }
}
