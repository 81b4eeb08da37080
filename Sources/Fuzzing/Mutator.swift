import Engine

/// Byte-level mutations of a valid input, the kind that find parser bugs: flipped bits, "interesting" integers
/// written over length and count fields, truncation, growth, repeated and swapped chunks, splices of two inputs.
/// Deterministic for a seed, so a failure is reproduced by its seed and case number.
public struct Mutator {
    var rng: SplitMix64

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    /// Values that sit on the edges of what a reader checks: 0, 1, powers of two and their neighbours, the
    /// largest signed and unsigned values, and floats that are not finite or absurdly small or large.
    static let interesting64: [UInt64] = [0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 255, 256, 4095, 4096, 65535, 65536,
                                          0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF, 0x1_0000_0000,
                                          0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, .max, .max - 1]
    static let interestingFloats: [Float] = [.nan, .infinity, -.infinity, 0, -0, 1e-30, 1e30, .greatestFiniteMagnitude,
                                             .leastNonzeroMagnitude, -1, 1]

    public mutating func int(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }

    /// A position in a buffer of `n` bytes, half the time in its first 4 KiB: headers (counts, lengths, types,
    /// offsets) are where readers go wrong, and in a model file they are a sliver of the bytes.
    mutating func position(_ n: Int) -> Int { int(2) == 0 ? int(min(n, 4096)) : int(n) }

    /// One to four mutations of `input` (which must not be empty), sometimes spliced with `other`.
    public mutating func mutate(_ input: [UInt8], other: [UInt8]? = nil) -> [UInt8] {
        var b = input
        for _ in 0...int(4) { mutateOnce(&b, other: other) }
        return b
    }

    private mutating func mutateOnce(_ b: inout [UInt8], other: [UInt8]?) {
        if b.isEmpty { b = [UInt8(truncatingIfNeeded: rng.next())]; return }
        switch int(10) {
        case 0:   // flip a bit
            let i = position(b.count)
            b[i] ^= 1 << UInt8(int(8))
        case 1:   // a random byte
            b[position(b.count)] = UInt8(truncatingIfNeeded: rng.next())
        case 2, 3:   // an interesting integer, 1, 2, 4 or 8 bytes little-endian
            let width = [1, 2, 4, 8][int(4)]
            guard b.count >= width else { return }
            let v = Self.interesting64[int(Self.interesting64.count)]
            let at = position(b.count - width + 1)
            for k in 0..<width { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
        case 4:   // an interesting float
            guard b.count >= 4 else { return }
            let bits = Self.interestingFloats[int(Self.interestingFloats.count)].bitPattern
            let at = position(b.count - 3)
            for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: bits >> (8 * UInt32(k))) }
        case 5:   // truncate
            b.removeLast(1 + int(b.count))
        case 6:   // grow with random bytes
            b += (0..<(1 + int(64))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 7:   // repeat a chunk in place
            let start = int(b.count), length = 1 + int(min(64, b.count - start))
            b.insert(contentsOf: b[start..<min(b.count, start + length)], at: int(b.count))
        case 8:   // delete a chunk
            let start = int(b.count), length = 1 + int(min(64, b.count - start))
            b.removeSubrange(start..<min(b.count, start + length))
        default:  // splice: a prefix of this input, a suffix of the other
            guard let other, !other.isEmpty else { return }
            b = Array(b[..<int(b.count)]) + Array(other[int(other.count)...])
        }
    }
}
