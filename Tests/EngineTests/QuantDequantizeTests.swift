import GGUF
import Testing
@testable import Engine

// Blocks built byte by byte from ggml-common.h's layouts; expected values from ggml-quants.c's dequantize_row_*.

private func dequantize(_ type: GGMLType, _ bytes: [UInt8], count: Int) -> [Float] {
    #expect(bytes.count == count / type.blockSize * type.blockBytes, "block bytes of \(type.name)")
    var out = [Float](repeating: .nan, count: count)
    bytes.withUnsafeBytes { src in
        out.withUnsafeMutableBufferPointer { dequantizeRow(type, src.baseAddress!, $0.baseAddress!, count: count) }
    }
    return out
}

@Test func blockByteSizes() {
    // ggml-common.h static_asserts: block_q4_0 … block_q8_K.
    let expected: [(GGMLType, Int, Int)] = [
        (.q4_0, 32, 18), (.q4_1, 32, 20), (.q5_0, 32, 22), (.q5_1, 32, 24), (.q8_0, 32, 34),
        (.q4_K, 256, 144), (.q5_K, 256, 176), (.q6_K, 256, 210), (.q8_K, 256, 292),
        (.f32, 1, 4), (.f16, 1, 2), (.bf16, 1, 2),
    ]
    for (type, size, bytes) in expected {
        #expect(type.blockSize == size && type.blockBytes == bytes, "\(type.name)")
    }
}

@Test func supportedTypesAndTheMessageForOthers() {
    for type in dotTypes { #expect(supportsDot(type)) }
    for type in [GGMLType.q2_K, .q3_K, .q8_1, .q8_K, .i8, .f64] { #expect(!supportsDot(type)) }
    let message = EngineError.unsupportedTensorType(tensor: "blk.0.ffn_down.weight", type: .q2_K).description
    #expect(message.contains("tensor 'blk.0.ffn_down.weight' has type Q2_K, which Limbic cannot compute with"))
}

@Test func dequantizeQ4_0() {
    // d = 2; qs[j] = j | ((j+1)&15) << 4 → y[j] = 2(j − 8), y[16+j] = 2(((j+1)&15) − 8)
    let bytes = halfBytes(2) + (0..<16).map { UInt8($0 | (($0 + 1) & 15) << 4) }
    let y = dequantize(.q4_0, bytes, count: 32)
    let low: [Float] = (0..<16).map { (j: Int) -> Float in Float(2 * (j - 8)) }
    let high: [Float] = (0..<16).map { (j: Int) -> Float in Float(2 * (((j + 1) & 15) - 8)) }
    #expect(y == low + high)
}

@Test func dequantizeQ4_1() {
    // d = 0.5, m = −1; low nibbles j, high nibbles 15 − j → y[j] = 0.5j − 1, y[16+j] = 0.5(15 − j) − 1
    let bytes = halfBytes(0.5) + halfBytes(-1) + (0..<16).map { UInt8($0 | (15 - $0) << 4) }
    let y = dequantize(.q4_1, bytes, count: 32)
    let low: [Float] = (0..<16).map { (j: Int) -> Float in 0.5 * Float(j) - 1 }
    let high: [Float] = (0..<16).map { (j: Int) -> Float in 0.5 * Float(15 - j) - 1 }
    #expect(y == low + high)
}

@Test func dequantizeQ5_0AndQ5_1() {
    // qh = 0xA5A5_0F0F: bit j is the fifth bit of element j (elements 16-31 take bits 16-31).
    let qh: UInt32 = 0xA5A5_0F0F
    let qhBytes = (0..<4).map { UInt8(truncatingIfNeeded: qh >> (8 * $0)) }
    let nibbles: [UInt8] = (0..<16).map { (j: Int) -> UInt8 in
        let low = (j * 3) & 15, high = 15 - j
        return UInt8(low | high << 4)
    }
    func q(_ j: Int) -> Int {
        let low = j < 16 ? (j * 3) & 15 : 15 - (j - 16)
        let high = Int((qh >> UInt32(j)) & 1)
        return low | high << 4
    }
    let y0 = dequantize(.q5_0, halfBytes(0.25) + qhBytes + nibbles, count: 32)
    #expect(y0 == (0..<32).map { 0.25 * Float(q($0) - 16) })
    let y1 = dequantize(.q5_1, halfBytes(1.5) + halfBytes(0.5) + qhBytes + nibbles, count: 32)
    #expect(y1 == (0..<32).map { 1.5 * Float(q($0)) + 0.5 })
}

@Test func dequantizeQ8_0AndFloats() {
    let bytes = halfBytes(0.125) + (0..<32).map { UInt8(bitPattern: Int8($0 * 8 - 128)) }
    let expected: [Float] = (0..<32).map { (j: Int) -> Float in 0.125 * Float(j * 8 - 128) }
    #expect(dequantize(.q8_0, bytes, count: 32) == expected)
    #expect(dequantize(.f16, halfBytes(1.5) + halfBytes(-65504), count: 2) == [1.5, -65504])
    #expect(dequantize(.bf16, [0x80, 0x3F, 0x40, 0xC0], count: 2) == [1, -3])
    #expect(dequantize(.f32, [0, 0, 0xC0, 0x3F], count: 1) == [1.5])
}

/// 12 bytes holding 8 six-bit scales and mins, packed the way ggml's get_scale_min_k4 unpacks them.
private func packScalesK4(_ sc: [UInt8], _ mn: [UInt8]) -> [UInt8] {
    var p = [UInt8](repeating: 0, count: 12)
    for j in 0..<4 {
        p[j] = sc[j] & 63 | (sc[j + 4] >> 4) << 6
        p[j + 4] = mn[j] & 63 | (mn[j + 4] >> 4) << 6
        p[j + 8] = sc[j + 4] & 15 | (mn[j + 4] & 15) << 4
    }
    return p
}

private let kScales: [UInt8] = [1, 2, 3, 63, 17, 33, 48, 60]
private let kMins: [UInt8] = [0, 5, 10, 62, 16, 31, 47, 63]

@Test func dequantizeQ4_K() {
    // Element e of chunk j = e/32: ggml stores chunks 2i and 2i+1 as the low and high nibbles of qs[32i ..< 32i+32].
    func v(_ e: Int) -> Int { (e * 7 + e / 32) & 15 }
    var qs = [UInt8](repeating: 0, count: 128)
    for i in 0..<4 { for l in 0..<32 { qs[32 * i + l] = UInt8(v(64 * i + l) | v(64 * i + 32 + l) << 4) } }
    let bytes = halfBytes(0.5) + halfBytes(0.25) + packScalesK4(kScales, kMins) + qs
    let y = dequantize(.q4_K, bytes, count: 256)
    let expected = (0..<256).map { e in 0.5 * Float(kScales[e / 32]) * Float(v(e)) - 0.25 * Float(kMins[e / 32]) }
    #expect(y == expected)
}

@Test func dequantizeQ5_K() {
    // As Q4_K, plus the fifth bit of element l of chunk j in bit j of qh[l].
    func v(_ e: Int) -> Int { (e * 11 + e / 32) & 31 }
    var qs = [UInt8](repeating: 0, count: 128), qh = [UInt8](repeating: 0, count: 32)
    for i in 0..<4 {
        for l in 0..<32 {
            let a = v(64 * i + l), b = v(64 * i + 32 + l)
            qs[32 * i + l] = UInt8(a & 15 | (b & 15) << 4)
            qh[l] |= UInt8((a >> 4) << (2 * i) | (b >> 4) << (2 * i + 1))
        }
    }
    let bytes = halfBytes(0.5) + halfBytes(0.25) + packScalesK4(kScales, kMins) + qh + qs
    let y = dequantize(.q5_K, bytes, count: 256)
    let expected = (0..<256).map { e in 0.5 * Float(kScales[e / 32]) * Float(v(e)) - 0.25 * Float(kMins[e / 32]) }
    #expect(y == expected)
}

@Test func dequantizeQ6_K() {
    // ggml's loop: per half of 128, for l < 32, elements l, l+32, l+64, l+96 take ql[l] low, ql[l+32] low, ql[l] high,
    // ql[l+32] high, and qh[l] bits 0-1, 2-3, 4-5, 6-7; scale per 16 (signed); y = d·sc·(q − 32).
    func v(_ e: Int) -> Int { (e * 13 + e / 64) & 63 }
    var ql = [UInt8](repeating: 0, count: 128), qh = [UInt8](repeating: 0, count: 64)
    for h in 0..<2 {
        for l in 0..<32 {
            let q1 = v(128 * h + l), q2 = v(128 * h + l + 32), q3 = v(128 * h + l + 64), q4 = v(128 * h + l + 96)
            ql[64 * h + l] = UInt8(q1 & 15 | (q3 & 15) << 4)
            ql[64 * h + l + 32] = UInt8(q2 & 15 | (q4 & 15) << 4)
            qh[32 * h + l] = UInt8(q1 >> 4 | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6)
        }
    }
    let scales: [Int8] = (0..<16).map { Int8($0 * 9 - 70) }
    let bytes = ql + qh + scales.map { UInt8(bitPattern: $0) } + halfBytes(0.5)
    let y = dequantize(.q6_K, bytes, count: 256)
    #expect(y == (0..<256).map { e in 0.5 * Float(scales[e / 16]) * Float(v(e) - 32) })
}
