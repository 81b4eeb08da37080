import Foundation
import SessionLog

/// What `limbic report` says about one or more session logs: per-emotion trajectories, the largest
/// disagreements, and the reading-vs-self-report rank correlation per emotion with its controls
/// (`ReadingCorrelations`).
public struct SessionSummary: Sendable {
    public struct Disagreement: Sendable {
        public var log: String
        public var turn: Int
        public var emotion: String
        public var gap: Double
        public var user: String
        public var reply: String
    }

    public var logs: [SessionLogFile]
    /// The first log's emotions, each named once even where the log repeats a name.
    public var emotions: [String]
    /// Per emotion: Spearman over every turn with both a reading and a self-report, however unsure the answer, and
    /// how many such turns: the plain pooled figure, kept for readers of the old layout (its rho even under the
    /// minimum of pairs here; the JSON writes null there). `correlations` has the figures to use.
    public var spearman: [String: (rho: Double?, n: Int)]
    /// Reading vs self-report with the mass floor, intervals and controls, and every reading against every
    /// self-report.
    public var correlations: ReadingCorrelations
    public var disagreements: [Disagreement]

    public init(_ logs: [SessionLogFile], top: Int = 5, options: ReadingCorrelations.Options = .init()) {
        self.logs = logs
        var seen = Set<String>()
        emotions = (logs.first?.emotions ?? []).filter { seen.insert($0).inserted }
        var s: [String: (Double?, Int)] = [:]
        for e in emotions {
            let pairs = logs.flatMap(\.turns).compactMap { t -> (Double, Double)? in
                guard let r = t.readingZ[e], let v = t.selfValue[e] else { return nil }
                return (r, v)
            }
            s[e] = (Self.spearman(pairs.map(\.0), pairs.map(\.1)), pairs.count)
        }
        spearman = s
        correlations = ReadingCorrelations(logs, emotions: emotions, options: options)
        correlations.trust = logs.compactMap(\.trust).first ?? [:]
        var d: [Disagreement] = []
        for log in logs {
            for t in log.turns {
                for (e, g) in t.gap { d.append(Disagreement(log: log.path, turn: t.turn, emotion: e, gap: g, user: t.user, reply: t.reply)) }
            }
        }
        // Ties in size in a fixed order (a turn's gaps come from a dictionary, whose order changes from run to run).
        disagreements = Array(d.sorted { a, b in
            abs(a.gap) != abs(b.gap) ? abs(a.gap) > abs(b.gap) : (a.log, a.turn, a.emotion, a.gap) < (b.log, b.turn, b.emotion, b.gap)
        }.prefix(top))
    }

    /// "1 turn", "3 turns".
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    public var turnCount: Int { logs.reduce(0) { $0 + $1.turns.count } }

    /// Spearman's rank correlation with average ranks for ties; nil with fewer than 3 pairs or no spread.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? { RankStatistics.spearman(x, y) }

    /// A sparkline of values from −3 to +3.
    public static func sparkline(_ values: [Double?]) -> String {
        let marks = Array("▁▂▃▄▅▆▇█")
        return String(values.map { v -> Character in
            guard let v else { return "·" }
            let i = Int(((max(-3, min(3, v)) + 3) / 6 * 7).rounded())
            return marks[i]
        })
    }

    /// The report as text; `matrix` adds every reading against every self-report.
    public func text(width: Int = 100, matrix: Bool = false) -> String {
        var s = "\(logs.count == 1 ? logs[0].path : "\(logs.count) sessions"): \(logs.first?.model ?? "?"), \(Self.count(turnCount, "turn"))"
        let skipped = logs.reduce(0) { $0 + $1.skippedLines }
        if skipped > 0 { s += " (\(skipped) incomplete line\(skipped == 1 ? "" : "s") skipped)" }
        let cutOff = logs.filter(\.isCutOff)
        if logs.count == 1, !cutOff.isEmpty {
            s += "\ncut off: the log has no 'end' event (the session crashed, was killed or is still running); its last turns may be missing"
        } else if !cutOff.isEmpty {
            s += "\ncut off: \(cutOff.count) of \(logs.count) logs have no 'end' event (crashed, killed or still running): "
                + cutOff.map(\.path).joined(separator: ", ")
        }
        for log in logs {
            for f in log.failedTurns {
                s += "\n" + (logs.count == 1 ? "" : log.path + " ") + "turn \(f.turn) failed: \"\(f.text.prefix(50))\": \(f.error)"
            }
        }
        // Two sparklines per emotion, the reading and the self-report, side by side within the width.
        let maxTurns = max(1, (width - 16) / 2)
        let shown = logs.flatMap(\.turns).suffix(maxTurns)
        let over = shown.count < turnCount ? "the last \(Self.count(shown.count, "turn"))" : "turns"
        s += "\n\nper emotion over \(over): reply reading z | self-report z (▁ −3 … █ +3, · none)\n"
        for e in emotions {
            s += e.padding(toLength: 11, withPad: " ", startingAt: 0) + " " + Self.sparkline(shown.map { $0.readingZ[e] })
                + " | " + Self.sparkline(shown.map { $0.selfZ[e] }) + "\n"
        }
        s += "\n" + correlations.text(matrix: matrix)
        if !disagreements.isEmpty {
            s += "\nlargest disagreements (gap = reading z − self-report z; + shows more than it says):\n"
            for d in disagreements {
                let log = logs.count > 1 ? (d.log as NSString).lastPathComponent + " " : ""
                s += "  " + log + String(format: "turn %d  %@ %+.1f  ", d.turn, d.emotion, d.gap) + "user: \"\(d.user.prefix(50))\"  reply: \"\(d.reply.prefix(50).replacingOccurrences(of: "\n", with: " "))\"\n"
            }
        }
        for log in logs where !log.feel.isEmpty {
            for f in log.feel { s += "\nturn \(f.turn) /feel: \(f.text)" }
            s += "\n"
        }
        return s
    }

    /// The summary as one JSON object (`limbic report --json`).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(JSONSummary(self)), as: UTF8.self)
    }
}

/// The layout of `limbic report --json`.
private struct JSONSummary: Encodable {
    struct Correlation: Encodable {
        var rho: Double?
        var n: Int

        /// `rho` is written as `null` when there is none (rather than left out).
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(rho, forKey: .rho)
            try c.encode(n, forKey: .n)
        }

        enum CodingKeys: String, CodingKey { case rho, n }
    }

    struct Disagreement: Encodable {
        var turn: Int
        var emotion: String
        var gap: Double
        var user: String
        var reply: String
        var log: String
    }

    /// Each log: how it ended (`end` is null and `cut_off` true for a log without an `end` event) and the user
    /// messages that failed.
    struct Session: Encodable {
        struct Failed: Encodable {
            var turn: Int
            var text: String
            var error: String
        }
        var log: String
        var end: String?
        var cutOff: Bool
        var turns: Int
        var failedTurns: [Failed]

        enum CodingKeys: String, CodingKey {
            case log, end, turns
            case cutOff = "cut_off"
            case failedTurns = "failed_turns"
        }

        /// `end` is written as `null` when there is none (rather than left out).
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(log, forKey: .log)
            try c.encode(end, forKey: .end)
            try c.encode(cutOff, forKey: .cutOff)
            try c.encode(turns, forKey: .turns)
            try c.encode(failedTurns, forKey: .failedTurns)
        }
    }

    var logs: [String]
    var sessions: [Session]
    var model: String
    var turns: Int
    var emotions: [String]
    var skippedLines: Int
    /// Per emotion, the plain pooled Spearman (no mass floor; null under the minimum of pairs), kept for readers of
    /// the old layout; `correlations` has the figures to use.
    var spearman: [String: Correlation]
    var correlations: JSONCorrelations
    /// Reply reading z per emotion over every turn, `null` where a turn has none.
    var trajectories: [String: [Double?]]
    var disagreements: [Disagreement]

    enum CodingKeys: String, CodingKey {
        case logs, sessions, model, turns, emotions, spearman, correlations, trajectories, disagreements
        case skippedLines = "skipped_lines"
    }

    init(_ s: SessionSummary) {
        let turns = s.logs.flatMap(\.turns)
        logs = s.logs.map(\.path)
        sessions = s.logs.map { log in
            Session(log: log.path, end: log.endReason, cutOff: log.isCutOff, turns: log.turns.count,
                    failedTurns: log.failedTurns.map { Session.Failed(turn: $0.turn, text: $0.text, error: $0.error) })
        }
        model = s.logs.first?.model ?? ""
        self.turns = s.turnCount
        emotions = s.emotions
        skippedLines = s.logs.reduce(0) { $0 + $1.skippedLines }
        // Assigned one by one: emotion names come from a file and need not be unique.
        var spearman: [String: Correlation] = [:]
        for (e, v) in s.spearman {
            let shown = v.n >= s.correlations.options.minimumPairs ? v.rho : nil
            spearman[e] = Correlation(rho: shown.flatMap { $0.isFinite ? ($0 * 10000).rounded() / 10000 : nil }, n: v.n)
        }
        self.spearman = spearman
        correlations = JSONCorrelations(s.correlations)
        var trajectories: [String: [Double?]] = [:]
        for e in s.emotions { trajectories[e] = turns.map { $0.readingZ[e] } }
        self.trajectories = trajectories
        disagreements = s.disagreements.map {
            Disagreement(turn: $0.turn, emotion: $0.emotion, gap: $0.gap, user: $0.user, reply: $0.reply, log: $0.log)
        }
    }
}
