import Foundation

// `ReadingCorrelations` as `limbic report` prints it: a table with each correlation beside its controls, the
// matrix's diagonal against the rest, and (`--matrix`) the whole matrix; and its `--json` layout.

extension ReadingCorrelations {
    /// "+0.41", or "—" for none.
    static func signed(_ v: Double?) -> String { v.map { String(format: "%+.2f", $0) } ?? "—" }

    /// "+0.41 [+0.22, +0.58]"; "+0.41 [—]" without an interval; "—" without rho.
    static func withInterval(_ v: Double?, _ i: (low: Double, high: Double)?) -> String {
        guard let v else { return "—" }
        return signed(v) + " [" + (i.map { signed($0.low) + ", " + signed($0.high) } ?? "—") + "]"
    }

    /// A p-value with two significant digits ("0.0005", "0.03", "0.41"), or "—".
    static func pValue(_ p: Double?) -> String { p.map { String(format: "%.2g", $0) } ?? "—" }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

    /// The table, the diagonal line, the matrix when asked, and what the columns mean.
    public func text(matrix showMatrix: Bool = false) -> String {
        let logCount = perEmotion.map(\.logs).max() ?? 0
        if perEmotion.allSatisfy({ $0.rho == nil }) {
            let most = perEmotion.map(\.n).max() ?? 0
            return "reading vs self-report: too few turns (at most \(most) with both a reading and a self-report of the same emotion; \(options.minimumPairs) needed"
                + (belowMassFloor > 0 ? "; \(belowMassFloor) self-report\(belowMassFloor == 1 ? "" : "s") under the \(Int((options.massFloor * 100).rounded()))% mass floor left out" : "") + ")\n"
                + trustLine
        }
        var s = "reading vs self-report per emotion (Spearman over turns\(logCount > 0 ? ", from \(logCount) log\(logCount == 1 ? "" : "s")" : ""))\n"
        s += Self.pad("emotion", 12) + Self.pad("rho [95% CI]", 22) + Self.pad("p", 8) + Self.pad("others", 8) + Self.pad("rank", 7)
            + Self.pad("partial [95% CI]", 22) + (trust.isEmpty ? "n\n" : Self.pad("n", 8) + "trust\n")
        for r in perEmotion {
            s += Self.pad(String(r.emotion.prefix(11)), 12) + Self.pad(Self.withInterval(r.rho, r.interval), 22) + Self.pad(Self.pValue(r.p), 8)
            s += Self.pad(Self.signed(r.otherMean), 8) + Self.pad(r.rankInRow.map { $0.trimmed(places: 1) + "/\(r.rowSize)" } ?? "—", 7)
            let n = "\(r.n)" + (r.partialN != r.n ? " (\(r.partialN))" : "")
            s += Self.pad(Self.withInterval(r.partial, r.partialInterval), 22)
            s += trust.isEmpty ? n + "\n" : Self.pad(n, 8) + (trust[r.emotion].map { String(format: "%.2f", $0) } ?? "—") + "\n"
        }
        if let d = diagonal {
            s += String(format: "matching vs other emotions (%d): mean rho %+.2f on the diagonal, %+.2f off it; the matching self-report ranks %.1f of %d in its row on average (chance %.1f), p %@ (one-sided; self-report labels permuted %d×)\n",
                        d.emotions.count, d.meanDiagonal, d.meanOffDiagonal, d.meanRank, d.emotions.count, d.chanceRank, Self.pValue(d.p), d.permutations)
        } else {
            s += "matching vs other emotions: — (fewer than 2 emotions with \(options.minimumPairs) pairs or more)\n"
        }
        if showMatrix { s += "\n" + matrixText() }
        s += """

        rho: the reply's reading vs the self-report of the same emotion; [95% CI]: \(options.resamples) bootstrap resamples of whole logs
        p: two-sided, whole logs' self-reports swapped among logs with as many turns (\(options.permutations) permutations)
        others: mean rho of this reading with the other emotions' self-reports; rank: the matching self-report's place among them (1 = best)
        partial: rho controlling for the reading of the same emotion on the user's turn (ranks residualised); (n) where its n differs\(trust.isEmpty ? "" : "\ntrust: how this self-report followed injections of its own emotion (limbic introspect selfreport; AUROC, 0.5 chance)")
        missing: self-reports with under \(Int((options.massFloor * 100).rounded()))% of their probability on the answer (\(belowMassFloor) left out) and null values; "—": under \(options.minimumPairs) pairs, or (CI, p) under \(options.minimumLogs) logs

        """
        return s
    }

    /// The trust scores on one line (when the table, which has them as a column, is not printed).
    var trustLine: String {
        guard !trust.isEmpty else { return "" }
        return "trust: how each self-report followed injections of its own emotion (limbic introspect selfreport; AUROC, 0.5 chance): "
            + emotions.compactMap { e in trust[e].map { "\(e) " + String(format: "%.2f", $0) } }.joined(separator: ", ") + "\n"
    }

    /// Rows: readings; columns: self-reports; the diagonal in brackets.
    public func matrixText() -> String {
        var s = "reading (row) vs self-report (column), Spearman; [diagonal]\n" + Self.pad("", 12)
        for e in emotions { s += " " + String(e.prefix(6)).padding(toLength: 6, withPad: " ", startingAt: 0) }
        s += "\n"
        for (a, e) in emotions.enumerated() {
            s += Self.pad(String(e.prefix(11)), 12)
            for b in emotions.indices {
                let v = Self.signed(matrix[a][b])
                let cell = a == b ? "[" + v + "]" : " " + v + " "
                s += String(repeating: " ", count: max(0, 7 - cell.count)) + cell
            }
            s += "\n"
        }
        return s
    }
}

extension Double {
    /// "4", "4.5".
    fileprivate func trimmed(places: Int) -> String {
        var s = String(format: "%.\(places)f", self)
        while s.contains("."), s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}

/// The layout of `correlations` in `limbic report --json`: every figure with its n; null where there is none.
struct JSONCorrelations: Encodable {
    struct Interval: Encodable {
        var low: Double
        var high: Double
    }

    struct Emotion: Encodable {
        var rho: Double?
        var ci95: Interval?
        var p: Double?
        var n: Int
        var logs: Int
        var partialRho: Double?
        var partialCI95: Interval?
        var partialN: Int
        var othersMean: Double?
        var rankInRow: Double?
        var rowSize: Int

        enum CodingKeys: String, CodingKey {
            case rho, p, n, logs
            case ci95 = "ci95"
            case partialRho = "partial_rho"
            case partialCI95 = "partial_ci95"
            case partialN = "partial_n"
            case othersMean = "others_mean"
            case rankInRow = "rank_in_row"
            case rowSize = "row_size"
        }

        /// Missing figures are written as `null`, not left out.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(rho, forKey: .rho)
            try c.encode(ci95, forKey: .ci95)
            try c.encode(p, forKey: .p)
            try c.encode(n, forKey: .n)
            try c.encode(logs, forKey: .logs)
            try c.encode(partialRho, forKey: .partialRho)
            try c.encode(partialCI95, forKey: .partialCI95)
            try c.encode(partialN, forKey: .partialN)
            try c.encode(othersMean, forKey: .othersMean)
            try c.encode(rankInRow, forKey: .rankInRow)
            try c.encode(rowSize, forKey: .rowSize)
        }
    }

    struct Matrix: Encodable {
        /// Row and column order; rows are readings, columns self-reports.
        var emotions: [String]
        var rho: [[Double?]]
        var n: [[Int]]
    }

    struct Diagonal: Encodable {
        var emotions: [String]
        var meanDiagonal: Double
        var meanOffDiagonal: Double
        var meanRank: Double
        var chanceRank: Double
        var p: Double?
        var permutations: Int
        var method = "self-report labels permuted; p one-sided (a mean rank at least as good)"

        enum CodingKeys: String, CodingKey {
            case emotions, p, permutations, method
            case meanDiagonal = "mean_diagonal"
            case meanOffDiagonal = "mean_off_diagonal"
            case meanRank = "mean_rank"
            case chanceRank = "chance_rank"
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(emotions, forKey: .emotions)
            try c.encode(meanDiagonal, forKey: .meanDiagonal)
            try c.encode(meanOffDiagonal, forKey: .meanOffDiagonal)
            try c.encode(meanRank, forKey: .meanRank)
            try c.encode(chanceRank, forKey: .chanceRank)
            try c.encode(p, forKey: .p)
            try c.encode(permutations, forKey: .permutations)
            try c.encode(method, forKey: .method)
        }
    }

    struct Method: Encodable {
        var resamples: Int
        var permutations: Int
        var seed: UInt64
        var massFloor: Double
        var minimumPairs: Int
        var minimumLogs: Int
        var belowMassFloor: Int
        var interval = "95% percentile bootstrap, whole logs resampled"
        var pValue = "two-sided permutation, whole logs' self-reports swapped among logs with as many turns"
        var partial = "partial Spearman controlling for the same emotion's reading on the user's turn (ranks residualised)"

        enum CodingKeys: String, CodingKey {
            case resamples, permutations, seed, interval, partial
            case massFloor = "mass_floor"
            case minimumPairs = "minimum_pairs"
            case minimumLogs = "minimum_logs"
            case belowMassFloor = "below_mass_floor"
            case pValue = "p"
        }
    }

    var method: Method
    var emotions: [String: Emotion]
    var matrix: Matrix
    var diagonal: Diagonal?

    /// `diagonal` is written as `null` when there is none.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encode(emotions, forKey: .emotions)
        try c.encode(matrix, forKey: .matrix)
        try c.encode(diagonal, forKey: .diagonal)
    }

    enum CodingKeys: String, CodingKey { case method, emotions, matrix, diagonal }

    init(_ r: ReadingCorrelations) {
        func round(_ v: Double?) -> Double? { v.flatMap { $0.isFinite ? ($0 * 10000).rounded() / 10000 : nil } }
        // Means of ranks and of correlations in [-1, 1]: always finite.
        func roundFinite(_ v: Double) -> Double { (v * 10000).rounded() / 10000 }
        func interval(_ i: (low: Double, high: Double)?) -> Interval? {
            guard let i, let low = round(i.low), let high = round(i.high) else { return nil }
            return Interval(low: low, high: high)
        }
        let o = r.options
        method = Method(resamples: o.resamples, permutations: o.permutations, seed: o.seed, massFloor: o.massFloor,
                        minimumPairs: o.minimumPairs, minimumLogs: o.minimumLogs, belowMassFloor: r.belowMassFloor)
        var emotions: [String: Emotion] = [:]
        for e in r.perEmotion {
            emotions[e.emotion] = Emotion(rho: round(e.rho), ci95: interval(e.interval), p: round(e.p), n: e.n, logs: e.logs,
                                          partialRho: round(e.partial), partialCI95: interval(e.partialInterval), partialN: e.partialN,
                                          othersMean: round(e.otherMean), rankInRow: e.rankInRow, rowSize: e.rowSize)
        }
        self.emotions = emotions
        matrix = Matrix(emotions: r.emotions, rho: r.matrix.map { row in row.map { round($0) } }, n: r.matrixN)
        diagonal = r.diagonal.map { d in
            Diagonal(emotions: d.emotions, meanDiagonal: roundFinite(d.meanDiagonal), meanOffDiagonal: roundFinite(d.meanOffDiagonal),
                     meanRank: roundFinite(d.meanRank), chanceRank: d.chanceRank, p: round(d.p), permutations: d.permutations)
        }
    }
}
