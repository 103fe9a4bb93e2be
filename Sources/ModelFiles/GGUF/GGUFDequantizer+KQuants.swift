/// The k-quants: super-blocks of 256 values split into sub-blocks with their own (quantized)
/// scale, following ggml-quants.c `dequantize_row_q{2,3,4,5,6}_K`.
extension GGUFDequantizer {
    /// Q2_K, 84 bytes: scales[16] (low nibble scale, high nibble min, per 16 values),
    /// qs[64] (2 bits a value), d (f16), dmin (f16); value = d·scale·q − dmin·min.
    static func q2_K(_ x: UnsafePointer<UInt8>, _ blockCount: Int, _ y: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let b = x + block * 84
            var out = y + block * 256
            let scales = b, d = half(b, 80), dmin = half(b, 82)
            var q = b + 16
            var scaleIndex = 0
            for _ in 0..<2 {  // two halves of 128 values, 32 bytes of qs each
                for shift in stride(from: 0, to: 8, by: 2) {
                    for side in 0..<2 {  // 16 values from q[0..<16], then 16 from q[16..<32]
                        let scale = scales[scaleIndex]
                        scaleIndex += 1
                        let dl = d * Float(scale & 0x0F), ml = dmin * Float(scale >> 4)
                        let qs = q + 16 * side
                        for l in 0..<16 {
                            out[l] = dl * Float((qs[l] >> UInt8(shift)) & 3) - ml
                        }
                        out += 16
                    }
                }
                q += 32
            }
        }
    }

    /// Q3_K, 110 bytes: hmask[32] (third bit, cleared means −4), qs[64] (low 2 bits),
    /// scales[12] (sixteen 6-bit scales offset by 32), d (f16); value = d·(scale − 32)·q.
    static func q3_K(_ x: UnsafePointer<UInt8>, _ blockCount: Int, _ y: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let b = x + block * 110
            var out = y + block * 256
            let hmask = b, packed = b + 96, d = half(b, 108)
            var q = b + 32
            var mask: UInt8 = 1
            var scaleIndex = 0
            for _ in 0..<2 {
                for shift in stride(from: 0, to: 8, by: 2) {
                    for side in 0..<2 {
                        let dl = d * Float(q3KScale(packed, scaleIndex) - 32)
                        scaleIndex += 1
                        let ql = q + 16 * side, hm = hmask + 16 * side
                        for l in 0..<16 {
                            let low = Int32((ql[l] >> UInt8(shift)) & 3)
                            out[l] = dl * Float(low - (hm[l] & mask != 0 ? 0 : 4))
                        }
                        out += 16
                    }
                    mask <<= 1
                }
                q += 32
            }
        }
    }

    /// Scale `index` (0..<16) of a Q3_K block: low 4 bits from bytes 0–7 (low nibbles first,
    /// then high nibbles), high 2 bits from bytes 8–11.
    @inline(__always)
    private static func q3KScale(_ packed: UnsafePointer<UInt8>, _ index: Int) -> Int32 {
        let low = (packed[index % 8] >> UInt8(4 * (index / 8))) & 0x0F
        let high = (packed[8 + index % 4] >> UInt8(2 * (index / 4))) & 0x03
        return Int32(low | high << 4)
    }

    /// Scale and min `index` (0..<8) of a Q4_K/Q5_K block: twelve bytes hold eight 6-bit pairs.
    @inline(__always)
    private static func kScaleMin(_ packed: UnsafePointer<UInt8>, _ index: Int) -> (scale: UInt8, min: UInt8) {
        if index < 4 {
            return (packed[index] & 63, packed[index + 4] & 63)
        }
        return ((packed[index + 4] & 0x0F) | ((packed[index - 4] >> 6) << 4),
                (packed[index + 4] >> 4) | ((packed[index] >> 6) << 4))
    }

    /// Q4_K, 144 bytes: d (f16), dmin (f16), scales[12], qs[128]; each 64 values share 32
    /// bytes of qs (low nibbles first) and two (scale, min) pairs; value = d·scale·q − dmin·min.
    static func q4_K(_ x: UnsafePointer<UInt8>, _ blockCount: Int, _ y: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let b = x + block * 144
            let out = y + block * 256
            let d = half(b, 0), dmin = half(b, 2), packed = b + 4, qs = b + 16
            for group in 0..<4 {
                let (scale1, min1) = kScaleMin(packed, 2 * group)
                let (scale2, min2) = kScaleMin(packed, 2 * group + 1)
                let d1 = d * Float(scale1), m1 = dmin * Float(min1)
                let d2 = d * Float(scale2), m2 = dmin * Float(min2)
                let q = qs + 32 * group, o = out + 64 * group
                for l in 0..<32 {
                    o[l] = d1 * Float(q[l] & 0x0F) - m1
                    o[l + 32] = d2 * Float(q[l] >> 4) - m2
                }
            }
        }
    }

    /// Q5_K, 176 bytes: d (f16), dmin (f16), scales[12], qh[32] (fifth bits), qs[128];
    /// like Q4_K with the fifth bit of value l of group g in bit 2g (low) / 2g+1 (high) of qh[l].
    static func q5_K(_ x: UnsafePointer<UInt8>, _ blockCount: Int, _ y: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let b = x + block * 176
            let out = y + block * 256
            let d = half(b, 0), dmin = half(b, 2), packed = b + 4, qh = b + 16, qs = b + 48
            for group in 0..<4 {
                let (scale1, min1) = kScaleMin(packed, 2 * group)
                let (scale2, min2) = kScaleMin(packed, 2 * group + 1)
                let d1 = d * Float(scale1), m1 = dmin * Float(min1)
                let d2 = d * Float(scale2), m2 = dmin * Float(min2)
                let lowBit = UInt8(1) << UInt8(2 * group), highBit = UInt8(2) << UInt8(2 * group)
                let q = qs + 32 * group, o = out + 64 * group
                for l in 0..<32 {
                    let q1 = (q[l] & 0x0F) + (qh[l] & lowBit != 0 ? 16 : 0)
                    let q2 = (q[l] >> 4) + (qh[l] & highBit != 0 ? 16 : 0)
                    o[l] = d1 * Float(q1) - m1
                    o[l + 32] = d2 * Float(q2) - m2
                }
            }
        }
    }

    /// Q6_K, 210 bytes: ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16] (int8, one per
    /// 16 values), d (f16); value = d·scale·(6-bit q − 32).
    static func q6_K(_ x: UnsafePointer<UInt8>, _ blockCount: Int, _ y: UnsafeMutablePointer<Float>) {
        for block in 0..<blockCount {
            let b = x + block * 210
            let d = half(b, 208)
            for part in 0..<2 {  // 128 values each
                let ql = b + 64 * part, qh = b + 128 + 32 * part, scales = b + 192 + 8 * part
                let out = y + block * 256 + 128 * part
                for l in 0..<32 {
                    let s = l / 16
                    let q1 = Int32((ql[l] & 0x0F) | ((qh[l] >> 0) & 3) << 4) - 32
                    let q2 = Int32((ql[l + 32] & 0x0F) | ((qh[l] >> 2) & 3) << 4) - 32
                    let q3 = Int32((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32
                    let q4 = Int32((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32
                    out[l] = d * Float(Int8(bitPattern: scales[s])) * Float(q1)
                    out[l + 32] = d * Float(Int8(bitPattern: scales[s + 2])) * Float(q2)
                    out[l + 64] = d * Float(Int8(bitPattern: scales[s + 4])) * Float(q3)
                    out[l + 96] = d * Float(Int8(bitPattern: scales[s + 6])) * Float(q4)
                }
            }
        }
    }
}
