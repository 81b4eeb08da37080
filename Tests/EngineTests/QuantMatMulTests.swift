import GGUF
import Testing
@testable import Engine

/// Runs `matmul` over all rows at `level`; out[t][r].
private func run(_ type: GGMLType, _ weights: [UInt8], rows: Int, cols: Int, x: [Float], tokens: Int,
                 level: KernelLevel, rowSplit: Int? = nil) -> [Float] {
    let input = QuantizedInput(maxTokens: max(tokens, 1), maxCols: cols)
    var out = [Float](repeating: .nan, count: tokens * rows)
    weights.withUnsafeBytes { wp in
        let w = WeightMatrix(type: type, data: wp.baseAddress!, rows: rows, cols: cols)
        x.withUnsafeBufferPointer { input.quantize($0.baseAddress!, tokens: tokens, cols: cols, rowStride: cols, for: type) }
        out.withUnsafeMutableBufferPointer { o in
            if let k = rowSplit {
                matmul(w, input, rows: k..<rows, out: o.baseAddress!, outStride: rows, level: level)
                matmul(w, input, rows: 0..<k, out: o.baseAddress!, outStride: rows, level: level)
            } else {
                matmul(w, input, rows: 0..<rows, out: o.baseAddress!, outStride: rows, level: level)
            }
        }
    }
    return out
}

private func dequantizedRows(_ type: GGMLType, _ weights: [UInt8], rows: Int, cols: Int) -> [Float] {
    var out = [Float](repeating: 0, count: rows * cols)
    weights.withUnsafeBytes { wp in
        out.withUnsafeMutableBufferPointer { dequantizeRow(type, wp.baseAddress!, $0.baseAddress!, count: rows * cols) }
    }
    return out
}

private func randomActivations(tokens: Int, cols: Int, seed: UInt64) -> [Float] {
    var rng = TestRandom(seed: seed)
    // A few large values, as in real residual streams, so block scales differ.
    return (0..<tokens * cols).map { i in rng.float() * (i % 97 == 0 ? 20 : 1) }
}

// Token counts cover every kernel width (1…8 tokens per call) and the remainders after full groups.
private let shapes: [(rows: Int, tokens: Int)] = [(1, 1), (5, 3), (13, 4), (7, 9), (3, 6), (2, 15), (4, 13), (6, 2)]

private func colChoices(_ type: GGMLType) -> [Int] {
    switch type.blockSize {
    case 256: [256, 768]
    case 32: [32, 96, 160, 224, 576]  // every mix of 4-, 2- and 1-block steps
    default: [1, 7, 33, 576]
    }
}

@Test(arguments: dotTypes)
func fastKernelsAgreeWithScalarReference(_ type: GGMLType) {
    for cols in colChoices(type) {
        for (si, shape) in shapes.enumerated() {
            let seed = UInt64(cols * 100 + si)
            let w = randomWeights(type, rows: shape.rows, cols: cols, seed: seed)
            let x = randomActivations(tokens: shape.tokens, cols: cols, seed: seed + 1)
            let reference = run(type, w, rows: shape.rows, cols: cols, x: x, tokens: shape.tokens, level: .scalar)
            let deq = dequantizedRows(type, w, rows: shape.rows, cols: cols)
            for level in testLevels where level != .scalar {
                let fast = run(type, w, rows: shape.rows, cols: cols, x: x, tokens: shape.tokens, level: level)
                for t in 0..<shape.tokens {
                    for r in 0..<shape.rows {
                        // Same quantized math, only the float summation order differs.
                        var magnitude: Float = 0
                        for i in 0..<cols { magnitude += abs(deq[r * cols + i] * x[t * cols + i]) }
                        let a = fast[t * shape.rows + r], b = reference[t * shape.rows + r]
                        #expect(abs(a - b) <= 2e-5 * magnitude + 1e-6,
                                "\(type.name) \(level) cols \(cols) row \(r) token \(t): \(a) vs \(b)")
                    }
                }
            }
        }
    }
}

@Test(arguments: dotTypes)
func quantizedDotIsCloseToFloatDot(_ type: GGMLType) {
    // The only error against f32 is the activation's 8-bit rounding: at most half a step (amax/127 of its block)
    // per element.
    let cols = type.blockSize == 1 ? 64 : 2 * max(type.blockSize, 256), rows = 6, tokens = 3
    let w = randomWeights(type, rows: rows, cols: cols, seed: 42)
    let x = randomActivations(tokens: tokens, cols: cols, seed: 43)
    let deq = dequantizedRows(type, w, rows: rows, cols: cols)
    let block = activationFormat(for: type) == .q8K ? 256 : activationFormat(for: type) == .float ? 1 : 32
    for level in testLevels {
        let got = run(type, w, rows: rows, cols: cols, x: x, tokens: tokens, level: level)
        for t in 0..<tokens {
            for r in 0..<rows {
                var exact: Double = 0, bound: Double = 0, magnitude: Double = 0
                for i in 0..<cols {
                    let wi = Double(deq[r * cols + i]), xi = Double(x[t * cols + i])
                    exact += wi * xi
                    magnitude += abs(wi * xi)
                    let b0 = t * cols + i / block * block
                    let amax = block == 1 ? 0 : (b0..<b0 + block).map { Double(abs(x[$0])) }.max()!
                    bound += abs(wi) * amax / 127 * 0.5
                }
                let g = Double(got[t * rows + r])
                #expect(abs(g - exact) <= bound * 1.01 + 1e-5 * magnitude + 1e-6,
                        "\(type.name) \(level) row \(r) token \(t): \(g) vs \(exact) (bound \(bound))")
            }
        }
    }
}

@Test(arguments: dotTypes)
func manyTokensEqualOneTokenAtATimeAndRowRangesPartition(_ type: GGMLType) {
    let cols = colChoices(type).last!, rows = 9, tokens = 11
    let w = randomWeights(type, rows: rows, cols: cols, seed: 5)
    let x = randomActivations(tokens: tokens, cols: cols, seed: 6)
    let deq = dequantizedRows(type, w, rows: rows, cols: cols)
    for level in testLevels {
        let all = run(type, w, rows: rows, cols: cols, x: x, tokens: tokens, level: level)
        for t in 0..<tokens {
            let one = run(type, w, rows: rows, cols: cols, x: Array(x[t * cols ..< (t + 1) * cols]), tokens: 1, level: level)
            for r in 0..<rows {
                // Same quantized input and integer sums; kernels for one token keep two float accumulators where
                // several tokens keep one, so only the float summation order may differ.
                var magnitude: Float = 0
                for i in 0..<cols { magnitude += abs(deq[r * cols + i] * x[t * cols + i]) }
                let a = all[t * rows + r], b = one[r]
                #expect(abs(a - b) <= 2e-6 * magnitude + 1e-7, "\(type.name) \(level) token \(t) row \(r): \(a) vs \(b)")
            }
        }
        for split in [0, 1, 4, rows] {
            let parts = run(type, w, rows: rows, cols: cols, x: x, tokens: tokens, level: level, rowSplit: split)
            #expect(parts == all, "\(type.name) \(level) split at \(split)")
        }
    }
}

@Test func knownDotWithExactActivations() {
    // Integer activations with 127 in every block quantize exactly (d = 1, or d = −1 for Q8_K), so every level
    // must return Σ w·x of the dequantized weights up to float rounding.
    for type in dotTypes {
        let cols = max(type.blockSize, 256), rows = 3
        let w = randomWeights(type, rows: rows, cols: cols, seed: 9)
        let x: [Float] = (0..<cols).map { (i: Int) -> Float in
            let v: Int = (i * 37) % 255 - 127
            return i % 32 == 5 ? 127 : Float(v)
        }
        let deq = dequantizedRows(type, w, rows: rows, cols: cols)
        for level in testLevels {
            let got = run(type, w, rows: rows, cols: cols, x: x, tokens: 1, level: level)
            for r in 0..<rows {
                var exact: Double = 0, magnitude: Double = 0
                for i in 0..<cols { exact += Double(deq[r * cols + i]) * Double(x[i]); magnitude += abs(Double(deq[r * cols + i] * x[i])) }
                #expect(abs(Double(got[r]) - exact) <= 2e-5 * magnitude + 1e-6, "\(type.name) \(level) row \(r)")
            }
        }
    }
}

@Test func quantizedInputMatchesLlamaCppQuantizers() {
    // Q8_1-style: d = amax/127, q = round(x/d); Q8_K: d = max/−127 (signed max), q = −round(127x/max).
    let cols = 256
    var x = [Float](repeating: 0, count: cols)
    for i in 0..<cols { x[i] = Float(i % 32) - 10 }
    x[3] = 63.5
    let input = QuantizedInput(maxTokens: 2, maxCols: cols)
    x.withUnsafeBufferPointer { input.quantize($0.baseAddress!, tokens: 1, cols: cols, rowStride: cols, for: .q4_1) }
    #expect(input.d[0] == 63.5 / 127)
    #expect(input.q[3] == 127 && input.q[1] == -18 && input.q[0] == -20)
    let sum0 = (0..<32).reduce(Int32(0)) { $0 + Int32(input.q[$1]) }
    #expect(input.s[0] == input.d[0] * Float(sum0))
    x.withUnsafeBufferPointer { input.quantize($0.baseAddress!, tokens: 1, cols: cols, rowStride: cols, for: .q6_K) }
    #expect(input.d[0] == -63.5 / 127)
    #expect(input.q[3] == -127 && input.q[0] == 20)
    for g in 0..<16 {
        #expect(Int32(input.bsums[g]) == (16 * g..<16 * g + 16).reduce(Int32(0)) { $0 + Int32(input.q[$1]) })
    }
}
