import FileIO
import Foundation

/// A session log read back.
public struct SessionLogContents: Sendable {
    /// The path as given to the reader (messages use it as is).
    public var path: String
    /// The first line's `session` event.
    public var session: SessionInfo
    /// Every complete line in order, the `session` line included; unknown kinds are kept as `.unknown`.
    public var records: [SessionLogRecord]
    /// Lines left out: 1 when the last line was cut off mid-write (a crash), else 0.
    public var skippedLines: Int

    public var events: [SessionEvent] { records.map(\.event) }
}

/// Reads session logs, tolerant of what a crash leaves and strict about everything else (DESIGN.md §5):
/// - a last line that is not complete JSON is skipped and counted (`skippedLines`);
/// - an unknown event kind is kept as `.unknown` (a later Limbic may add kinds within a schema);
/// - a `session` event of a newer schema is refused (`SessionLogError.newerSchema`);
/// - any other malformed line, a missing or misspelt key, or a value of the wrong type is an error naming the
///   file, the line and the key.
public enum SessionLogReader {
    /// The largest log read: far above a long monitored session with per-token readings (tens of MiB).
    public static let maxBytes = 256 << 20

    /// Reads the log at `path`: a regular file (a folder, FIFO or device is refused before it is read) of at most
    /// `maxBytes`.
    public static func read(path: String) throws -> SessionLogContents {
        let bytes: [UInt8]
        do {
            bytes = try RegularFile.read(path, limit: maxBytes)
        } catch let e as FileIOError {
            switch e {
            case .notRegularFile(_, .folder):
                throw SessionLogError.unreadable(path: path, reason: "it is a folder; give the .jsonl files in it")
            default:
                throw SessionLogError.unreadable(path: path, reason: e.reason)
            }
        }
        return try read(Data(bytes), path: path)
    }

    /// Reads a log held in memory; `path` names it in errors.
    public static func read(_ data: Data, path: String) throws -> SessionLogContents {
        // (1-based line number, bytes) for every non-empty line.
        var lines: [(number: Int, bytes: Data)] = []
        var number = 0
        for chunk in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            if !chunk.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { lines.append((number, Data(chunk))) }
        }
        var records: [SessionLogRecord] = []
        var skipped = 0
        for (i, line) in lines.enumerated() {
            switch try decode(line.bytes, number: line.number, path: path) {
            case .record(let r): records.append(r)
            case .notJSON(let why):
                if i == lines.count - 1 {
                    skipped += 1
                } else if records.isEmpty {
                    throw SessionLogError.notASessionLog(path: path, reason: "line \(line.number) is \(why)")
                } else {
                    throw SessionLogError.malformedLine(path: path, line: line.number, reason: why)
                }
            }
        }
        guard let first = records.first else {
            throw SessionLogError.notASessionLog(path: path, reason: lines.isEmpty ? "it is empty" : "it ends before its first line is complete")
        }
        guard case .session(let session) = first.event else {
            throw SessionLogError.notASessionLog(path: path, reason: "line \(first.line) is a '\(first.event.kind)' event; a log starts with 'session'")
        }
        return SessionLogContents(path: path, session: session, records: records, skippedLines: skipped)
    }

    enum Line {
        case record(SessionLogRecord)
        /// Not a complete JSON object: a cut-off last line, or damage.
        case notJSON(String)
    }

    static func decode(_ bytes: Data, number: Int, path: String) throws -> Line {
        let decoder = JSONDecoder()
        decoder.userInfo[.sessionLogLine] = number
        do {
            return .record(try decoder.decode(SessionLogRecord.self, from: bytes))
        } catch let e as NewerSchema {
            throw SessionLogError.newerSchema(path: path, line: number, schema: e.schema, supported: SessionEvent.schemaVersion)
        } catch let e as DecodingError {
            // Told apart only now, so that well-formed lines are parsed once.
            guard let object = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] else {
                return .notJSON((try? JSONSerialization.jsonObject(with: bytes, options: .fragmentsAllowed)) == nil
                                ? "not complete JSON" : "not a JSON object")
            }
            throw describe(e, in: object, path: path, line: number)
        }
    }

    /// Turns a decoding error into one that names the line, the event and the key.
    static func describe(_ error: DecodingError, in object: [String: Any], path: String, line: Int) -> SessionLogError {
        let kind = object["event"] as? String ?? "?"
        switch error {
        case .keyNotFound(let key, let context):
            if context.codingPath.isEmpty, key.stringValue == "event" {
                return .notASessionLog(path: path, reason: "line \(line) has no key 'event'")
            }
            let near = (value(at: context.codingPath, in: object) as? [String: Any])
                .map { misspellings(of: key.stringValue, among: Array($0.keys)) } ?? []
            return .missingKey(path: path, line: line, kind: kind, key: keyPath(context.codingPath + [key]), near: near)
        case .typeMismatch(let type, let context):
            return .badValue(path: path, line: line, kind: kind, key: keyPath(context.codingPath), problem: "should be \(describe(type))")
        case .valueNotFound(let type, let context):
            return .badValue(path: path, line: line, kind: kind, key: keyPath(context.codingPath), problem: "is null; it should be \(describe(type))")
        case .dataCorrupted(let context):
            return .badValue(path: path, line: line, kind: kind, key: keyPath(context.codingPath), problem: context.debugDescription)
        @unknown default:
            return .badValue(path: path, line: line, kind: kind, key: "?", problem: "\(error)")
        }
    }

    /// `emotions.calm.value`, `positions[1]`.
    static func keyPath(_ path: [any CodingKey]) -> String {
        var s = ""
        for k in path {
            if let i = k.intValue, k.stringValue.hasPrefix("Index ") { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + k.stringValue }
        }
        return s.isEmpty ? "(the line)" : s
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "a whole number"
        case is Double.Type: return "a number"
        case is String.Type: return "text"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return name
        }
    }

    static func value(at path: [any CodingKey], in object: Any) -> Any? {
        var v: Any? = object
        for k in path {
            if let i = k.intValue, let a = v as? [Any] { v = a.indices.contains(i) ? a[i] : nil } else { v = (v as? [String: Any])?[k.stringValue] }
        }
        return v
    }

    /// Keys close to `key` by edit distance (at most 1, or 2 for keys of 6 or more characters), such as `mean_zz`
    /// for `mean_z`.
    static func misspellings(of key: String, among keys: [String]) -> [String] {
        let limit = key.count >= 6 ? 2 : 1
        return keys.filter { $0 != key && editDistance($0, key) <= limit }.sorted()
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
