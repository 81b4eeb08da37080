import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One input format under test: valid seed inputs, and what Limbic does with an input of that format. `run`
/// throws for an input it refuses, which is the expected outcome for most mutations; a trap ends the process,
/// which is how the harness reports a crash (the input is left in the reproducer file).
public struct FuzzTarget {
    public var name: String
    public var seeds: [[UInt8]]
    public var run: ([UInt8]) throws -> Void

    public init(name: String, seeds: [[UInt8]], run: @escaping ([UInt8]) throws -> Void) {
        self.name = name
        self.seeds = seeds
        self.run = run
    }
}

/// What one target's run saw.
public struct FuzzReport: Sendable {
    public var name: String
    public var cases = 0
    /// Inputs refused with an error (the clear-error path).
    public var refused = 0
    /// Inputs accepted and processed.
    public var accepted = 0
    /// The slowest case, in seconds, and its number.
    public var slowest = 0.0
    public var slowestCase = -1
    /// A few distinct error messages, to see that refusals say something.
    public var sampleErrors: [String] = []

    public var line: String {
        String(format: "%-14@ %7d cases  %7d refused  %7d accepted  slowest %.3f s (case %d)", name as NSString, cases, refused,
               accepted, slowest, slowestCase)
    }
}

/// Runs mutated inputs through targets, in process. A crash (a Swift trap) ends the process with the input in
/// `reproducer`; a case running longer than `hangLimit` seconds is reported by a watchdog, which then aborts the
/// process, the input again left in `reproducer`. With `memoryLimit` the process's address space is capped, so an
/// input that makes the code allocate without bound fails the run instead of the machine (the limit is the
/// whole process's: use it in a process of its own, as `limbic fuzz` does, not inside a test runner).
public final class Fuzzer: @unchecked Sendable {
    public let seed: UInt64
    public let hangLimit: Double
    public let reproducer: String?
    private let lock = NSLock()
    private var caseStart: Date?
    private var current = ""
    private var watchdog: Thread?

    public init(seed: UInt64, hangLimit: Double = 10, reproducer: String? = nil, memoryLimit: Int? = nil) {
        self.seed = seed
        self.hangLimit = hangLimit
        self.reproducer = reproducer
        if let memoryLimit {
            var limit = rlimit(rlim_cur: rlim_t(memoryLimit), rlim_max: rlim_t.max)
            var old = rlimit()
            if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &old) == 0, old.rlim_cur != rlim_t.max, old.rlim_cur < limit.rlim_cur { limit.rlim_cur = old.rlim_cur }
            limit.rlim_max = old.rlim_max
            setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
        }
        let t = Thread { [weak self] in
            while !Thread.current.isCancelled {
                Thread.sleep(forTimeInterval: 0.25)
                guard let self else { return }
                self.lock.lock()
                let started = self.caseStart, what = self.current
                self.lock.unlock()
                if let started, Date().timeIntervalSince(started) > self.hangLimit {
                    let message = "limbic fuzz: hang: \(what) ran over \(self.hangLimit) s; its input is in \(self.reproducer ?? "(no reproducer file)")\n"
                    _ = message.withCString { write(2, $0, strlen($0)) }
                    abort()
                }
            }
        }
        t.start()
        watchdog = t
    }

    /// Runs `cases` mutations of `target`'s seeds (case i uses the seed stream `seed ^ i`, so any case can be
    /// replayed alone with `only`).
    public func run(_ target: FuzzTarget, cases: Int, only: Int? = nil, progress: (Int) -> Void = { _ in }) -> FuzzReport {
        var report = FuzzReport(name: target.name)
        guard !target.seeds.isEmpty else { return report }
        let range = only.map { $0..<($0 + 1) } ?? 0..<cases
        for i in range {
            var m = Mutator(seed: (seed ^ Self.hash(target.name)) &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15)
            let base = target.seeds[m.int(target.seeds.count)]
            let other = target.seeds[m.int(target.seeds.count)]
            // One case in 16 runs a seed unchanged, so the accepting path is exercised too.
            let input = m.int(16) == 0 ? base : m.mutate(base, other: other)
            if let reproducer { _ = FileManager.default.createFile(atPath: reproducer, contents: Data(input)) }
            lock.lock(); caseStart = Date(); current = "\(target.name) case \(i) (seed \(seed))"; lock.unlock()
            let t0 = Date()
            do {
                try target.run(input)
                report.accepted += 1
            } catch {
                report.refused += 1
                let message = "\(error)"
                if report.sampleErrors.count < 5, !report.sampleErrors.contains(message) { report.sampleErrors.append(message) }
            }
            let seconds = Date().timeIntervalSince(t0)
            lock.lock(); caseStart = nil; lock.unlock()
            report.cases += 1
            if seconds > report.slowest { report.slowest = seconds; report.slowestCase = i }
            progress(report.cases)
        }
        return report
    }

    /// FNV-1a, so each target's stream differs and stays the same from run to run (`hashValue` is randomised).
    static func hash(_ s: String) -> UInt64 {
        s.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    /// Stops the watchdog.
    public func finish() {
        watchdog?.cancel()
        lock.lock(); caseStart = nil; lock.unlock()
    }
}
