import Foundation
import Kernels
import Testing
@testable import Analysis

/// Tests/Fixtures/stats, found from this file's path.
let statsFixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/stats")

/// Decodes Tests/Fixtures/stats/<name>.json (written by Tools/make_stats_fixtures.py).
func loadFixture<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
    let data = try Data(contentsOf: statsFixtures.appendingPathComponent("\(name).json"))
    return try JSONDecoder().decode(T.self, from: data)
}

/// |actual − expected| ≤ max(relative · |expected|, absolute).
func isClose(_ actual: Double, _ expected: Double, relative: Double = 1e-9, absolute: Double = 1e-12) -> Bool {
    if actual == expected { return true }
    return abs(actual - expected) <= max(relative * abs(expected), absolute)
}

/// Whether two labelings are the same partition (equal up to renaming the labels).
func samePartition(_ a: [Int], _ b: [Int]) -> Bool {
    guard a.count == b.count else { return false }
    var forward: [Int: Int] = [:], backward: [Int: Int] = [:]
    for (x, y) in zip(a, b) {
        if let mapped = forward[x], mapped != y { return false }
        if let mapped = backward[y], mapped != x { return false }
        forward[x] = y
        backward[y] = x
    }
    return true
}

/// A standard normal draw (Box–Muller) for building synthetic data.
func normal(_ generator: inout SeededGenerator) -> Double {
    let u = max(generator.nextUnit(), 1e-300), v = generator.nextUnit()
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
}
