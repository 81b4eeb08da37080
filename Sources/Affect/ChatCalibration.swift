import Engine
import Foundation

/// The kinds of number the monitor turns into a z-score. Each has its own null distribution, measured on neutral
/// chats, because each is a different statistic: a mean over a span is narrower the longer the span, a single
/// token is wider, and the position just before a reply sits on the template's own tokens.
public enum ReadingKind: String, Sendable, Codable, CaseIterable {
    /// Mean projection over the assistant reply's content tokens.
    case reply
    /// Mean projection over the user turn's content tokens.
    case user
    /// The projection at the last position before the reply (the end of the template's assistant header).
    case lastBefore = "last_before"
    /// One reply token's projection.
    case perToken = "per_token"
}

/// How raw projections become z-scores. A probe set's own calibration (neutral passages, no chat template) is one;
/// a `ChatCalibration` (neutral chats, the session's template and system prompt) is the one the monitor uses.
public protocol ReadingNull: Sendable {
    /// z per emotion of raw projections `raw` of kind `kind` over `tokens` tokens (1 for single positions).
    func z(_ raw: [Float], kind: ReadingKind, tokens: Int) -> [Float]
}

extension LayerProbe: ReadingNull {
    /// The passage calibration: the same null for every kind (the fallback before a chat calibration exists).
    public func z(_ raw: [Float], kind: ReadingKind, tokens: Int) -> [Float] { zScores(raw) }
}

/// One emotion-wise null distribution: mean and standard deviation.
public struct NullDistribution: Sendable, Codable, Equatable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// Mean and standard deviation of each column of `rows` (NaN entries skipped), the deviation at least `floor`.
    public init(rows: [[Float]], width: Int, floor: Float) {
        let stats = (0..<width).map { e in Statistics.meanAndStd(rows.compactMap { $0[e].isFinite ? $0[e] : nil }, floor: floor) }
        self.init(mean: stats.map(\.mean), std: stats.map(\.std))
    }

    /// z per emotion; NaN where this null has no entry (never a trap: a file is checked with `problem` first).
    public func z(_ x: [Float]) -> [Float] {
        x.indices.map { $0 < mean.count && $0 < std.count ? (x[$0] - mean[$0]) / std[$0] : .nan }
    }
}

/// The null of a span mean, whose spread depends on the span's length n: var(n) = a + b / n per emotion (a: how
/// much whole turns differ, b: what averaging over tokens removes). b is the pooled variance of single tokens
/// around their own turn's mean, measured directly; a is what remains of the turns' squared deviations (method of
/// moments, kept non-negative). Measuring b from the tokens keeps the two apart even when most replies have about
/// the same length (a reply cap), where a least-squares fit of both cannot tell them apart.
public struct SpanNull: Sendable, Codable, Equatable {
    public var mean: [Float]
    public var between: [Float]
    public var within: [Float]
    /// The smallest deviation used, whatever the fit says (a fraction of the deviation of single tokens).
    public var floor: [Float]

    public init(mean: [Float], between: [Float], within: [Float], floor: [Float]) {
        self.mean = mean
        self.between = between
        self.within = within
        self.floor = floor
    }

    /// Fits the null from `samples`: each a span's mean projections, its length, and (when measured) its tokens'
    /// projections. Spans without tokens give b from the others; with none anywhere, b is 0 and a takes all.
    public init(samples: [(raw: [Float], tokens: Int, rows: [[Float]])], width: Int) {
        var mean = [Float](repeating: 0, count: width), a = mean, b = mean, floor = mean
        for e in 0..<width {
            let xs = samples.filter { $0.tokens > 0 && $0.raw[e].isFinite }
            guard !xs.isEmpty else { continue }
            // Pooled within-span variance of single tokens (each around its own span's mean).
            var ss = 0.0, dof = 0
            for x in xs where x.rows.count > 1 {
                let r = x.rows.map { Double($0[e]) }.filter(\.isFinite)
                guard r.count > 1 else { continue }
                let rm = r.reduce(0, +) / Double(r.count)
                ss += r.reduce(0) { $0 + ($1 - rm) * ($1 - rm) }
                dof += r.count - 1
            }
            let bi = dof > 0 ? ss / Double(dof) : 0
            // Mean and a by weighted moments, weights 1 / var(n) (short spans are noisy), refined twice.
            let x = xs.map { Double($0.raw[e]) }, u = xs.map { bi / Double($0.tokens) }
            var m = x.reduce(0, +) / Double(x.count), ai = 0.0
            for round in 0..<3 {
                let w = u.map { 1 / max(ai + $0, 1e-12) }
                let sw = w.reduce(0, +)
                m = zip(w, x).reduce(0) { $0 + $1.0 * $1.1 } / sw
                let w2 = round == 0 ? u.map { _ in 1.0 } : w.map { $0 * $0 }
                let excess = zip(zip(w2, x), u).reduce(0.0) { acc, p in acc + p.0.0 * ((p.0.1 - m) * (p.0.1 - m) - p.1) }
                ai = max(excess / w2.reduce(0, +) * Double(x.count) / Double(max(x.count - 1, 1)), 0)
            }
            mean[e] = Float(m)
            a[e] = Float(ai)
            b[e] = Float(bi)
            floor[e] = Float(max(bi.squareRoot() / 10, 1e-6))
        }
        self.init(mean: mean, between: a, within: b, floor: floor)
    }

    public func std(_ e: Int, tokens: Int) -> Float {
        max((between[e] + within[e] / Float(max(tokens, 1))).squareRoot(), floor[e])
    }

    public func z(_ x: [Float], tokens: Int) -> [Float] {
        guard tokens > 0 else { return [Float](repeating: .nan, count: x.count) }
        let n = [mean.count, between.count, within.count, floor.count].min()!
        return x.indices.map { $0 < n ? (x[$0] - mean[$0]) / std($0, tokens: tokens) : .nan }
    }
}

/// What one neutral calibration turn produced, before any z: raw projections per kind and the self-report.
public struct CalibrationTurn: Sendable, Codable, Equatable {
    /// Which calibration chat it came from (its file's index).
    public var chat: Int
    public var turn: Int
    public var user: [Float]
    public var userTokens: Int
    public var reply: [Float]
    public var replyTokens: Int
    public var lastBefore: [Float]
    /// Each reply content token's projections.
    public var perToken: [[Float]]
    /// Self-report values on the z scale (`SelfReport.zScale`), NaN where missing; nil when none was asked.
    public var selfReport: [Float]?
    /// Whether each self-report answer was confident (`SelfReport.isConfident`): only those are ever flagged.
    public var selfReportConfident: [Bool]?

    public init(chat: Int, turn: Int, user: [Float], userTokens: Int, reply: [Float], replyTokens: Int,
                lastBefore: [Float], perToken: [[Float]], selfReport: [Float]?, selfReportConfident: [Bool]? = nil) {
        self.chat = chat
        self.turn = turn
        self.user = user
        self.userTokens = userTokens
        self.reply = reply
        self.replyTokens = replyTokens
        self.lastBefore = lastBefore
        self.perToken = perToken
        self.selfReport = selfReport
        self.selfReportConfident = selfReportConfident
    }
}

/// The monitor's calibration against neutral chat (issue 11): per emotion, the null distribution of every kind of
/// reading and of the self-report, measured on neutral multi-turn chats (`prompts/calibration/`) run through the
/// session's chat template and system prompt; and the family-wise thresholds of the flags. "z" everywhere in the
/// monitor means "against neutral chat", per kind.
///
/// The chats are split in two by file (even-numbered files fit, odd-numbered are held out), so the false-alarm
/// rates it reports (`heldOut`) are measured on chats that chose nothing.
public struct ChatCalibration: Sendable, Codable, ReadingNull {
    public static let version = 1
    /// The share of neutral turns allowed to raise any flag (family-wise over emotions).
    public static let falseAlarmBudget: Float = 0.05
    /// Self-report deviations below this (rating points, or log-odds for `choice`) are raised to it: below, a
    /// self-report's z is noise blown up.
    public static let selfReportStdFloor: Float = 0.25

    public var version = Self.version
    /// What it was measured for (model, probe set, template, system prompt, self-report question, chats); a
    /// mismatch means rebuild.
    public var key: String
    public var emotions: [String]
    public var layer: Int
    public var selfReportStyle: String
    /// Chats and turns it was fitted on.
    public var chats: Int
    public var turns: Int
    public var reply: SpanNull
    public var user: SpanNull
    public var lastBefore: NullDistribution
    public var perToken: NullDistribution
    /// nil when no self-report was confident enough to measure.
    public var selfReport: NullDistribution?
    /// Flag a reading when its reply z exceeds this for any emotion: chosen so that at most `falseAlarmBudget` of
    /// neutral turns do (family-wise).
    public var readingThreshold: Float
    /// Flag a disagreement when |gap| (reading z − self-report z) exceeds this for any emotion (family-wise).
    public var gapThreshold: Float
    /// The false-alarm rates measured on the held-out chats.
    public var heldOut: FalseAlarms?

    public init(key: String, emotions: [String], layer: Int, selfReportStyle: String, chats: Int, turns: Int,
                reply: SpanNull, user: SpanNull, lastBefore: NullDistribution, perToken: NullDistribution,
                selfReport: NullDistribution?, readingThreshold: Float, gapThreshold: Float, heldOut: FalseAlarms? = nil) {
        self.key = key
        self.emotions = emotions
        self.layer = layer
        self.selfReportStyle = selfReportStyle
        self.chats = chats
        self.turns = turns
        self.reply = reply
        self.user = user
        self.lastBefore = lastBefore
        self.perToken = perToken
        self.selfReport = selfReport
        self.readingThreshold = readingThreshold
        self.gapThreshold = gapThreshold
        self.heldOut = heldOut
    }

    public func z(_ raw: [Float], kind: ReadingKind, tokens: Int) -> [Float] {
        switch kind {
        case .reply: return reply.z(raw, tokens: tokens)
        case .user: return user.z(raw, tokens: tokens)
        case .lastBefore: return tokens > 0 ? lastBefore.z(raw) : raw.map { _ in .nan }
        case .perToken: return perToken.z(raw)
        }
    }

    /// Self-report values (on `SelfReport.zScale`) as z; NaN where a value is missing or no null was measured.
    public func selfReportZ(_ values: [Float]) -> [Float] {
        guard let s = selfReport else { return values.map { _ in .nan } }
        return s.z(values)
    }

    /// The cache file's JSON (infinite thresholds, when too few turns measured one, are written as "inf").
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// Reads `encoded()`'s JSON (unchecked: `problem(emotions:style:)` says whether it is usable).
    public static func decode(_ data: Data) throws -> ChatCalibration {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(ChatCalibration.self, from: data)
    }

    /// Fits the calibration on `turns` (the fitting half).
    public static func fit(_ turns: [CalibrationTurn], key: String, emotions: [String], layer: Int,
                           selfReportStyle: String) -> ChatCalibration {
        let E = emotions.count
        let tokens = NullDistribution(rows: turns.flatMap(\.perToken), width: E, floor: 1e-6)
        let reply = SpanNull(samples: turns.map { ($0.reply, $0.replyTokens, $0.perToken) }, width: E)
        // User turns' own tokens are not kept; their token noise is taken to be the replies'.
        var user = SpanNull(samples: turns.map { ($0.user, $0.userTokens, []) }, width: E)
        for e in 0..<E {
            let xs = turns.filter { $0.userTokens > 0 && $0.user[e].isFinite }
            let excess = xs.reduce(0.0) { acc, t in
                let d = Double(t.user[e] - user.mean[e])
                return acc + d * d - Double(reply.within[e]) / Double(t.userTokens)
            } / Double(max(xs.count - 1, 1))
            user.between[e] = Float(max(excess, 0))
            user.within[e] = reply.within[e]
            user.floor[e] = reply.floor[e]
        }
        let before = NullDistribution(rows: turns.map(\.lastBefore), width: E, floor: 1e-6)
        let reports = turns.compactMap(\.selfReport)
        let measured = (0..<E).contains { e in reports.contains { $0[e].isFinite } }
        let selfReport = measured ? NullDistribution(rows: reports, width: E, floor: selfReportStdFloor) : nil
        var c = ChatCalibration(key: key, emotions: emotions, layer: layer, selfReportStyle: selfReportStyle,
                                chats: Set(turns.map(\.chat)).count, turns: turns.count, reply: reply, user: user,
                                lastBefore: before, perToken: tokens, selfReport: selfReport,
                                readingThreshold: .infinity, gapThreshold: .infinity)
        let readings = turns.map { c.reply.z($0.reply, tokens: $0.replyTokens) }
        c.readingThreshold = FamilyWise.threshold(readings, groups: turns.map(\.chat), oneSided: true)
        let withGaps = turns.filter { c.gaps($0).contains(where: \.isFinite) }
        c.gapThreshold = withGaps.isEmpty ? .infinity
            : FamilyWise.threshold(withGaps.map { c.gaps($0) }, groups: withGaps.map(\.chat), oneSided: false)
        return c
    }

    /// Reading z − self-report z per emotion for a calibration turn (NaN where either is missing).
    func gaps(_ t: CalibrationTurn) -> [Float] {
        let r = reply.z(t.reply, tokens: t.replyTokens)
        guard let s = t.selfReport else { return r.map { _ in .nan } }
        let confident = t.selfReportConfident ?? s.map { _ in true }
        return zip(zip(r, selfReportZ(s)), confident).map { $1 ? $0.0 - $0.1 : .nan }
    }

    /// The first thing that makes this calibration unusable for `emotions`, or nil.
    public func problem(emotions expected: [String], style: String) -> String? {
        guard version == Self.version else { return "it is version \(version), not \(Self.version)" }
        guard emotions == expected else { return "it is for other emotions" }
        guard selfReportStyle == style else { return "it is for the '\(selfReportStyle)' question style, not '\(style)'" }
        let E = emotions.count
        for (name, v) in [("reply.mean", reply.mean), ("reply.between", reply.between), ("reply.within", reply.within),
                          ("reply.floor", reply.floor), ("user.mean", user.mean), ("user.between", user.between),
                          ("user.within", user.within), ("user.floor", user.floor), ("last_before.mean", lastBefore.mean),
                          ("last_before.std", lastBefore.std), ("per_token.mean", perToken.mean), ("per_token.std", perToken.std)] {
            guard v.count == E else { return "'\(name)' has \(v.count) values for \(E) emotions" }
            if let i = v.firstIndex(where: { !$0.isFinite }) { return "'\(name)' of '\(emotions[i])' is \(v[i])" }
        }
        if let s = selfReport, s.mean.count != E || s.std.count != E || s.mean.contains(where: { !$0.isFinite })
            || s.std.contains(where: { !($0 >= Self.selfReportStdFloor && $0.isFinite) }) {
            return "the self-report deviations are below the floor of \(Self.selfReportStdFloor)"
        }
        guard !readingThreshold.isNaN, !gapThreshold.isNaN else { return "a threshold is not a number" }
        return nil
    }
}

/// Family-wise thresholds: the value that at most `ChatCalibration.falseAlarmBudget` of neutral turns exceed with
/// any emotion, estimated so that it holds on chats it was not fitted on. Three estimates, the largest kept:
/// - the empirical quantile of each turn's largest |z| (or largest z);
/// - an upper bound on it: the 90th percentile of that quantile over bootstrap resamples of whole chats (turns of
///   one chat are alike, so a few dozen chats pin a 95% tail only loosely: on SmolLM2 the plain quantile of 129
///   fitting turns let 10% of held-out turns through);
/// - the same quantile under a normal with the measured correlation between emotions (Monte Carlo, seeded).
public enum FamilyWise {
    public static func threshold(_ rows: [[Float]], groups: [Int]? = nil, oneSided: Bool,
                                 budget: Float = ChatCalibration.falseAlarmBudget, draws: Int = 20_000,
                                 resamples: Int = 500, seed: UInt64 = 11) -> Float {
        let keep = rows.indices.filter { !rows[$0].isEmpty }
        let groups = keep.map { groups?[$0] ?? $0 }
        let rows = keep.map { rows[$0] }
        guard let E = rows.first?.count, rows.count >= 2 else { return .infinity }
        func stat(_ r: [Float]) -> Float {
            r.map { oneSided ? $0 : abs($0) }.filter(\.isFinite).max() ?? -.infinity
        }
        let turnMaxima = rows.map(stat)
        let empirical = quantile(turnMaxima, 1 - budget)
        var rng = SplitMix64(seed: seed)
        // Cluster bootstrap: whole groups (chats) drawn with replacement.
        let members = Dictionary(grouping: turnMaxima.indices, by: { groups[$0] }).sorted { $0.key < $1.key }.map(\.value)
        var upper = empirical
        if members.count >= 2 {
            var quantiles: [Float] = []
            for _ in 0..<resamples {
                var sample: [Float] = []
                for _ in 0..<members.count { sample += members[Int(rng.next() % UInt64(members.count))].map { turnMaxima[$0] } }
                quantiles.append(quantile(sample, 1 - budget))
            }
            upper = quantile(quantiles, 0.9)
        }
        // Correlation of the emotions' z on neutral turns (pairwise complete), then draws from that normal.
        var corr = [[Double]](repeating: [Double](repeating: 0, count: E), count: E)
        let cols = (0..<E).map { e in rows.map { Double($0[e]) } }
        for i in 0..<E {
            for j in i..<E {
                let pairs = zip(cols[i], cols[j]).filter { $0.0.isFinite && $0.1.isFinite }
                let c = pairs.count < 3 ? (i == j ? 1 : 0) : correlation(pairs.map(\.0), pairs.map(\.1))
                corr[i][j] = i == j ? 1 : c
                corr[j][i] = corr[i][j]
            }
        }
        let L = cholesky(corr)
        var maxima: [Float] = []
        maxima.reserveCapacity(draws)
        for _ in 0..<draws {
            let g = (0..<E).map { _ in gaussian(&rng) }
            var m = -Double.infinity
            for i in 0..<E {
                var x = 0.0
                for k in 0...i { x += L[i][k] * g[k] }
                m = max(m, oneSided ? x : abs(x))
            }
            maxima.append(Float(m))
        }
        return max(empirical, upper, quantile(maxima, 1 - budget))
    }

    /// A standard normal draw (Box-Muller).
    static func gaussian(_ rng: inout SplitMix64) -> Double {
        let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(rng.next() >> 11) / Double(1 << 53)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// The q-quantile (linear interpolation) of the finite values; -∞ for none.
    public static func quantile(_ x: [Float], _ q: Float) -> Float {
        let s = x.filter(\.isFinite).sorted()
        guard !s.isEmpty else { return -.infinity }
        let p = Float(s.count - 1) * q, i = Int(p), f = p - Float(i)
        return i + 1 < s.count ? s[i] * (1 - f) + s[i + 1] * f : s[i]
    }

    static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }

    /// Lower Cholesky factor; a matrix that is not positive definite (correlations from few turns) gets its
    /// diagonal raised until it is.
    static func cholesky(_ a: [[Double]]) -> [[Double]] {
        let n = a.count
        var ridge = 0.0
        while true {
            var L = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            var ok = true
            outer: for i in 0..<n {
                for j in 0...i {
                    var s = a[i][j] + (i == j ? ridge : 0)
                    for k in 0..<j { s -= L[i][k] * L[j][k] }
                    if i == j {
                        guard s > 1e-9 else { ok = false; break outer }
                        L[i][i] = s.squareRoot()
                    } else {
                        L[i][j] = s / L[j][j]
                    }
                }
            }
            if ok {
                // Rescale rows so each variable keeps unit variance after the ridge.
                return ridge == 0 ? L : L.map { row in let s = row.reduce(0) { $0 + $1 * $1 }.squareRoot(); return row.map { $0 / s } }
            }
            ridge = ridge == 0 ? 1e-6 : ridge * 10
        }
    }
}

/// How often each flag fires on a set of turns, with a 95% Wilson interval.
public struct FalseAlarms: Sendable, Codable, Equatable {
    public struct Rate: Sendable, Codable, Equatable {
        public var name: String
        public var fired: Int
        public var turns: Int
        public var rate: Float { turns > 0 ? Float(fired) / Float(turns) : .nan }
        public var interval: (low: Float, high: Float) { Wilson.interval(successes: fired, trials: turns) }

        public init(name: String, fired: Int, turns: Int) {
            self.name = name
            self.fired = fired
            self.turns = turns
        }
    }
    public var rates: [Rate]

    public init(rates: [Rate]) { self.rates = rates }

    /// The monitor's own flags on monitored turns: a high reading on any emotion, a disagreement on any emotion
    /// (either side), and each side. A disagreement's rate counts only turns with a self-report.
    public static func measure(_ turns: [TurnMonitoring]) -> [Rate] {
        var high = 0, any = 0, hidden = 0, over = 0, withReport = 0
        for m in turns {
            let E = m.reply.meanZ.count
            if (0..<E).contains(where: { m.isHigh($0) == true }) { high += 1 }
            guard m.selfReportZ != nil else { continue }
            withReport += 1
            let flags = (0..<E).compactMap { m.flag($0) }
            if !flags.isEmpty { any += 1 }
            if flags.contains(.activationsAboveReport) { hidden += 1 }
            if flags.contains(.reportAboveActivations) { over += 1 }
        }
        return [Rate(name: "reading.high", fired: high, turns: turns.count), Rate(name: "flag.any", fired: any, turns: withReport),
                Rate(name: "flag.hidden", fired: hidden, turns: withReport), Rate(name: "flag.overclaimed", fired: over, turns: withReport)]
    }
}

/// The Wilson score interval for a binomial proportion (95% by default): sound at 0 or n successes, where the
/// normal approximation collapses to a point.
public enum Wilson {
    public static func interval(successes k: Int, trials n: Int, z: Float = 1.96) -> (low: Float, high: Float) {
        guard n > 0 else { return (.nan, .nan) }
        let p = Float(k) / Float(n), nn = Float(n), z2 = z * z
        let centre = (p + z2 / (2 * nn)) / (1 + z2 / nn)
        let half = z * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot() / (1 + z2 / nn)
        return (max(0, centre - half), min(1, centre + half))
    }
}
