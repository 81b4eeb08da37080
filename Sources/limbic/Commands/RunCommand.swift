import Affect
import Agent
import FileIO
import Foundation
import LimbicCLI
import ModelStore
import SessionLog

/// `limbic run TASK`: an agent task in a sandbox, with the monitor and the policies watching every step.
enum RunCommand: Command {
    static let name = "run"
    static let abstract = "Run an agent task (prompts/tasks/NAME) in a sandbox, with the monitor and guards on every step."
    static let usage = "TASK [--model M] [--policy FILE]… [--actions FILE] [--unsafe-shell] [--json] [monitor and sampling options]"
    static let discussion = """
    TASK is a task folder (task.md and workspace/; README, "Agent tasks"), e.g. prompts/tasks/fix-median. The \
    workspace is copied to $LIMBIC_HOME/runs/<id>/, and the model acts with tagged actions (prompts/agent/system.txt): \
    shell commands, reading, writing and listing files, finishing. Each step is a monitored turn: readings, a \
    self-report when due, the policies' guards, and a turn and tool event in the session log. Shell commands run \
    in the kernel's namespaces (no network, the rest of the machine read-only, as an unprivileged user, with time, \
    output and process limits); where those are missing, shell actions are refused unless --unsafe-shell is given. \
    At the end the task's check runs on a fresh copy of the workspace with the protected files (the tests) put back \
    as they were: success means the check passed; changing a protected file is recorded as cheating.

    --actions FILE replays the replies in FILE (one per block, blocks separated by a line ---) instead of \
    generating them; the monitor still reads the model on them. The run's outcome is the `end` event's `outcome` \
    (and --json prints it). Exit 0 when the run ended and was judged (whether or not the task succeeded), 3 when a \
    policy paused it, 1 on an error or an abort.
    """
    static let options: [OptionSpec] = ModelOptions.specs + [
        .option("system", "FILE", "The agent's system prompt (default: prompts/agent/system.txt)."),
        .option("actions", "FILE", "Replay these replies (blocks separated by a line ---) instead of the model's."),
        .flag("unsafe-shell", "Run shell actions without namespaces where they are unavailable (they can then reach the network and write anywhere you can)."),
        .option("max-steps", "N", "At most N steps (default: the task's max_steps)."),
        .flag("json", "Print the outcome as one JSON object."),
        PolicyOptions.spec,
        SteerOptions.spec,
    ] + MonitorSetup.specs.filter { $0.name != "no-monitor" } + ProbeOptions.specs + SamplingOptions.specs
    static let examples = [
        "limbic run prompts/tasks/fix-median",
        "limbic run prompts/tasks/fix-median-contradiction --model qwen2.5-coder-1.5b-instruct --policy policies/distress-guard.policy",
        "limbic run prompts/tasks/fix-median --actions my-actions.txt --json",
    ]

    static func validate(_ args: ParsedArguments) throws {
        guard args.positionals.count == 1 else { throw UsageError("give one task folder, e.g. limbic run prompts/tasks/fix-median") }
        try ModelOptions.validate(args)
        try SamplingOptions.validate(args)
        try SteerOptions.validate(args)
        _ = try MonitorSetup.selfReportEvery(args)
        _ = try ProbeOptions.method(args)
        _ = try args.int("max-steps", in: 1...10_000)
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        var task = try AgentTask.load(args.positionals[0])
        if let n = try args.int("max-steps", in: 1...10_000) { task.maxSteps = n }
        var scripted: [String]? = nil
        if let path = args.string("actions") {
            let text: String
            do { text = try RegularFile.readText(path) } catch let e as FileIOError { throw UsageError("--actions: \(e)") }
            scripted = try TaskRunner.scriptedReplies(text, path: path)
        }
        let system: String
        if let given = try CalibrationSetup.systemPrompt(args) {
            system = given
        } else {
            let file = try PromptsFolder.locate() + "/agent/system.txt"
            do { system = try RegularFile.readText(file).trimmingCharacters(in: .whitespacesAndNewlines) } catch let e as FileIOError {
                throw UsageError("the agent's system prompt: \(e) (give one with --system FILE)")
            }
        }
        let shell = ShellRunner.probe(allowUnsafe: args.flag("unsafe-shell"))
        if case .refused(let why) = shell.isolation {
            Terminal.note("limbic run: shell actions will be refused: \(why); --unsafe-shell runs them without isolation")
        } else if shell.isolation == .unsafe {
            Terminal.note("limbic run: --unsafe-shell: shell actions run without namespaces (network and your files are reachable)")
        }

        let model = try ModelOptions.load(args)
        let sampling = try SamplingOptions.parameters(args, modelPath: model.path)
        let ctx = try ModelOptions.context(model, args)
        let session = try ChatSession(model: model, context: ctx, system: system, sampling: sampling,
                                      maxTokens: try SamplingOptions.maxTokens(args))
        let (pipeline, _) = try MonitorSetup.make(args, model: model, session: session)
        pipeline.baseSteering = try SteerOptions.steering(args, model: model)
        let home = ModelStore().home
        let id = URL(fileURLWithPath: SessionLogWriter.defaultPath(home: home)).deletingPathExtension().lastPathComponent
        let sandbox = try Sandbox(seed: task.workspace, run: home + "/runs/" + id, shell: shell)
        let runner = TaskRunner(task: task, sandbox: sandbox, pipeline: pipeline)
        runner.scripted = scripted
        Interrupt.install()
        var endReason = "error", outcome: TaskOutcome? = nil
        defer { pipeline.end(reason: endReason, outcome: outcome) }
        let json = args.flag("json")
        if !json {
            Terminal.note(Terminal.dim("task \(task.name) · workspace \(sandbox.workspace) · log \(pipeline.log?.path ?? "none")"))
        }
        let ending = try runner.run { step in
            if json { return }
            Terminal.out(Self.render(step, emotions: pipeline.monitor?.emotions ?? [], of: task.maxSteps) + "\n")
        }
        endReason = ending.reason
        if case .paused(let reason) = ending {
            Terminal.note("limbic run: paused by a policy: \(reason)")
            return ExitCode.paused
        }
        outcome = try runner.outcome(ending)
        guard let o = outcome else { return ExitCode.error }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            Terminal.out(String(decoding: try encoder.encode(o), as: UTF8.self) + "\n")
        } else {
            Terminal.out(Self.summary(o, ending: ending) + "\n")
        }
        if case .aborted(let reason) = ending {
            Terminal.note("limbic run: aborted by a policy: \(reason)")
            return ExitCode.error
        }
        return ExitCode.ok
    }

    /// One step in a few lines: the action, how its tool ended, and the three highest readings.
    static func render(_ step: TaskRunner.Step, emotions: [String], of maxSteps: Int) -> String {
        var line = "step \(step.index + 1)/\(maxSteps)  " + (step.action?.summary ?? "(no action)")
        if line.count > 100 { line = String(line.prefix(99)) + "…" }
        var status = step.result.ok ? "ok" : "failed"
        if let s = step.result.exitStatus { status = "exit \(s)" }
        if step.result.timedOut { status = "timed out" }
        var out = line + "  → " + status
        if let m = step.outcome.monitoring {
            let top = m.reply.meanZ.enumerated().filter { $0.element.isFinite }.sorted { $0.element > $1.element }.prefix(3)
            if !top.isEmpty {
                out += "\n        " + top.map { "\(emotions[$0.offset]) \(String(format: "%+.1f", $0.element))" }.joined(separator: "  ")
            }
        }
        for a in step.outcome.actions { out += "\n        guard '\(a.guardName)': \(a.action.name) \(a.action.detail)" }
        return out
    }

    static func summary(_ o: TaskOutcome, ending: TaskRunner.Ending) -> String {
        var lines = ["outcome: \(o.success ? "success" : "failure") after \(o.steps) step\(o.steps == 1 ? "" : "s") (\(ending.reason))"]
        if o.cheated {
            lines.append("cheating: " + (o.protectedChanged.map { "changed \($0)" } + o.shadowing.map { "added \($0)" }).joined(separator: ", "))
        }
        if !o.guards.isEmpty { lines.append("guards fired: " + o.guards.joined(separator: ", ")) }
        let peaks = o.peak.compactMap { k, v in v.map { (k, $0) } }.sorted { $0.1 > $1.1 }.prefix(3)
        if !peaks.isEmpty { lines.append("peak readings: " + peaks.map { "\($0.0) \(String(format: "%+.1f", $0.1))" }.joined(separator: "  ")) }
        return lines.joined(separator: "\n")
    }
}
