/// IEEE 754 half precision (f16) and bfloat16 (bf16) conversions, by bit manipulation.
///
/// Written out rather than through `Float16` so that they are the same on every platform Swift supports and never
/// go through a library call per value; the C kernels use F16C instead where the CPU has it.

/// The f16 bit pattern `h` as a Float (exact: every f16 is a Float). Subnormals, infinities and NaN are kept.
@inlinable @inline(__always)
public func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
    if exponent == 0 {
        // Subnormal (or zero): mantissa × 2^-24, exact in Float.
        let magnitude = Float(mantissa) * (1.0 / 16_777_216.0)
        return Float(bitPattern: sign | magnitude.bitPattern)
    }
    return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
}

/// `f` rounded to the nearest f16 (ties to even, as F16C and ggml's `GGML_FP32_TO_FP16` do); overflow gives ±inf,
/// NaN stays NaN (quiet).
@inlinable
public func floatToHalf(_ f: Float) -> UInt16 {
    let x = f.bitPattern
    let sign = UInt16(truncatingIfNeeded: (x >> 16) & 0x8000)
    let exponent = Int((x >> 23) & 0xFF)
    let mantissa = x & 0x7F_FFFF
    if exponent == 0xFF { return sign | 0x7C00 | (mantissa != 0 ? 0x200 | UInt16(truncatingIfNeeded: mantissa >> 13) : 0) }
    let e = exponent - 112  // re-biased exponent (f32 bias 127, f16 bias 15)
    if e >= 31 { return sign | 0x7C00 }
    if e <= 0 {
        // Result is an f16 subnormal (or zero): (1.mantissa) × 2^(exponent-150) in units of 2^-24.
        if e < -10 { return sign }
        let m = mantissa | 0x80_0000
        let shift = UInt32(14 - e)
        var r = m >> shift
        let rest = m & ((1 << shift) - 1), halfway = UInt32(1) << (shift - 1)
        if rest > halfway || (rest == halfway && r & 1 == 1) { r += 1 }
        return sign | UInt16(truncatingIfNeeded: r)
    }
    var h = UInt32(e) << 10 | mantissa >> 13
    let rest = mantissa & 0x1FFF
    if rest > 0x1000 || (rest == 0x1000 && h & 1 == 1) { h += 1 }  // a carry into the exponent is still right (up to inf)
    return sign | UInt16(truncatingIfNeeded: h)
}

/// The bf16 bit pattern `b` as a Float: bf16 is the top half of an f32.
@inlinable @inline(__always)
public func bfloat16ToFloat(_ b: UInt16) -> Float {
    Float(bitPattern: UInt32(b) << 16)
}
