import GGUF
import Testing
@testable import Engine

@Test(arguments: [GGMLType.q4_1, .q6_K])
func simdQuantizerGivesTheSwiftQuantizersBytes(_ type: GGMLType) {
    let cols = 1024, tokens = 3
    var rng = TestRandom(seed: 11)
    var x = (0..<tokens * cols).map { i in rng.float() * (i % 61 == 0 ? 30 : 1) }
    for i in 0..<256 { x[i] = 0 }                                      // an all-zero block
    for i in 256..<512 { x[i] = Float(i % 5) - 2 }                     // |max| == |min| ties, exact .5 products
    x[700] = -x.map(abs).max()! * 2                                    // a negative max
    let a = QuantizedInput(maxTokens: tokens, maxCols: cols), b = QuantizedInput(maxTokens: tokens, maxCols: cols)
    x.withUnsafeBufferPointer { p in
        a.quantize(p.baseAddress!, tokens: tokens, cols: cols, rowStride: cols, for: type, level: .scalar)
        b.quantize(p.baseAddress!, tokens: tokens, cols: cols, rowStride: cols, for: type, level: .best)
    }
    #expect((0..<tokens * cols).allSatisfy { a.q[$0] == b.q[$0] })
    if type == .q4_1 {
        #expect((0..<tokens * cols / 32).allSatisfy { a.d[$0] == b.d[$0] && a.s[$0] == b.s[$0] })
    } else {
        #expect((0..<tokens * cols / 256).allSatisfy { a.d[$0] == b.d[$0] })
        #expect((0..<tokens * cols / 16).allSatisfy { a.bsums[$0] == b.bsums[$0] })
    }
}

/// Out buffer shared by the two concurrent halves; each writes only its own rows.
private final class SharedOut: @unchecked Sendable {
    let p: UnsafeMutablePointer<Float>
    init(count: Int) { p = .allocate(capacity: count); p.initialize(repeating: .nan, count: count) }
    deinit { p.deallocate() }
}

@Test func twoThreadsOnDisjointRowsGiveTheSingleThreadResult() async {
    let type = GGMLType.q4_1, rows = 64, cols = 576, tokens = 5
    let bytes = randomWeights(type, rows: rows, cols: cols, seed: 21)
    var rng = TestRandom(seed: 22)
    let x = (0..<tokens * cols).map { _ in rng.float() }
    let input = QuantizedInput(maxTokens: tokens, maxCols: cols)
    x.withUnsafeBufferPointer { input.quantize($0.baseAddress!, tokens: tokens, cols: cols, rowStride: cols, for: type) }
    let data = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
    defer { data.deallocate() }
    data.copyMemory(from: bytes, byteCount: bytes.count)
    let w = WeightMatrix(type: type, data: UnsafeRawPointer(data), rows: rows, cols: cols)
    let single = SharedOut(count: rows * tokens), split = SharedOut(count: rows * tokens)
    matmul(w, input, rows: 0..<rows, out: single.p, outStride: rows)
    async let top: Void = matmul(w, input, rows: 0..<29, out: split.p, outStride: rows)
    async let bottom: Void = matmul(w, input, rows: 29..<rows, out: split.p, outStride: rows)
    _ = await (top, bottom)
    #expect((0..<rows * tokens).allSatisfy { single.p[$0] == split.p[$0] })
}

@Test func oneQuantizedInputServesEveryTypeOfItsFormat() {
    let input = QuantizedInput(maxTokens: 1, maxCols: 256)
    let x = [Float](repeating: 1, count: 256)
    x.withUnsafeBufferPointer { input.quantize($0.baseAddress!, tokens: 1, cols: 256, rowStride: 256, for: .q8_0) }
    #expect(input.isQuantized(for: .q4_1) && input.isQuantized(for: .q5_0) && !input.isQuantized(for: .q4_K))
    x.withUnsafeBufferPointer { input.quantize($0.baseAddress!, tokens: 1, cols: 256, rowStride: 256, for: .q6_K) }
    #expect(input.isQuantized(for: .q4_K) && !input.isQuantized(for: .f16))
}

@Test(arguments: [GGMLType.q8_0, .q4_K, .f16])
func rowStrideSkipsBetweenTokens(_ type: GGMLType) {
    // Tokens taken every other row of a wider buffer quantize as the same tokens packed.
    let cols = 256, tokens = 3
    var rng = TestRandom(seed: 31)
    let wide = (0..<2 * tokens * cols).map { _ in rng.float() }
    let packed = (0..<tokens).flatMap { t in wide[2 * t * cols ..< (2 * t + 1) * cols] }
    let a = QuantizedInput(maxTokens: tokens, maxCols: cols), b = QuantizedInput(maxTokens: tokens, maxCols: cols)
    wide.withUnsafeBufferPointer { a.quantize($0.baseAddress!, tokens: tokens, cols: cols, rowStride: 2 * cols, for: type) }
    packed.withUnsafeBufferPointer { b.quantize($0.baseAddress!, tokens: tokens, cols: cols, rowStride: cols, for: type) }
    if type == .f16 {
        #expect((0..<tokens * cols).allSatisfy { a.f![$0] == b.f![$0] })
    } else {
        #expect((0..<tokens * cols).allSatisfy { a.q[$0] == b.q[$0] })
        #expect((0..<tokens * cols / type.blockSize).allSatisfy { a.d[$0] == b.d[$0] })
    }
}
