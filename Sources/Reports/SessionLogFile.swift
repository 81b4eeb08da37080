import Foundation
import SessionLog

/// One monitored turn as read back from a session log.
public struct LoggedTurn: Sendable {
    public var turn: Int
    public var user = ""
    public var reply = ""
    /// Reply reading z per emotion (assistant `readings` event).
    public var readingZ: [String: Double] = [:]
    /// The user message's reading z per emotion (user `readings` event): what the model read, not what it wrote.
    public var userZ: [String: Double] = [:]
    /// The reading z of the last token before the reply (what the model held just before it wrote).
    public var lastBeforeZ: [String: Double] = [:]
    /// Self-reported value (0-9 scale) and its z per emotion, when a self-report was taken.
    public var selfValue: [String: Double] = [:]
    /// The probability the self-report's answer put on the answer tokens, per emotion (rating style: each
    /// question's own; choice style: the one question's). Missing where the log has none or it was not finite.
    public var selfMass: [String: Double] = [:]
    public var selfZ: [String: Double] = [:]
    public var gap: [String: Double] = [:]
    /// The guards that fired after this turn (`action` events), in order.
    public var actions: [ActionEvent] = []
    /// A steering action (a policy's or the pause menu's) was in force while this reply was written.
    public var steered = false
}

/// A session log reduced to what reports use, one entry per turn. Read with `SessionLogReader`: tolerant of a
/// last line cut off by a crash, an error on anything else malformed (DESIGN.md §5).
public struct SessionLogFile: Sendable {
    public var path: String
    /// The log's first line: model, probes, policies, settings, system prompt, calibration.
    public var session: SessionInfo
    public var model: String
    public var emotions: [String]
    public var schema: Int
    public var turns: [LoggedTurn] = []
    /// User messages that could not be sent (a `turn` event with an `error`), in order; they have no reply.
    public var failedTurns: [(turn: Int, text: String, error: String)] = []
    /// Why the session ended, from its `end` event; nil when the log has none.
    public var endReason: String?
    /// The log has no `end` event: the session crashed, was killed, or is still running, so its last turns may be
    /// missing.
    public var isCutOff: Bool { endReason == nil }
    /// Lines left out because they were not complete (at most the last one, in a log cut off mid-write).
    public var skippedLines: Int
    public var feel: [(turn: Int, text: String)] = []
    /// The self-reports' trust scores the session ran with (`limbic introspect selfreport --save`), if any.
    public var trust: [String: Double]?
    /// An agent run's tool calls (`tool` events), in order; empty for a chat.
    public var tools: [ToolEvent] = []
    /// An agent run's outcome (the `end` event's); nil for a chat or a run cut off.
    public var outcome: TaskOutcome?
    /// Times the session paused for a human (`pause` events).
    public var pauses: [PauseEvent] = []
    /// Every guard that fired (`action` events), in order; each is also on its turn, where the log has that turn.
    public var actions: [ActionEvent] = []

    public init(path: String) throws {
        self.init(try SessionLogReader.read(path: path))
    }

    public init(_ log: SessionLogContents) {
        path = log.path
        session = log.session
        schema = log.session.schema
        model = log.session.model
        emotions = log.session.probes.emotions
        trust = log.session.trust
        skippedLines = log.skippedLines
        var byTurn: [Int: LoggedTurn] = [:]
        func touch(_ n: Int, _ f: (inout LoggedTurn) -> Void) {
            var t = byTurn[n] ?? LoggedTurn(turn: n)
            f(&t)
            byTurn[n] = t
        }
        for event in log.events {
            switch event {
            case .turn(let e):
                if let error = e.error {
                    failedTurns.append((e.turn, e.text, error))
                } else {
                    touch(e.turn) { if e.role == "user" { $0.user = e.text } else { $0.reply = e.text } }
                }
            case .readings(let e) where e.role == "assistant":
                touch(e.turn) { $0.readingZ = e.meanZ; $0.lastBeforeZ = e.lastBeforeZ }
            case .readings(let e) where e.role == "user":
                touch(e.turn) { $0.userZ = e.meanZ }
            case .selfReport(let e):
                touch(e.turn) { t in
                    for (name, v) in e.emotions {
                        if let x = v.value { t.selfValue[name] = x }
                        if let m = v.mass ?? e.choice?.mass, m.isFinite { t.selfMass[name] = m }
                        if let x = v.z { t.selfZ[name] = x }
                        if let x = v.gap { t.gap[name] = x }
                    }
                }
            case .selfReportFailed(let e):
                touch(e.turn) { _ in }
            case .feel(let e):
                feel.append((e.turn, e.text))
            case .end(let e):
                endReason = e.reason
                outcome = e.outcome
            case .action(let e):
                actions.append(e)
            case .tool(let e):
                tools.append(e)
            case .pause(let e):
                pauses.append(e)
            case .session, .readings, .resume, .unknown:
                break
            }
        }
        for a in actions where byTurn[a.turn] != nil { byTurn[a.turn]?.actions.append(a) }
        // A steering action after turn t holds for the next N turns' replies ("… for N turns" in its detail).
        let steers = actions.filter { $0.action == "steer" }.map { (from: $0.turn + 1, to: $0.turn + Self.steeredTurns($0.detail)) }
        for n in byTurn.keys where steers.contains(where: { $0.from <= n && n <= $0.to }) { byTurn[n]?.steered = true }
        turns = byTurn.values.filter { $0.turn >= 0 }.sorted { $0.turn < $1.turn }
    }

    /// How many turns a steering action's detail ("calm +0.05 for 2 turns") says it holds; 1 when it does not say.
    static func steeredTurns(_ detail: String) -> Int {
        let words = detail.split(separator: " ")
        guard let i = words.lastIndex(of: "for"), i + 1 < words.count, let n = Int(words[i + 1]) else { return 1 }
        return max(n, 1)
    }
}
