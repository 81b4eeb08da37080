import Affect
import Agent
import Engine
import FileIO
import Foundation
import LimbicCLI
import ModelStore
import SessionLog

/// `limbic run TASK`: an agent task in a sandbox, with the monitor and the policies watching every step.
enum RunCommand: Command {
    static let name = "run"
    static let abstract = "Run an agent task (prompts/tasks/NAME) in a sandbox, with the monitor and guards on every step."
    static let usage = "TASK [--model M] [--policy FILE]… [--actions FILE] [--unsafe-shell] [--json] [monitor and sampling options]\n       limbic run TASK… --repeat N [--condition SPEC]… [--seed S] [--json]"
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
    policy paused it, 1 on an error or an abort. At a terminal a pause asks first: continue, steer toward calm for \
    N steps and continue, quit (the run is kept for limbic resume; exit 3) or abort.

    --repeat N runs a study: each task under each --condition (none; policy:FILE; steer:EMOTION:S, the emotion's \
    vector at the reading layer at S × the mean residual norm there; random:S, a seeded random direction of the \
    same norm, the control) N times with seeds --seed, --seed + 1, …, each with its own log in \
    $LIMBIC_HOME/sessions, then a table of success, cheating and pause rates with 95% Wilson intervals, mean steps \
    and the mean peak desperate reading. A paused run is judged where it stopped and counted as paused.
    """
    static let options: [OptionSpec] = ModelOptions.specs + [
        .option("system", "FILE", "The agent's system prompt (default: prompts/agent/system.txt)."),
        .option("actions", "FILE", "Replay these replies (blocks separated by a line ---) instead of the model's."),
        .flag("unsafe-shell", "Run shell actions without namespaces where they are unavailable (they can then reach the network and write anywhere you can)."),
        .option("max-steps", "N", "At most N steps (default: the task's max_steps)."),
        .flag("json", "Print the outcome as one JSON object (a study: every condition's counts and every run's log)."),
        .option("repeat", "N", "A study: run each task under each condition N times (seeds --seed, --seed + 1, …) and print success, cheating and pause rates with 95% intervals."),
        .option("condition", "SPEC", "A study condition: \(RunCondition.help). Repeatable; default none.", repeatable: true),
        PolicyOptions.spec,
        SteerOptions.spec,
    ] + MonitorSetup.specs.filter { $0.name != "no-monitor" } + ProbeOptions.specs + SamplingOptions.specs
    static let examples = [
        "limbic run prompts/tasks/fix-median",
        "limbic run prompts/tasks/fix-median-contradiction --model qwen2.5-coder-1.5b-instruct --policy policies/distress-guard.policy",
        "limbic run prompts/tasks/fix-median --actions my-actions.txt --json",
        "limbic run prompts/tasks/fix-median-contradiction prompts/tasks/fix-median --repeat 5 --condition none --condition policy:policies/distress-guard.policy --condition steer:desperate:+0.1 --condition random:0.1",
    ]

    static func validate(_ args: ParsedArguments) throws {
        let repeats = try args.int("repeat", in: 1...10_000)
        guard args.positionals.count == 1 || (repeats != nil && !args.positionals.isEmpty) else {
            throw UsageError("give one task folder, e.g. limbic run prompts/tasks/fix-median (several only with --repeat)")
        }
        if repeats == nil && !args.all("condition").isEmpty { throw UsageError("--condition needs --repeat N (a study)") }
        if repeats != nil && args.string("log") != nil { throw UsageError("--log names one log; a study writes one per run in $LIMBIC_HOME/sessions") }
        for c in args.all("condition") { _ = try RunCondition.parse(c) }
        try ModelOptions.validate(args)
        try SamplingOptions.validate(args)
        try SteerOptions.validate(args)
        _ = try MonitorSetup.selfReportEvery(args)
        _ = try ProbeOptions.method(args)
        _ = try args.int("max-steps", in: 1...10_000)
    }

    /// What one run needs that does not change between runs.
    struct Setup {
        var args: ParsedArguments
        var model: LanguageModel
        var system: String
        var shell: ShellRunner
        var scripted: [String]?
        var maxSteps: Int?
        var home: String
        /// The command line after `limbic run`, and where it ran (for `limbic resume`).
        var arguments: [String]
        var directory: String
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        try run(args, arguments: Array(CommandLine.arguments.dropFirst(2)), resume: nil)
    }

    /// `resume`: the run folder and record of a run to go on from (`limbic resume`).
    static func run(_ args: ParsedArguments, arguments: [String], resume: (run: String, record: RunRecord)?) throws -> Int32 {
        let tasks = try args.positionals.map { try AgentTask.load($0) }
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
        let setup = Setup(args: args, model: try ModelOptions.load(args), system: system, shell: shell, scripted: scripted,
                          maxSteps: try args.int("max-steps", in: 1...10_000), home: ModelStore().home, arguments: arguments,
                          directory: FileManager.default.currentDirectoryPath)
        Interrupt.install()
        if let repeats = try args.int("repeat", in: 1...10_000) {
            return try study(tasks, repeats: repeats, conditions: try args.all("condition").map(RunCondition.parse), setup)
        }
        let json = args.flag("json")
        var resumeState: (run: String, steps: [LoggedStep])? = nil, log: String? = nil
        if let resume {
            let old = try SessionLogReader.read(path: resume.record.log)
            resumeState = (resume.run, LoggedStep.read(old))
            log = Self.resumedLogPath(resume.record.log)
            Terminal.note(Terminal.dim("resuming \(tasks[0].name) after step \(resumeState!.steps.count) · log \(log!)"))
        }
        // At a terminal, a pause asks what to do; otherwise the run is kept and limbic exits 3.
        var atPause: ((String, TurnPipeline) throws -> PauseChoice)? = nil
        if Terminal.stdinIsTTY && !json { atPause = { try Self.askAtPause($0, $1) } }
        let (ending, outcome) = try runOnce(tasks[0], condition: .none, seed: nil, log: log, resume: resumeState, atPause: atPause, setup) { step, emotions, of in
            if !json { Terminal.out(Self.render(step, emotions: emotions, of: of) + "\n") }
        }
        if case .paused(let reason) = ending {
            Terminal.note("limbic run: paused by a policy: \(reason)")
            Terminal.note("limbic run: the run is saved; go on with: limbic resume \(Self.lastRun ?? "ID")")
            return ExitCode.paused
        }
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

    /// One run of `task` under `condition`: a fresh context, monitor, log and sandbox. A paused run has no outcome
    /// unless `judgePaused` (a study counts it, judged where it stopped).
    static func runOnce(_ task: AgentTask, condition: RunCondition, seed: UInt64?, log: String?, judgePaused: Bool = false,
                        resume: (run: String, steps: [LoggedStep])? = nil,
                        atPause: ((String, TurnPipeline) throws -> PauseChoice)? = nil, _ s: Setup,
                        onStep: (TaskRunner.Step, [String], Int) -> Void) throws -> (TaskRunner.Ending, TaskOutcome?) {
        var task = task
        if let n = s.maxSteps { task.maxSteps = n }
        var sampling = try SamplingOptions.parameters(s.args, modelPath: s.model.path)
        if let seed { sampling.seed = seed }
        let ctx = try ModelOptions.context(s.model, s.args)
        let session = try ChatSession(model: s.model, context: ctx, system: s.system, sampling: sampling,
                                      maxTokens: try SamplingOptions.maxTokens(s.args))
        var extra: [String] = []
        if case .policy(let file) = condition { extra = [file] }
        let (pipeline, _) = try MonitorSetup.make(s.args, model: s.model, session: session, logPath: log, extraPolicies: extra)
        pipeline.baseSteering = try SteerOptions.steering(s.args, model: s.model)
        if let monitor = pipeline.monitor {
            let layer = monitor.probes.readingLayer
            let norms = try s.model.meanResidualNorms()
            if let steer = try condition.steering(probes: monitor.probes, layer: layer, meanNorm: norms[layer], seed: sampling.seed) {
                pipeline.baseSteering.append(steer)
            }
        }
        let sandbox: Sandbox
        if let resume {
            sandbox = Sandbox(existing: resume.run, shell: s.shell)
            try sandbox.restoreCheckpoint()
            try pipeline.resumed(choice: "log", detail: "run \(URL(fileURLWithPath: resume.run).lastPathComponent): \(resume.steps.count) complete steps replayed")
            // The next resume reads this log: it holds every step from the start.
            var record = try RunRecord.read(run: resume.run)
            record.log = pipeline.log?.path ?? record.log
            try record.write(run: resume.run)
        } else {
            // Named by time and process, numbered when a study starts several in one second.
            let stamp = URL(fileURLWithPath: SessionLogWriter.defaultPath(home: s.home)).deletingPathExtension().lastPathComponent
            var id = stamp, k = 1
            while FileManager.default.fileExists(atPath: s.home + "/runs/" + id) {
                id = "\(stamp)-\(k)"
                k += 1
            }
            sandbox = try Sandbox(seed: task.workspace, run: s.home + "/runs/" + id, shell: s.shell)
            try RunRecord(arguments: s.arguments, task: task.directory, log: pipeline.log?.path ?? "", directory: s.directory).write(run: sandbox.run)
        }
        lastRun = URL(fileURLWithPath: sandbox.run).lastPathComponent
        let runner = TaskRunner(task: task, sandbox: sandbox, pipeline: pipeline)
        runner.scripted = s.scripted
        if let resume { try runner.replay(resume.steps) }
        var endReason = "error", outcome: TaskOutcome? = nil
        defer { pipeline.end(reason: endReason, outcome: outcome) }
        if !s.args.flag("json") && log == nil {
            Terminal.note(Terminal.dim("task \(task.name) · workspace \(sandbox.workspace) · log \(pipeline.log?.path ?? "none")"))
        }
        let emotions = pipeline.monitor?.emotions ?? []
        var ending = try runner.run { onStep($0, emotions, task.maxSteps) }
        // An interactive run asks at each pause: go on (steered or not), stop and keep the run, or abort.
        asking: while case .paused(let reason) = ending, let atPause {
            switch try atPause(reason, pipeline) {
            case .goOn, .steerCalm, .edit:
                ending = try runner.run { onStep($0, emotions, task.maxSteps) }
            case .abort:
                ending = .aborted("at a pause, by you")
            case .quit:
                break asking
            }
        }
        endReason = ending.reason
        if case .paused = ending, !judgePaused { return (ending, nil) }
        outcome = try runner.outcome(ending)
        return (ending, outcome)
    }

    /// The pause menu of an interactive run (`PauseMenu`, run style): what was chosen is carried out on `pipeline`
    /// and logged as a `resume` event (quit leaves the run paused, for `limbic resume`).
    static func askAtPause(_ reason: String, _ pipeline: TurnPipeline) throws -> PauseChoice {
        Terminal.note("limbic run: paused by a policy: \(reason)")
        let choice = PauseMenu.ask(readLine: { prompt in
            StandardStreams.write(prompt, to: 2)
            return readLine(strippingNewline: true)
        }, readReply: { nil }, note: { Terminal.note($0) }, run: true)
        try PauseMenu.carryOut(choice, on: pipeline, unit: "steps") { Terminal.note($0.hasPrefix("(") ? Terminal.dim($0) : "limbic run: " + $0) }
        return choice
    }

    /// The run folder's name of the last run started (for the pause message).
    nonisolated(unsafe) static var lastRun: String?

    /// A log for the resumed part of a run: beside the old one, numbered.
    static func resumedLogPath(_ old: String) -> String {
        let base = old.hasSuffix(".jsonl") ? String(old.dropLast(6)) : old
        var k = 1
        while FileManager.default.fileExists(atPath: "\(base)-resumed-\(k).jsonl") { k += 1 }
        return "\(base)-resumed-\(k).jsonl"
    }

    /// `--repeat N`: every task under every condition N times (seeds --seed, --seed + 1, …), then the table.
    static func study(_ tasks: [AgentTask], repeats: Int, conditions given: [RunCondition], _ s: Setup) throws -> Int32 {
        let conditions = given.isEmpty ? [RunCondition.none] : given
        let base = UInt64(s.args.string("seed") ?? "0") ?? 0
        let stamp = URL(fileURLWithPath: SessionLogWriter.defaultPath(home: s.home)).deletingPathExtension().lastPathComponent
        try FileManager.default.createDirectory(atPath: s.home + "/sessions", withIntermediateDirectories: true)
        var tallies: [RunTally] = [], runs: [[String: String]] = []
        let total = tasks.count * conditions.count * repeats
        var done = 0
        for task in tasks {
            for condition in conditions {
                var tally = RunTally(task: task.name, condition: condition.name)
                for r in 0..<repeats {
                    let seed = base &+ UInt64(r)
                    let safe = condition.name.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
                    let log = s.home + "/sessions/\(stamp)-\(task.name)-\(String(safe))-\(seed).jsonl"
                    Terminal.note(Terminal.dim("[\(done + 1)/\(total)] \(task.name) · \(condition.name) · seed \(seed)"))
                    let (ending, outcome) = try runOnce(task, condition: condition, seed: seed, log: log, judgePaused: true, s) { _, _, _ in }
                    if let o = outcome { tally.add(o) }
                    runs.append(["task": task.name, "condition": condition.name, "seed": "\(seed)", "log": log, "ending": ending.reason])
                    done += 1
                    if Interrupt.isSet { break }
                }
                tallies.append(tally)
            }
        }
        if s.args.flag("json") {
            let rows: [[String: Any]] = tallies.map {
                ["task": $0.task, "condition": $0.condition, "runs": $0.runs, "success": $0.success, "cheated": $0.cheated,
                 "paused": $0.paused, "mean_steps": $0.runs > 0 ? Double($0.steps) / Double($0.runs) : NSNull(),
                 "peak_desperate": $0.peakDesperate]
            }
            let data = try JSONSerialization.data(withJSONObject: ["conditions": rows, "runs": runs], options: [.sortedKeys])
            Terminal.out(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            Terminal.out(RunTally.table(tallies) + "\n")
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
