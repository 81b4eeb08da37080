import GGUF

/// Scalar reference of one weight row against one quantized token: the same quantized math as the C kernels
/// (exact integer block sums, then float scaling), in llama.cpp's form (`ggml_vec_dot_*_generic` in
/// ggml-cpu/quants.c). It is the fallback on CPUs without AVX2 and what the tests hold the fast kernels to.
func referenceDot(_ w: WeightMatrix, row: Int, _ input: QuantizedInput, token t: Int) -> Float {
    let cols = w.cols
    let rowData = w.data + row * w.rowBytes
    let bb = w.type.blockBytes
    switch w.type {
    case .f32, .f16, .bf16:
        let x = input.f! + t * cols
        var sum: Float = 0
        for i in 0..<cols {
            let weight: Float = switch w.type {
            case .f32: rowData.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)
            case .f16: rowData.half(at: 2 * i)
            default: bfloat16ToFloat(rowData.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            }
            sum += weight * x[i]
        }
        return sum
    case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0:
        let blocks = cols / 32
        let q = input.q + t * cols, xd = input.d + t * blocks, xs = input.s + t * blocks
        var sum: Float = 0
        for b in 0..<blocks {
            let block = rowData + b * bb, qb = q + 32 * b
            let d = block.half(at: 0)
            var isum: Int32 = 0
            switch w.type {
            case .q8_0:
                for j in 0..<32 { isum += Int32(block.load(fromByteOffset: 2 + j, as: Int8.self)) * Int32(qb[j]) }
                sum += d * xd[b] * Float(isum)
            case .q4_0, .q5_0:  // signed quants q − 8 / q − 16
                let (qs, qh, offset): (Int, Int?, Int32) = w.type == .q4_0 ? (2, nil, 8) : (6, 2, 16)
                for j in 0..<32 { isum += (legacyQuant(block, qs: qs, qh: qh, j) - offset) * Int32(qb[j]) }
                sum += d * xd[b] * Float(isum)
            default:  // Q4_1, Q5_1: d·Σq·x + m·s
                let (qs, qh): (Int, Int?) = w.type == .q4_1 ? (4, nil) : (8, 4)
                for j in 0..<32 { isum += legacyQuant(block, qs: qs, qh: qh, j) * Int32(qb[j]) }
                sum += d * xd[b] * Float(isum) + block.half(at: 2) * xs[b]
            }
        }
        return sum
    case .q4_K, .q5_K, .q6_K:
        let blocks = cols / 256
        let q = input.q + t * cols, xd = input.d + t * blocks, xb = input.bsums + t * (cols / 16)
        var sum: Float = 0
        for b in 0..<blocks {
            let block = rowData + b * bb, qb = q + 256 * b, sums = xb + 16 * b
            if w.type == .q6_K {
                var isum: Int32 = 0
                for g in 0..<16 {
                    let sc = Int32(block.load(fromByteOffset: 192 + g, as: Int8.self))
                    var gsum: Int32 = 0
                    for e in 16 * g..<16 * g + 16 { gsum += (q6KQuant(block, e) - 32) * Int32(qb[e]) }
                    isum += sc * gsum
                }
                sum += block.half(at: 208) * xd[b] * Float(isum)
            } else {
                var isum: Int32 = 0, msum: Int32 = 0
                for j in 0..<8 {
                    let (sc, mn) = scaleMinK4(j, block + 4)
                    var csum: Int32 = 0
                    for e in 32 * j..<32 * j + 32 {
                        let u = w.type == .q4_K ? q4KQuant(block, e) : q5KQuant(block, e)
                        csum += u * Int32(qb[e])
                    }
                    isum += Int32(sc) * csum
                    msum += Int32(mn) * (Int32(sums[2 * j]) + Int32(sums[2 * j + 1]))
                }
                sum += block.half(at: 0) * xd[b] * Float(isum) - block.half(at: 2) * xd[b] * Float(msum)
            }
        }
        return sum
    default:
        preconditionFailure("referenceDot: \(w.type.name) is not supported")
    }
}
