import Testing
@testable import Kernels

@Suite struct HalfPrecisionTests {
    @Test func everyHalfPatternMatchesReference() {
        for bits in UInt16.min...UInt16.max {
            let fast = floatFromHalfBits(bits)
            let reference = Reference.floatFromHalfBits(bits)
            if reference.isNaN {
                #expect(fast.isNaN, "bits \(bits)")
            } else {
                #expect(fast.bitPattern == reference.bitPattern, "bits \(bits)")
            }
        }
    }

    #if !(os(macOS) && arch(x86_64))
    @Test func everyHalfPatternMatchesFloat16() {
        for bits in UInt16.min...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let fast = floatFromHalfBits(bits)
            #expect(fast.bitPattern == expected.bitPattern || (fast.isNaN && expected.isNaN), "bits \(bits)")
        }
    }
    #endif

    @Test func knownValues() {
        #expect(floatFromHalfBits(0x3C00) == 1)
        #expect(floatFromHalfBits(0xC000) == -2)
        #expect(floatFromHalfBits(0x7BFF) == 65504)
        #expect(floatFromHalfBits(0x0001) == 0x1p-24)
        #expect(floatFromHalfBits(0x8000).bitPattern == (-0.0 as Float).bitPattern)
        #expect(floatFromHalfBits(0x7C00) == .infinity)
        #expect(floatFromBFloat16Bits(0x3F80) == 1)
        #expect(floatFromBFloat16Bits(0xC0A0) == -5)
        #expect(floatFromBFloat16Bits(0x3E20) == 0.15625)
    }

    @Test func bulkConversionReadsLittleEndianAtAnyAlignment() {
        // One padding byte first so the values are misaligned.
        let bytes: [UInt8] = [0xAA, 0x00, 0x3C, 0x00, 0xC0, 0x80, 0x3F]
        var halves = [Float](repeating: 0, count: 2)
        var bfloats = [Float](repeating: 0, count: 3)
        bytes.withUnsafeBytes { raw in
            convertHalfToFloat(raw.baseAddress! + 1, into: &halves, count: 2)
            convertBFloat16ToFloat(raw.baseAddress! + 1, into: &bfloats, count: 3)
        }
        #expect(halves == [1, -2])
        #expect(bfloats == [floatFromBFloat16Bits(0x3C00), floatFromBFloat16Bits(0xC000), 1])
    }
}
