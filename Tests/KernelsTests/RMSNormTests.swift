import Testing
@testable import Kernels

@Suite struct RMSNormTests {
    @Test(arguments: [(1, 1), (7, 1), (8, 2), (64, 1), (77, 3), (576, 2)])
    func matchesReference(width: Int, threads: Int) {
        let rows = 5
        let x = randomValues(rows * width, in: -3...3, seed: UInt64(width))
        let weight = randomValues(width, seed: 30)
        var y = [Float](repeating: 0, count: rows * width)
        rmsNorm(x, into: &y, rows: rows, width: width, weight: weight, epsilon: 1e-5, threads: threads)
        let expected = Reference.rmsNorm(x, rows: rows, width: width, weight: weight, epsilon: 1e-5)
        #expect(relativeError(y, expected) < 1e-6)
    }

    @Test func worksInPlace() {
        let (rows, width) = (3, 20)
        let x = randomValues(rows * width, seed: 31)
        let weight = randomValues(width, seed: 32)
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            rmsNorm(base, into: base, rows: rows, width: width, weight: weight, epsilon: 1e-5)
        }
        let expected = Reference.rmsNorm(x, rows: rows, width: width, weight: weight, epsilon: 1e-5)
        #expect(relativeError(inPlace, expected) < 1e-6)
    }

    @Test func epsilonKeepsZeroRowsFinite() {
        let width = 9
        var y = [Float](repeating: .nan, count: width)
        rmsNorm([Float](repeating: 0, count: width), into: &y, rows: 1, width: width,
                weight: [Float](repeating: 1, count: width), epsilon: 1e-5)
        #expect(y.allSatisfy { $0 == 0 })
    }
}
