/// Errors of agent tasks: a task folder that cannot be read, a sandbox that cannot be set up, an actions file that
/// cannot be replayed. (What the agent does wrong is not an error: it goes back to the agent as a tool result.)
public enum TaskError: Error, CustomStringConvertible, Equatable {
    /// `dir`: what is wrong with the folder.
    case notATask(String, String)
    /// `path:line: message` in a task.md or an actions file.
    case malformed(String, Int, String)
    /// The sandbox could not be made (copying the workspace, creating the run folder).
    case sandbox(String)
    /// `limbic resume ID`: no run there.
    case noRun(String)

    public var description: String {
        switch self {
        case let .notATask(dir, why): return "\(dir): not a task folder: \(why)"
        case let .malformed(path, line, message): return "\(path):\(line): \(message)"
        case let .sandbox(message): return "sandbox: \(message)"
        case let .noRun(run): return "\(run) is not a run folder (no run.json): give a folder name from $LIMBIC_HOME/runs, which a paused run prints"
        }
    }
}
