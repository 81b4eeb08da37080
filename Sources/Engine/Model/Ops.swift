import Foundation

/// The small f32 kernels of the forward pass (llama2.c's `rmsnorm`, `softmax`, …). Loops use `acc += a * b` on
/// SIMD8 rather than `addingProduct`, which is a software call per lane on the baseline x86-64 target (DESIGN §8).
enum Ops {
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 16 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            i += 16
        }
        var s = (acc0 + acc1).sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// y += s * x
    @inline(__always)
    static func axpy(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ s: Float, _ n: Int) {
        var i = 0
        let sv = SIMD8<Float>(repeating: s)
        let ry = UnsafeMutableRawPointer(y), rx = UnsafeRawPointer(x)
        while i + 8 <= n {
            let v = ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) + sv * rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            ry.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] += s * x[i]; i += 1 }
    }

    static func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Float { dot(x, x, n) }

    /// out = x / rms(x) * weight  (RMSNorm; eps inside the square root, as llama.cpp's ggml_rms_norm)
    static func rmsnorm(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ n: Int, eps: Float) {
        let scale = 1 / (sumOfSquares(x, n) / Float(n) + eps).squareRoot()
        for i in 0..<n { out[i] = x[i] * scale * weight[i] }
    }

    /// In-place softmax over x[0..<n].
    static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        var m = -Float.infinity
        for i in 0..<n { m = max(m, x[i]) }
        var s: Float = 0
        for i in 0..<n { let e = expf(x[i] - m); x[i] = e; s += e }
        let inv = 1 / s
        for i in 0..<n { x[i] *= inv }
    }

    /// a = gelu(a) * b, elementwise (GEGLU): GELU in its tanh approximation, looked up in a table of every f16 input as
    /// ggml's CPU does (0 below −10, x above 10), with the results kept in f32 (ggml rounds them to f16 too). Gemma 3
    /// 270M's last layers amplify rounding: from llama.cpp's l_out-17 norm of "Hello", exact GELU drifts 2.8%, the
    /// f16 input 0.8%, f16 input and output 1.8% (golden tests, limit 2%). The table also saves the tanh, which took
    /// a quarter of a Gemma prefill.
    static func geglu(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        geluTable.withUnsafeBufferPointer { table in
            for i in 0..<n {
                let x = a[i]
                let g: Float = x <= -10 ? 0 : x >= 10 ? x : table[Int(Float16(x).bitPattern)]
                a[i] = g * b[i]
            }
        }
    }

    /// GELU (tanh approximation) of each f16 value, indexed by its bit pattern (ggml's `ggml_table_gelu_f16`, in f32).
    static let geluTable: [Float] = (0..<65536).map { bits in
        let x = Float(Float16(bitPattern: UInt16(bits)))
        guard x.isFinite else { return 0 }
        let c: Float = 0.7978845608028654   // √(2/π)
        return 0.5 * x * (1 + tanhf(c * x * (1 + 0.044715 * x * x)))
    }

    /// x = cap · tanh(x / cap), elementwise (final-logit soft-capping).
    static func softcap(_ x: UnsafeMutablePointer<Float>, _ n: Int, _ cap: Float) {
        for i in 0..<n { x[i] = cap * tanhf(x[i] / cap) }
    }

    /// a = silu(a) * b, elementwise (SwiGLU).
    static func swiglu(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { let g = a[i]; a[i] = g / (1 + expf(-g)) * b[i] }
    }

    /// Rotates one head's vector in place (RoPE) with precomputed `cos`/`sin` of this position's angles
    /// (`ropeDim / 2` each). `.normal` rotates adjacent pairs, `.neox` the two halves.
    @inline(__always)
    static func rope(_ x: UnsafeMutablePointer<Float>, ropeDim: Int, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, style: RopeStyle) {
        let half = ropeDim / 2
        for i in 0..<half {
            let (ia, ib) = style == .normal ? (2 * i, 2 * i + 1) : (i, i + half)
            let a = x[ia], b = x[ib], c = cos[i], s = sin[i]
            x[ia] = a * c - b * s
            x[ib] = a * s + b * c
        }
    }
}
