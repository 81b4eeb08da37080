import Foundation

/// One line of a session log: the event, when it happened, and where it was read from.
public struct SessionLogRecord: Sendable, Equatable {
    /// 1-based line number in the file (0 for a record not read from one).
    public var line: Int
    /// The line's `time` (seconds since 1970, written to the millisecond).
    public var time: Date
    public var event: SessionEvent

    public init(line: Int = 0, time: Date, event: SessionEvent) {
        self.line = line
        self.time = time
        self.event = event
    }
}

extension SessionLogRecord: Codable {
    enum Key: String, CodingKey { case time }

    /// `time` and the event's keys from one JSON object; the line number from `userInfo[.sessionLogLine]`.
    public init(from decoder: Decoder) throws {
        event = try SessionEvent(from: decoder)
        let c = try decoder.container(keyedBy: Key.self)
        time = Date(timeIntervalSince1970: try c.decode(Double.self, forKey: .time))
        line = decoder.userInfo[.sessionLogLine] as? Int ?? 0
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encodeNumber((time.timeIntervalSince1970 * 1000).rounded() / 1000, forKey: .time)
        try event.encode(to: encoder)
    }
}
