import CKernels
import Dispatch
import Foundation

/// Owns the packed copies of a model's quantized matrices (CKernels/pack.c: 16 rows side by side, so one VNNI
/// instruction serves 16 rows of a token). Prefill of Q4_K/Q6_K matrices runs about 2.3× as fast on them; decoding
/// reads the same number of bytes. Made only where the CPU has the AVX-512 VNNI kernels that read them.
///
/// Decoding (one or two tokens) reads Q6_K matrices from the file's rows, whose kernel is faster there
/// (`limbic_packed_min_tokens`), so those stay resident twice: about 170 MiB more for Qwen2.5-1.5B. Any other packed
/// matrix in a file mapping is read only through its tiles, so its file pages are handed back to the kernel once
/// packed (`madvise`); `data` stays valid (the pages are read from the file again if a lower kernel level touches
/// them).
public final class PackedWeights: @unchecked Sendable {
    private var buffers: [UnsafeMutableRawPointer] = []
    /// Bytes of packed copies held.
    public private(set) var bytes = 0

    public init() {}

    deinit { for b in buffers { b.deallocate() } }

    /// Whether this machine packs: the tiles are read only by the AVX-512 VNNI kernels.
    public static var isUseful: Bool { KernelLevel.best >= .avx512vnni }

    /// `w` with a packed copy attached, or `w` itself when its type or shape has no tiles or the CPU lacks the
    /// kernels. Rows are packed on all cores.
    public func pack(_ w: WeightMatrix, fromMapping mapped: Bool) -> WeightMatrix {
        guard Self.isUseful, w.packed == nil else { return w }
        let size = Int(limbic_packed_bytes(w.type.rawValue, Int64(w.rows), Int64(w.cols)))
        guard size > 0 else { return w }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        let groups = w.rows / 16
        let pieces = min(groups, max(1, ProcessInfo.processInfo.activeProcessorCount))
        let out = UncheckedBox(buffer)
        DispatchQueue.concurrentPerform(iterations: pieces) { i in
            let lo = groups * i / pieces * 16, hi = groups * (i + 1) / pieces * 16
            _ = limbic_pack(w.type.rawValue, w.data, Int64(w.rowBytes), Int64(w.cols), Int64(lo), Int64(hi), out.value)
        }
        buffers.append(buffer)
        bytes += size
        if mapped && limbic_packed_min_tokens(w.type.rawValue) == 1 { Self.release(w.data, count: w.rows * w.rowBytes) }
        return WeightMatrix(type: w.type, data: w.data, rows: w.rows, cols: w.cols, packed: UnsafeRawPointer(buffer))
    }

    /// Tells the kernel the whole pages inside [p, p + count) are not needed now (a private read-only file mapping
    /// reads them again on the next touch).
    private static func release(_ p: UnsafeRawPointer, count: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: p) + page - 1) / page * page
        let end = (Int(bitPattern: p) + count) / page * page
        guard end > start, let base = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(base, end - start, MADV_DONTNEED)
    }
}
