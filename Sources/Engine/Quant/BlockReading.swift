// Reading fields of ggml quant blocks from raw (possibly unaligned, mmapped) bytes. GGUF is little-endian, as are
// the machines Limbic runs on (x86-64, arm64).

extension UnsafeRawPointer {
    /// The f16 at `offset`, as a Float.
    @inline(__always) func half(at offset: Int) -> Float {
        halfToFloat(loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// The byte at `offset`.
    @inline(__always) func byte(at offset: Int) -> UInt8 {
        load(fromByteOffset: offset, as: UInt8.self)
    }

    /// The little-endian u32 at `offset`.
    @inline(__always) func word(at offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}

/// Scale and min of sub-block `j` (0..<8) of a Q4_K/Q5_K block, 6 bits each, packed in 12 bytes at `scales`:
/// llama.cpp's `get_scale_min_k4`.
@inline(__always)
func scaleMinK4(_ j: Int, _ scales: UnsafeRawPointer) -> (scale: UInt8, min: UInt8) {
    if j < 4 {
        return (scales.byte(at: j) & 63, scales.byte(at: j + 4) & 63)
    }
    let scale = (scales.byte(at: j + 4) & 0xF) | ((scales.byte(at: j - 4) >> 6) << 4)
    let min = (scales.byte(at: j + 4) >> 4) | ((scales.byte(at: j) >> 6) << 4)
    return (scale, min)
}

/// The 6-bit unsigned quant of element `e` (0..<256) of a Q6_K block (subtract 32 for the signed value): low 4 bits
/// in `ql`, high 2 in `qh`, in llama.cpp's order (`dequantize_row_q6_K`): within each half of 128, element
/// l + 32k (l < 32) takes ql[l + 32(k&1)] (low nibble for k < 2, high for k ≥ 2) and bits 2k…2k+1 of qh[l].
@inline(__always)
func q6KQuant(_ block: UnsafeRawPointer, _ e: Int) -> Int32 {
    let half = e >> 7, within = e & 127
    let k = within >> 5, l = within & 31
    let ql = block.byte(at: 64 * half + l + 32 * (k & 1))
    let low = k < 2 ? ql & 0xF : ql >> 4
    let high = (block.byte(at: 128 + 32 * half + l) >> (2 * k)) & 3
    return Int32(low | high << 4)
}

/// The 5-bit unsigned quant of element `e` (0..<256) of a Q5_K block: chunk j = e/32 takes the low (j even) or high
/// (j odd) nibble of qs[32(j/2) + l] and bit j of qh[l] (llama.cpp's `dequantize_row_q5_K`).
@inline(__always)
func q5KQuant(_ block: UnsafeRawPointer, _ e: Int) -> Int32 {
    let j = e >> 5, l = e & 31
    let q = block.byte(at: 48 + 32 * (j >> 1) + l)
    let low = j & 1 == 0 ? q & 0xF : q >> 4
    let high = (block.byte(at: 16 + l) >> j) & 1
    return Int32(low | high << 4)
}

/// The 4-bit unsigned quant of element `e` (0..<256) of a Q4_K block: chunk j = e/32 takes the low (j even) or
/// high (j odd) nibble of qs[32(j/2) + l].
@inline(__always)
func q4KQuant(_ block: UnsafeRawPointer, _ e: Int) -> Int32 {
    let j = e >> 5, l = e & 31
    let q = block.byte(at: 16 + 32 * (j >> 1) + l)
    return Int32(j & 1 == 0 ? q & 0xF : q >> 4)
}

/// The unsigned quant of element `j` (0..<32) of a Q4_0/Q4_1/Q5_0/Q5_1 block: elements 0-15 are the low nibbles of
/// the 16 bytes at `qs`, 16-31 the high ones; Q5's fifth bit of element j is bit j of the u32 at `qh`.
@inline(__always)
func legacyQuant(_ block: UnsafeRawPointer, qs: Int, qh: Int?, _ j: Int) -> Int32 {
    let byte = block.byte(at: qs + (j & 15))
    var q = Int32(j < 16 ? byte & 0xF : byte >> 4)
    if let qh { q |= Int32((block.word(at: qh) >> UInt32(j)) & 1) << 4 }
    return q
}
