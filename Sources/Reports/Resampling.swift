import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014; the constants of Vigna's reference `splitmix64.c`): a small PRNG whose
/// stream depends on the seed alone, so a report's intervals and p-values are the same on every run and machine.
/// Engine has the same generator as `SplitMix64`; Reports does not depend on Engine, and a second type of that
/// name would be ambiguous in files that see both.
struct ReportRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in 0..<n (n > 0), without modulo bias (rejection below 2^64 mod n), so the draws do not
    /// depend on how a standard library maps random bits to ranges.
    mutating func below(_ n: Int) -> Int {
        let m = UInt64(n)
        let threshold = (0 &- m) % m
        while true {
            let r = next()
            if r >= threshold { return Int(r % m) }
        }
    }

    /// A uniform double in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Fisher-Yates.
    mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, below(i + 1)) }
    }
}

/// Resampling for data grouped in clusters (one cluster = one conversation = one log): turns of a conversation
/// share its topic and drift together, so the unit that is resampled or swapped is the whole conversation.
public enum Resampling {
    /// A seed for one named analysis, from a base seed and the name (FNV-1a): each emotion's figures depend on its
    /// own data only, not on which other emotions are in the log or in what order. (Swift's `hashValue` changes
    /// from run to run, so it cannot serve.)
    public static func seed(_ base: UInt64, _ name: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return base ^ h
    }

    /// Percentile bootstrap interval of `statistic` over the pooled items of `clusters`, resampling whole clusters
    /// with replacement (`resamples` times). Nil with fewer than `minimumClusters` non-empty clusters (a bootstrap
    /// over a handful of conversations says more about them than about the spread), or when under 95% of the
    /// resamples give a statistic at all.
    public static func clusterBootstrap<T>(_ clusters: [[T]], resamples: Int, level: Double = 0.95, seed: UInt64,
                                           minimumClusters: Int = 5, statistic: ([T]) -> Double?) -> (low: Double, high: Double)? {
        let clusters = clusters.filter { !$0.isEmpty }
        guard clusters.count >= max(2, minimumClusters), resamples > 0 else { return nil }
        var rng = ReportRandom(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        var pooled: [T] = []
        for _ in 0..<resamples {
            pooled.removeAll(keepingCapacity: true)
            for _ in clusters.indices { pooled += clusters[rng.below(clusters.count)] }
            if let v = statistic(pooled), v.isFinite { values.append(v) }
        }
        guard Double(values.count) >= 0.95 * Double(resamples) else { return nil }
        values.sort()
        let tail = (1 - level) / 2
        guard let low = RankStatistics.quantile(sorted: values, tail), let high = RankStatistics.quantile(sorted: values, 1 - tail) else { return nil }
        return (low, high)
    }

    /// Two-sided permutation p-value for the association of x and y, keeping conversations whole: y's turns of a
    /// whole cluster are swapped with those of another cluster holding as many turns (turn k with turn k), and the
    /// statistic is computed over the pairs present. This keeps each channel's course within a conversation and its
    /// dependence on the turn's position, and breaks only the link between the two. p = (1 + b) / (1 + N), b the
    /// permutations whose |statistic| is at least the observed one's. Nil without an observed statistic, or when
    /// fewer than `minimumClusters` clusters have a partner of their length to swap with.
    public static func blockPermutationP(x: [[Double?]], y: [[Double?]], permutations: Int, seed: UInt64, minimumClusters: Int = 5,
                                         statistic: ([Double], [Double]) -> Double?) -> Double? {
        guard x.count == y.count, permutations > 0 else { return nil }
        func pooled(_ order: [Int]) -> Double? {
            var a: [Double] = [], b: [Double] = []
            for (c, d) in order.enumerated() {
                for (u, v) in zip(x[c], y[d]) {
                    if let u, let v { a.append(u); b.append(v) }
                }
            }
            return statistic(a, b)
        }
        guard let observed = pooled(Array(x.indices)), observed.isFinite else { return nil }
        var groups: [Int: [Int]] = [:]
        for c in x.indices where x[c].count == y[c].count { groups[x[c].count, default: []].append(c) }
        // In key order: a dictionary's order changes from run to run, and with it the draws.
        let swappable = groups.keys.sorted().compactMap { groups[$0] }.filter { $0.count >= 2 }
        guard swappable.reduce(0, { $0 + $1.count }) >= max(2, minimumClusters) else { return nil }
        var rng = ReportRandom(seed: seed)
        var order = Array(x.indices)
        var atLeast = 0, counted = 0
        for _ in 0..<permutations {
            for group in swappable {
                var shuffled = group
                rng.shuffle(&shuffled)
                for (c, d) in zip(group, shuffled) { order[c] = d }
            }
            guard let v = pooled(order), v.isFinite else { continue }
            counted += 1
            if abs(v) >= abs(observed) - 1e-12 { atLeast += 1 }
        }
        guard counted > 0 else { return nil }
        return Double(1 + atLeast) / Double(1 + counted)
    }

    /// The matching emotions' standing in a square matrix m[a][b] = correlation of reading a with self-report b
    /// (no nil entries): each diagonal entry's rank within its row (1 = the largest), averaged over rows, and a
    /// one-sided permutation p-value for that mean rank: the self-report labels (columns) are permuted, so under the
    /// null the "matching" column of each row is a random one. A shared factor that lifts every entry (valence,
    /// the topic) lifts the diagonal no more than the rest and leaves the mean rank at chance, (k + 1) / 2.
    public static func diagonalRank(_ m: [[Double]], permutations: Int, seed: UInt64)
        -> (meanRank: Double, chance: Double, p: Double?, meanDiagonal: Double, meanOffDiagonal: Double)? {
        let k = m.count
        guard k >= 2, m.allSatisfy({ $0.count == k }) else { return nil }
        let ranks = m.map { RankStatistics.descendingRanks($0).map { $0! } }
        let observed = (0..<k).reduce(0.0) { $0 + ranks[$1][$1] } / Double(k)
        let meanDiagonal = (0..<k).reduce(0.0) { $0 + m[$1][$1] } / Double(k)
        var off = 0.0
        for a in 0..<k { for b in 0..<k where a != b { off += m[a][b] } }
        var p: Double?
        if permutations > 0 {
            var rng = ReportRandom(seed: seed)
            var labels = Array(0..<k)
            var atMost = 0
            for _ in 0..<permutations {
                rng.shuffle(&labels)
                let v = (0..<k).reduce(0.0) { $0 + ranks[$1][labels[$1]] } / Double(k)
                if v <= observed + 1e-12 { atMost += 1 }
            }
            p = Double(1 + atMost) / Double(1 + permutations)
        }
        return (observed, Double(k + 1) / 2, p, meanDiagonal, off / Double(k * (k - 1)))
    }
}
