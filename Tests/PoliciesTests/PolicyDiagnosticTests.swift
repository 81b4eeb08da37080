import Testing
@testable import Policies

/// Every message the parser and checker give, with its place and the caret under it.
struct PolicyDiagnosticTests {
    func diagnostics(_ text: String) -> [String] {
        PolicyEngine.compile(text, file: "p.policy", emotions: testEmotions).diagnostics.map { $0.render() }
    }

    @Test(arguments: [
        // Names.
        ("guard \"a\"\n  when desprate > 2\n  then log \"x\"",
         "p.policy:2:8: error: unknown emotion 'desprate'; did you mean 'desperate'?\n  when desprate > 2\n       ^"),
        ("guard \"a\" when calm > 1 then steer clam +0.5",
         "p.policy:1:36: error: unknown emotion 'clam'; did you mean 'calm'?\nguard \"a\" when calm > 1 then steer clam +0.5\n                                   ^"),
        ("group bad = sad, joy",
         "p.policy:1:18: error: unknown emotion 'joy' (the probe set has calm, desperate, afraid, angry, sad)\ngroup bad = sad, joy\n                 ^"),
        ("group negative = sad\nguard \"a\" when any(negativ) > 2 then log \"x\"",
         "p.policy:2:20: error: unknown group 'negativ'; did you mean 'negative'?\nguard \"a\" when any(negativ) > 2 then log \"x\"\n                   ^"),
        ("group g = sad\ngroup g = calm",
         "p.policy:2:7: error: group 'g' is defined twice\ngroup g = calm\n      ^"),
        ("guard \"a\" when sad > 1 then log \"x\"\nguard \"a\" when calm > 1 then log \"y\"",
         "p.policy:2:7: error: guard 'a' is defined twice\nguard \"a\" when calm > 1 then log \"y\"\n      ^"),
        ("guard \"a\" when flag.hiden then log \"x\"",
         "p.policy:1:21: error: unknown flag 'hiden' (flags are 'hidden' and 'overclaimed'); did you mean 'hidden'?\nguard \"a\" when flag.hiden then log \"x\"\n                    ^"),
        // Thresholds and windows.
        ("guard \"a\" when sad > 1 and selfreport.sad > 9 then log \"x\"",
         "p.policy:1:28: warning: 'selfreport.sad > 9' is never true: self-reports are 0-9\nguard \"a\" when sad > 1 and selfreport.sad > 9 then log \"x\"\n                           ^"),
        ("guard \"a\" when sad > 1 and selfreport.sad < 0 then log \"x\"",
         "p.policy:1:28: warning: 'selfreport.sad < 0' is never true: self-reports are 0-9\nguard \"a\" when sad > 1 and selfreport.sad < 0 then log \"x\"\n                           ^"),
        ("guard \"a\" when sad > 1 for 0 turns then log \"x\"",
         "p.policy:1:24: error: 'for 0 turns' needs 1 turn or more\nguard \"a\" when sad > 1 for 0 turns then log \"x\"\n                       ^"),
        ("guard \"a\" when sad > 1 in 5 of 3 turns then log \"x\"",
         "p.policy:1:24: error: 'in 5 of 3 turns' can never hold: 5 is more than 3\nguard \"a\" when sad > 1 in 5 of 3 turns then log \"x\"\n                       ^"),
        ("guard \"a\" when sad > 1 for 2.5 turns then log \"x\"",
         "p.policy:1:28: error: a count of turns after 'for' must be a whole number, not 2.5\nguard \"a\" when sad > 1 for 2.5 turns then log \"x\"\n                           ^"),
        ("guard \"a\"\n  when selfreport.sad > 5 or gap.calm < -2\n  then log \"x\"",
         "p.policy:2:3: warning: guard 'a' can only fire on turns with a self-report\n  when selfreport.sad > 5 or gap.calm < -2\n  ^"),
        // Regular expressions and messages.
        ("guard \"a\" when reply matches \"(unclosed\" then log \"x\"",
         "p.policy:1:16: error: invalid regular expression \"(unclosed\"\nguard \"a\" when reply matches \"(unclosed\" then log \"x\"\n               ^"),
        ("guard \"a\" when sad > 1 then tell \"{emotoin} is {z}\"",
         "p.policy:1:35: error: unknown field '{emotoin}' in the message; did you mean '{emotion}'?\nguard \"a\" when sad > 1 then tell \"{emotoin} is {z}\"\n                                  ^"),
        // Syntax.
        ("guard \"a\"\n  when sad > 1\n  then pasue \"x\"",
         "p.policy:3:8: error: expected an action (pause, tell, steer, log, abort), found 'pasue'; did you mean 'pause'?\n  then pasue \"x\"\n       ^"),
        ("guard \"a\" when sad then log \"x\"",
         "p.policy:1:20: error: expected a comparison (>, >=, <, <=, ==, !=) after 'sad', found 'then'\nguard \"a\" when sad then log \"x\"\n                   ^"),
        ("guard \"a\" when sad > 1\n  log \"x\"",
         "p.policy:2:3: error: expected 'then' (or 'and', 'or', 'for', 'in', 'rearm') after the condition, found 'log'\n  log \"x\"\n  ^"),
        ("guard \"a\" when sad > 1 then log \"x",
         "p.policy:1:33: error: unterminated string (a string ends with '\"' on the same line)\nguard \"a\" when sad > 1 then log \"x\n                                ^"),
        ("gaurd \"a\" when sad > 1 then log \"x\"",
         "p.policy:1:1: error: expected 'guard' or 'group', found 'gaurd'; did you mean 'guard'?\ngaurd \"a\" when sad > 1 then log \"x\"\n^"),
        ("guard \"a\" when (sad > 1 then log \"x\"",
         "p.policy:1:25: error: expected ')' to close '(', found 'then'\nguard \"a\" when (sad > 1 then log \"x\"\n                        ^"),
        ("guard \"a\" when sad > 1 rearm -1 then log \"x\"",
         "p.policy:1:30: error: 'rearm' takes a count of turns of 0 or more, not -1\nguard \"a\" when sad > 1 rearm -1 then log \"x\"\n                             ^"),
        ("guard \"a\" when sad ~ 1 then log \"x\"",
         "p.policy:1:20: error: unexpected character '~'\nguard \"a\" when sad ~ 1 then log \"x\"\n                   ^"),
        // A tab before the column stays a tab under it.
        ("guard \"a\"\n\twhen sadd > 1\n\tthen log \"x\"",
         "p.policy:2:7: error: unknown emotion 'sadd'; did you mean 'sad'?\n\twhen sadd > 1\n\t     ^"),
    ])
    func eachMessageHasItsPlaceAndCaret(_ text: String, _ expected: String) {
        #expect(diagnostics(text) == [expected])
    }

    @Test func anErrorInOneGuardDoesNotHideTheNext() {
        let text = """
        guard "a"
          when sad > > 1
          then log "x"
        guard "b"
          when calmm > 1
          then log "y"
        guard "c" when sad > 1 then log "z"
        """
        let (engine, d) = PolicyEngine.compile(text, file: "p.policy", emotions: testEmotions)
        #expect(engine == nil)
        #expect(d.map(\.description) == [
            "p.policy:2:14: error: expected a number after '>', found '>'",
            "p.policy:5:8: error: unknown emotion 'calmm'; did you mean 'calm'?",
        ])
    }

    @Test func warningsAloneStillRun() {
        let (engine, d) = PolicyEngine.compile("guard \"a\" when selfreport.sad > 5 then log \"x\"", file: "p", emotions: testEmotions)
        #expect(engine != nil)
        #expect(d.map(\.severity) == [.warning])
    }

    @Test func theFirstLineOfARenderingIsTheDescription() {
        let d = PolicyDiagnostic(.error, file: "f", at: SourceLocation(line: 3, column: 1), "m", lineText: "abc")
        #expect(d.render() == "f:3:1: error: m\nabc\n^")
        #expect(d.description == "f:3:1: error: m")
    }
}

/// Limits that keep a hostile file from exhausting the stack or the CPU.
struct PolicyLimitTests {
    @Test func deepNestingIsAnError() {
        let text = "guard \"a\" when " + String(repeating: "(", count: 40) + "sad > 1" + String(repeating: ")", count: 40) + " then log \"x\""
        let d = PolicyEngine.compile(text, file: "p", emotions: testEmotions).diagnostics
        #expect(d.map(\.description) == ["p:1:48: error: conditions may nest at most 32 deep (parentheses and 'not')"])
        let deep = "guard \"a\" when " + String(repeating: "(", count: 100_000) + " then log \"x\""
        #expect(PolicyEngine.compile(deep, file: "p", emotions: testEmotions).engine == nil)
    }

    @Test func longConditionsAreAnError() {
        let text = "guard \"a\" when " + Array(repeating: "sad > 1", count: 300).joined(separator: " or ") + " then log \"x\""
        let d = PolicyEngine.compile(text, file: "p", emotions: testEmotions).diagnostics
        #expect(d.count == 1)
        #expect(d.first?.message == "a condition may have at most 256 operators")
    }

    @Test func costlyWindowsAreAnError() {
        let text = "guard \"a\" when ((sad > 1 for 100 turns) for 100 turns) for 100 turns then log \"x\""
        let d = PolicyEngine.compile(text, file: "p", emotions: testEmotions).diagnostics
        #expect(d.map(\.description) == ["p:1:11: error: guard 'a' would make 1000000 comparisons a turn (at most 100000): shorten or un-nest its windows"])
    }
}
