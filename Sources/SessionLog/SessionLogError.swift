import Foundation

/// Why a session log could not be written or read. Messages name the file, the line and the key, and say what
/// to do.
public enum SessionLogError: Error, CustomStringConvertible, Equatable {
    /// Writing: a log is never overwritten.
    case exists(path: String)
    case cannotCreate(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    /// An event that cannot be written as JSON (an `.unknown` one, or a number the events did not guard).
    case cannotEncode(kind: String, reason: String)
    /// Reading.
    case unreadable(path: String, reason: String)
    case notASessionLog(path: String, reason: String)
    case newerSchema(path: String, line: Int, schema: Int, supported: Int)
    /// A line before the last that is not a complete JSON object (only the last can be cut off by a crash).
    case malformedLine(path: String, line: Int, reason: String)
    /// A key the event needs is missing; `near` lists keys the line has that look like misspellings of it.
    case missingKey(path: String, line: Int, kind: String, key: String, near: [String])
    /// A key whose value has the wrong type or is out of range.
    case badValue(path: String, line: Int, kind: String, key: String, problem: String)

    public var description: String {
        switch self {
        case .exists(let p):
            return "session log \(p) already exists; choose another --log file"
        case .cannotCreate(let p, let why):
            return "cannot create the session log \(p): \(why); check the folder exists and is writable"
        case .cannotWrite(let p, let why):
            return "cannot write to the session log \(p): \(why); the log is complete up to its last line"
        case .cannotEncode(let kind, let why):
            return "cannot write a '\(kind)' event as JSON (\(why)); this is a bug in Limbic, please report it"
        case .unreadable(let p, let why):
            return "cannot read \(p): \(why)"
        case .notASessionLog(let p, let why):
            return "\(p) is not a Limbic session log: \(why)"
        case .newerSchema(let p, let line, let schema, let supported):
            return "\(p)\(line == 1 ? "" : ":\(line)") was written by a newer Limbic (schema \(schema); this one reads \(supported)): update limbic"
        case .malformedLine(let p, let line, let why):
            return "\(p):\(line): \(why); only the last line of a log can be cut off by a crash, so this file was "
                + "damaged or edited: repair or remove the line"
        case .missingKey(let p, let line, let kind, let key, let near):
            let hint = near.isEmpty ? "" : " (it has \(near.map { "'\($0)'" }.joined(separator: ", ")): misspelt?)"
            return "\(p):\(line): '\(kind)' event has no key '\(key)'\(hint); repair the line or remove it"
        case .badValue(let p, let line, let kind, let key, let problem):
            return "\(p):\(line): '\(kind)' event: '\(key)' \(problem); repair the line or remove it"
        }
    }
}
