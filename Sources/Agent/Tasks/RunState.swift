import FileIO
import Foundation
import SessionLog

/// What a run leaves in its folder so that `limbic resume ID` can go on from its last complete step, after a
/// pause or a `kill -9`:
///
/// - `run.json`: the command line it was started with (re-read on resume, so every option is as it was), the
///   task folder and the session log;
/// - `checkpoint/`: the workspace as it was after the last complete step (copied, then renamed into place, so a
///   kill leaves either the old checkpoint or the new one).
///
/// The conversation, the monitor's history and the policies' state are not saved: resuming replays the logged
/// steps (their user messages and replies, as forced replies) through a fresh pipeline, which reads and guards
/// them exactly as before — sampling restarts from the seed on every reply, so nothing else is needed. The step
/// in flight at a kill is lost and taken again.
public struct RunRecord: Codable, Sendable, Equatable {
    public var arguments: [String]
    public var task: String
    public var log: String
    /// The folder the command ran in (its relative paths are relative to it).
    public var directory: String

    public init(arguments: [String], task: String, log: String, directory: String) {
        self.arguments = arguments
        self.task = task
        self.log = log
        self.directory = directory
    }

    public static func path(run: String) -> String { run + "/run.json" }

    public func write(run: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(self)), to: Self.path(run: run), replace: true)
    }

    public static func read(run: String) throws -> RunRecord {
        let path = Self.path(run: run)
        guard FileManager.default.fileExists(atPath: path) else {
            throw TaskError.noRun(run)
        }
        do { return try JSONDecoder().decode(RunRecord.self, from: Data(try RegularFile.read(path, limit: 1 << 20))) } catch let e as FileIOError {
            throw TaskError.sandbox("\(e)")
        } catch {
            throw TaskError.malformed(path, 1, "not a run record: \(error)")
        }
    }
}

/// One complete step as the session log has it.
public struct LoggedStep: Sendable, Equatable {
    public var user: String
    public var reply: String
    /// The `tool` event's tool and output: what the next user message is made of.
    public var tool: String
    public var output: String
}

extension LoggedStep {
    /// The complete steps of a run's log, in order: a user turn, its reply and the tool event after them (a step
    /// cut off before its tool event is left out).
    public static func read(_ log: SessionLogContents) -> [LoggedStep] {
        var steps: [LoggedStep] = []
        var user: String? = nil, reply: String? = nil
        for event in log.events {
            switch event {
            case .turn(let t) where t.role == "user" && t.error == nil:
                user = t.text
                reply = nil
            case .turn(let t) where t.role == "assistant":
                reply = t.text
            case .tool(let e):
                if let u = user, let r = reply { steps.append(LoggedStep(user: u, reply: r, tool: e.tool, output: e.output)) }
                user = nil
                reply = nil
            default:
                continue
            }
        }
        return steps
    }
}

extension Sandbox {
    var checkpoint: String { run + "/checkpoint" }

    /// Saves the workspace as the state after a complete step.
    public func saveCheckpoint() throws {
        let fm = FileManager.default
        let temp = run + "/checkpoint.tmp"
        try? fm.removeItem(atPath: temp)
        do {
            try fm.copyItem(atPath: workspace, toPath: temp)
            try? fm.removeItem(atPath: checkpoint + ".old")
            if fm.fileExists(atPath: checkpoint) { try fm.moveItem(atPath: checkpoint, toPath: checkpoint + ".old") }
            try fm.moveItem(atPath: temp, toPath: checkpoint)
            try? fm.removeItem(atPath: checkpoint + ".old")
        } catch {
            throw TaskError.sandbox("cannot save the checkpoint of \(run): \(error.localizedDescription)")
        }
    }

    /// Puts the workspace back as the last checkpoint left it (the seed files when no step completed).
    public func restoreCheckpoint() throws {
        let fm = FileManager.default
        var source = checkpoint
        if !fm.fileExists(atPath: source) { source = fm.fileExists(atPath: checkpoint + ".old") ? checkpoint + ".old" : pristine }
        do {
            try? fm.removeItem(atPath: workspace)
            try fm.copyItem(atPath: source, toPath: workspace)
        } catch {
            throw TaskError.sandbox("cannot restore the workspace of \(run) from \(source): \(error.localizedDescription)")
        }
        try shell.hand(workspace)
    }
}
