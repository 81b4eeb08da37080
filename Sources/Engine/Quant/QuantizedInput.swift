import CKernels
import GGUF
#if canImport(Glibc)
import Glibc  // links libm, which `rounded()` calls
#endif

/// Activations of `tokens` tokens × `cols` floats, quantized once per mat-mul into what the weight type's dot kernel
/// reads (llama.cpp's `vec_dot_type`): 8-bit blocks of 32 with scale and sum for Q4_0/Q4_1/Q5_0/Q5_1/Q8_0 (Q8_0/Q8_1),
/// 8-bit blocks of 256 with sums per 16 for Q4_K/Q5_K/Q6_K (Q8_K), plain f32 for F32/F16/BF16.
///
/// Owns its buffers, allocated once (the f32 copy on first use) and reused: `quantize` does not allocate. After
/// `quantize` returns it is only read, so several threads may run `matmul` against it at once.
public final class QuantizedInput: @unchecked Sendable {
    /// Capacity, fixed at creation.
    public let maxTokens: Int, maxCols: Int
    /// Shape of the last `quantize`.
    public private(set) var tokens = 0, cols = 0
    /// The format of the last `quantize` (nil before the first).
    private(set) var format: ActivationFormat?

    /// int8 quants, [tokens][cols] (row stride `cols`).
    let q: UnsafeMutablePointer<Int8>
    /// Block scales: [tokens][cols/32] (Q8 blocks of 32) or [tokens][cols/256] (Q8_K).
    let d: UnsafeMutablePointer<Float>
    /// d × Σq per 32-block, [tokens][cols/32] (llama.cpp's block_q8_1 `s`).
    let s: UnsafeMutablePointer<Float>
    /// Σq per 16 elements, [tokens][cols/16] (llama.cpp's block_q8_K `bsums`).
    let bsums: UnsafeMutablePointer<Int16>
    /// f32 copy, [tokens][cols], allocated on first use.
    private(set) var f: UnsafeMutablePointer<Float>?

    /// Room for up to `maxTokens` tokens of up to `maxCols` elements.
    public init(maxTokens: Int, maxCols: Int) {
        precondition(maxTokens > 0 && maxCols > 0, "QuantizedInput needs positive capacity")
        self.maxTokens = maxTokens
        self.maxCols = maxCols
        let n = maxTokens * maxCols
        q = .allocate(capacity: n)
        d = .allocate(capacity: n / 32 + maxTokens)
        s = .allocate(capacity: n / 32 + maxTokens)
        bsums = .allocate(capacity: n / 16 + maxTokens)
    }

    /// Whether the last `quantize` produced what `type`'s kernels read. Weight types share formats (Q4_0, Q4_1,
    /// Q5_0, Q5_1 and Q8_0 all read 32-blocks; the K-quants Q8_K; F32/F16/BF16 floats), so one quantized input can
    /// serve several mat-muls of the same activations (e.g. the Q, K and V projections).
    public func isQuantized(for type: GGMLType) -> Bool {
        format != nil && format == activationFormat(for: type)
    }

    deinit {
        q.deallocate(); d.deallocate(); s.deallocate(); bsums.deallocate(); f?.deallocate()
    }

    /// Quantizes `tokens` rows of `cols` floats (row t at `x + t * rowStride`) for weights of type `type`.
    /// `cols` must be a multiple of the type's block size and the type supported (preconditions).
    public func quantize(_ x: UnsafePointer<Float>, tokens: Int, cols: Int, rowStride: Int, for type: GGMLType) {
        quantize(x, tokens: tokens, cols: cols, rowStride: rowStride, for: type, level: .best)
    }

    /// `quantize` with the C (SIMD) quantizers used only when `level` is above `.scalar`; both give the same bytes.
    func quantize(_ x: UnsafePointer<Float>, tokens: Int, cols: Int, rowStride: Int, for type: GGMLType,
                  level: KernelLevel) {
        guard let format = activationFormat(for: type) else { preconditionFailure("QuantizedInput: \(type.name) is not supported") }
        precondition(tokens >= 0 && tokens <= maxTokens && cols > 0 && cols <= maxCols,
                     "QuantizedInput: \(tokens)×\(cols) exceeds capacity \(maxTokens)×\(maxCols)")
        precondition(cols % type.blockSize == 0, "QuantizedInput: \(cols) is not a multiple of \(type.name)'s block size")
        self.tokens = tokens
        self.cols = cols
        self.format = format
        switch format {
        case .float:
            if f == nil { f = .allocate(capacity: maxTokens * maxCols) }
            for t in 0..<tokens { (f! + t * cols).update(from: x + t * rowStride, count: cols) }
        case .q8Blocks32:
            let blocks = cols / 32
            for t in 0..<tokens {
                let done = level > .scalar
                    && limbic_quantize_q8_32(x + t * rowStride, Int64(cols), q + t * cols, d + t * blocks, s + t * blocks) != 0
                if !done { quantizeQ8Blocks32(x + t * rowStride, token: t) }
            }
        case .q8K:
            let blocks = cols / 256
            for t in 0..<tokens {
                let done = level > .scalar
                    && limbic_quantize_q8_k(x + t * rowStride, Int64(cols), q + t * cols, d + t * blocks,
                                            bsums + t * (cols / 16)) != 0
                if !done { quantizeQ8K(x + t * rowStride, token: t) }
            }
        }
    }

    /// llama.cpp's `quantize_row_q8_1`: d = amax/127, q = x·(1/d) rounded, s = d·Σq; d and s kept as f32 rather
    /// than f16. Ties round to even, as ggml's x86 SIMD quantizer (`_mm256_round_ps`) does, not away from zero as
    /// its scalar reference (`roundf`) does, so that this and the C version agree bit for bit.
    private func quantizeQ8Blocks32(_ x: UnsafePointer<Float>, token: Int) {
        let blocks = cols / 32
        for b in 0..<blocks {
            let xb = x + 32 * b, qb = q + token * cols + 32 * b
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(xb[j])) }
            let scale = amax / 127
            let inverse: Float = scale != 0 ? 1 / scale : 0
            var sum: Int32 = 0
            for j in 0..<32 {
                let v = Self.clampedInt8((xb[j] * inverse).rounded(.toNearestOrEven))
                qb[j] = v
                sum += Int32(v)
            }
            d[token * blocks + b] = scale
            s[token * blocks + b] = scale * Float(sum)
        }
    }

    /// llama.cpp's `quantize_row_q8_K_ref`: iscale = −127/max (max the element of largest magnitude, with its sign),
    /// q = nearest_int(iscale·x) capped at 127, d = 1/iscale, bsums = Σq per 16.
    private func quantizeQ8K(_ x: UnsafePointer<Float>, token: Int) {
        let blocks = cols / 256
        for b in 0..<blocks {
            let xb = x + 256 * b, qb = q + token * cols + 256 * b
            var amax: Float = 0, maxValue: Float = 0
            for j in 0..<256 where abs(xb[j]) > amax { amax = abs(xb[j]); maxValue = xb[j] }
            let sums = bsums + token * (cols / 16) + 16 * b
            if amax == 0 {
                d[token * blocks + b] = 0
                qb.update(repeating: 0, count: 256)
                sums.update(repeating: 0, count: 16)
                continue
            }
            let iscale = -127 / maxValue
            for g in 0..<16 {
                var sum: Int32 = 0
                for j in 16 * g..<16 * g + 16 {
                    let v = Self.clampedInt8((iscale * xb[j]).rounded(.toNearestOrEven))
                    qb[j] = v
                    sum += Int32(v)
                }
                sums[g] = Int16(sum)
            }
            d[token * blocks + b] = 1 / iscale
        }
    }

    @inline(__always) private static func clampedInt8(_ v: Float) -> Int8 {
        v.isNaN ? 0 : Int8(max(-127, min(127, v)))
    }
}
