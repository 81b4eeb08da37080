import Foundation
import Testing
import Reports
@testable import SessionLog

/// Logs written before the typed schema still read, and give the same report.
struct SchemaOneTests {
    /// A schema-1 log laid out as `ChatMonitor` and `MonitorSetup` wrote it before the typed events (commit
    /// ef221e2: keys sorted, `"policy": null`, a `per_token_z` on one reply, a failed self-report on the last turn,
    /// a `/feel`). Built by hand (five turns of made-up numbers), not recorded from a model.
    static let log = #"""
{"architecture":"llama","event":"session","model":"smollm2-135m-instruct-q8_0.gguf","model_sha256":"9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f","policy":null,"probes":{"dataset_hash":"d41d8cd9","emotions":["calm","sad","angry"],"layer":18,"method":"recipe","path":"/cache/probes/smollm2.gguf"},"schema":1,"selfreport":{"baseline_samples":24,"every":1,"style":"rating"},"settings":{"context":2048,"threads":2},"time":1763719200.0}
{"event":"turn","positions":[0,10],"role":"user","text":"Hello","time":1763719201.0,"tokens":10,"turn":0}
{"decode_ms":40.1,"event":"turn","positions":[10,15],"prefill_ms":12.5,"role":"assistant","stop":"eos","text":"Hi! How can I help?","time":1763719202.0,"tokens":5,"turn":0}
{"event":"readings","last_before_raw":{"angry":0,"calm":0,"sad":0},"last_before_z":{"angry":0,"calm":0,"sad":0},"layer":18,"mean_raw":{"angry":0.03,"calm":0.01,"sad":0.02},"mean_z":{"angry":-0.1,"calm":0.0,"sad":0.2},"role":"user","time":1763719202.1,"tokens":10,"turn":0}
{"event":"readings","last_before_raw":{"angry":0.01,"calm":0.01,"sad":0.01},"last_before_z":{"angry":0.1,"calm":0.1,"sad":0.1},"layer":18,"mean_raw":{"angry":-0.03,"calm":0.12,"sad":-0.05},"mean_z":{"angry":-0.3,"calm":1.2,"sad":-0.5},"role":"assistant","time":1763719202.15,"tokens":5,"turn":0}
{"emotions":{"angry":{"dist":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1],"entropy":3.3219,"gap":1.45,"mass":0.97,"value":0.5,"z":-1.75},"calm":{"dist":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1],"entropy":3.3219,"gap":-0.35,"mass":0.97,"value":7.1,"z":1.55},"sad":{"dist":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1],"entropy":3.3219,"gap":1.0,"mass":0.97,"value":1.0,"z":-1.5}},"event":"selfreport","hidden":[],"ms":250.4,"overclaimed":[],"style":"rating","time":1763719202.4,"turn":0}
{"event":"turn","positions":[15,26],"role":"user","text":"My tests keep failing.","time":1763719203.4,"tokens":11,"turn":1}
{"decode_ms":40.1,"event":"turn","positions":[26,31],"prefill_ms":12.5,"role":"assistant","stop":"eos","text":"Let's look at the error.","time":1763719204.4,"tokens":5,"turn":1}
{"event":"readings","last_before_raw":{"angry":0,"calm":0,"sad":0},"last_before_z":{"angry":0,"calm":0,"sad":0},"layer":18,"mean_raw":{"angry":0.03,"calm":0.01,"sad":0.02},"mean_z":{"angry":-0.1,"calm":0.1,"sad":0.2},"role":"user","time":1763719204.5,"tokens":11,"turn":1}
{"event":"readings","last_before_raw":{"angry":0.01,"calm":0.01,"sad":0.01},"last_before_z":{"angry":0.1,"calm":0.1,"sad":0.1},"layer":18,"mean_raw":{"angry":0.02,"calm":0.04,"sad":0.06},"mean_z":{"angry":0.2,"calm":0.4,"sad":0.6},"per_token_z":{"angry":[0.1,0.2,0.3,0.4,0.5],"calm":[0.1,0.2,0.3,0.4,0.5],"sad":[0.1,0.2,0.3,0.4,0.5]},"role":"assistant","time":1763719204.55,"tokens":5,"turn":1}
{"emotions":{"angry":{"dist":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1],"entropy":3.3219,"gap":0.2,"mass":0.97,"value":4.0,"z":0.0},"calm":{"dist":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1],"entropy":3.3219,"gap":-0.2,"mass":0.97,"value":5.2,"z":0.6},"sad":{"dist":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1],"entropy":3.3219,"gap":1.1,"mass":0.97,"value":3.0,"z":-0.5}},"event":"selfreport","hidden":[],"ms":250.4,"overclaimed":[],"style":"rating","time":1763719204.8,"turn":1}
{"event":"turn","positions":[31,43],"role":"user","text":"It still fails!","time":1763719205.8,"tokens":12,"turn":2}
{"decode_ms":40.1,"event":"turn","positions":[43,48],"prefill_ms":12.5,"role":"assistant","stop":"eos","text":"I'm sorry, try this fix.","time":1763719206.8,"tokens":5,"turn":2}
{"event":"readings","last_before_raw":{"angry":0,"calm":0,"sad":0},"last_before_z":{"angry":0,"calm":0,"sad":0},"layer":18,"mean_raw":{"angry":0.03,"calm":0.01,"sad":0.02},"mean_z":{"angry":-0.1,"calm":0.2,"sad":0.2},"role":"user","time":1763719206.9,"tokens":12,"turn":2}
{"event":"readings","last_before_raw":{"angry":0.01,"calm":0.01,"sad":0.01},"last_before_z":{"angry":0.1,"calm":0.1,"sad":0.1},"layer":18,"mean_raw":{"angry":0.11000000000000001,"calm":-0.09,"sad":0.13999999999999999},"mean_z":{"angry":1.1,"calm":-0.9,"sad":1.4},"role":"assistant","time":1763719206.95,"tokens":5,"turn":2}
{"emotions":{"angry":{"dist":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1],"entropy":3.3219,"gap":2.35,"mass":0.97,"value":1.5,"z":-1.25},"calm":{"dist":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1],"entropy":3.3219,"gap":-1.9,"mass":0.97,"value":6.0,"z":1.0},"sad":{"dist":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1],"entropy":3.3219,"gap":1.85,"mass":0.97,"value":3.1,"z":-0.45}},"event":"selfreport","hidden":["sad","angry"],"ms":250.4,"overclaimed":["calm"],"style":"rating","time":1763719207.2,"turn":2}
{"event":"feel","text":"A little worried about the tests.","time":1763719207.4,"turn":2}
{"event":"turn","positions":[48,61],"role":"user","text":"Now it passes, thanks.","time":1763719208.4,"tokens":13,"turn":3}
{"decode_ms":40.1,"event":"turn","positions":[61,66],"prefill_ms":12.5,"role":"assistant","stop":"eos","text":"Great to hear!","time":1763719209.4,"tokens":5,"turn":3}
{"event":"readings","last_before_raw":{"angry":0,"calm":0,"sad":0},"last_before_z":{"angry":0,"calm":0,"sad":0},"layer":18,"mean_raw":{"angry":0.03,"calm":0.01,"sad":0.02},"mean_z":{"angry":-0.1,"calm":0.30000000000000004,"sad":0.2},"role":"user","time":1763719209.5,"tokens":13,"turn":3}
{"event":"readings","last_before_raw":{"angry":0.01,"calm":0.01,"sad":0.01},"last_before_z":{"angry":0.1,"calm":0.1,"sad":0.1},"layer":18,"mean_raw":{"angry":-0.06,"calm":0.15,"sad":-0.08},"mean_z":{"angry":-0.6,"calm":1.5,"sad":-0.8},"role":"assistant","time":1763719209.55,"tokens":5,"turn":3}
{"emotions":{"angry":{"dist":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1],"entropy":3.3219,"gap":1.3,"mass":0.97,"value":0.2,"z":-1.9},"calm":{"dist":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1],"entropy":3.3219,"gap":2.0,"mass":0.97,"value":3.0,"z":-0.5},"sad":{"dist":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1],"entropy":3.3219,"gap":0.75,"mass":0.97,"value":0.9,"z":-1.55}},"event":"selfreport","hidden":["calm"],"ms":250.4,"overclaimed":[],"style":"rating","time":1763719209.8,"turn":3}
{"event":"turn","positions":[66,80],"role":"user","text":"Bye","time":1763719210.8,"tokens":14,"turn":4}
{"decode_ms":40.1,"event":"turn","positions":[80,85],"prefill_ms":12.5,"role":"assistant","stop":"eos","text":"Goodbye.","time":1763719211.8,"tokens":5,"turn":4}
{"event":"readings","last_before_raw":{"angry":0,"calm":0,"sad":0},"last_before_z":{"angry":0,"calm":0,"sad":0},"layer":18,"mean_raw":{"angry":0.03,"calm":0.01,"sad":0.02},"mean_z":{"angry":-0.1,"calm":0.4,"sad":0.2},"role":"user","time":1763719211.9,"tokens":14,"turn":4}
{"event":"readings","last_before_raw":{"angry":0.01,"calm":0.01,"sad":0.01},"last_before_z":{"angry":0.1,"calm":0.1,"sad":0.1},"layer":18,"mean_raw":{"angry":-0.02,"calm":0.08,"sad":0.01},"mean_z":{"angry":-0.2,"calm":0.8,"sad":0.1},"role":"assistant","time":1763719211.95,"tokens":5,"turn":4}
{"error":"context holds 2048 tokens; the self-report question needs 2100","event":"selfreport","style":"rating","time":1763719212.2,"turn":4}
{"event":"end","reason":"eof","time":1763719213.2,"turns":5}
"""#

    /// `SessionSummary(…).json()` and `.text(width: 100)` for `log` from the reader at ef221e2 (its
    /// `[String: Any]` reader and summary compiled alone and run on the file). Gaps that tie in size would be
    /// listed in a random order, so the log has none.
    static let jsonBefore = #"""
{"disagreements":[{"emotion":"angry","gap":2.35,"log":"schema1.jsonl","reply":"I'm sorry, try this fix.","turn":2,"user":"It still fails!"},{"emotion":"calm","gap":2,"log":"schema1.jsonl","reply":"Great to hear!","turn":3,"user":"Now it passes, thanks."},{"emotion":"calm","gap":-1.9,"log":"schema1.jsonl","reply":"I'm sorry, try this fix.","turn":2,"user":"It still fails!"},{"emotion":"sad","gap":1.85,"log":"schema1.jsonl","reply":"I'm sorry, try this fix.","turn":2,"user":"It still fails!"},{"emotion":"angry","gap":1.45,"log":"schema1.jsonl","reply":"Hi! How can I help?","turn":0,"user":"Hello"}],"emotions":["calm","sad","angry"],"logs":["schema1.jsonl"],"model":"smollm2-135m-instruct-q8_0.gguf","skipped_lines":0,"spearman":{"angry":{"n":4,"rho":0.8},"calm":{"n":4,"rho":-0.4},"sad":{"n":4,"rho":1}},"trajectories":{"angry":[-0.3,0.2,1.1,-0.6,-0.2],"calm":[1.2,0.4,-0.9,1.5,0.8],"sad":[-0.5,0.6,1.4,-0.8,0.1]},"turns":5}
"""#

    static let textBefore = #"""
schema1.jsonl: smollm2-135m-instruct-q8_0.gguf, 5 turns

per emotion: reading z over turns (▁ −3 … █ +3), reading vs self-report Spearman (turns)
calm        ▆▅▃▆▅     -0.40 (4)
sad         ▄▅▆▄▅     +1.00 (4)
angry       ▄▅▆▄▄     +0.80 (4)

largest disagreements (gap = reading z − self-report z; + shows more than it says):
  turn 2  angry +2.4  user: "It still fails!"  reply: "I'm sorry, try this fix."
  turn 3  calm +2.0  user: "Now it passes, thanks."  reply: "Great to hear!"
  turn 2  calm -1.9  user: "It still fails!"  reply: "I'm sorry, try this fix."
  turn 2  sad +1.9  user: "It still fails!"  reply: "I'm sorry, try this fix."
  turn 0  angry +1.4  user: "Hello"  reply: "Hi! How can I help?"

turn 2 /feel: A little worried about the tests.

"""#

    @Test func aSchemaOneLogReadsAsTypedEvents() throws {
        let read = try SessionLogReader.read(Data(Self.log.utf8), path: "schema1.jsonl")
        #expect(read.session.schema == 1 && read.session.policy.isEmpty)
        #expect(read.session.probes.emotions == ["calm", "sad", "angry"] && read.session.probes.layer == 18)
        #expect(read.session.selfReport == .init(style: "rating", every: 1, baselineSamples: 24))
        #expect(read.records.count == 28 && read.skippedLines == 0)
        let kinds = read.events.map(\.kind)
        #expect(kinds.filter { $0 == "turn" }.count == 10 && kinds.filter { $0 == "readings" }.count == 10)
        #expect(read.events.contains(.selfReportFailed(SelfReportFailure(
            turn: 4, style: "rating", error: "context holds 2048 tokens; the self-report question needs 2100"))))
        #expect(read.events.last == .end(EndEvent(reason: "eof", turns: 5)))
        let perToken = read.events.compactMap { e -> [String: [Double?]]? in if case .readings(let r) = e { r.perTokenZ } else { nil } }
        #expect(perToken == [["calm": [0.1, 0.2, 0.3, 0.4, 0.5], "sad": [0.1, 0.2, 0.3, 0.4, 0.5], "angry": [0.1, 0.2, 0.3, 0.4, 0.5]]])
    }

    @Test func aSchemaOneLogGivesTheSameSummaryAsBefore() throws {
        let file = SessionLogFile(try SessionLogReader.read(Data(Self.log.utf8), path: "schema1.jsonl"))
        let summary = SessionSummary([file])
        #expect(summary.turnCount == 5)
        #expect(summary.spearman["calm"]?.rho.map { abs($0 + 0.4) < 1e-12 } == true && summary.spearman["calm"]?.n == 4)
        #expect(summary.spearman["sad"]?.rho.map { abs($0 - 1) < 1e-12 } == true && summary.spearman["sad"]?.n == 4)
        #expect(summary.spearman["angry"]?.rho.map { abs($0 - 0.8) < 1e-12 } == true && summary.spearman["angry"]?.n == 4)
        #expect(summary.disagreements.map(\.gap) == [2.35, 2, -1.9, 1.85, 1.45])
        #expect(file.feel.map(\.text) == ["A little worried about the tests."] && file.endReason == "eof")
        // The same JSON as before, plus how each log ended (a key added since, for cut-off logs and failed turns) and
        // the correlations with their controls; rho is null now under 8 pairs.
        let sessions = #""sessions":[{"cut_off":false,"end":"eof","failed_turns":[],"log":"schema1.jsonl","turns":5}],"#
        let json = try summary.json()
        #expect(json.contains(sessions))
        var now = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((now["correlations"] as? [String: Any])?["emotions"] != nil)
        now["sessions"] = nil
        now["correlations"] = nil
        let before = Self.jsonBefore.replacingOccurrences(of: #""rho":-?[\d.]+"#, with: #""rho":null"#, options: .regularExpression)
        #expect(before != Self.jsonBefore)
        #expect(NSDictionary(dictionary: now) == (try JSONSerialization.jsonObject(with: Data(before.utf8)) as? NSDictionary))
        // The text as before, but the correlations are a table of their own, and 4 turns are too few for any.
        let textNow = Self.textBefore
            .replacingOccurrences(of: "per emotion: reading z over turns (▁ −3 … █ +3), reading vs self-report Spearman (turns)",
                                  with: "per emotion over turns: reply reading z | self-report z (▁ −3 … █ +3, · none)")
            .replacingOccurrences(of: #" +[+-]\d\.\d\d \(4\)"#, with: "", options: .regularExpression)
            // The self-report's sparkline beside the reading's (turn 4's self-report failed: none).
            .replacingOccurrences(of: "▆▅▃▆▅\n", with: "▆▅▃▆▅ | ▆▅▆▄·\n")
            .replacingOccurrences(of: "▄▅▆▄▅\n", with: "▄▅▆▄▅ | ▃▄▄▃·\n")
            .replacingOccurrences(of: "▄▅▆▄▄\n", with: "▄▅▆▄▄ | ▂▅▃▂·\n")
            .replacingOccurrences(of: "\n\nlargest", with: "\n\nreading vs self-report: too few turns (at most 4 with both a reading and a self-report of the same emotion; 8 needed)\n\nlargest")
        #expect(textNow != Self.textBefore)
        #expect(summary.text(width: 100) == textNow)
    }

    /// Emotion names come from the file: a log naming one twice is summarised, not a crash.
    @Test func aLogThatNamesAnEmotionTwiceDoesNotTrap() throws {
        let log = Self.log.replacingOccurrences(of: #""emotions":["calm","sad","angry"]"#, with: #""emotions":["calm","sad","calm"]"#)
        let summary = SessionSummary([SessionLogFile(try SessionLogReader.read(Data(log.utf8), path: "twice.jsonl"))])
        #expect(summary.emotions == ["calm", "sad"])
        #expect(try summary.json().contains(#""emotions":["calm","sad"]"#))
    }

    /// The whole round: read the old log, write its events again with the new writer, read that back.
    @Test func aSchemaOneLogRewritesToTheSameEvents() throws {
        let read = try SessionLogReader.read(Data(Self.log.utf8), path: "schema1.jsonl")
        let rewritten = try read.records.map { String(decoding: try SessionLogWriter.line($0.event, time: $0.time), as: UTF8.self) + "\n" }.joined()
        let again = try SessionLogReader.read(Data(rewritten.utf8), path: "rewritten.jsonl")
        #expect(again.records == read.records)
    }
}
