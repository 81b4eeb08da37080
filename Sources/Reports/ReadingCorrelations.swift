import Foundation

/// How far the reply's reading of each emotion goes with the model's self-report of it, over the turns of one or
/// more logs (each log one conversation), with the controls that tell "tracks this emotion" from "both follow
/// something else":
/// - a 95% bootstrap interval that resamples whole conversations (turns of one conversation are not independent);
/// - a permutation p-value that swaps whole conversations' self-reports (`Resampling.blockPermutationP`);
/// - the matrix of every reading against every self-report: the matching emotion should correlate better than the
///   others (a shared valence lifts the whole matrix, not its diagonal), with a label-permutation p-value;
/// - the partial correlation controlling for the same emotion's reading on the user's turn (a proxy for the topic:
///   what the conversation is about, before the model wrote anything).
///
/// Missing stays missing: a self-report whose answer put less than `massFloor` of its probability on the answer
/// tokens (or whose mass is not known) is missing for that emotion and turn; a null reading or value is missing;
/// pairs are dropped pairwise, and a figure over fewer than `minimumPairs` pairs is nil.
public struct ReadingCorrelations: Sendable {
    /// Each emotion's self-report trust score, from the logs' sessions (shown beside its row when measured).
    public var trust: [String: Double] = [:]
    public struct Options: Sendable {
        /// Bootstrap resamples of whole conversations.
        public var resamples = 2000
        /// Permutations for each emotion's p-value.
        public var permutations = 2000
        /// Permutations of the self-report labels for the matrix's diagonal rank.
        public var labelPermutations = 10000
        public var seed: UInt64 = 0x6C69_6D62_6963   // "limbic"
        /// A self-report counts only if its answer held at least this much probability (the panel's "sure" floor).
        public var massFloor = 0.5
        /// Fewer pairs than this give no figure.
        public var minimumPairs = 8
        /// Fewer conversations than this give no interval and no p-value.
        public var minimumLogs = 5

        public init() {}
    }

    /// One emotion: its reading against its own self-report, beside its controls.
    public struct Emotion: Sendable {
        public var emotion: String
        /// Spearman of the reply reading with the self-report, over `n` turns from `logs` conversations.
        public var rho: Double?
        public var n: Int
        public var logs: Int
        /// 95% percentile bootstrap interval, whole conversations resampled.
        public var interval: (low: Double, high: Double)?
        /// Two-sided permutation p-value for rho, whole conversations' self-reports swapped.
        public var p: Double?
        /// Partial Spearman controlling for the user-turn reading of the same emotion, over `partialN` turns.
        public var partial: Double?
        public var partialN: Int
        public var partialInterval: (low: Double, high: Double)?
        /// The mean correlation of this reading with the other emotions' self-reports (the matrix row without its
        /// diagonal), and where the matching self-report ranks in the row (1 = the best of `rowSize`).
        public var otherMean: Double?
        public var rankInRow: Double?
        public var rowSize: Int
    }

    /// The matrix's diagonal against the rest, over `emotions` (those whose row and column are complete).
    public struct Diagonal: Sendable {
        public var emotions: [String]
        public var meanDiagonal: Double
        public var meanOffDiagonal: Double
        /// The matching self-report's mean rank within its row (1 = best), and chance, (k + 1) / 2.
        public var meanRank: Double
        public var chanceRank: Double
        /// One-sided: the share of self-report label permutations with a mean rank at least as good.
        public var p: Double?
        public var permutations: Int
    }

    public var options: Options
    public var emotions: [String]
    public var perEmotion: [Emotion]
    /// matrix[a][b]: Spearman of the reading of emotions[a] with the self-report of emotions[b] (nil: too few pairs
    /// or no spread); matrixN the pairs.
    public var matrix: [[Double?]]
    public var matrixN: [[Int]]
    public var diagonal: Diagonal?
    /// Self-reports left out for a mass under the floor (or unknown), over all emotions and turns.
    public var belowMassFloor: Int

    public init(_ logs: [SessionLogFile], emotions: [String], options: Options = Options()) {
        self.options = options
        self.emotions = emotions
        // Per log, per turn in order: the reply reading, the user reading and the self-report (floor applied).
        var reading: [[[String: Double]]] = [], user: [[[String: Double]]] = [], said: [[[String: Double]]] = []
        var below = 0
        for log in logs {
            reading.append(log.turns.map(\.readingZ))
            user.append(log.turns.map(\.userZ))
            said.append(log.turns.map { t in
                var kept: [String: Double] = [:]
                for e in t.selfValue.keys {
                    if let v = Self.selfReport(t, e, massFloor: options.massFloor) { kept[e] = v } else { below += 1 }
                }
                return kept
            })
        }
        belowMassFloor = below
        func series(_ source: [[[String: Double]]], _ e: String) -> [[Double?]] { source.map { $0.map { $0[e] } } }
        func pairs(_ x: [[Double?]], _ y: [[Double?]]) -> [[(Double, Double)]] {
            zip(x, y).map { a, b in zip(a, b).compactMap { u, v in u.flatMap { u in v.map { (u, $0) } } } }
        }
        let minimum = options.minimumPairs
        func rho(_ clusters: [[(Double, Double)]]) -> (Double?, Int) {
            let all = clusters.flatMap { $0 }
            return (all.count >= minimum ? RankStatistics.spearman(all.map(\.0), all.map(\.1)) : nil, all.count)
        }

        // The matrix: every reading against every self-report.
        let readings = emotions.map { series(reading, $0) }, reports = emotions.map { series(said, $0) }
        var matrix: [[Double?]] = [], matrixN: [[Int]] = []
        for a in emotions.indices {
            let row = emotions.indices.map { rho(pairs(readings[a], reports[$0])) }
            matrix.append(row.map(\.0))
            matrixN.append(row.map(\.1))
        }
        self.matrix = matrix
        self.matrixN = matrixN

        perEmotion = emotions.indices.map { a in
            let e = emotions[a]
            let seed = Resampling.seed(options.seed, e)
            let own = pairs(readings[a], reports[a])
            let (r, n) = (matrix[a][a], matrixN[a][a])
            var result = Emotion(emotion: e, rho: r, n: n, logs: own.filter { !$0.isEmpty }.count, partialN: 0, rowSize: 0)
            if r != nil {
                result.interval = Resampling.clusterBootstrap(own, resamples: options.resamples, seed: seed, minimumClusters: options.minimumLogs) {
                    RankStatistics.spearman($0.map(\.0), $0.map(\.1))
                }
                result.p = Resampling.blockPermutationP(x: readings[a], y: reports[a], permutations: options.permutations, seed: seed,
                                                        minimumClusters: options.minimumLogs, statistic: RankStatistics.spearman)
                let ranks = RankStatistics.descendingRanks(matrix[a])
                let others = emotions.indices.compactMap { $0 == a ? nil : matrix[a][$0] }
                result.otherMean = others.isEmpty ? nil : others.reduce(0, +) / Double(others.count)
                result.rankInRow = others.isEmpty ? nil : ranks[a]
                result.rowSize = others.count + 1
            }
            // The partial correlation, on turns with all three of reading, self-report and user-turn reading.
            let controls = series(user, e)
            let triples: [[(Double, Double, Double)]] = readings[a].indices.map { c in
                readings[a][c].indices.compactMap { t in
                    guard let x = readings[a][c][t], let y = reports[a][c][t], t < controls[c].count, let z = controls[c][t] else { return nil }
                    return (x, y, z)
                }
            }
            func partial(_ v: [(Double, Double, Double)]) -> Double? {
                RankStatistics.partialSpearman(v.map(\.0), v.map(\.1), controlling: v.map(\.2))
            }
            let all = triples.flatMap { $0 }
            result.partialN = all.count
            if all.count >= minimum, let p = partial(all) {
                result.partial = p
                result.partialInterval = Resampling.clusterBootstrap(triples, resamples: options.resamples, seed: seed,
                                                                     minimumClusters: options.minimumLogs, statistic: partial)
            }
            return result
        }

        diagonal = Self.diagonal(matrix, emotions: emotions, options: options)
    }

    /// The self-reported value of emotion `e` on turn `t`, nil when there is none or its answer's probability mass
    /// is under `massFloor` or unknown.
    public static func selfReport(_ t: LoggedTurn, _ e: String, massFloor: Double) -> Double? {
        guard let v = t.selfValue[e], let m = t.selfMass[e], m >= massFloor else { return nil }
        return v
    }

    /// The diagonal summary over the largest set of emotions whose sub-matrix is complete: emotions without a
    /// diagonal are dropped, then, while any entry is missing, the emotion with the most missing entries in its row
    /// and column (the later one on a tie). Nil with fewer than 2 emotions left.
    static func diagonal(_ matrix: [[Double?]], emotions: [String], options: Options) -> Diagonal? {
        var kept = emotions.indices.filter { matrix[$0][$0] != nil }
        while true {
            let missing = kept.map { a in kept.filter { matrix[a][$0] == nil }.count + kept.filter { matrix[$0][a] == nil }.count }
            guard let worst = missing.max(), worst > 0 else { break }
            kept.remove(at: missing.lastIndex(of: worst)!)
        }
        guard kept.count >= 2 else { return nil }
        let m = kept.map { a in kept.map { matrix[a][$0]! } }
        guard let d = Resampling.diagonalRank(m, permutations: options.labelPermutations, seed: Resampling.seed(options.seed, "diagonal")) else { return nil }
        return Diagonal(emotions: kept.map { emotions[$0] }, meanDiagonal: d.meanDiagonal, meanOffDiagonal: d.meanOffDiagonal,
                        meanRank: d.meanRank, chanceRank: d.chance, p: d.p, permutations: options.labelPermutations)
    }
}
