import Kernels

/// Shuffles `values` in place (Fisher–Yates, from the last position down), every permutation
/// equally likely. The same generator state gives the same permutation on every platform.
public func shuffle<T>(_ values: inout [T], using generator: inout SeededGenerator) {
    var i = values.count - 1
    while i > 0 {
        let j = generator.next(below: i + 1)
        values.swapAt(i, j)
        i -= 1
    }
}

/// Moves a uniformly random subset of `count` elements of `values` to its first `count`
/// positions (a partial Fisher–Yates shuffle, in random order); the rest keep the other elements.
public func shufflePrefix<T>(_ values: inout [T], count: Int, using generator: inout SeededGenerator) {
    let n = values.count
    for i in 0..<min(count, n - 1) {
        let j = i + generator.next(below: n - i)
        values.swapAt(i, j)
    }
}
