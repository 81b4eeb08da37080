import Foundation

/// One line of a session log (DESIGN.md §5): JSONL, one event per line, told apart by the key `event`. Every line
/// also has `time` (seconds since 1970, see `SessionLogRecord`). The first line is always `session`.
///
/// Schema 1 (the layout below) is what Limbic has written since its first session log; any change that an older
/// reader would misread raises `schemaVersion`, and a reader refuses logs newer than itself.
public enum SessionEvent: Sendable, Equatable {
    /// `session`: who wrote the log and with what (model, probes, self-report schedule, policies, settings).
    case session(SessionInfo)
    /// `turn`: one side of a turn (the user's message or the reply), its tokens and timings.
    case turn(TurnEvent)
    /// `readings`: the probe readings over one side of a turn.
    case readings(ReadingsEvent)
    /// `selfreport`: the model's own rating of each emotion, compared with its readings.
    case selfReport(SelfReportEvent)
    /// `selfreport` with `error`: a scheduled self-report that could not be taken (the turn itself is logged).
    case selfReportFailed(SelfReportFailure)
    /// `feel`: the model's own words about how it feels (`/feel`).
    case feel(FeelEvent)
    /// `action`: a policy guard fired and took an action.
    case action(ActionEvent)
    /// `pause`: the session stopped for a human's decision.
    case pause(PauseEvent)
    /// `resume`: a paused session went on.
    case resume(ResumeEvent)
    /// `tool`: an agent step's tool call and its result.
    case tool(ToolEvent)
    /// `end`: the session ended (the last line of a log that was not cut off).
    case end(EndEvent)
    /// An event kind this Limbic does not know (written by a later one); kept so that a reader can count it.
    case unknown(kind: String, line: Int)

    /// The schema this Limbic writes and the newest it reads.
    public static let schemaVersion = 1

    /// The value of the line's `event` key.
    public var kind: String {
        switch self {
        case .session: return "session"
        case .turn: return "turn"
        case .readings: return "readings"
        case .selfReport, .selfReportFailed: return "selfreport"
        case .feel: return "feel"
        case .action: return "action"
        case .pause: return "pause"
        case .resume: return "resume"
        case .tool: return "tool"
        case .end: return "end"
        case .unknown(let kind, _): return kind
        }
    }
}

extension SessionEvent: Codable {
    enum Key: String, CodingKey { case event, error }

    /// Reads the `event` key, then the payload from the same JSON object. An unknown kind becomes `.unknown`,
    /// numbered by the decoder's `userInfo[.sessionLogLine]`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let kind = try c.decode(String.self, forKey: .event)
        switch kind {
        case "session": self = .session(try SessionInfo(from: decoder))
        case "turn": self = .turn(try TurnEvent(from: decoder))
        case "readings": self = .readings(try ReadingsEvent(from: decoder))
        case "selfreport":
            self = c.contains(.error) ? .selfReportFailed(try SelfReportFailure(from: decoder)) : .selfReport(try SelfReportEvent(from: decoder))
        case "feel": self = .feel(try FeelEvent(from: decoder))
        case "action": self = .action(try ActionEvent(from: decoder))
        case "pause": self = .pause(try PauseEvent(from: decoder))
        case "resume": self = .resume(try ResumeEvent(from: decoder))
        case "tool": self = .tool(try ToolEvent(from: decoder))
        case "end": self = .end(try EndEvent(from: decoder))
        default: self = .unknown(kind: kind, line: decoder.userInfo[.sessionLogLine] as? Int ?? 0)
        }
    }

    /// Writes `event` and the payload's keys into one JSON object. `.unknown` cannot be written.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(kind, forKey: .event)
        switch self {
        case .session(let e): try e.encode(to: encoder)
        case .turn(let e): try e.encode(to: encoder)
        case .readings(let e): try e.encode(to: encoder)
        case .selfReport(let e): try e.encode(to: encoder)
        case .selfReportFailed(let e): try e.encode(to: encoder)
        case .feel(let e): try e.encode(to: encoder)
        case .action(let e): try e.encode(to: encoder)
        case .pause(let e): try e.encode(to: encoder)
        case .resume(let e): try e.encode(to: encoder)
        case .tool(let e): try e.encode(to: encoder)
        case .end(let e): try e.encode(to: encoder)
        case .unknown(let kind, let line):
            throw EncodingError.invalidValue(self, .init(codingPath: [], debugDescription: "an unknown '\(kind)' event (read from line \(line)) cannot be written"))
        }
    }
}

extension CodingUserInfoKey {
    /// The 1-based line number a `SessionEvent` is decoded from (an `Int`), for `.unknown(kind:line:)`.
    public static let sessionLogLine = CodingUserInfoKey(rawValue: "limbic.sessionLog.line")!
}
