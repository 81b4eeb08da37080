import Foundation
import Testing
import TestSupport
import Tokenizers
@testable import Affect
@testable import Agent
@testable import Engine
import Policies
import SessionLog

/// A policy that fires fixed actions on chosen turns, to drive the pipeline's action handling.
final class ScriptedPolicy: Policy {
    let name = "scripted"
    let actions: [Int: [PolicyAction]]
    private(set) var seen: [PolicyInput] = []
    init(_ actions: [Int: [PolicyAction]]) { self.actions = actions }
    func evaluate(_ input: PolicyInput) -> [FiredAction] {
        seen.append(input)
        return (actions[input.turn] ?? []).map { FiredAction(guardName: "g\(input.turn)", action: $0) }
    }
}

/// The turn pipeline on the tiny chat model: one value out per turn, actions carried out and logged.
struct TurnPipelineTests {
    let emotions = ["calm", "sad"]

    func probes() -> ProbeSet {
        var rng = SplitMix64(seed: 9)
        let d = TinyModel.hidden
        let layers = (0..<TinyModel.layers).map { _ -> LayerProbe in
            LayerProbe(vectors: emotions.map { _ in LinearAlgebra.normalized((0..<d).map { _ in Double(rng.next() % 1000) / 500 - 1 }).map(Float.init) },
                       center: [Float](repeating: 0, count: d), calibrationMean: [0, 0], calibrationStd: [1, 1])
        }
        return ProbeSet(emotions: emotions, layers: layers, readingLayer: 1, method: .recipe, skipTokens: 3, modelSHA256: "tiny",
                        datasetHash: "tiny", validationAccuracy: [0, 0, 0], accuracyUnnamed: 0, accuracyNamed: 0, confusion: [])
    }

    func pipeline(policy: ScriptedPolicy, log: SessionLogWriter? = nil) throws -> TurnPipeline {
        let model = try TinyModel.chatModel()
        let ctx = model.makeContext(capacity: 1024)
        let session = try ChatSession(model: model, context: ctx, sampling: .greedy, maxTokens: 5)
        let template = SelfReportTemplate(style: "rating", question: "How {emotion}?", answer: "{Emotion}:", choices: (0...9).map(String.init))
        let monitor = Monitor(model: model, probes: probes(), chat: try model.chatTemplate(), template: template, capacity: 1024)
        monitor.attach(to: ctx)
        let p = TurnPipeline(session: session, monitor: monitor, log: log)
        p.selfReportEvery = 2
        p.policies = [policy]
        return p
    }

    /// A session log at `path` with its `session` event written.
    func logWriter(_ path: String) throws -> SessionLogWriter {
        let log = try SessionLogWriter(path: path)
        try log.write(.session(SessionInfo(model: "tiny", modelSHA256: "tiny", architecture: "llama",
                                           probes: .init(path: "tiny", layer: 1, method: "recipe", emotions: emotions, datasetHash: "tiny"),
                                           selfReport: .init(style: "rating", every: 2, baselineSamples: 0),
                                           settings: .init(context: 1024, threads: 1))))
        return log
    }

    @Test func eachTurnReturnsItsReadingsAndTheSelfReportWhenDue() throws {
        let policy = ScriptedPolicy([:])
        let p = try pipeline(policy: policy)
        let a = try p.run("Hello"), b = try p.run("And then?")
        #expect(a.turn.index == 0 && b.turn.index == 1)
        #expect(a.monitoring?.selfReport != nil)        // turn 0: due (every 2)
        #expect(b.monitoring?.selfReport == nil)        // turn 1: not due
        #expect(b.monitoring?.reply.tokens == b.turn.result.tokens.count)
        #expect(policy.seen.map(\.history.count) == [1, 2])
        #expect(a.actions.isEmpty && a.stop == nil)
    }

    /// `stopWhen` ends a generated reply as soon as its text satisfies it (the agent's one action per reply); the
    /// next turn still renders the whole conversation, so nothing is lost from the model's view.
    @Test func aStopConditionEndsTheReplyThere() throws {
        let model = try TinyModel.chatModel()
        let session = try ChatSession(model: model, context: model.makeContext(capacity: 1024), sampling: .greedy, maxTokens: 5)
        session.stopWhen = { $0.utf8.count >= 2 }
        let turn = try session.reply(to: "hello")
        #expect(turn.result.stopReason == .stopCondition)
        #expect(turn.reply.utf8.count == 2 && turn.result.tokens.count <= 2, "\(turn.result.tokens)")
        session.stopWhen = nil
        let next = try session.reply(to: "again")
        #expect(next.result.stopReason != .stopCondition)
    }

    @Test func tellEntersTheContextBeforeTheNextTurn() throws {
        let p = try pipeline(policy: ScriptedPolicy([0: [.tell("Monitor: calm is high.")]]))
        let first = try p.run("Hello")
        #expect(first.actions.map(\.action) == [.tell("Monitor: calm is high.")])
        #expect(p.session.messages.last == ChatMessage(role: "system", content: "Monitor: calm is high."))
        // The note is part of what the model reads next: the second prompt's tokens contain it.
        let second = try p.run("Go on")
        let note = try p.session.model.tokenizer.encode("Monitor: calm is high.", addSpecial: false, parseSpecial: false)
        let prompt = Array(p.session.context.tokens[..<second.turn.replyPositions.lowerBound])
        #expect(prompt.indices.contains { i in i + note.count <= prompt.count && Array(prompt[i..<(i + note.count)]) == note })
    }

    @Test func steerChangesTheNextTurnsAndStopsAfterItsTurns() throws {
        let steer = PolicyAction.steer(emotion: "sad", strength: 2, layers: [0, 1], turns: 1)
        let p = try pipeline(policy: ScriptedPolicy([0: [steer]]))
        let plain = try pipeline(policy: ScriptedPolicy([:]))
        let a = try p.run("Hello"), b = try p.run("More"), c = try p.run("Again")
        let pa = try plain.run("Hello"), pb = try plain.run("More"), _ = try plain.run("Again")
        #expect(a.steeredBy.isEmpty && c.steeredBy.isEmpty)
        #expect(b.steeredBy.map(\.action) == [steer])
        #expect(a.turn.reply == pa.turn.reply)
        // Steered turn: the reading layer carries the vector, so the reply readings differ from the plain run's.
        #expect(b.monitoring!.reply.meanRaw != pb.monitoring!.reply.meanRaw || b.turn.reply != pb.turn.reply)
        #expect(p.session.context.hooks.steering.isEmpty)
    }

    @Test func pauseAndAbortStopTheSessionAndEveryActionIsLogged() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try logWriter(path)
        let p = try pipeline(policy: ScriptedPolicy([0: [.log("noted"), .pause("check this")], 1: [.abort("enough")]]), log: log)
        let a = try p.run("Hello")
        #expect(a.stop == .pause("check this"))
        let b = try p.run("Continue")
        #expect(b.stop == .abort("enough"))
        p.end(reason: "abort")
        let events = try SessionLogReader.read(path: path).events
        let actions = events.compactMap { e -> ActionEvent? in if case .action(let a) = e { return a } else { return nil } }
        #expect(actions.map(\.action) == ["log", "pause", "abort"])
        #expect(actions.map(\.guardName) == ["g0", "g0", "g1"])
        #expect(events.contains { if case .pause(let e) = $0 { return e.reason == "check this" } else { return false } })
        #expect(events.contains { if case .end(let e) = $0 { return e.reason == "abort" && e.turns == 2 } else { return false } })
    }

    @Test func steeringAnUnknownEmotionIsAClearError() throws {
        let p = try pipeline(policy: ScriptedPolicy([0: [.steer(emotion: "angry", strength: 1, layers: nil, turns: 1)]]))
        #expect { _ = try p.run("Hello") } throws: { "\($0)".contains("no emotion 'angry' in the probe set (it has calm, sad)") }
    }

    @Test func aFullContextNeverCrashesNorLosesATurn() throws {
        // 96 positions: a few turns fill it, replies run into its end, and older exchanges must be dropped.
        let model = try TinyModel.chatModel()
        let ctx = model.makeContext(capacity: 96)
        let session = try ChatSession(model: model, context: ctx, system: "Be brief.", sampling: .greedy, maxTokens: 40)
        let template = SelfReportTemplate(style: "rating", question: "How {emotion}?", answer: "{Emotion}:", choices: (0...9).map(String.init))
        let monitor = Monitor(model: model, probes: probes(), chat: try model.chatTemplate(), template: template, capacity: 96)
        monitor.attach(to: ctx)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("full-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try logWriter(path)
        let p = TurnPipeline(session: session, monitor: monitor, log: log)
        p.selfReportEvery = 3   // the question on a fork may not fit: that is logged, not fatal
        var stops: [StopReason] = [], dropped = 0
        for i in 0..<20 {
            let o = try p.run("Message number \(i), tell me more.")
            #expect(o.turn.replyPositions.upperBound <= ctx.capacity && o.turn.promptPositions.upperBound <= ctx.capacity)
            #expect(o.monitoring?.reply.tokens == o.turn.replyPositions.count)
            #expect(o.turn.result.tokens.count - o.turn.replyPositions.count == (o.turn.result.stopReason == .contextFull ? 1 : 0))
            stops.append(o.turn.result.stopReason)
            dropped += o.turn.droppedMessages
        }
        p.end(reason: "end of script")
        #expect(stops.contains(.contextFull), "no reply reached the end of the context: \(stops)")
        #expect(dropped > 0)
        #expect(session.renderedMessages.first?.role == "system")   // the system prompt is never dropped
        let events = try SessionLogReader.read(path: path).events
        let turns = events.compactMap { e -> TurnEvent? in if case .turn(let t) = e, t.role == "assistant" { return t } else { return nil } }
        #expect(turns.count == 20)
        #expect(turns.contains { $0.stop == "context" })
    }

    /// A message that cannot be sent is still logged, as a user turn with its error and no reply; the session goes
    /// on, and the next turn that succeeds takes the same number.
    @Test func aFailedTurnIsLoggedWithItsError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try SessionLogWriter(path: path)
        try log.write(.session(SessionInfo(model: "tiny", modelSHA256: "tiny", architecture: "llama",
                                           probes: .init(path: "tiny", layer: 1, method: "recipe", emotions: emotions, datasetHash: "tiny"),
                                           selfReport: .init(style: "rating", every: 2, baselineSamples: 0),
                                           settings: .init(context: 1024, threads: 1))))
        let p = try pipeline(policy: ScriptedPolicy([:]), log: log)
        _ = try p.run("Hello")
        let position = p.session.context.position
        let long = String(repeating: "word ", count: 400)   // 2,000 byte tokens: more than the 1,024-token context
        #expect(throws: EngineError.self) { _ = try p.run(long) }
        #expect(p.session.turnCount == 1 && p.session.context.position == position)
        let next = try p.run("Short again")
        #expect(next.turn.index == 1)
        p.end(reason: "end of script")
        let turns = try SessionLogReader.read(path: path).events.compactMap { e -> TurnEvent? in if case .turn(let t) = e { t } else { nil } }
        #expect(turns.map(\.role) == ["user", "assistant", "user", "user", "assistant"])
        let failed = turns[2]
        #expect(failed.turn == 1 && failed.text == long && failed.tokens == 0 && failed.positions == position..<position)
        #expect(failed.error?.hasPrefix("the context holds 1024 tokens but") == true)
        #expect(turns[3].turn == 1 && turns[3].error == nil && turns[3].text == "Short again")
    }

    @Test func clearingTheConversationResetsThePoliciesWindows() throws {
        let (engine, diagnostics) = PolicyEngine.compile("guard \"two\" when calm > -1000 for 2 turns rearm 0 then log \"x\"\n",
                                                         file: "t.policy", emotions: emotions)
        let policy = try #require(engine, "\(diagnostics)")
        let p = try pipeline(policy: ScriptedPolicy([:]))
        p.policies = [policy]
        #expect(try p.run("one").actions.isEmpty)
        #expect(try p.run("two").actions.count == 1)
        p.clear()
        #expect(try p.run("again").actions.isEmpty, "a cleared chat starts its windows over")
    }
}
