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
