import Engine
import Foundation

/// How robust self-reports are to the wording of the question (`limbic selfreport study`): several wordings
/// (self-report styles) asked after the same turns, compared per emotion by rank correlation over turns, with two
/// controls: the same correlation with one wording's turns shuffled (a seeded permutation null: what chance
/// gives), and the correlation between *different* emotions across wordings (what a shared turn-level offset
/// gives: if every wording simply answers higher on some turns for every emotion, same-emotion and
/// cross-emotion correlations are alike, and the agreement says nothing about the emotion).
public struct SelfReportStudy: Sendable {
    /// Per-turn answers of several wordings after the same turns.
    public struct Answers: Sendable {
        public var styles: [String]
        public var emotions: [String]
        /// `values[style][turn][emotion]`: the report's values (expected 0-9 rating; choice probability × 9).
        public var values: [[[Double]]]
        /// `masses[style][turn]`: the probability the answer put on the answer tokens (ratings: mean over emotions).
        public var masses: [[Double]]

        public init(styles: [String], emotions: [String], values: [[[Double]]] = [], masses: [[Double]] = []) {
            self.styles = styles
            self.emotions = emotions
            self.values = values.isEmpty ? styles.map { _ in [] } : values
            self.masses = masses.isEmpty ? styles.map { _ in [] } : masses
        }

        /// Adds one turn's reports, one per style in `styles` order.
        public mutating func append(_ reports: [SelfReport]) {
            for (s, r) in reports.enumerated() {
                values[s].append(r.values.map(Double.init))
                masses[s].append(SelfReportStudy.mass(r))
            }
        }

        public var turns: Int { values.first?.count ?? 0 }
    }

    /// One emotion's agreement across wordings.
    public struct EmotionRow: Sendable {
        public var emotion: String
        /// Spearman rho over turns for each pair of wordings (`pairs` order); nil with fewer than 3 turns or where
        /// a wording gives this emotion the same value on every turn.
        public var pairs: [Double?]
        /// The mean of `pairs` (over the pairs that have one).
        public var rho: Double?
        /// The same mean with the second wording of each pair shuffled over turns: mean and 95% range over the
        /// permutations.
        public var nullMean: Double?
        public var nullLow: Double?
        public var nullHigh: Double?
        /// Mean rho between this emotion in one wording and each other emotion in the other, over pairs (both ways).
        public var cross: Double?
    }

    /// One wording's answers overall.
    public struct StyleRow: Sendable {
        public var style: String
        /// Mean probability mass on the answer tokens over turns.
        public var meanMass: Double?
        /// The emotion most often on top (highest value) and on what share of turns.
        public var modalTop: String?
        public var modalTopShare: Double?
    }

    public let styles: [String]
    public let emotions: [String]
    public let turns: Int
    /// Pairs of wordings (indices into `styles`), each once.
    public let pairs: [(Int, Int)]
    public let rows: [EmotionRow]
    public let styleRows: [StyleRow]
    /// Mean over emotions of `EmotionRow.rho` and of `EmotionRow.cross`.
    public let meanRho: Double?
    public let meanCross: Double?
    /// Per pair of wordings (`pairs` order): the mean same-emotion rho over emotions, and the mean cross-emotion rho
    /// (each emotion in one wording against every other emotion in the other, both ways).
    public let pairRho: [Double?]
    public let pairCross: [Double?]
    /// Share of turns on which every wording puts the same emotion on top; the mean share over pairs; that share
    /// with the second wording's turns shuffled (mean over permutations).
    public let topAllAgree: Double?
    public let topPairAgree: Double?
    public let topPairAgreeNull: Double?
    public let permutations: Int
    public let seed: UInt64

    /// Computes every statistic; `permutations` shuffles of the turns (the same permutation for every pair in one
    /// draw), seeded so the same data give the same figures.
    public init(_ data: Answers, permutations: Int = 1000, seed: UInt64 = 1) {
        styles = data.styles
        emotions = data.emotions
        turns = data.turns
        self.permutations = permutations
        self.seed = seed
        let nS = data.styles.count, nE = data.emotions.count, n = data.turns
        let pairs = (0..<nS).flatMap { a in ((a + 1)..<max(a + 1, nS)).map { (a, $0) } }
        self.pairs = pairs
        // Ranks once per (style, emotion): a permutation of a series permutes its ranks.
        let ranks = (0..<nS).map { s in (0..<nE).map { e in Self.ranks(data.values[s].map { $0[e] }) } }
        let tops = (0..<nS).map { s in data.values[s].map { Self.argmax($0) } }

        var rng = SplitMix64(seed: seed)
        let draws: [[Int]] = n >= 3 ? (0..<permutations).map { _ in Array(0..<n).shuffled(using: &rng) } : []

        var rows: [EmotionRow] = []
        var crossByPair = pairs.map { _ in [Double]() }
        for e in 0..<nE {
            let perPair = pairs.map { a, b in Self.pearson(ranks[a][e], ranks[b][e]) }
            var nulls: [Double] = []
            for pi in draws {
                let rs = pairs.compactMap { a, b in Self.pearson(ranks[a][e], pi.map { ranks[b][e][$0] }) }
                if !rs.isEmpty { nulls.append(Self.mean(rs)!) }
            }
            nulls.sort()
            var cross: [Double] = []
            for (p, (a, b)) in pairs.enumerated() {
                for f in 0..<nE where f != e {
                    if let r = Self.pearson(ranks[a][e], ranks[b][f]) { cross.append(r); crossByPair[p].append(r) }
                    if let r = Self.pearson(ranks[a][f], ranks[b][e]) { cross.append(r); crossByPair[p].append(r) }
                }
            }
            rows.append(EmotionRow(emotion: data.emotions[e], pairs: perPair, rho: Self.mean(perPair.compactMap { $0 }),
                                   nullMean: Self.mean(nulls), nullLow: Self.quantile(nulls, 0.025),
                                   nullHigh: Self.quantile(nulls, 0.975), cross: Self.mean(cross)))
        }
        self.rows = rows
        meanRho = Self.mean(rows.compactMap(\.rho))
        meanCross = Self.mean(rows.compactMap(\.cross))
        pairRho = pairs.indices.map { p in Self.mean(rows.compactMap { $0.pairs[p] }) }
        pairCross = crossByPair.map { Self.mean($0) }

        styleRows = (0..<nS).map { s in
            let counts = Dictionary(grouping: tops[s].compactMap { $0 }, by: { $0 }).mapValues(\.count)
            let best = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }
            return StyleRow(style: data.styles[s], meanMass: Self.mean(data.masses[s]),
                            modalTop: best.map { data.emotions[$0.key] }, modalTopShare: best.map { Double($0.value) / Double(n) })
        }

        if n > 0 && nS >= 2 {
            topAllAgree = Double((0..<n).filter { t in tops[0][t] != nil && tops.allSatisfy { $0[t] == tops[0][t] } }.count) / Double(n)
            func agree(_ a: Int, _ b: Int, _ pi: [Int]?) -> Double {
                Double((0..<n).filter { t in tops[a][t] != nil && tops[a][t] == tops[b][pi?[t] ?? t] }.count) / Double(n)
            }
            topPairAgree = Self.mean(pairs.map { agree($0.0, $0.1, nil) })
            topPairAgreeNull = Self.mean(draws.map { pi in Self.mean(pairs.map { agree($0.0, $0.1, pi) })! })
        } else {
            topAllAgree = nil
            topPairAgree = nil
            topPairAgreeNull = nil
        }
    }

    /// The probability mass a report put on its answer tokens: the choice's, or the mean of the ratings'.
    public static func mass(_ r: SelfReport) -> Double {
        if let c = r.choice { return Double(c.mass) }
        return mean(r.ratings.map { Double($0.mass) }) ?? .nan
    }

    // MARK: Small statistics

    /// Spearman's rank correlation with average ranks for ties; nil with fewer than 3 pairs or no spread.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count else { return nil }
        return pearson(ranks(x), ranks(y))
    }

    /// Ranks from 1, ties sharing their average rank.
    static func ranks(_ v: [Double]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] }
        var r = [Double](repeating: 0, count: v.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, v[order[j + 1]] == v[order[i]] { j += 1 }
            for k in i...j { r[order[k]] = Double(i + j) / 2 + 1 }
            i = j + 1
        }
        return r
    }

    /// Pearson's correlation; nil with fewer than 3 pairs or when either side has no spread.
    static func pearson(_ a: [Double], _ b: [Double]) -> Double? {
        guard a.count == b.count, a.count >= 3 else { return nil }
        let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (p, q) in zip(a, b) { sab += (p - ma) * (q - mb); saa += (p - ma) * (p - ma); sbb += (q - mb) * (q - mb) }
        guard saa > 1e-12, sbb > 1e-12 else { return nil }
        return sab / (saa * sbb).squareRoot()
    }

    static func mean(_ x: [Double]) -> Double? {
        let f = x.filter(\.isFinite)
        return f.isEmpty ? nil : f.reduce(0, +) / Double(f.count)
    }

    /// The `q` quantile of sorted values, interpolating linearly between neighbours; nil when empty.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let x = q * Double(sorted.count - 1)
        let i = Int(x.rounded(.down)), j = min(i + 1, sorted.count - 1)
        return sorted[i] + (x - Double(i)) * (sorted[j] - sorted[i])
    }

    /// The index of the largest finite value (the first of equals); nil when none is finite.
    static func argmax(_ v: [Double]) -> Int? {
        var best: Int? = nil
        for (i, x) in v.enumerated() where x.isFinite { if best == nil || x > v[best!] { best = i } }
        return best
    }
}
