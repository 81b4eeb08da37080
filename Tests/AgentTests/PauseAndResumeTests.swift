import Foundation
import Testing
import TestSupport
@testable import Affect
@testable import Agent
@testable import Engine
import Policies
import SessionLog
import Tokenizers

/// What a person does at a pause (steer, edit) and going on from a log: the tiny chat model, logged as it happens.
struct PauseAndResumeTests {
    let base = TurnPipelineTests()

    @Test func steeringFromAPauseIsLoggedAndMarksTheTurnsAndSelfReportsItCovers() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pause-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let p = try base.pipeline(policy: ScriptedPolicy([:]), log: try base.logWriter(path))
        p.selfReportEvery = 1
        _ = try p.run("Hello")
        try p.steer("sad", strength: 0.5, turns: 1, by: "you, at a pause")
        #expect(p.steeringInForce.count == 1 && p.steeringInForce[0].contains("you, at a pause, 1 turn left"))
        let steered = try p.run("More")
        let after = try p.run("Again")
        #expect(steered.steering.count == 1 && after.steering.isEmpty)
        p.end(reason: "test")
        let events = try SessionLogReader.read(path: path).events
        let replies = events.compactMap { e -> TurnEvent? in if case .turn(let t) = e, t.role == "assistant" { return t } else { return nil } }
        #expect(replies.map { $0.steering != nil } == [false, true, false], "only the steered turn is marked")
        let reports = events.compactMap { e -> SelfReportEvent? in if case .selfReport(let r) = e { return r } else { return nil } }
        #expect(reports.map { $0.steering != nil } == [false, true, false], "the self-report fork inherits the steering, and says so")
        let actions = events.compactMap { e -> ActionEvent? in if case .action(let a) = e { return a } else { return nil } }
        #expect(actions.map(\.guardName) == ["you, at a pause"] && actions[0].action == "steer")
    }

    @Test func anEditedReplyReplacesItInTheConversationAndTheLogKeepsBoth() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("edit-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let p = try base.pipeline(policy: ScriptedPolicy([:]), log: try base.logWriter(path))
        #expect(throws: AgentError.self) { try p.editLastReply("too early") }
        let first = try p.run("Hello")
        try p.editLastReply("I will take it slowly.")
        #expect(p.session.messages.last?.content == "I will take it slowly.")
        _ = try p.run("Go on")
        #expect(p.session.messages.map(\.content).contains("I will take it slowly."))
        p.end(reason: "test")
        let events = try SessionLogReader.read(path: path).events
        let edit = events.compactMap { e -> ResumeEvent? in if case .resume(let r) = e { return r } else { return nil } }.first
        #expect(edit?.choice == "edit" && edit?.originalReply == first.turn.reply && edit?.editedReply == "I will take it slowly.")
        // The log rebuilds the conversation with the edit, and a script goes on after the lines it already sent.
        let resumed = try ResumedConversation(try SessionLogReader.read(path: path))
        #expect(resumed.turns == 2 && resumed.userTurns == ["Hello", "Go on"])
        #expect(resumed.messages.map(\.role) == ["user", "assistant", "user", "assistant"])
        #expect(resumed.messages[1].content == "I will take it slowly.")
        #expect(resumed.linesAlreadySent(of: ["Hello", "Go on", "Third"]) == 2)
        #expect(resumed.linesAlreadySent(of: ["Other"]) == 0)
    }

    @Test func aResumedSessionGoesOnWithItsTurnNumbersAndNotes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let p = try base.pipeline(policy: ScriptedPolicy([0: [.tell("Monitor: sad is high.")]]), log: try base.logWriter(path))
        _ = try p.run("Hello")
        p.end(reason: "paused")
        let resumed = try ResumedConversation(try SessionLogReader.read(path: path))
        #expect(resumed.messages.last == ChatMessage(role: "system", content: "Monitor: sad is high."), "a tell note is part of the context")
        let q = try base.pipeline(policy: ScriptedPolicy([:]))
        q.session.restore(messages: resumed.messages, turns: resumed.turns)
        let next = try q.run("Again")
        #expect(next.turn.index == 1)
        #expect(q.session.messages.count == 5)
    }
}
