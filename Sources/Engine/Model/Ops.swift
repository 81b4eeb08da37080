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

    /// a = gelu(a) * b, elementwise (GEGLU), GELU in its tanh approximation as ggml and Gemma use it. The input is
    /// rounded to f16 first, as ggml's CPU GELU does (it looks the value up in an f16 table): Gemma 3 270M's last
    /// layers amplify the difference, and with exact inputs "Hello" drifts to 2.8% from llama.cpp's l_out-17 norm,
    /// against 0.8% with the rounding (golden tests).
    static func geglu(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        let c: Float = 0.7978845608028654   // √(2/π)
        for i in 0..<n {
            let x = Float(Float16(a[i]))
            a[i] = 0.5 * x * (1 + tanhf(c * x * (1 + 0.044715 * x * x))) * b[i]
        }
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
