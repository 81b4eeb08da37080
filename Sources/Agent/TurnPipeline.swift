import Affect
import Engine
import Foundation
import Policies
import SessionLog

/// Everything one turn produced, as one value the terminal (or a test, or an agent loop) renders.
public struct TurnOutcome: Sendable {
    /// Why the session should stop before the next user turn.
    public enum Stop: Sendable, Equatable {
        case pause(String)
        case abort(String)
    }

    public var turn: ChatTurn
    /// The readings of the turn, with the self-report when one was due and succeeded (nil without the monitor).
    public var monitoring: TurnMonitoring?
    /// Why a self-report that was due did not happen (a context too full for the question, say).
    public var selfReportError: String?
    /// What the policies asked for after this turn, in the order it was carried out.
    public var actions: [FiredAction] = []
    /// Policy steering that was in force while the reply was written (the actions that started it).
    public var steeredBy: [FiredAction] = []
    /// All steering in force while the reply was written, in words (`TurnPipeline.steeringInForce`).
    public var steering: [String] = []
    public var stop: Stop?
}

/// One turn, start to end (DESIGN.md §3): generate → monitor (readings; a self-report when due) → policies →
/// actions → log, returning a `TurnOutcome`. A chat calls `run` once per user message (an agent run will, once
/// per step). Nothing reaches back into the caller: all it needs is in the outcome.
///
/// The log gets the turn and its readings before the self-report is asked, and a failed self-report as its own
/// event, so a turn is never lost to a later failure.
public final class TurnPipeline {
    public let session: ChatSession
    /// The emotion monitor, already listening to `session.context` (nil: a plain chat).
    public let monitor: Monitor?
    public let log: SessionLogWriter?
    /// Self-report every N turns (1 = every turn); nil turns self-reports off.
    public var selfReportEvery: Int? = 1
    /// Add each reply token's reading z (per emotion) to the assistant `readings` event.
    public var logPerToken = false
    /// Evaluated after every turn, in order; all their actions are carried out.
    public var policies: [any Policy] = []
    /// Steering set by the caller (e.g. `--steer`), in force on every turn.
    public var baseSteering: [Steering] = []
    /// Policy steering still in force, with the turns it has left.
    private var policySteering: [(by: FiredAction, steering: [Steering], turnsLeft: Int)] = []

    public init(session: ChatSession, monitor: Monitor?, log: SessionLogWriter?) {
        self.session = session
        self.monitor = monitor
        self.log = log
    }

    /// Sends `user`, streaming the reply through `onText`, and returns what the turn produced. A message that
    /// cannot be sent (the context is full, the tokenizer refuses it) is logged as a user turn with its error, and
    /// the error is thrown; the session is left as it was. `forced` is a reply to use instead of generating one
    /// (`ChatSession.reply`).
    public func run(_ user: String, forced: String? = nil, isCancelled: @escaping () -> Bool = { false },
                    onText: (String) -> Void = { _ in }) throws -> TurnOutcome {
        session.context.hooks.steering = baseSteering + policySteering.flatMap(\.steering)
        let steeringNow = steeringInForce
        let turn: ChatTurn
        do {
            turn = try session.reply(to: user, forced: forced, isCancelled: isCancelled, onText: onText)
        } catch {
            let at = session.context.position
            // The turn's own error is what the caller reports; a log that cannot take this line fails on its next.
            try? log?.write(.turn(TurnEvent(turn: session.turnCount, role: "user", text: user, tokens: 0, positions: at..<at,
                                            error: "\(error)")))
            throw error
        }
        var outcome = TurnOutcome(turn: turn, steeredBy: policySteering.map(\.by), steering: steeringNow)
        for i in policySteering.indices { policySteering[i].turnsLeft -= 1 }
        policySteering.removeAll { $0.turnsLeft <= 0 }

        try log?.write(.turn(TurnEvent(turn: turn.index, role: "user", text: turn.user, tokens: turn.promptPositions.count,
                                       positions: turn.promptPositions)))
        try log?.write(.turn(TurnEvent(turn: turn.index, role: "assistant", text: turn.reply, tokens: turn.result.tokens.count,
                                       positions: turn.replyPositions,
                                       prefillMs: (turn.result.prefillSeconds * 1000).rounded(toPlaces: 1),
                                       decodeMs: (turn.result.decodeSeconds * 1000).rounded(toPlaces: 1),
                                       stop: turn.result.stopReason.rawValue, steering: steeringNow.isEmpty ? nil : steeringNow)))
        if let monitor {
            outcome.monitoring = try observe(turn, monitor)
            if selfReportEvery.map({ turn.index % $0 == 0 }) ?? false {
                do {
                    if let m = try monitor.selfReport(messages: session.renderedMessages, context: session.context) {
                        outcome.monitoring = m
                        if let r = m.selfReport {
                            var event = LogEvents.selfReportEvent(r, m)
                            event.steering = steeringNow.isEmpty ? nil : steeringNow
                            try log?.write(.selfReport(event))
                        }
                    }
                } catch {
                    try log?.write(.selfReportFailed(SelfReportFailure(turn: turn.index, style: monitor.template.style, error: "\(error)")))
                    outcome.selfReportError = "self-report skipped: \(error)"
                }
            }
        }

        let input = PolicyInput(turn: turn.index, reply: turn.reply, history: monitor?.history ?? [])
        for fired in policies.flatMap({ $0.evaluate(input) }) {
            try apply(fired, turn: turn.index, to: &outcome)
        }
        return outcome
    }

    /// Reduces the turn to readings and logs them.
    private func observe(_ turn: ChatTurn, _ monitor: Monitor) throws -> TurnMonitoring {
        let tokens = session.context.tokens
        let m = monitor.observe(turn: turn.index, userSpan: turn.promptPositions, replySpan: turn.replyPositions, tokens: tokens)
        try log?.write(.readings(LogEvents.readingsEvent(m.user, turn: turn.index, role: "user")))
        var reply = LogEvents.readingsEvent(m.reply, turn: turn.index, role: "assistant")
        if logPerToken {
            let perToken = monitor.perTokenZ(turn.replyPositions, tokens: tokens)
            reply.perTokenZ = LogEvents.byEmotion(monitor.emotions, monitor.emotions.indices.map { e in perToken.map { $0[e].logged } })
        }
        try log?.write(.readings(reply))
        return m
    }

    /// The steering in force on the next turn, in words: each `--steer` vector and each policy `steer` still
    /// running, with who asked for it and how many turns it has left.
    public var steeringInForce: [String] {
        baseSteering.map { "\($0.site) \(String(format: "%+g", $0.strength)) (--steer)" }
            + policySteering.map { "\($0.by.action.detail) (\($0.by.guardName), \($0.turnsLeft) turn\($0.turnsLeft == 1 ? "" : "s") left)" }
    }

    /// Steers toward (strength > 0) or away from `emotion` for the next `turns` turns at the reading layer, asked
    /// by a person (the pause menu) rather than a guard: logged as an `action` event of guard `by`.
    public func steer(_ emotion: String, strength: Float, turns: Int, by: String) throws {
        let fired = FiredAction(guardName: by, action: .steer(emotion: emotion, strength: strength, layers: nil, turns: turns))
        let vectors = try steering(emotion, strength, nil)
        try log?.write(.action(ActionEvent(turn: max(session.turnCount - 1, 0), guardName: by, action: fired.action.name,
                                           detail: fired.action.detail)))
        policySteering.append((fired, vectors, turns))
    }

    /// Logs how a paused session went on (`resume` event).
    public func resumed(choice: String, detail: String? = nil) throws {
        try log?.write(.resume(ResumeEvent(turn: session.turnCount, choice: choice, detail: detail)))
    }

    /// Replaces the last reply in the conversation with `text` (the pause menu's "edit"); the log keeps both.
    public func editLastReply(_ text: String) throws {
        guard let original = session.replaceLastReply(with: text) else { throw AgentError.nothingToEdit }
        try log?.write(.resume(ResumeEvent(turn: session.turnCount, choice: "edit", originalReply: original, editedReply: text)))
    }

    /// Carries out one action: logged first, then done.
    private func apply(_ fired: FiredAction, turn: Int, to outcome: inout TurnOutcome) throws {
        try log?.write(.action(ActionEvent(turn: turn, guardName: fired.guardName, action: fired.action.name,
                                           detail: fired.action.detail)))
        outcome.actions.append(fired)
        switch fired.action {
        case .log:
            break
        case .tell(let note):
            session.addNote(note)
        case let .steer(emotion, strength, layers, turns):
            policySteering.append((fired, try steering(emotion, strength, layers), turns))
        case .pause(let reason):
            try log?.write(.pause(PauseEvent(turn: turn, reason: reason)))
            if outcome.stop == nil { outcome.stop = .pause(reason) }
        case .abort(let reason):
            outcome.stop = .abort(reason)
        }
    }

    /// `emotion`'s vector at `layers` (default: the reading layer), `strength` × the mean residual norm there.
    private func steering(_ emotion: String, _ strength: Float, _ layers: [Int]?) throws -> [Steering] {
        guard let monitor else { throw AgentError.needsMonitor("steer \(emotion)") }
        guard let e = monitor.emotions.firstIndex(of: emotion) else {
            throw AgentError.unknownEmotion(emotion, known: monitor.emotions)
        }
        let norms = try session.model.meanResidualNorms()
        return try (layers ?? [monitor.probes.readingLayer]).map { l in
            guard monitor.probes.layers.indices.contains(l), norms.indices.contains(l) else {
                throw AgentError.layerOutOfRange(l, layers: monitor.probes.layers.count)
            }
            return Steering(site: .layer(l), vector: monitor.probes.layers[l].vectors[e], strength: strength * norms[l])
        }
    }

    /// Asks for a self-report about the conversation now (`/selfreport`), logs and returns it; nil before the
    /// first turn or without the monitor.
    public func selfReportNow() throws -> TurnMonitoring? {
        guard let monitor, !monitor.history.isEmpty,
              let m = try monitor.selfReport(messages: session.renderedMessages, context: session.context),
              let r = m.selfReport else { return nil }
        try log?.write(.selfReport(LogEvents.selfReportEvent(r, m)))
        return m
    }

    /// The model's own words about how it feels (`/feel`), sampled on a fork and logged.
    public func feel(template: SelfReportTemplate) throws -> String {
        guard let monitor else { throw AgentError.needsMonitor("/feel") }
        var sampling = session.sampling
        sampling.temperature = min(sampling.temperature, 0.7)
        let text = try monitor.reporter.freeText(template, messages: session.renderedMessages, context: session.context, sampling: sampling)
        try log?.write(.feel(FeelEvent(turn: max(session.turnCount - 1, 0), text: text)))
        return text
    }

    /// Forgets the conversation, the monitor's turns, any policy steering and the policies' turn history (the
    /// system prompt and `baseSteering` stay).
    public func clear() {
        session.clear()
        monitor?.clear()
        policySteering = []
        for p in policies { p.reset() }
    }

    /// Writes the `end` event (with an agent run's outcome) and closes the log.
    public func end(reason: String, outcome: TaskOutcome? = nil) {
        guard let log else { return }
        try? log.write(.end(EndEvent(reason: reason, turns: session.turnCount, outcome: outcome)))
        log.close()
    }
}

/// Errors of the turn pipeline.
public enum AgentError: Error, CustomStringConvertible {
    case needsMonitor(String)
    case unknownEmotion(String, known: [String])
    case layerOutOfRange(Int, layers: Int)
    case nothingToEdit

    public var description: String {
        switch self {
        case .needsMonitor(let what): return "\(what) needs the emotion monitor, which is off (--no-monitor)"
        case let .unknownEmotion(e, known): return "no emotion '\(e)' in the probe set (it has \(known.joined(separator: ", ")))"
        case let .layerOutOfRange(l, layers): return "layer \(l) is outside the model's 0-\(layers - 1)"
        case .nothingToEdit: return "there is no reply to edit yet"
        }
    }
}
