import Foundation

/// One monitored turn as read back from a session log.
public struct LoggedTurn: Sendable {
    public var turn: Int
    public var user = ""
    public var reply = ""
    /// Reply reading z per emotion (assistant `readings` event).
    public var readingZ: [String: Double] = [:]
    /// Self-reported value (0-9 scale) and its z per emotion, when a self-report was taken.
    public var selfValue: [String: Double] = [:]
    public var selfZ: [String: Double] = [:]
    public var gap: [String: Double] = [:]
}

/// A session log read back: tolerant of a last line cut off by a crash (DESIGN.md §5).
public struct SessionLogFile: Sendable {
    public var path: String
    public var model = ""
    public var emotions: [String] = []
    public var schema = 0
    public var turns: [LoggedTurn] = []
    public var endReason: String?
    /// Lines that were not complete JSON objects (at most the last one in a log cut off mid-write).
    public var skippedLines = 0
    public var feel: [(turn: Int, text: String)] = []

    public init(path: String) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else { throw ReportError.unreadable(path) }
        var byTurn: [Int: LoggedTurn] = [:]
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: true) {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], let event = obj["event"] as? String else {
                skippedLines += 1
                continue
            }
            let n = obj["turn"] as? Int ?? -1
            func touch(_ f: (inout LoggedTurn) -> Void) {
                var t = byTurn[n] ?? LoggedTurn(turn: n)
                f(&t)
                byTurn[n] = t
            }
            switch event {
            case "session":
                schema = obj["schema"] as? Int ?? 0
                model = obj["model"] as? String ?? ""
                emotions = (obj["probes"] as? [String: Any])?["emotions"] as? [String] ?? []
            case "turn":
                let text = obj["text"] as? String ?? ""
                touch { if obj["role"] as? String == "user" { $0.user = text } else { $0.reply = text } }
            case "readings" where obj["role"] as? String == "assistant":
                let z = obj["mean_z"] as? [String: Double] ?? [:]
                touch { $0.readingZ = z }
            case "selfreport":
                let entries = obj["emotions"] as? [String: [String: Any]] ?? [:]
                touch { t in
                    for (e, v) in entries {
                        if let x = v["value"] as? Double { t.selfValue[e] = x }
                        if let x = v["z"] as? Double { t.selfZ[e] = x }
                        if let x = v["gap"] as? Double { t.gap[e] = x }
                    }
                }
            case "feel":
                feel.append((n, obj["text"] as? String ?? ""))
            case "end":
                endReason = obj["reason"] as? String ?? "?"
            default:
                break
            }
        }
        guard schema > 0 else { throw ReportError.notASessionLog(path) }
        turns = byTurn.values.filter { $0.turn >= 0 }.sorted { $0.turn < $1.turn }
    }
}

public enum ReportError: Error, CustomStringConvertible {
    case unreadable(String)
    case notASessionLog(String)

    public var description: String {
        switch self {
        case .unreadable(let p): return "cannot read \(p)"
        case .notASessionLog(let p): return "\(p) is not a Limbic session log (no 'session' event with a schema)"
        }
    }
}
