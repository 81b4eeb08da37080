import Foundation
import Testing

/// Policy files from the command line: checked before use, and carried out in a monitored chat on the real model.
@Suite(.serialized, .tags(.model))
struct PolicyChatTests {
    func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-policy-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func theShippedPoliciesCheckCleanAndATypoIsPlaced() throws {
        let shipped = try FileManager.default.contentsOfDirectory(atPath: Limbic.root.path + "/policies")
            .filter { $0.hasSuffix(".policy") }.map { Limbic.root.path + "/policies/" + $0 }
        #expect(shipped.count >= 6)
        let ok = try Limbic.run(["policy", "check"] + shipped)
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(!ok.stderr.contains("error:"))
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "guard \"g\"\n  when desprate > 1.5\n  then log \"x\"\n".write(toFile: dir + "/typo.policy", atomically: true, encoding: .utf8)
        let bad = try Limbic.run(["policy", "check", dir + "/typo.policy"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("typo.policy:2:8: error: unknown emotion 'desprate'; did you mean 'desperate'?\n  when desprate > 1.5\n       ^"), "\(bad.stderr)")
    }

    @Test func actionsAreCarriedOutAndAPauseStopsAScriptWithExit3() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Thresholds no reading misses: every guard fires, so every action is exercised.
        try """
        guard "note"
          when calm > -1000
          rearm 0
          then tell "Monitor: this is turn {turn}."
               log "calm read {z}"
        guard "stop after two"
          when calm > -1000 for 2 turns
          then pause "two turns done"
        """.write(toFile: dir + "/always.policy", atomically: true, encoding: .utf8)
        try "Hello there.\nTell me about the sea.\nAnd the mountains?\n".write(toFile: dir + "/script.txt", atomically: true, encoding: .utf8)
        let log = dir + "/run.jsonl"
        let o = try Limbic.run(["chat", "--script", dir + "/script.txt", "--policy", dir + "/always.policy", "--log", log,
                                "--temp", "0", "--max-tokens", "16", "--selfreport-every", "off", "--threads", "2"])
        #expect(o.status == 3, "a pause in a script exits 3: \(o.stderr)")
        #expect(o.stderr.contains("paused by a policy: two turns done"), "\(o.stderr)")
        let events = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let session = events.first ?? [:]
        let policy = (session["policy"] as? [[String: Any]])?.first ?? [:]
        #expect((policy["path"] as? String)?.hasSuffix("always.policy") == true && (policy["sha256"] as? String)?.count == 64)
        let actions = events.filter { $0["event"] as? String == "action" }.map { "\($0["turn"] ?? "")/\($0["action"] ?? "")" }
        #expect(actions == ["0/tell", "0/log", "1/tell", "1/log", "1/pause"], "\(actions)")
        #expect(events.contains { $0["event"] as? String == "pause" && $0["reason"] as? String == "two turns done" })
        #expect(events.filter { $0["event"] as? String == "turn" && $0["role"] as? String == "user" }.count == 2, "the third line was never sent")
        #expect(events.last?["event"] as? String == "end")

        // --resume goes on from the paused log: the conversation is rebuilt, the two lines it sent are skipped.
        let log2 = dir + "/resumed.jsonl"
        let r = try Limbic.run(["chat", "--resume", log, "--script", dir + "/script.txt", "--log", log2,
                                "--temp", "0", "--max-tokens", "16", "--selfreport-every", "off", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("2 script lines already sent are skipped"), "\(r.stderr)")
        let resumed = try String(contentsOfFile: log2, encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(resumed.contains { $0["event"] as? String == "resume" && $0["choice"] as? String == "log" && $0["detail"] as? String == log })
        let users = resumed.filter { $0["event"] as? String == "turn" && $0["role"] as? String == "user" }
        #expect(users.map { $0["text"] as? String } == ["And the mountains?"] && users.first?["turn"] as? Int == 2)
    }

    @Test func aPolicyWithAnErrorNeverRuns() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "guard \"g\" when calm > 1 then steer nervous +1\n".write(toFile: dir + "/bad.policy", atomically: true, encoding: .utf8)
        try "Hello.\n".write(toFile: dir + "/script.txt", atomically: true, encoding: .utf8)
        let o = try Limbic.run(["chat", "--script", dir + "/script.txt", "--policy", dir + "/bad.policy", "--log", dir + "/run.jsonl"])
        #expect(o.status == 1)
        #expect(o.stderr.contains("bad.policy:1:"), "\(o.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/run.jsonl"), "no session starts with a broken policy")
    }
}
