import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of threads for the forward pass. `parallel(n) { i in … }` runs `body` for every i in 0..<n on the
/// calling thread and the workers, and returns when all are done; with one thread it runs inline.
///
/// Decoding one token runs about 250 parallel regions (every mat-mul and attention), a few microseconds each, so
/// waking threads through Dispatch or a condition variable each time would cost a large share of a token.
/// Workers spin on a generation counter for a short while after each region, then sleep on a condition variable
/// until the next one (so an idle chat costs no CPU).
public final class ThreadPool: @unchecked Sendable {
    public let threadCount: Int
    private let state: PoolState

    public init(threads: Int) {
        threadCount = max(1, threads)
        state = PoolState(threads: threadCount)
    }

    deinit { state.stop() }

    /// The default thread count: every core the process may use.
    public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    public func parallel(_ n: Int, _ body: (Int) -> Void) {
        if n <= 1 || threadCount == 1 {
            for i in 0..<n { body(i) }
            return
        }
        state.parallel(n, body)
    }

    /// Runs `body(range)` on up to `threadCount` contiguous pieces of 0..<total, each a multiple of `granule`.
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

/// The workers and what they share; retained by the workers themselves, stopped by `ThreadPool.deinit`.
private final class PoolState: @unchecked Sendable {
    let threadCount: Int
    private let generation = Atomic<Int>(0)
    private let nextIndex = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private var job: ((Int) -> Void)? = nil
    private var jobCount = 0
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var workers: [pthread_t] = []
    /// Wait iterations before a worker sleeps on the condition variable (a few milliseconds).
    static let spinLimit = 20_000

    init(threads: Int) {
        threadCount = threads
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
        for _ in 1..<threadCount {
            var t = pthread_t()
            let box = Unmanaged.passRetained(self)
            pthread_create(&t, nil, { arg in
                let state = Unmanaged<PoolState>.fromOpaque(arg!).takeRetainedValue()
                state.workerLoop()
                return nil
            }, box.toOpaque())
            workers.append(t)
        }
    }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(cond)
        pthread_mutex_unlock(mutex)
        for t in workers { pthread_join(t, nil) }
    }

    deinit {
        pthread_mutex_destroy(mutex); pthread_cond_destroy(cond)
        mutex.deallocate(); cond.deallocate()
    }

    func parallel(_ n: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            job = body
            jobCount = n
            nextIndex.store(0, ordering: .relaxed)
            finished.store(0, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)   // publishes job and jobCount
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(cond)
                pthread_mutex_unlock(mutex)
            }
            work()
            let workers = threadCount - 1
            var spins = 0
            while finished.load(ordering: .acquiring) < workers { spins += 1; PoolState.backOff(spins) }
            job = nil
        }
    }

    private func work() {
        let body = job!, n = jobCount
        while true {
            let i = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= n { break }
            body(i)
        }
    }

    func workerLoop() {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < PoolState.spinLimit { PoolState.backOff(spins); continue }
                pthread_mutex_lock(mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(cond, mutex) }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(mutex)
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            work()
            finished.add(1, ordering: .releasing)
        }
    }

    /// Busy-waits briefly, then yields the core: when other processes hold a core, the thread we wait for may
    /// be descheduled, and spinning through our whole time slice would stall the region for milliseconds.
    @inline(__always) static func backOff(_ spins: Int) {
        if spins > 256 { sched_yield() }
    }
}

/// Carries a non-Sendable value across a concurrency boundary where the caller guarantees safety
/// (the engine's threads touch disjoint memory).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
