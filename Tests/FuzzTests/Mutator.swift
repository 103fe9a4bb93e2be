/// Random mutations of a seed input: bit flips, interesting integers written over bytes,
/// insertions and deletions, chunk copies, truncation, and dictionary words (format-specific
/// fragments such as JSON numbers or GGUF type codes) inserted or written over the input.
struct Mutator {
    /// Format-specific fragments to splice in.
    var dictionary: [[UInt8]]
    /// Inputs are kept at most this long.
    var maxLength = 1 << 16

    static let interestingIntegers: [UInt64] = [
        0, 1, 2, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, 0x8000_0000,
        0xFFFF_FFFF, 0x1_0000_0000, 1 << 40, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, .max, .max - 7,
    ]

    /// One mutated copy of `seed`: mostly one or two mutations (inputs that get past the first
    /// checks), sometimes up to eight stacked.
    func mutate(_ seed: [UInt8], _ random: inout FuzzRandom) -> [UInt8] {
        var bytes = seed
        let count = random.oneIn(4) ? 1 + random.below(8) : 1 + random.below(2)
        for _ in 0..<count { mutateOnce(&bytes, &random) }
        if bytes.count > maxLength { bytes.removeLast(bytes.count - maxLength) }
        return bytes
    }

    private func mutateOnce(_ bytes: inout [UInt8], _ random: inout FuzzRandom) {
        let choice = random.below(dictionary.isEmpty ? 8 : 10)
        if bytes.isEmpty && choice < 8 {
            bytes.append(UInt8(truncatingIfNeeded: random.next()))
            return
        }
        let at = random.below(bytes.count)
        switch choice {
        case 0:  // flip a bit
            bytes[at] ^= 1 << UInt8(random.below(8))
        case 1:  // a random byte
            bytes[at] = UInt8(truncatingIfNeeded: random.next())
        case 2:  // an interesting integer, 1, 2, 4 or 8 bytes, either byte order
            let value = Self.interestingIntegers[random.below(Self.interestingIntegers.count)]
            let width = [1, 2, 4, 8][random.below(4)]
            var encoded = (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
            if random.oneIn(4) { encoded.reverse() }
            for (i, byte) in encoded.enumerated() where at + i < bytes.count { bytes[at + i] = byte }
        case 3:  // delete a run
            let length = min(bytes.count - at, 1 + random.below(random.oneIn(4) ? 256 : 8))
            bytes.removeSubrange(at..<(at + length))
        case 4:  // insert random bytes
            let length = 1 + random.below(16)
            bytes.insert(contentsOf: (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: at)
        case 5:  // copy a chunk elsewhere (repeats structures)
            let length = min(bytes.count - at, 1 + random.below(64))
            let chunk = Array(bytes[at..<(at + length)])
            bytes.insert(contentsOf: chunk, at: random.below(bytes.count + 1))
        case 6:  // truncate
            bytes.removeSubrange(at...)
        case 7:  // add or subtract a little from a byte
            bytes[at] = bytes[at] &+ UInt8(truncatingIfNeeded: random.below(35) - 17)
        case 8:  // insert a dictionary word
            bytes.insert(contentsOf: dictionary[random.below(dictionary.count)], at: random.below(bytes.count + 1))
        default:  // write a dictionary word over the input
            let word = dictionary[random.below(dictionary.count)]
            for (i, byte) in word.enumerated() where at + i < bytes.count { bytes[at + i] = byte }
        }
    }
}
