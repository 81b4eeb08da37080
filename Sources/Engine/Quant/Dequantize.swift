import GGUF

/// Converts `count` elements of type `type` at `src` to floats at `dst`, with llama.cpp's formulas
/// (`dequantize_row_*` in ggml-quants.c). `count` must be a whole number of blocks and the type supported
/// (`supportsDot`); both are preconditions, checked once per call.
public func dequantizeRow(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
    precondition(supportsDot(type), "dequantizeRow: type \(type.name) is not supported")
    precondition(count >= 0 && count % type.blockSize == 0,
                 "dequantizeRow: \(count) elements is not a multiple of \(type.name)'s block size \(type.blockSize)")
    let blocks = count / type.blockSize, bb = type.blockBytes
    switch type {
    case .f32:
        UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
    case .f16:
        for i in 0..<count { dst[i] = src.half(at: 2 * i) }
    case .bf16:
        for i in 0..<count { dst[i] = bfloat16ToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
    case .q4_0, .q4_1, .q5_0, .q5_1:
        // y = d·q − 8d (Q4_0), d·q − 16d (Q5_0), d·q + m (Q4_1, Q5_1)
        let (qs, qh): (Int, Int?) = switch type {
        case .q4_0: (2, nil)
        case .q4_1: (4, nil)
        case .q5_0: (6, 2)
        default: (8, 4)
        }
        for b in 0..<blocks {
            let block = src + b * bb, y = dst + 32 * b
            let d = block.half(at: 0)
            let offset: Float = switch type {
            case .q4_0: -8
            case .q5_0: -16
            default: 0
            }
            let m: Float = (type == .q4_1 || type == .q5_1) ? block.half(at: 2) : 0
            for j in 0..<32 {
                let q = legacyQuant(block, qs: qs, qh: qh, j)
                y[j] = offset == 0 ? d * Float(q) + m : d * (Float(q) + offset)
            }
        }
    case .q8_0:
        for b in 0..<blocks {
            let block = src + b * bb, y = dst + 32 * b
            let d = block.half(at: 0)
            for j in 0..<32 { y[j] = d * Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) }
        }
    case .q4_K, .q5_K:
        // y = d·sc_j·q − dmin·m_j over 32-element chunks j
        for b in 0..<blocks {
            let block = src + b * bb, y = dst + 256 * b
            let d = block.half(at: 0), dmin = block.half(at: 2)
            for j in 0..<8 {
                let (sc, mn) = scaleMinK4(j, block + 4)
                let d1 = d * Float(sc), m1 = dmin * Float(mn)
                for l in 0..<32 {
                    let e = 32 * j + l
                    let q = type == .q4_K ? q4KQuant(block, e) : q5KQuant(block, e)
                    y[e] = d1 * Float(q) - m1
                }
            }
        }
    case .q6_K:
        // y = d·sc_g·(q − 32), one i8 scale per 16 elements
        for b in 0..<blocks {
            let block = src + b * bb, y = dst + 256 * b
            let d = block.half(at: 208)
            for e in 0..<256 {
                let sc = Float(block.load(fromByteOffset: 192 + e / 16, as: Int8.self))
                y[e] = d * sc * Float(q6KQuant(block, e) - 32)
            }
        }
    default:
        preconditionFailure("unreachable: supportsDot(\(type.name)) is false")
    }
}
