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

/// Σ a[i]·b[i] for i in 0..<count.
@inline(__always)
func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var sum0 = Vector(), sum1 = Vector()
    var index = 0
    while index + 2 * vectorWidth <= count {
        sum0 += loadVector(a + index) * loadVector(b + index)
        sum1 += loadVector(a + index + vectorWidth) * loadVector(b + index + vectorWidth)
        index += 2 * vectorWidth
    }
    if index + vectorWidth <= count {
        sum0 += loadVector(a + index) * loadVector(b + index)
        index += vectorWidth
    }
    var sum = (sum0 + sum1).sum()
    while index < count {
        sum += a[index] * b[index]
        index += 1
    }
    return sum
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
