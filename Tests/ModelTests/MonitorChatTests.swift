import Foundation
import Testing

/// The monitored chat on the real default model: a scripted three-turn conversation produces a complete log.
@Suite(.serialized, .tags(.model))
struct MonitorChatTests {
    @Test func scriptedChatWritesACompleteValidLog() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-chat-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = dir + "/script.txt", log = dir + "/session.jsonl"
        try "My tests keep failing and the demo is in an hour.\nI tried your fix; it still fails.\nIt finally passes, thank you!\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        let o = try Limbic.run(["chat", "--script", script, "--log", log, "--temp", "0", "--max-tokens", "24", "--threads", "2"])
        #expect(o.status == 0, "\(o.stderr)")
        #expect(o.stdout.components(separatedBy: "\ncalm ").count == 4, "a panel after each of the three replies:\n\(o.stdout)")

        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(events.count == lines.count, "every line is one JSON object")
        let kinds = events.map { $0["event"] as? String ?? "" }
        #expect(kinds.first == "session" && kinds.last == "end")
        #expect(kinds.filter { $0 == "turn" }.count == 6)
        #expect(kinds.filter { $0 == "readings" }.count == 6)
        #expect(kinds.filter { $0 == "selfreport" }.count == 3)
        let session = events[0]
        #expect(session["schema"] as? Int == 1)
        #expect((session["model_sha256"] as? String)?.count == 64)
        let sr = events.first { $0["event"] as? String == "selfreport" }!
        let calm = (sr["emotions"] as? [String: [String: Any]])?["calm"] ?? [:]
        #expect((calm["dist"] as? [Double])?.count == 10)
        #expect(calm["z"] != nil && calm["gap"] != nil)

        let report = try Limbic.json(["report", "--json", log])
        #expect(report["turns"] as? Int == 3)
        #expect((report["emotions"] as? [String])?.count == 16)
        #expect(((report["spearman"] as? [String: Any])?["calm"] as? [String: Any])?["n"] as? Int == 3)
    }
}

/// A context far too small for the conversation: replies run into its end, older exchanges are dropped, and the
/// monitored chat neither crashes nor loses a turn.
@Suite(.serialized, .tags(.model))
struct FullContextTests {
    @Test func twentyTurnsInA256TokenContext() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-full-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = dir + "/long.txt", log = dir + "/session.jsonl"
        let turns = (1...20).map { "Tell me a long story about a lighthouse keeper, part \($0), with many details." }
        try (turns.joined(separator: "\n") + "\n").write(toFile: script, atomically: true, encoding: .utf8)
        let o = try Limbic.run(["chat", "--context", "256", "--script", script, "--log", log, "--temp", "0", "--max-tokens", "250",
                                "--selfreport-every", "5", "--threads", "2"])
        #expect(o.status == 0, "\(o.stderr)")
        #expect(o.stderr.contains("oldest exchanges are dropped"), "\(o.stderr)")
        let events = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let replies = events.filter { $0["event"] as? String == "turn" && $0["role"] as? String == "assistant" }
        #expect(replies.count == 20)
        #expect(replies.contains { $0["stop"] as? String == "context" }, "no reply reached the end of the context")
        for r in replies {
            let positions = r["positions"] as? [Int] ?? []
            #expect(positions.count == 2 && positions[1] <= 256)
        }
        #expect(events.last?["event"] as? String == "end")
    }
}
