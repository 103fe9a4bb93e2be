/// 64-bit FNV-1a over text, printed as 16 hex digits: a stable identity for a model's
/// configuration and tensor headers (not a cryptographic hash).
struct Fingerprint {
    private var state: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func add(_ text: String) {
        for byte in text.utf8 {
            state ^= UInt64(byte)
            state = state &* 0x0000_0100_0000_01B3
        }
        // A separator so that ("ab", "c") and ("a", "bc") differ.
        state ^= 0xFF
        state = state &* 0x0000_0100_0000_01B3
    }

    var hex: String {
        let digits = String(state, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
