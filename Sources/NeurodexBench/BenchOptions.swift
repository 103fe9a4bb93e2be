import Foundation
import Indexer

/// `--name value` options of a benchmark, parsed without dependencies.
struct BenchOptions {
    private var values: [String: String] = [:]

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(_ arguments: [String]) throws {
        var index = 0
        while index < arguments.count {
            let name = arguments[index]
            guard name.hasPrefix("--"), index + 1 < arguments.count else {
                throw Invalid(description: "expected '--option value', found '\(name)'")
            }
            values[String(name.dropFirst(2))] = arguments[index + 1]
            index += 2
        }
    }

    func integer(_ name: String, default value: Int) throws -> Int {
        guard let text = values[name] else { return value }
        guard let number = Int(text), number > 0 else {
            throw Invalid(description: "--\(name) needs a positive integer, found '\(text)'")
        }
        return number
    }

    /// The value of `--name`, if given.
    func text(_ name: String) -> String? { values[name] }

    func list(_ name: String, default value: [String]) -> [String] {
        values[name].map { $0.split(separator: ",").map(String.init) } ?? value
    }
}

/// Seconds taken by each of `repeats` runs of `body`.
func timings(repeats: Int, _ body: () throws -> Void) rethrows -> [Double] {
    let clock = ContinuousClock()
    return try (0..<repeats).map { _ in
        try clock.measure(body).seconds
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
        : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func format(_ value: Double, _ decimals: Int = 1) -> String {
    String(format: "%.\(decimals)f", value)
}
