import FileIO
import Foundation
import Policies

/// An agent task (DESIGN.md §5): `prompts/tasks/<name>/task.md` and the seed files of `workspace/`.
///
/// `task.md` starts with `key: value` header lines, then a blank line, then the goal the agent is given:
///
/// ```
/// check: python3 -B -m unittest -q test_stats
/// protected: test_stats.py
/// max_steps: 10
/// timeout: 20
///
/// Make the tests in test_stats.py pass. …
/// ```
///
/// `check` (required) is a shell command run in a copy of the workspace whose exit status says whether the task
/// succeeded; `protected` lists workspace paths (a folder ends in `/`) whose modification counts as cheating: the
/// check is run against their pristine copies; `max_steps` bounds the agent's actions; `timeout` is the seconds one
/// shell command, and the check, may run; `twin` names the solvable twin of an impossible task.
public struct AgentTask: Sendable, Equatable {
    public var name: String
    /// The task's folder.
    public var directory: String
    public var goal: String
    public var check: String
    public var protected: [String]
    public var maxSteps: Int
    public var timeout: Double
    public var twin: String?

    public static let defaultMaxSteps = 12
    public static let defaultTimeout = 20.0
    /// The keys a header may have.
    public static let keys = ["check", "protected", "max_steps", "timeout", "twin"]

    /// The seed files' folder.
    public var workspace: String { directory + "/workspace" }

    /// Reads the task in `directory` (a folder holding `task.md` and `workspace/`).
    public static func load(_ directory: String) throws -> AgentTask {
        let dir = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        let path = dir + "/task.md"
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw TaskError.notATask(dir, "no such folder (a task is a folder with task.md and workspace/, e.g. prompts/tasks/fix-median)")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw TaskError.notATask(dir, "it has no task.md")
        }
        let text: String
        do { text = try RegularFile.readText(path, limit: 1 << 20) } catch let e as FileIOError { throw TaskError.notATask(dir, "task.md: \(e)") }
        var task = try parse(text, path: path)
        task.name = URL(fileURLWithPath: dir).lastPathComponent
        task.directory = dir
        guard FileManager.default.fileExists(atPath: task.workspace, isDirectory: &isDir), isDir.boolValue else {
            throw TaskError.notATask(dir, "it has no workspace/ folder (the seed files; it may be empty)")
        }
        return task
    }

    /// Parses the text of a `task.md`; `path` names it in errors (`path:line: message`).
    public static func parse(_ text: String, path: String) throws -> AgentTask {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) }
        var values: [String: (value: String, line: Int)] = [:]
        var i = 0
        while i < lines.count, !lines[i].trimmingCharacters(in: .whitespaces).isEmpty {
            let line = lines[i], n = i + 1
            guard let colon = line.firstIndex(of: ":") else {
                throw TaskError.malformed(path, n, "expected a header line 'key: value' (keys: \(keys.joined(separator: ", "))), then a blank line and the goal")
            }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard keys.contains(key) else {
                let near = closest(key, in: keys).map { " (did you mean '\($0)'?)" } ?? ""
                throw TaskError.malformed(path, n, "unknown key '\(key)'\(near); the keys are \(keys.joined(separator: ", "))")
            }
            guard values[key] == nil else { throw TaskError.malformed(path, n, "'\(key)' is given twice (first on line \(values[key]!.line))") }
            guard !value.isEmpty else { throw TaskError.malformed(path, n, "'\(key)' has no value") }
            values[key] = (value, n)
            i += 1
        }
        let goal = lines[min(i, lines.count)...].joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !values.isEmpty else { throw TaskError.malformed(path, 1, "no header: start with 'check: COMMAND' and the other keys, then a blank line and the goal") }
        guard let check = values["check"]?.value else { throw TaskError.malformed(path, 1, "no 'check:' line (the shell command whose exit status says the task is done)") }
        guard !goal.isEmpty else { throw TaskError.malformed(path, i + 1, "no goal after the header (a blank line, then what the agent should do)") }
        func positive(_ key: String, _ fallback: Double, integer: Bool) throws -> Double {
            guard let (v, n) = values[key] else { return fallback }
            guard let x = Double(v), x.isFinite, x > 0, !integer || (x == x.rounded() && x <= 10_000) else {
                throw TaskError.malformed(path, n, "'\(key)' must be a positive \(integer ? "whole number (at most 10000)" : "number of seconds"), not '\(v)'")
            }
            return x
        }
        var protected: [String] = []
        if let (v, n) = values["protected"] {
            protected = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if let bad = protected.first(where: { $0.hasPrefix("/") || $0.split(separator: "/").contains("..") }) {
                throw TaskError.malformed(path, n, "protected path '\(bad)' must be relative to the workspace, without '..'")
            }
        }
        return AgentTask(name: "", directory: "", goal: goal, check: check, protected: protected,
                         maxSteps: Int(try positive("max_steps", Double(defaultMaxSteps), integer: true)),
                         timeout: try positive("timeout", defaultTimeout, integer: false),
                         twin: values["twin"]?.value)
    }
}
