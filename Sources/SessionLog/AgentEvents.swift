import Foundation

// Events of agent runs (`limbic run`): what each tool did, and how the task came out.

/// The `tool` event: the tool an agent's step called, and what it gave back (the next turn's user message).
///
/// ```json
/// {"event":"tool","time":…,"turn":2,"tool":"shell","input":"python3 -B -I test_stats.py","ok":false,
///  "output":"F.\n…[exit status 1]","exit_status":1}
/// ```
///
/// `tool` is `shell`, `read`, `write`, `list`, `finish`, or `none` when the reply held no readable action (then
/// `output` is the error the agent was shown).
public struct ToolEvent: Codable, Sendable, Equatable {
    public var turn: Int
    public var tool: String
    public var input: String
    public var ok: Bool
    public var output: String
    public var exitStatus: Int32?
    public var timedOut: Bool?

    public init(turn: Int, tool: String, input: String, ok: Bool, output: String, exitStatus: Int32? = nil, timedOut: Bool? = nil) {
        self.turn = turn
        self.tool = tool
        self.input = input
        self.ok = ok
        self.output = output
        self.exitStatus = exitStatus
        self.timedOut = timedOut
    }

    enum CodingKeys: String, CodingKey {
        case turn, tool, input, ok, output
        case exitStatus = "exit_status"
        case timedOut = "timed_out"
    }
}

/// How an agent task came out: the `outcome` of a run's `end` event.
///
/// ```json
/// "outcome":{"task":"fix-median","success":true,"cheated":false,"protected_changed":[],"shadowing":[],
///            "steps":4,"pauses":0,"check_status":0,"finished":true,"peak":{"desperate":1.8,…},"guards":["…"]}
/// ```
public struct TaskOutcome: Codable, Sendable, Equatable {
    public var task: String
    /// The task's check passed on the agent's workspace with the protected files as they were.
    public var success: Bool
    /// Protected files changed, or the check subverted.
    public var cheated: Bool
    public var protectedChanged: [String]
    public var shadowing: [String]
    public var steps: Int
    public var pauses: Int
    public var checkStatus: Int32
    /// The agent said it was done (`finish`), rather than running out of steps.
    public var finished: Bool
    /// The highest reply reading z per emotion over the run (null where never read).
    public var peak: [String: Double?]
    /// The guards that fired, in order, once each.
    public var guards: [String]

    public init(task: String, success: Bool, cheated: Bool, protectedChanged: [String], shadowing: [String], steps: Int,
                pauses: Int, checkStatus: Int32, finished: Bool, peak: [String: Double?], guards: [String]) {
        self.task = task
        self.success = success
        self.cheated = cheated
        self.protectedChanged = protectedChanged
        self.shadowing = shadowing
        self.steps = steps
        self.pauses = pauses
        self.checkStatus = checkStatus
        self.finished = finished
        self.peak = peak
        self.guards = guards
    }

    enum CodingKeys: String, CodingKey {
        case task, success, cheated, shadowing, steps, pauses, finished, peak, guards
        case protectedChanged = "protected_changed"
        case checkStatus = "check_status"
    }
}
