// Small SIMD helpers shared by the kernels of this module. Loads and stores are unaligned, so
// callers may pass any float pointer. `Vector` is 8 floats: the widest type that maps cleanly
// onto baseline x86-64 and arm64 registers in pairs or quads.

typealias Vector = SIMD8<Float>

let vectorWidth = Vector.scalarCount

@inline(__always)
func loadVector(_ pointer: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
}

@inline(__always)
func storeVector(_ vector: Vector, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: Vector.self)
}

/// Loads `count` < `vectorWidth` floats into the low lanes of a vector, zero elsewhere.
@inline(__always)
func loadPartialVector(_ pointer: UnsafePointer<Float>, count: Int) -> Vector {
    var vector = Vector()
    for lane in 0..<count { vector[lane] = pointer[lane] }
    return vector
}

/// Stores the low `count` lanes of a vector.
@inline(__always)
func storePartialVector(_ vector: Vector, _ pointer: UnsafeMutablePointer<Float>, count: Int) {
    for lane in 0..<count { pointer[lane] = vector[lane] }
}

/// y[i] += alpha · x[i] for i in 0..<count.
@inline(__always)
func addScaled(_ x: UnsafePointer<Float>, times alpha: Float, to y: UnsafeMutablePointer<Float>, count: Int) {
    var index = 0
    while index + vectorWidth <= count {
        storeVector(loadVector(y + index) + alpha * loadVector(x + index), y + index)
        index += vectorWidth
    }
    while index < count {
        y[index] += alpha * x[index]
        index += 1
    }
}

/// Σ x[i] for i in 0..<count.
@inline(__always)
func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var total = Vector()
    var index = 0
    while index + vectorWidth <= count {
        total += loadVector(x + index)
        index += vectorWidth
    }
    var result = total.sum()
    while index < count {
        result += x[index]
        index += 1
    }
    return result
}

/// Lane-wise maximum (`replace(with:where:)` inlines; `pointwiseMax` calls out).
@inline(__always)
func maximum(_ a: Vector, _ b: Vector) -> Vector {
    var result = a
    result.replace(with: b, where: b .> a)
    return result
}

/// e^x for each lane, within 2 float ulps for x in [−87.3, 88]; inputs are clamped to that
/// range, so e^x underflows to 1.2e−38 rather than 0 below it (callers needing exact zeros set
/// them). Range reduction x = n·ln 2 + r with |r| ≤ ln 2 / 2, a degree-6 polynomial for e^r
/// (the Cephes `expf` coefficients), and 2^n built in the exponent bits.
@inline(__always)
func exponential(_ value: Vector) -> Vector {
    var x = value
    x.replace(with: 88, where: x .> 88)
    x.replace(with: -87.3, where: x .< -87.3)
    // n = round(x / ln 2): adding 1.5·2^23 rounds to an integer held in the low mantissa bits.
    let shifter: Float = 12_582_912
    let shifted = x * 1.442_695_040_888_963_4 + shifter
    let n = shifted - shifter
    // r = x − n·ln 2, with ln 2 split in two so that n·ln2High is exact.
    var r = x - n * 0.693_359_375
    r = r - n * -2.121_944_400_546_905_8e-4
    var p = r * Float(1.987_569_150_0e-4) + Float(1.398_199_950_7e-3)
    p = p * r + Float(8.333_451_907_3e-3)
    p = p * r + Float(4.166_579_589_4e-2)
    p = p * r + Float(1.666_666_545_9e-1)
    p = p * r + Float(5.000_000_120_1e-1)
    p = p * (r * r) + r + 1
    let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let powerOfTwo = unsafeBitCast((exponent &+ 127) &<< 23, to: Vector.self)
    return p * powerOfTwo
}
