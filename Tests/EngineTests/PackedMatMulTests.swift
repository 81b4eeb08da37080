import CKernels
import GGUF
import Testing
@testable import Engine

// The packed K-quant tiles (CKernels/pack.c, tiles_x86.h) must give the same sums as the file's rows.

private func quantize(_ x: [Float], tokens: Int, cols: Int, for type: GGMLType) -> QuantizedInput {
    let input = QuantizedInput(maxTokens: max(tokens, 1), maxCols: cols)
    x.withUnsafeBufferPointer { input.quantize($0.baseAddress!, tokens: tokens, cols: cols, rowStride: cols, for: type) }
    return input
}

private func multiply(_ w: WeightMatrix, _ input: QuantizedInput, tokens: Int, level: KernelLevel,
                      ranges: [Range<Int>]) -> [Float] {
    var out = [Float](repeating: .nan, count: tokens * w.rows)
    out.withUnsafeMutableBufferPointer { o in
        for r in ranges { matmul(w, input, rows: r, out: o.baseAddress!, outStride: w.rows, level: level) }
    }
    return out
}

@Test func packedSizesCoverOnlyWholeTiles() {
    #expect(limbic_packed_bytes(GGMLType.q4_K.rawValue, 32, 512) == 2 * 2 * 2368)
    #expect(limbic_packed_bytes(GGMLType.q5_K.rawValue, 16, 512) == 2 * 2880)
    #expect(limbic_packed_bytes(GGMLType.q4_1.rawValue, 32, 64) == 2 * 2 * 16 * 20)
    for type in [GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q6_K] {   // exactly the file's bytes
        #expect(limbic_packed_tile_bytes(type.rawValue) == 16 * Int64(type.blockBytes), "\(type.name)")
    }
    #expect(limbic_packed_bytes(GGMLType.q4_K.rawValue, 24, 256) == 0)   // rows not a multiple of 16
    #expect(limbic_packed_bytes(GGMLType.q6_K.rawValue, 16, 200) == 0)   // not whole super-blocks
    #expect(limbic_packed_bytes(GGMLType.q8_0.rawValue, 16, 48) == 0)    // not whole blocks
    #expect(limbic_packed_bytes(GGMLType.f16.rawValue, 16, 256) == 0)    // no tiles for floats
}

@Test(arguments: [GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K])
func packedMatricesAgreeWithTheFileRows(_ type: GGMLType) {
    let packs = PackedWeights()
    // 48 rows: three row groups; token counts cover every tile width (1…8), remainders, and more than one 64-token
    // chunk.
    let widths = type.blockSize == 256 ? [256, 768] : [32, 576]
    for (cols, seed) in [(widths[0], UInt64(1)), (widths[1], 2)] {
        let rows = 48
        let bytes = randomWeights(type, rows: rows, cols: cols, seed: seed)
        bytes.withUnsafeBytes { wp in
            let plain = WeightMatrix(type: type, data: wp.baseAddress!, rows: rows, cols: cols)
            let packed = packs.pack(plain, fromMapping: false)
            guard PackedWeights.isUseful else {
                #expect(packed.packed == nil)
                return
            }
            #expect(packed.packed != nil && packed.data == plain.data)
            for tokens in [1, 2, 5, 8, 9, 17, 70] {
                var rng = TestRandom(seed: seed * 100 + UInt64(tokens))
                let x = (0..<tokens * cols).map { i in rng.float() * (i % 97 == 0 ? 20 : 1) }
                let input = quantize(x, tokens: tokens, cols: cols, for: type)
                let reference = multiply(plain, input, tokens: tokens, level: .scalar, ranges: [0..<rows])
                let fast = multiply(packed, input, tokens: tokens, level: .avx512vnni, ranges: [0..<rows])
                let deq = (0..<rows).map { r in
                    var row = [Float](repeating: 0, count: cols)
                    row.withUnsafeMutableBufferPointer { dequantizeRow(type, plain.data + r * plain.rowBytes, $0.baseAddress!, count: cols) }
                    return row
                }
                for t in 0..<tokens {
                    for r in 0..<rows {
                        var magnitude: Float = 0
                        for i in 0..<cols { magnitude += abs(deq[r][i] * x[t * cols + i]) }
                        let a = fast[t * rows + r], b = reference[t * rows + r]
                        #expect(abs(a - b) <= 2e-5 * magnitude + 1e-6, "\(type.name) cols \(cols) tokens \(tokens) row \(r) token \(t): \(a) vs \(b)")
                    }
                }
                if tokens < limbic_packed_min_tokens(type.rawValue) {   // Q6_K decoding reads the file's rows
                    #expect(fast == multiply(plain, input, tokens: tokens, level: .avx512vnni, ranges: [0..<rows]))
                }
                // Row ranges in whole groups give the same numbers as one call; a range that is not whole groups
                // falls back to the file's rows.
                #expect(multiply(packed, input, tokens: tokens, level: .avx512vnni, ranges: [32..<48, 0..<16, 16..<32]) == fast)
                let ragged = multiply(packed, input, tokens: tokens, level: .avx512vnni, ranges: [0..<5, 5..<48])
                #expect(ragged == multiply(plain, input, tokens: tokens, level: .avx512vnni, ranges: [0..<5, 5..<48]))
                // Below the VNNI level the packed copy is not read.
                #expect(multiply(packed, input, tokens: tokens, level: .avx2, ranges: [0..<rows])
                        == multiply(plain, input, tokens: tokens, level: .avx2, ranges: [0..<rows]))
            }
        }
    }
    let expected = widths.map { Int(limbic_packed_bytes(type.rawValue, 48, Int64($0))) }.reduce(0, +)
    #expect(packs.bytes == (PackedWeights.isUseful ? expected : 0))
}

@Test func matricesWithoutTilesAreNotPacked() {
    let packs = PackedWeights()
    for (type, rows, cols) in [(GGMLType.q4_K, 24, 256), (.q5_K, 8, 512), (.q8_0, 40, 64), (.f32, 16, 32)] {
        let bytes = randomWeights(type, rows: rows, cols: cols, seed: 3)
        bytes.withUnsafeBytes { wp in
            let w = packs.pack(WeightMatrix(type: type, data: wp.baseAddress!, rows: rows, cols: cols), fromMapping: false)
            #expect(w.packed == nil, "\(type.name) \(rows)×\(cols)")
        }
    }
    #expect(packs.bytes == 0)
}
