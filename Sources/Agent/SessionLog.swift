import Foundation

/// The session log: JSONL, one event per line, each written with one `write(2)` as it happens, so a session cut
/// off by a crash is readable up to its last complete line (DESIGN.md §5). Every line has `event`; the first is
/// `session` with `schema`.
///
/// Events (schema 1): `session` (model, hashes, probe set, settings), `turn` (role, text, tokens, positions,
/// timings), `readings` (per role: mean and last-before z and raw per emotion), `selfreport` (per emotion:
/// distribution, expected value, entropy, mass, z; gaps and flags), `feel` (free text), `action` (policies),
/// `end` (reason, turns).
public final class SessionLog {
    public static let schemaVersion = 1
    public let path: String
    private let handle: FileHandle

    /// Creates the file (and its folder); refuses to overwrite an existing log.
    public init(path: String) throws {
        self.path = path
        let fm = FileManager.default
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard !fm.fileExists(atPath: path) else { throw AgentError.logExists(path) }
        guard fm.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw AgentError.cannotWriteLog(path)
        }
        handle = h
    }

    /// `$LIMBIC_HOME/sessions/<UTC time>.jsonl`.
    public static func defaultPath(home: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return home + "/sessions/\(f.string(from: Date()))-\(getpid()).jsonl"
    }

    /// Appends one event.
    public func write(_ event: String, _ fields: [String: Any]) throws {
        var object = fields
        object["event"] = event
        object["time"] = Date().timeIntervalSince1970.rounded(toPlaces: 3)
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        try handle.write(contentsOf: data + Data([0x0A]))
    }

    public func close() { try? handle.close() }
}

public enum AgentError: Error, CustomStringConvertible {
    case logExists(String)
    case cannotWriteLog(String)
    case badScript(String)

    public var description: String {
        switch self {
        case .logExists(let p): return "session log \(p) already exists; choose another --log file"
        case .cannotWriteLog(let p): return "cannot create the session log \(p): check the folder exists and is writable"
        case .badScript(let p): return "cannot read the script \(p): one user turn per line, UTF-8"
        }
    }
}

extension Double {
    func rounded(toPlaces n: Int) -> Double {
        let m = pow(10, Double(n))
        return (self * m).rounded() / m
    }
}

extension Float {
    /// For logs: four decimals are plenty and keep lines short.
    var logged: Double { Double(self).rounded(toPlaces: 4) }
}
