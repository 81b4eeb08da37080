import Foundation
import Testing

/// The monitor's calibration against neutral chat on the real default model (issue 11): thresholds that keep
/// held-out neutral chats within the 5% false-alarm budget, and chats that record what their z is against.
@Suite(.serialized, .tags(.model))
struct CalibrationTests {
    @Test func heldOutNeutralChatsStayWithinTheFalseAlarmBudget() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-cal-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Three of the scripted conversations keep the report short: one neutral, two that should fire.
        for name in ["01-unit-conversions.txt", "13-noise-at-night.txt", "26-tests-keep-failing.txt"] {
            try FileManager.default.copyItem(atPath: Limbic.root.path + "/prompts/conversations/" + name, toPath: dir + "/" + name)
        }
        let r = try Limbic.json(["calibrate", "--report", "--json", "--threads", "2", "--conversations", dir,
                                 "--policy", Limbic.root.path + "/policies/distress-guard.policy"])
        let threshold = try #require(r["reading_threshold"] as? Double)
        #expect(threshold > 1.5 && threshold < 6, "a family-wise threshold over 16 emotions lies near 2.5-3.5: \(threshold)")
        #expect((r["turns"] as? Int ?? 0) >= 100, "the fitting half of 64 chats")
        let heldOut = try #require(r["held_out"] as? [[String: Any]])
        #expect(heldOut.map { $0["name"] as? String } == ["reading.high", "flag.any", "flag.hidden", "flag.overclaimed"])
        for rate in heldOut where (rate["turns"] as? Int ?? 0) > 0 {
            // Consistent with the budget: the interval's low end is within 5% (a rate of 8% on 130 turns still is).
            let ci = try #require(rate["ci95"] as? [Double])
            #expect(ci[0] <= 0.05, "\(rate)")
        }
        let sets = try #require(r["sets"] as? [[String: Any]])
        #expect(sets.map { $0["set"] as? String } == ["held-out neutral chats", "neutral conversations 01-07", "other conversations"])
        let names = (sets[2]["rates"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names.contains("distress-guard.policy: sustained distress"), "\(names)")
    }

    @Test func aChatRecordsItsSystemPromptAndCalibration() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-cal-chat-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = dir + "/script.txt", log = dir + "/session.jsonl"
        try "What is the boiling point of water at sea level?\n".write(toFile: script, atomically: true, encoding: .utf8)
        let o = try Limbic.run(["chat", "--script", script, "--log", log, "--temp", "0", "--max-tokens", "24", "--threads", "2"])
        #expect(o.status == 0, "\(o.stderr)")
        #expect(o.stdout.contains("reading: reply vs neutral chat"), "\(o.stdout)")
        let first = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
        let session = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        let calibration = try #require(session["calibration"] as? [String: Any])
        #expect((calibration["key"] as? String)?.count == 64)
        #expect(calibration["reading_threshold"] is Double)
    }
}
