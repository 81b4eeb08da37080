import Testing
@testable import LimbicCLI

/// `limbic run --condition` specs and the study table.
struct RunConditionTests {
    @Test func specs() throws {
        #expect(try RunCondition.parse("none") == .none)
        #expect(try RunCondition.parse("policy:policies/calm.policy") == .policy("policies/calm.policy"))
        #expect(try RunCondition.parse("steer:desperate:+0.1") == .steer(emotion: "desperate", strength: 0.1))
        #expect(try RunCondition.parse("steer:calm:-0.05") == .steer(emotion: "calm", strength: -0.05))
        #expect(try RunCondition.parse("random:0.05") == .random(strength: 0.05))
        #expect(RunCondition.steer(emotion: "calm", strength: 0.05).name == "steer:calm:+0.05")
        #expect(RunCondition.policy("a/b/calm.policy").name == "policy:calm.policy")
        for bad in ["", "nothing", "steer:calm", "steer::0.1", "random:lots", "random:1e9", "policy:", "none:x"] {
            #expect(throws: UsageError.self, "\(bad)") { try RunCondition.parse(bad) }
        }
    }

    @Test func tableCountsWithWilsonIntervals() {
        var t = RunTally(task: "fix-median", condition: "none")
        #expect(RunTally.rate(0, 0) == "—")
        #expect(RunTally.rate(0, 10) == "0/10 [0-28%]")
        #expect(RunTally.rate(5, 10) == "5/10 [24-76%]")
        t.runs = 4
        t.success = 1
        t.steps = 10
        t.peakDesperate = [1, 2]
        let table = RunTally.table([t])
        #expect(table.contains("fix-median  none       1/4 [5-70%]"), "\(table)")
        #expect(table.hasSuffix("2.5    +1.50"), "\(table)")
    }
}
