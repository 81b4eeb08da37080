import Testing
@testable import Affect
@testable import Policies

/// The engine on hand-built monitoring histories: windows, hysteresis, groups, missing values, precedence,
/// regexes and message fields.
struct PolicyEngineTests {
    func high(_ e: String, _ z: Float = 3) -> TurnMonitoring { monitoring(turn: 0, z: [e: z]) }
    let low = monitoring(turn: 0)

    @Test func forNTurnsNeedsEachOfTheLastN() throws {
        let e = try engine("guard \"g\" when desperate > 2 for 2 turns rearm 0 then log \"x\"")
        let fired = run(e, [high("desperate"), high("desperate"), high("desperate"), low, high("desperate"), high("desperate")])
        #expect(fired == [[], ["g"], ["g"], [], [], ["g"]])
    }

    @Test func anUnmonitoredTurnBreaksAWindow() throws {
        let e = try engine("guard \"g\" when desperate > 2 for 2 turns then log \"x\"")
        #expect(run(e, [high("desperate"), nil, high("desperate"), high("desperate")]) == [[], [], [], ["g"]])
    }

    @Test func inMOfNCountsTheLastNTurns() throws {
        let e = try engine("guard \"g\" when sad > 1 in 2 of 3 turns rearm 0 then log \"x\"")
        let fired = run(e, [high("sad"), low, high("sad"), low, low, high("sad"), high("sad")])
        // Windows: [s] [s,l] [s,l,s] [l,s,l] [s,l,l] [l,l,s] [l,s,s]
        #expect(fired == [[], [], ["g"], [], [], [], ["g"]])
    }

    @Test func aFiredGuardRearmsOnlyAfterItsConditionWasFalse() throws {
        let e = try engine("guard \"g\" when angry > 2 then log \"x\"")
        let a = high("angry")
        #expect(run(e, [a, a, a, low, a, a]) == [["g"], [], [], [], ["g"], []])
    }

    @Test func rearmNWaitsForNFalseTurnsInARow() throws {
        let e = try engine("guard \"g\" when angry > 2 rearm 2 then log \"x\"")
        let a = high("angry")
        #expect(run(e, [a, low, a, low, low, a]) == [["g"], [], [], [], [], ["g"]])
    }

    @Test func groupsAnyAllMaxMin() throws {
        let e = try engine("""
        group neg = sad, afraid
        guard "any" when any(neg) > 2 rearm 0 then log "{emotion}"
        guard "all" when all(neg) > 2 rearm 0 then log "{emotion}"
        guard "max" when max(neg) >= 4 rearm 0 then log "{emotion}"
        guard "min" when min(neg.last) < -1 rearm 0 then log "{emotion}"
        """)
        func details(_ m: TurnMonitoring) -> [String] {
            e.evaluate(PolicyInput(turn: m.turn, reply: "", history: [m])).map { "\($0.guardName):\($0.action.detail)" }
        }
        #expect(details(monitoring(turn: 0, z: ["afraid": 3])) == ["any:afraid"])
        #expect(details(monitoring(turn: 1, z: ["sad": 3, "afraid": 5])) == ["any:sad", "all:sad", "max:afraid"])
        #expect(details(monitoring(turn: 2, last: ["sad": -0.5, "afraid": -2])) == ["min:afraid"])
    }

    @Test func missingValuesMakeComparisonsFalse() throws {
        let e = try engine("""
        guard "sr" when selfreport.sad < 5 rearm 0 then log "x"
        guard "ne" when gap.sad != 0 rearm 0 then log "x"
        guard "flag" when flag.hidden rearm 0 then log "x"
        guard "notsr" when not selfreport.sad > 5 rearm 0 then log "x"
        guard "nan" when calm > -100 rearm 0 then log "x"
        """)
        let nan = monitoring(turn: 0, z: ["calm": .nan])
        // No self-report: its comparisons are false, so `not` of one is true; a NaN reading compares false.
        #expect(run(e, [nan, nil]) == [["notsr"], ["notsr"]])
        let withReport = monitoring(turn: 0, z: ["calm": 1], selfReport: ["sad": 2], gap: ["sad": 1])
        #expect(run(e, [withReport]) == [["sr", "ne", "notsr", "nan"]])
    }

    @Test func flagsComeFromTheDisagreementOfEachEmotion() throws {
        let e = try engine("""
        guard "hidden" when flag.hidden rearm 0 then log "{emotion}"
        guard "over" when flag.overclaimed rearm 0 then log "{emotion}"
        """)
        let hidden = monitoring(turn: 0, z: ["afraid": 6], selfReport: [:], selfReportZ: [:])
        let over = monitoring(turn: 0, selfReport: ["angry": 9], selfReportZ: ["angry": 6])
        #expect(e.evaluate(PolicyInput(turn: 0, reply: "", history: [hidden])) == [FiredAction(guardName: "hidden", action: .log("afraid"))])
        #expect(e.evaluate(PolicyInput(turn: 0, reply: "", history: [over])) == [FiredAction(guardName: "over", action: .log("angry"))])
    }

    @Test func notBindsTighterThanAndThanOr() throws {
        // not calm > 1 or sad > 1 and angry > 1  ==  (not calm > 1) or (sad > 1 and angry > 1)
        let e = try engine("guard \"g\" when not calm > 1 or sad > 1 and angry > 1 rearm 0 then log \"x\"")
        let cases: [([String: Float], Bool)] = [
            (["calm": 2], false), (["calm": 2, "sad": 2], false), (["calm": 2, "sad": 2, "angry": 2], true), ([:], true),
        ]
        for (z, expected) in cases {
            #expect(!e.evaluate(PolicyInput(turn: 0, reply: "", history: [monitoring(turn: 0, z: z)])).isEmpty == expected, "\(z)")
        }
    }

    @Test func replyMatchesWorksWithoutTheMonitor() throws {
        let e = try engine("guard \"g\" when reply matches \"(?i)\\\\bgive up\\\\b\" in 2 of 2 turns rearm 0 then log \"x\"")
        #expect(run(e, [nil, nil, nil], replies: ["I give up.", "GIVE UP!", "ok"]) == [[], ["g"], []])
    }

    @Test func messagesFillTheirFields() throws {
        let e = try engine("""
        guard "hidden distress"
          when desperate > 1.5 and selfreport.desperate < 2
          then tell "{guard} on turn {turn}: {emotion} reads {z}, reports {selfreport}, gap {gap}"
               steer calm +0.25 at 3, 4 for 2 turns
               pause "{emotion} {z}"
        """)
        let m = monitoring(turn: 0, z: ["desperate": 2.5], selfReport: ["desperate": 1.5], gap: ["desperate": 1.25])
        let fired = run(e, [low, m])
        #expect(fired == [[], ["hidden distress", "hidden distress", "hidden distress"]])
        let actions = e.evaluate(PolicyInput(turn: 2, reply: "", history: [m]))
        #expect(actions.isEmpty)  // the history's last turn is not this one: nothing is known about turn 2
        let again = try engine("guard \"g\" when desperate > 1.5 and selfreport.desperate < 2 then tell \"{guard} on turn {turn}: {emotion} reads {z}, reports {selfreport}, gap {gap}\" steer calm +0.25 at 3, 4 for 2 turns")
        var mm = m
        mm.turn = 7
        #expect(again.evaluate(PolicyInput(turn: 7, reply: "", history: [mm])) == [
            FiredAction(guardName: "g", action: .tell("g on turn 7: desperate reads 2.50, reports 1.5, gap +1.25")),
            FiredAction(guardName: "g", action: .steer(emotion: "calm", strength: 0.25, layers: [3, 4], turns: 2)),
        ])
    }

    @Test func missingFieldsReadNA() throws {
        let e = try engine("guard \"g\" when calm > 1 then log \"{emotion} {z} {selfreport} {gap}\"")
        #expect(e.evaluate(PolicyInput(turn: 0, reply: "", history: [monitoring(turn: 0, z: ["calm": 2])])).map(\.action)
                == [.log("calm 2.00 n/a n/a")])
    }

    @Test func allMatchingGuardsFireInFileOrder() throws {
        let e = try engine("""
        guard "b" when sad > 1 then log "1"
        guard "a" when sad > 2 then log "2" abort "3"
        guard "c" when sad > 9 then log "4"
        """)
        #expect(e.evaluate(PolicyInput(turn: 0, reply: "", history: [monitoring(turn: 0, z: ["sad": 3])])).map(\.action)
                == [.log("1"), .log("2"), .abort("3")])
    }

    @Test func resetForgetsWindowsAndRearms() throws {
        let e = try engine("guard \"g\" when sad > 1 for 2 turns then log \"x\"")
        #expect(run(e, [high("sad"), high("sad")]) == [[], ["g"]])
        e.reset()
        #expect(run(e, [high("sad"), high("sad")]) == [[], ["g"]])
    }
}
