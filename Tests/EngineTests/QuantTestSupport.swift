import GGUF
@testable import Engine

/// Deterministic random numbers for kernel tests (the engine's SplitMix64).
struct TestRandom {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    mutating func next() -> UInt64 { generator.next() }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}

/// `rows` random rows of `type`: random quant bytes, sane random scales (random bytes there could be NaN or inf).
func randomWeights(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) -> [UInt8] {
    var rng = TestRandom(seed: seed)
    let blocks = rows * cols / type.blockSize, bb = type.blockBytes
    var bytes = (0..<blocks * bb).map { _ in rng.byte() }
    func putHalf(_ offset: Int, _ value: Float) {
        let h = floatToHalf(value)
        bytes[offset] = UInt8(h & 0xFF); bytes[offset + 1] = UInt8(h >> 8)
    }
    for b in 0..<blocks {
        let o = b * bb
        switch type {
        case .f32:
            let bits = rng.float().bitPattern
            for k in 0..<4 { bytes[o + k] = UInt8(truncatingIfNeeded: bits >> (8 * k)) }
        case .f16: putHalf(o, rng.float())
        case .bf16:
            let bits = rng.float().bitPattern >> 16
            bytes[o] = UInt8(truncatingIfNeeded: bits); bytes[o + 1] = UInt8(truncatingIfNeeded: bits >> 8)
        case .q4_0, .q5_0, .q8_0: putHalf(o, rng.float() * 0.01)
        case .q4_1, .q5_1, .q4_K, .q5_K: putHalf(o, rng.float() * 0.01); putHalf(o + 2, rng.float() * 0.01)
        case .q6_K: putHalf(o + 208, rng.float() * 0.001)
        default: fatalError("no random weights for \(type.name)")
        }
    }
    return bytes
}

/// Little-endian bytes of an f16.
func halfBytes(_ value: Float) -> [UInt8] {
    let h = floatToHalf(value)
    return [UInt8(h & 0xFF), UInt8(h >> 8)]
}

let dotTypes: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K, .f32, .f16, .bf16]

/// The levels this CPU can run, scalar first.
let testLevels = KernelLevel.allCases.filter { $0 <= KernelLevel.best }
