import Affect
import Engine
import Foundation
import SessionLog

/// Runs the monitor after each chat turn and writes the turn, readings and self-report to the session log.
public final class ChatMonitor: TurnObserver {
    public let monitor: Monitor
    public let log: SessionLogWriter?
    /// Self-report every N turns (1 = every turn); nil turns self-reports off.
    public var selfReportEvery: Int? = 1
    /// Add each reply token's reading z (per emotion) to the assistant `readings` event.
    public var logPerToken = false
    /// The latest turn's monitoring, for displays.
    public private(set) var latest: TurnMonitoring?
    /// Called after each turn is reduced and logged.
    public var onTurn: ((TurnMonitoring) -> Void)?

    public init(monitor: Monitor, log: SessionLogWriter?) {
        self.monitor = monitor
        self.log = log
    }

    /// Logs the turn and its readings first, then asks for a self-report if one is due. A failed self-report
    /// (a context too full for the question, say) is logged as such and does not lose the turn.
    public func turnFinished(_ turn: ChatTurn, session: ChatSession) throws {
        var m = monitor.observe(turn: turn.index, userSpan: turn.promptPositions, replySpan: turn.replyPositions)
        try log?.write(.turn(TurnEvent(turn: turn.index, role: "user", text: turn.user, tokens: turn.promptPositions.count,
                                       positions: turn.promptPositions)))
        try log?.write(.turn(TurnEvent(turn: turn.index, role: "assistant", text: turn.reply, tokens: turn.result.tokens.count,
                                       positions: turn.replyPositions,
                                       prefillMs: (turn.result.prefillSeconds * 1000).rounded(toPlaces: 1),
                                       decodeMs: (turn.result.decodeSeconds * 1000).rounded(toPlaces: 1),
                                       stop: turn.result.stopReason.rawValue)))
        try log?.write(.readings(readingsEvent(m.user, turn: turn.index, role: "user")))
        var replyEvent = readingsEvent(m.reply, turn: turn.index, role: "assistant")
        if logPerToken {
            let perToken = monitor.recorder.perTokenZ(turn.replyPositions)
            replyEvent.perTokenZ = byEmotion(monitor.emotions, monitor.emotions.indices.map { e in perToken.map { $0[e].logged } })
        }
        try log?.write(.readings(replyEvent))
        if selfReportEvery.map({ turn.index % $0 == 0 }) ?? false {
            do {
                if let withReport = try monitor.selfReport(messages: session.renderedMessages, context: session.context) {
                    m = withReport
                    if let r = m.selfReport { try log?.write(.selfReport(selfReportEvent(r, m))) }
                }
            } catch {
                try log?.write(.selfReportFailed(SelfReportFailure(turn: turn.index, style: monitor.template.style, error: "\(error)")))
                lastError = "self-report skipped: \(error)"
            }
        }
        latest = m
        onTurn?(m)
    }

    /// Why the last scheduled self-report did not happen, if it failed (for the terminal).
    public var lastError: String?

    /// Asks for the model's own words now (`/feel`) and logs them.
    public func feel(session: ChatSession, template: SelfReportTemplate) throws -> String {
        var sampling = session.sampling
        sampling.temperature = min(sampling.temperature, 0.7)
        let text = try monitor.reporter.freeText(template, messages: session.renderedMessages, context: session.context, sampling: sampling)
        try log?.write(.feel(FeelEvent(turn: max(session.turnCount - 1, 0), text: text)))
        return text
    }

    /// Logs a self-report asked outside the schedule (`/selfreport`).
    public func selfReportNow(session: ChatSession) throws -> TurnMonitoring? {
        guard latest != nil, let m = try monitor.selfReport(messages: session.renderedMessages, context: session.context),
              let r = m.selfReport else { return nil }
        latest = m
        try log?.write(.selfReport(selfReportEvent(r, m)))
        return m
    }

    /// Writes the `end` event and closes the log. (Correlations over the session are computed from the log by
    /// `limbic report`.)
    public func end(reason: String) {
        guard let log else { return }
        try? log.write(.end(EndEvent(reason: reason, turns: monitor.history.count)))
        log.close()
    }

    /// Values keyed by emotion name. Names are unique in a probe set; were one repeated, its last value would win
    /// rather than trap.
    func byEmotion<T>(_ names: [String], _ values: [T]) -> [String: T] {
        var d: [String: T] = [:]
        for (name, v) in zip(names, values) { d[name] = v }
        return d
    }

    func readingsEvent(_ r: Readings, turn: Int, role: String) -> ReadingsEvent {
        func dict(_ v: [Float]) -> [String: Double] { byEmotion(r.emotions, v.map(\.logged)) }
        return ReadingsEvent(turn: turn, role: role, layer: r.layer, tokens: r.tokens, meanZ: dict(r.meanZ), meanRaw: dict(r.meanRaw),
                             lastBeforeZ: dict(r.lastBeforeZ), lastBeforeRaw: dict(r.lastBeforeRaw))
    }

    func selfReportEvent(_ r: SelfReport, _ m: TurnMonitoring) -> SelfReportEvent {
        var event = SelfReportEvent(turn: m.turn, style: r.style, ms: (r.seconds * 1000).rounded(toPlaces: 1), emotions: [:])
        if let c = r.choice {
            event.choice = .init(dist: byEmotion(r.emotions, c.probabilities.map(\.logged)), top: r.emotions[c.top],
                                 entropy: c.entropy.logged, mass: c.mass.logged)
        }
        for (i, e) in r.emotions.enumerated() {
            var entry = SelfReportEvent.Emotion(value: r.values[i].logged)
            if i < r.ratings.count {
                let d = r.ratings[i]
                entry.dist = d.probabilities.map(\.logged)
                entry.entropy = d.entropy.logged
                entry.mass = d.mass.logged
            }
            if let z = m.selfReportZ { entry.z = z[i].logged }
            if let g = m.gap { entry.gap = g[i].logged }
            event.emotions[e] = entry
        }
        if let g = m.gap {
            event.hidden = zip(r.emotions, g).filter { $0.1 > Monitor.gapThreshold }.map(\.0)
            event.overclaimed = zip(r.emotions, g).filter { $0.1 < -Monitor.gapThreshold }.map(\.0)
        }
        return event
    }
}

extension Double {
    func rounded(toPlaces n: Int) -> Double {
        let m = pow(10, Double(n))
        return (self * m).rounded() / m
    }
}

extension Float {
    /// For logs: four decimals are plenty and keep lines short.
    var logged: Double { Double(self).rounded(toPlaces: 4) }
}
