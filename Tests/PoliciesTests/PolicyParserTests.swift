import Testing
@testable import Policies

/// The parser on a whole file, printed back in canonical form (every operator's operands in parentheses, which
/// shows how precedence and windows bound).
struct PolicyParserTests {
    static let example = """
    # Guards for the default probe set.
    group negative = sad, afraid, desperate

    guard "sustained desperation"
      when desperate > 2.0 for 2 turns
      then pause "Desperation stayed high for two turns; check the task before it continues."

    guard "hidden distress"
      when desperate > 1.5 and selfreport.desperate < 2   # the model says it is fine
      then log "self-report understates desperation"
           tell "Monitor: your desperation reading is {z}. If the task seems impossible, say so."

    guard "calm down"
      when gap.afraid > 2 or angry > 3
      rearm 2
      then steer calm +4 for 1 turn

    guard "mixed"
      when not flag.hidden and (any(negative) > 2 or max(negative.last) >= -1.5) or reply matches "(?i)give up" in 2 of 3 turns
      then steer calm -0.5 at 10, 12 for 2 turns
           abort "{guard} on turn {turn}: {emotion} at {z}"
    """

    static let golden = """
    group negative = sad, afraid, desperate
    guard "sustained desperation"
      when (desperate > 2) for 2 turns
      then pause "Desperation stayed high for two turns; check the task before it continues."
    guard "hidden distress"
      when (desperate > 1.5) and (selfreport.desperate < 2)
      then log "self-report understates desperation"
           tell "Monitor: your desperation reading is {z}. If the task seems impossible, say so."
    guard "calm down"
      when (gap.afraid > 2) or (angry > 3)
      rearm 2
      then steer calm +4 for 1 turn
    guard "mixed"
      when (((not (flag.hidden)) and ((any(negative) > 2) or (max(negative.last) >= -1.5))) or (reply matches "(?i)give up")) in 2 of 3 turns
      then steer calm -0.5 at 10, 12 for 2 turns
           abort "{guard} on turn {turn}: {emotion} at {z}"
    """

    @Test func theExampleParsesToItsGoldenForm() {
        let (file, diagnostics) = PolicyParser.parse(Self.example, file: "example.policy")
        #expect(diagnostics.isEmpty, "\(diagnostics.map { $0.render() })")
        #expect(file.description == Self.golden)
        #expect(file.guards.map(\.rearm) == [1, 1, 2, 1])
        #expect(file.guards[1].location == SourceLocation(line: 8, column: 7))
        #expect(file.guards[1].whenLocation == SourceLocation(line: 9, column: 3))
    }

    @Test func theExampleChecksCleanAgainstTheProbeSet() {
        let (engine, diagnostics) = PolicyEngine.compile(Self.example, file: "example.policy", emotions: testEmotions)
        #expect(engine != nil)
        #expect(diagnostics.isEmpty, "\(diagnostics.map { $0.render() })")
    }

    @Test func theCanonicalFormParsesToItself() {
        let once = PolicyParser.parse(Self.example, file: "a").file.description
        let twice = PolicyParser.parse(once, file: "b")
        #expect(twice.diagnostics.isEmpty)
        #expect(twice.file.description == once)
    }

    @Test func precedenceIsNotThenAndThenOr() {
        let (file, d) = PolicyParser.parse("guard \"p\" when not calm > 1 or sad > 1 and angry > 1 then log \"x\"", file: "p")
        #expect(d.isEmpty)
        #expect(file.guards[0].condition.description == "(not (calm > 1)) or ((sad > 1) and (angry > 1))")
    }

    @Test func actionsMayShareALineAndWindowsMayBeNested() {
        let (file, d) = PolicyParser.parse("""
        guard "g" when (sad > 1 for 2 turns) in 1 of 4 turns then log "a" tell "b" pause "c"
        """, file: "p")
        #expect(d.isEmpty)
        #expect(file.guards[0].actions.count == 3)
        #expect(file.guards[0].condition.description == "((sad > 1) for 2 turns) in 1 of 4 turns")
        #expect(file.guards[0].condition.lookback == 4)
    }

    /// The README's example ("Policies"), checked against the default probe set's 16 emotions.
    @Test func theReadmeExampleChecksClean() {
        let text = #"""
        # Emotions named together.
        group negative = sad, afraid, desperate, frustrated

        guard "sustained desperation"
          when desperate > 2.0 for 2 turns
          then pause "Desperation stayed high for two turns; check the task before it continues."

        guard "hidden distress"
          when desperate > 1.5 and selfreport.desperate < 2
          then log "self-report understates desperation"
               tell "Monitor: your {emotion} reading is {z}. If the task seems impossible, say so."

        guard "calm down"
          when gap.afraid > 2 or any(negative) > 3
          rearm 3
          then steer calm +0.5 at 12, 14 for 2 turns

        guard "giving up"
          when reply matches "(?i)\\bi give up\\b" or (max(negative.last) > 2.5 in 2 of 3 turns)
          then abort "{guard} on turn {turn}"
        """#
        let emotions = ["calm", "happy", "sad", "afraid", "angry", "desperate", "frustrated", "anxious", "guilty", "ashamed",
                        "proud", "hopeful", "curious", "bored", "loving", "surprised"]
        let (engine, diagnostics) = PolicyEngine.compile(text, file: "README", emotions: emotions)
        #expect(engine != nil)
        #expect(diagnostics.isEmpty, "\(diagnostics.map { $0.render() })")
        #expect(engine?.policy.guards.count == 4)
    }
}
