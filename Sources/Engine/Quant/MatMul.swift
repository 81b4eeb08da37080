import CKernels
import GGUF

/// The instruction-set level of the dot-product kernels (DESIGN.md §8), chosen at run time from the CPU's features.
public enum KernelLevel: Int, Sendable, CaseIterable, Comparable {
    /// Scalar Swift (`ReferenceDot.swift`): the reference the tests hold the others to; slow.
    case scalar = -1
    /// Plain C the compiler vectorizes (SSE2, NEON): any CPU, the fallback off x86-64 with AVX2.
    case portable = 0
    /// C with AVX2 + FMA + F16C (`maddubs`/`madd`).
    case avx2 = 1
    /// C with AVX-512 VNNI (`vpdpbusd`/`vpdpwssd`, 512-bit for the quantized types).
    case avx512vnni = 2

    /// The best level this CPU runs.
    public static let best = KernelLevel(rawValue: Int(limbic_cpu_level())) ?? .portable

    public static func < (a: KernelLevel, b: KernelLevel) -> Bool { a.rawValue < b.rawValue }
}

/// out[t * outStride + r] = dot(row r of w, token t), for r in `rows`, t in 0..<input.tokens, using the best
/// kernels for this CPU.
///
/// The engine calls it from several threads on disjoint row ranges: it only reads `w` and `input`, writes only its
/// rows of `out`, and does not allocate. `input` must have been quantized for `w.type` with `cols == w.cols`.
public func matmul(_ w: WeightMatrix, _ input: QuantizedInput, rows: Range<Int>, out: UnsafeMutablePointer<Float>,
                   outStride: Int) {
    matmul(w, input, rows: rows, out: out, outStride: outStride, level: .best)
}

/// `matmul` with the instruction-set level capped at `level` (tests and benchmarks compare the levels).
public func matmul(_ w: WeightMatrix, _ input: QuantizedInput, rows: Range<Int>, out: UnsafeMutablePointer<Float>,
                   outStride: Int, level: KernelLevel) {
    precondition(rows.lowerBound >= 0 && rows.upperBound <= w.rows, "matmul: rows \(rows) outside 0..<\(w.rows)")
    precondition(input.cols == w.cols, "matmul: input has \(input.cols) columns, weights \(w.cols)")
    precondition(input.isQuantized(for: w.type), "matmul: input was not quantized for \(w.type.name)")
    if rows.isEmpty || input.tokens == 0 { return }
    if level > .scalar {
        var acts = limbic_acts(q: input.q, d: input.d, s: input.s, bsums: input.bsums, f: input.f,
                               cols: Int64(input.cols), tokens: Int64(input.tokens))
        if let packed = w.packed, level >= .avx512vnni,
           limbic_matmul_packed(Int32(level.rawValue), w.type.rawValue, packed, Int64(rows.lowerBound),
                                Int64(rows.upperBound), &acts, out, Int64(outStride)) != 0 {
            return
        }
        let done = limbic_matmul(Int32(level.rawValue), w.type.rawValue, w.data, Int64(w.rowBytes),
                                 Int64(rows.lowerBound), Int64(rows.upperBound), &acts, out, Int64(outStride))
        if done != 0 { return }
    }
    for r in rows {
        for t in 0..<input.tokens { out[t * outStride + r] = referenceDot(w, row: r, input, token: t) }
    }
}
