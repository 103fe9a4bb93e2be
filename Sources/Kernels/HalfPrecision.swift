/// The Float value of IEEE 754 half-precision (binary16) bits; exact, including subnormals,
/// infinities and NaN payloads.
@inline(__always)
public func floatFromHalfBits(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x03FF)
    switch exponent {
    case 0:
        // Zero or subnormal: mantissa · 2^−24, exact in single precision.
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    case 0x1F:
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    default:
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
}

/// The Float value of bfloat16 bits (the upper half of a Float's bits); exact.
@inline(__always)
public func floatFromBFloat16Bits(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}

/// Converts `count` little-endian binary16 values at `source` (any alignment) into floats.
public func convertHalfToFloat(_ source: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>, count: Int) {
    for index in 0..<count {
        let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
        destination[index] = floatFromHalfBits(bits)
    }
}

/// Converts `count` little-endian bfloat16 values at `source` (any alignment) into floats.
public func convertBFloat16ToFloat(_ source: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>, count: Int) {
    for index in 0..<count {
        let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
        destination[index] = floatFromBFloat16Bits(bits)
    }
}

extension Reference {
    /// binary16 bits decoded by the textbook formula (−1)^s · 2^(e−15) · (1 + m/1024),
    /// or 2^−14 · m/1024 for subnormals; NaN for any NaN pattern.
    public static func floatFromHalfBits(_ bits: UInt16) -> Float {
        let sign: Double = bits & 0x8000 == 0 ? 1 : -1
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = Double(bits & 0x03FF)
        if exponent == 0x1F { return mantissa == 0 ? Float(sign * .infinity) : .nan }
        if exponent == 0 { return Float(sign * (mantissa / 1024) * 0x1p-14) }
        return Float(sign * (1 + mantissa / 1024) * Double.pow2(exponent - 15))
    }
}

extension Double {
    fileprivate static func pow2(_ exponent: Int) -> Double {
        Double(sign: .plus, exponent: exponent, significand: 1)
    }
}
