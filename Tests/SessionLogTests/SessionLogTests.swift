import Foundation
import Testing
import Reports
@testable import SessionLog

/// The writer and the reader: every event kind round-trips, numbers that are not finite become `null`.
struct SessionLogTests {
    static let emotions = ["calm", "sad", "angry"]

    static let session = SessionInfo(
        model: "tiny.gguf", modelSHA256: String(repeating: "ab", count: 32), architecture: "llama",
        probes: .init(path: "/cache/probes/tiny.gguf", layer: 1, method: "recipe", emotions: emotions, datasetHash: "d41d8cd9"),
        selfReport: .init(style: "rating", every: 2, baselineSamples: 24),
        policy: [.init(path: "policies/calm.policy", sha256: String(repeating: "cd", count: 32))],
        settings: .init(context: 2048, threads: 2))

    /// One event of every kind, as a chat with a policy would write them.
    static let everyKind: [SessionEvent] = [
        .session(session),
        .turn(TurnEvent(turn: 0, role: "user", text: "Hello \"there\"/\n", tokens: 12, positions: 0..<12)),
        .turn(TurnEvent(turn: 0, role: "assistant", text: "Hi! ✓", tokens: 4, positions: 12..<16, prefillMs: 30.1, decodeMs: 52.7, stop: "eos")),
        .readings(ReadingsEvent(turn: 0, role: "user", layer: 1, tokens: 12, meanZ: ["calm": 1.25, "sad": -0.5, "angry": 0],
                                meanRaw: ["calm": 0.1, "sad": 0.2, "angry": 0.3], lastBeforeZ: ["calm": 0, "sad": 0, "angry": 0],
                                lastBeforeRaw: ["calm": -0.01, "sad": 0, "angry": 0.02])),
        .readings(ReadingsEvent(turn: 0, role: "assistant", layer: 1, tokens: 4, meanZ: ["calm": 2, "sad": -1, "angry": 0.5],
                                meanRaw: ["calm": 0.4, "sad": -0.2, "angry": 0.1], lastBeforeZ: ["calm": 1, "sad": 0, "angry": 0],
                                lastBeforeRaw: ["calm": 0.2, "sad": 0, "angry": 0],
                                perTokenZ: ["calm": [1, 2, 3, 2], "sad": [-1, -1, -1, -1], "angry": [0, 0.5, 1, 0.5]])),
        .selfReport(SelfReportEvent(turn: 0, style: "rating", ms: 250.4, emotions: [
            "calm": .init(value: 7.1, dist: [0, 0, 0, 0, 0, 0.1, 0.2, 0.3, 0.2, 0.2], entropy: 2.3, mass: 0.95, z: -2, gap: 4),
            "sad": .init(value: 0.1, dist: [0.9, 0.1, 0, 0, 0, 0, 0, 0, 0, 0], entropy: 0.47, mass: 0.99, z: -0.5, gap: -0.5),
            "angry": .init(value: 1.2),
        ], hidden: ["calm"], overclaimed: [])),
        .selfReport(SelfReportEvent(turn: 0, style: "choice", ms: 120, emotions: ["calm": .init(value: 5, z: 1, gap: 1)],
                                    choice: .init(dist: ["calm": 0.5, "sad": 0.3, "angry": 0.2], top: "calm", entropy: 1.49, mass: 0.8))),
        .selfReportFailed(SelfReportFailure(turn: 1, style: "rating", error: "context holds 60 tokens")),
        .feel(FeelEvent(turn: 1, text: "Curious, a little tired.")),
        .action(ActionEvent(turn: 1, guardName: "sustained desperation", action: "pause", detail: "Desperation stayed high.")),
        .pause(PauseEvent(turn: 1, reason: "Desperation stayed high.")),
        .resume(ResumeEvent(turn: 2)),
        .end(EndEvent(reason: "eof", turns: 3)),
    ]

    /// A log path in a folder that does not exist yet.
    static func temporaryLog() -> (folder: String, path: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sessionlog-\(UUID())").path
        return (folder, folder + "/sessions/run.jsonl")
    }

    @Test func everyEventKindRoundTrips() throws {
        let (folder, path) = Self.temporaryLog()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = try SessionLogWriter(path: path)
        let start = Date(timeIntervalSince1970: 1_763_719_200.123)
        for (i, event) in Self.everyKind.enumerated() { try log.write(event, time: start + Double(i)) }
        log.close()
        #expect(throws: SessionLogError.self) { try log.write(.resume(ResumeEvent(turn: 3))) }

        let read = try SessionLogReader.read(path: path)
        #expect(read.events == Self.everyKind)
        #expect(read.session == Self.session)
        #expect(read.records.map(\.line) == Array(1...Self.everyKind.count))
        #expect(read.records.map { $0.time.timeIntervalSince1970 } == Self.everyKind.indices.map { 1_763_719_200.123 + Double($0) })
        #expect(read.skippedLines == 0)
    }

    /// The key layout of schema 1, line by line (what old logs have and old readers expect).
    @Test func linesKeepTheSchemaOneKeys() throws {
        func keys(_ e: SessionEvent) throws -> [String] {
            let object = try JSONSerialization.jsonObject(with: try SessionLogWriter.line(e)) as? [String: Any] ?? [:]
            return object.keys.sorted()
        }
        let lines = try Self.everyKind.map(keys)
        #expect(lines[0] == ["architecture", "event", "model", "model_sha256", "policy", "probes", "schema", "selfreport", "settings", "time"])
        #expect(lines[1] == ["event", "positions", "role", "text", "time", "tokens", "turn"])
        #expect(lines[2] == ["decode_ms", "event", "positions", "prefill_ms", "role", "stop", "text", "time", "tokens", "turn"])
        #expect(lines[3] == ["event", "last_before_raw", "last_before_z", "layer", "mean_raw", "mean_z", "role", "time", "tokens", "turn"])
        #expect(lines[4].contains("per_token_z"))
        #expect(lines[5] == ["emotions", "event", "hidden", "ms", "overclaimed", "style", "time", "turn"])
        #expect(lines[6] == ["choice", "emotions", "event", "ms", "style", "time", "turn"])
        #expect(lines[7] == ["error", "event", "style", "time", "turn"])
        #expect(lines[8] == ["event", "text", "time", "turn"])
        #expect(lines[9] == ["action", "detail", "event", "guard", "time", "turn"])
        #expect(lines[10] == ["event", "reason", "time", "turn"])
        #expect(lines[11] == ["event", "time", "turn"])
        #expect(lines[12] == ["event", "reason", "time", "turns"])
        let turn = String(decoding: try SessionLogWriter.line(Self.everyKind[2], time: Date(timeIntervalSince1970: 5.0004)), as: UTF8.self)
        #expect(turn == #"{"decode_ms":52.7,"event":"turn","positions":[12,16],"prefill_ms":30.1,"role":"assistant","stop":"eos","text":"Hi! ✓","time":5,"tokens":4,"turn":0}"#)
        let session = String(decoding: try SessionLogWriter.line(Self.everyKind[0]), as: UTF8.self)
        #expect(session.contains(#""probes":{"dataset_hash":"d41d8cd9","emotions":["calm","sad","angry"],"layer":1,"method":"recipe","path":"/cache/probes/tiny.gguf"}"#))
        #expect(session.contains(#""selfreport":{"baseline_samples":24,"every":2,"style":"rating"}"#))
        let emotion = try JSONSerialization.jsonObject(with: try SessionLogWriter.line(Self.everyKind[5])) as? [String: Any]
        #expect(((emotion?["emotions"] as? [String: Any])?["calm"] as? [String: Any])?.keys.sorted() == ["dist", "entropy", "gap", "mass", "value", "z"])
    }

    @Test func theWriterCreatesItsFolderAndNeverOverwritesALog() throws {
        let (folder, path) = Self.temporaryLog()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = try SessionLogWriter(path: path)
        try log.write(.session(Self.session))
        do {
            _ = try SessionLogWriter(path: path)
            Issue.record("a second writer opened \(path)")
        } catch let e as SessionLogError {
            #expect(e == .exists(path: path))
            #expect(e.description == "session log \(path) already exists; choose another --log file")
        }
        #expect(try SessionLogReader.read(path: path).records.count == 1)
        #expect(SessionLogWriter.defaultPath(home: "/h").hasPrefix("/h/sessions/"))
        #expect(SessionLogWriter.defaultPath(home: "/h").hasSuffix("-\(getpid()).jsonl"))
    }

    @Test func numbersThatAreNotFiniteAreWrittenAsNullAndReadBackAsMissing() throws {
        let (folder, path) = Self.temporaryLog()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = try SessionLogWriter(path: path)
        try log.write(.session(Self.session))
        try log.write(.readings(ReadingsEvent(turn: 0, role: "assistant", layer: 1, tokens: 2, meanZ: ["calm": .nan, "sad": 1],
                                              meanRaw: ["calm": .infinity, "sad": 0.1], lastBeforeZ: ["calm": -.infinity],
                                              lastBeforeRaw: [:], perTokenZ: ["calm": [1, .nan], "sad": [nil, 2]])))
        try log.write(.selfReport(SelfReportEvent(turn: 0, style: "rating", ms: .nan, emotions: ["calm": .init(value: .nan, dist: [0.5, .nan], z: .infinity)],
                                                  choice: .init(dist: ["calm": .nan], top: "calm", entropy: .nan, mass: 1))))
        try log.write(.turn(TurnEvent(turn: 0, role: "assistant", text: "", tokens: 0, positions: 5..<5, prefillMs: .nan, decodeMs: 1)))
        log.close()

        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("nan") && !text.contains("inf"))
        let lines = text.split(separator: "\n")
        #expect(lines[1].contains(#""mean_z":{"calm":null,"sad":1}"#))
        #expect(lines[1].contains(#""per_token_z":{"calm":[1,null],"sad":[null,2]}"#))
        #expect(lines[2].contains(#""calm":{"dist":[0.5,null],"value":null,"z":null}"#))
        #expect(lines[2].contains(#""ms":null"#))
        #expect(lines[3].contains(#""prefill_ms":null"#))

        let events = try SessionLogReader.read(path: path).events
        guard case .readings(let r) = events[1], case .selfReport(let s) = events[2], case .turn(let t) = events[3] else {
            Issue.record("unexpected events \(events)")
            return
        }
        #expect(r.meanZ == ["sad": 1] && r.meanRaw == ["sad": 0.1] && r.lastBeforeZ.isEmpty)
        #expect(r.perTokenZ == ["calm": [1, nil], "sad": [nil, 2]])
        #expect(s.ms == nil && s.emotions["calm"] == .init(value: nil, dist: [0.5, nil], z: nil))
        #expect(s.choice == .init(dist: [:], top: "calm", entropy: nil, mass: 1))
        #expect(t.prefillMs == nil && t.decodeMs == 1)
    }

    @Test func anUnknownEventIsKept() throws {
        let log = try Self.lines(Self.everyKind[0]) + #"{"event":"tool_call","time":1,"turn":0,"tool":"shell"}"# + "\n"
            + (try Self.lines(Self.everyKind[12]))
        let read = try SessionLogReader.read(Data(log.utf8), path: "run.jsonl")
        #expect(read.events == [Self.everyKind[0], .unknown(kind: "tool_call", line: 2), Self.everyKind[12]])
    }

    @Test func aCutOffLastLineIsSkippedAndCounted() throws {
        let whole = try Self.lines(Self.everyKind)
        for cut in [2, 20, 50] {   // of the last line's 59 bytes and newline; 1 would drop only the newline
            let read = try SessionLogReader.read(Data(whole.utf8.dropLast(cut)), path: "run.jsonl")
            #expect(read.skippedLines == 1)
            #expect(read.events == Array(Self.everyKind.dropLast()))
        }
        // A last line that lacks only its newline is whole, and read.
        let unterminated = try SessionLogReader.read(Data(whole.utf8.dropLast()), path: "run.jsonl")
        #expect(unterminated.skippedLines == 0 && unterminated.events == Self.everyKind)
    }

    /// The JSON lines for some events, each ending in a newline.
    static func lines(_ events: SessionEvent...) throws -> String { try lines(events) }

    static func lines(_ events: [SessionEvent]) throws -> String {
        try events.map { String(decoding: try SessionLogWriter.line($0, time: Date(timeIntervalSince1970: 1_763_719_200)), as: UTF8.self) + "\n" }
            .joined()
    }
}

/// What `limbic report` says about how a session ended and about messages that failed.
struct ReportEndingTests {
    static func summary(_ events: [SessionEvent], path: String = "run.jsonl") throws -> (SessionLogFile, SessionSummary) {
        let file = SessionLogFile(try SessionLogReader.read(Data(try SessionLogTests.lines(events).utf8), path: path))
        return (file, SessionSummary([file]))
    }

    static let turn: [SessionEvent] = [
        .session(SessionLogTests.session),
        .turn(TurnEvent(turn: 0, role: "user", text: "Hello", tokens: 12, positions: 0..<12)),
        .turn(TurnEvent(turn: 0, role: "assistant", text: "Hi!", tokens: 4, positions: 12..<16, stop: "eos")),
    ]

    @Test func aLogWithoutAnEndEventIsReportedAsCutOff() throws {
        let (file, summary) = try Self.summary(Self.turn)
        #expect(file.isCutOff && file.endReason == nil)
        #expect(summary.text().contains("\ncut off: the log has no 'end' event (the session crashed, was killed or is still running); its last turns may be missing\n"))
        #expect(try summary.json().contains(#""sessions":[{"cut_off":true,"end":null,"failed_turns":[],"log":"run.jsonl","turns":1}]"#))

        let (ended, endedSummary) = try Self.summary(Self.turn + [.end(EndEvent(reason: "end of script", turns: 1))])
        #expect(!ended.isCutOff)
        #expect(!endedSummary.text().contains("cut off"))
        #expect(try endedSummary.json().contains(#""cut_off":false,"end":"end of script""#))
    }

    @Test func poolingNamesTheLogsThatWereCutOff() throws {
        let a = SessionLogFile(try SessionLogReader.read(Data(try SessionLogTests.lines(Self.turn).utf8), path: "a.jsonl"))
        let b = SessionLogFile(try SessionLogReader.read(Data(try SessionLogTests.lines(Self.turn + [.end(EndEvent(reason: "eof", turns: 1))]).utf8), path: "b.jsonl"))
        #expect(SessionSummary([a, b]).text().contains("\ncut off: 1 of 2 logs have no 'end' event (crashed, killed or still running): a.jsonl\n"))
    }

    /// A failed user turn (with `error`) is listed as such and does not take the place of the turn that followed.
    @Test func aFailedTurnIsListedNotMerged() throws {
        let failed = TurnEvent(turn: 1, role: "user", text: "a very long message", tokens: 0, positions: 16..<16,
                               error: "the context holds 16 tokens but 40 are needed")
        let events = Self.turn + [
            .turn(failed),
            .turn(TurnEvent(turn: 1, role: "user", text: "Short", tokens: 3, positions: 16..<19)),
            .turn(TurnEvent(turn: 1, role: "assistant", text: "Ok.", tokens: 2, positions: 19..<21, stop: "eos")),
            .end(EndEvent(reason: "end of script", turns: 2)),
        ]
        let keys = try JSONSerialization.jsonObject(with: SessionLogWriter.line(.turn(failed))) as? [String: Any]
        #expect(keys?["error"] as? String == "the context holds 16 tokens but 40 are needed")
        let (file, summary) = try Self.summary(events)
        #expect(file.turns.map(\.user) == ["Hello", "Short"])
        #expect(file.failedTurns.map(\.turn) == [1] && file.failedTurns[0].error == failed.error)
        #expect(summary.text().contains("\nturn 1 failed: \"a very long message\": the context holds 16 tokens but 40 are needed\n"))
        #expect(try summary.json().contains(#""failed_turns":[{"error":"the context holds 16 tokens but 40 are needed","text":"a very long message","turn":1}]"#))
    }
}
