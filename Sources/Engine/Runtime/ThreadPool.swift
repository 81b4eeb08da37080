import Dispatch

/// Splits work across a fixed number of threads. `parallel(n) { i in … }` runs `body` for i in 0..<n and returns
/// when all are done; with one thread it runs inline.
public final class ThreadPool: @unchecked Sendable {
    public let threadCount: Int

    public init(threads: Int) { threadCount = max(1, threads) }

    /// The default thread count: every core the process may use.
    public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    @inline(__always)
    public func parallel(_ n: Int, _ body: (Int) -> Void) {
        if n <= 1 || threadCount == 1 {
            for i in 0..<n { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: n) { box.value($0) }
        }
    }

    /// Runs `body(range)` on `threadCount` contiguous pieces of 0..<total (pieces rounded to `granule`).
    @inline(__always)
    public func parallelRanges(_ total: Int, granule: Int = 1, _ body: (Range<Int>) -> Void) {
        let pieces = min(threadCount, max(1, total / max(granule, 1)))
        if pieces <= 1 { body(0..<total); return }
        let per = (total + pieces - 1) / pieces
        let step = (per + granule - 1) / granule * granule
        parallel(pieces) { i in
            let lo = min(total, i * step), hi = min(total, lo + step)
            if lo < hi { body(lo..<hi) }
        }
    }
}

import Foundation

/// Carries a non-Sendable value across a concurrency boundary where the caller guarantees safety
/// (the engine's threads touch disjoint memory).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
